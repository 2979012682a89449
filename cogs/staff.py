"""Staff tools: ``/staff settings | audit | student | stats | export`` and
``/staff checklist show | add | reword | hide | restore | move``.

Hidden in Discord's client from members without Manage Server (``default_permissions``), and
checked again at run time on every command (:meth:`StaffCog.interaction_check`): Manage Server,
or the server's staff role. Everything that changes something, and every look at students'
data (stats, export, one student), is written to the staff audit log by the action itself
(:mod:`bot.actions.staff`, :mod:`bot.actions.staff_checklists`, :mod:`bot.actions.staff_figures`).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.staff import (
    SettingsInput,
    StaffKey,
    audit_log,
    change_settings,
    show_settings,
    student_progress,
)
from bot.actions.staff_checklists import (
    MAX_ITEM_TEXT,
    MAX_VISIBLE,
    ChecklistEdited,
    add_item,
    edit_may_replan,
    hide_item,
    move_item,
    restore_item,
    reword_item,
    show_checklist,
    staff_checklist,
)
from bot.actions.staff_figures import export_stats, view_stats
from bot.content import PHASES
from bot.errors import UserError
from bot.staff_stats import CHART_FILENAME, chart_png, stats_embed
from bot.ui.error_handler import CheckRaised
from bot.ui.replies import reply_private
from bot.ui.staff_access import require_staff
from bot.ui.staff_audit_pages import AuditPageButton, audit_page
from bot.ui.staff_checklist import (
    DONE_BY_CHOICES,
    PHASE_CHOICES,
    added_note,
    hidden_note,
    item_choices,
    moved_note,
    restored_note,
    reworded_note,
    staff_checklist_embed,
)
from bot.ui.staff_settings import (
    UNSET_CHOICES,
    holiday_choices,
    saved_text,
    settings_embed,
    staff_role,
    staff_zone,
    zone_choices,
    zone_label_line,
)
from bot.ui.staff_student import not_shared_text, student_embed

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

MAX_FILES_PER_MESSAGE = 10
EXPORT_INTRO = (
    "This server's totals as CSV files, one per table. No row is about a single student: "
    "a figure shows when at least 10 students are behind it, rounded to the nearest 5; "
    "others read `hidden`."
)
SINCE_HELP = "Only from this Monday or 1st of a month on (server's zone), e.g. 2026-11-02"


def staff_of(interaction: discord.Interaction) -> StaffKey:
    """The staff member :meth:`StaffCog.interaction_check` let through."""
    staff = interaction.extras.get("staff")
    assert isinstance(staff, StaffKey), "interaction_check did not run"
    return staff


async def show_edit(interaction: discord.Interaction, edit: ChecklistEdited, note: str) -> None:
    embed = staff_checklist_embed(edit.checklist, note, edit.values)
    await reply_private(interaction, embed=embed)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class StaffCog(
    commands.GroupCog,
    group_name="staff",
    group_description="Staff tools: server settings, checklists, progress totals, audit log",
):
    checklist = app_commands.Group(
        name="checklist", description="This server's checklists: show and edit the items"
    )

    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Every staff command: staff only, decided now from the interaction's member data."""
        try:
            interaction.extras["staff"] = await require_staff(self.ctx, interaction)
        except Exception as exc:  # only AppCommandErrors may leave a check
            raise CheckRaised(exc) from exc
        return True

    # -- settings --------------------------------------------------------------------------------

    @app_commands.command(
        name="settings", description="Show this server's settings, or change some of them"
    )
    @app_commands.describe(
        role="A role whose members are staff here (besides Manage Server)",
        word_limit="Outreach-email word limit, 50–200 (default 100)",
        meeting_minutes="Usual meeting length in minutes, 10–60 (default 20)",
        report_back_days="Days after the meeting to report back, 7–30 (default 14)",
        holidays="Public holidays to skip in business days: a country code (US, GB…) or none",
        digest_channel="Where the weekly staff summary goes",
        grace_days="Days to keep a departed student's data before deleting it, 1–365 (default 30)",
        timezone="The server's time zone for staff views (default UTC): type a city, e.g. Boston",
        unset="Clear the staff role, the digest channel or the time zone",
    )
    @app_commands.rename(
        word_limit="word-limit",
        meeting_minutes="meeting-minutes",
        report_back_days="report-back-days",
        digest_channel="digest-channel",
        grace_days="grace-days",
    )
    @app_commands.choices(unset=UNSET_CHOICES)
    async def settings(
        self,
        interaction: discord.Interaction,
        role: discord.Role | None = None,
        word_limit: app_commands.Range[int, 50, 200] | None = None,
        meeting_minutes: app_commands.Range[int, 10, 60] | None = None,
        report_back_days: app_commands.Range[int, 7, 30] | None = None,
        holidays: app_commands.Range[str, 1, 20] | None = None,
        digest_channel: discord.TextChannel | None = None,
        grace_days: app_commands.Range[int, 1, 365] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        unset: app_commands.Choice[str] | None = None,
    ) -> None:
        staff = staff_of(interaction)
        zone = staff_zone(timezone) if timezone is not None else None
        change = SettingsInput(
            role=staff_role(role) if role else None,
            word_limit=word_limit,
            meeting_minutes=meeting_minutes,
            report_back_days=report_back_days,
            holidays=holidays,
            digest_channel_id=digest_channel.id if digest_channel else None,
            grace_days=grace_days,
            zone=zone.zone if zone else None,
            unset=unset.value if unset else None,
        )
        if change.empty:
            shown = await show_settings(self.ctx, staff)
            embed = settings_embed(shown.settings, shown.word_limit)
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        if change.may_replan:  # every contact of the server: may take a moment
            await interaction.response.defer(ephemeral=True, thinking=True)
        saved = await change_settings(self.ctx, staff, change)
        embed = settings_embed(saved.settings, saved.word_limit)
        if not saved.changes:
            await reply_private(
                interaction, "Those are already the settings; nothing changed.", embed=embed
            )
            return
        text = saved_text(saved)
        understood = zone_label_line(zone, timezone) if zone and timezone else None
        if understood and "zone" in saved.changes:
            text = f"{understood}\n{text}"  # our own table: no markup in it
        await reply_private(interaction, text, embed=embed)

    @settings.autocomplete("holidays")
    async def holidays_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return holiday_choices(current)

    @settings.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    # -- audit, one student, totals -------------------------------------------------------------

    @app_commands.command(
        name="audit", description="Who did what with the staff tools, newest first"
    )
    async def audit(self, interaction: discord.Interaction) -> None:
        embed, view = audit_page(
            await audit_log(self.ctx, staff_of(interaction), 0), interaction.user.id
        )
        none = discord.AllowedMentions.none()
        if view is None:
            await interaction.response.send_message(
                embed=embed, ephemeral=True, allowed_mentions=none
            )
        else:
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=True, allowed_mentions=none
            )

    @app_commands.command(
        name="student", description="A student's contact stages, if they chose to share them"
    )
    @app_commands.describe(member="The student")
    async def student(self, interaction: discord.Interaction, member: discord.Member) -> None:
        progress = await student_progress(self.ctx, staff_of(interaction), member.id)
        if not progress.shared:
            await interaction.response.send_message(not_shared_text(member), ephemeral=True)
            return
        await interaction.response.send_message(
            embed=student_embed(member, progress.contacts), ephemeral=True
        )

    @app_commands.command(name="stats", description="This server's progress totals and funnel")
    @app_commands.describe(since=SINCE_HELP)
    async def stats(
        self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        figures = await view_stats(self.ctx, staff_of(interaction), since)
        embed = stats_embed(figures)
        if embed.image.url is None:  # no funnel step to draw
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        png = await chart_png(figures)
        await interaction.followup.send(
            embed=embed,
            file=discord.File(io.BytesIO(png), filename=CHART_FILENAME),
            ephemeral=True,
        )

    @app_commands.command(name="export", description="This server's totals as CSV files")
    @app_commands.describe(since=SINCE_HELP)
    async def export(
        self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        files = await export_stats(self.ctx, staff_of(interaction), since)
        for start in range(0, max(1, len(files)), MAX_FILES_PER_MESSAGE):
            batch = files[start : start + MAX_FILES_PER_MESSAGE]
            await interaction.followup.send(
                EXPORT_INTRO if start == 0 else "More files:",
                files=[discord.File(io.BytesIO(data), filename=name) for name, data in batch],
                ephemeral=True,
            )

    # -- checklists -----------------------------------------------------------------------------

    async def _item_autocomplete(
        self, interaction: discord.Interaction, current: str, *, hidden: bool
    ) -> list[app_commands.Choice[str]]:
        phase = getattr(interaction.namespace, "phase", None)
        if interaction.guild_id is None or phase not in PHASES:
            return []
        try:
            staff = await require_staff(self.ctx, interaction)
        except UserError:
            return []
        server = await staff_checklist(self.ctx, staff, phase)
        return item_choices(server, current, hidden=hidden)

    async def visible_items(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._item_autocomplete(interaction, current, hidden=False)

    async def hidden_items(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._item_autocomplete(interaction, current, hidden=True)

    @staticmethod
    async def _defer_if_replanning(interaction: discord.Interaction, phase: str) -> None:
        """Editing the preparation checklist re-plans the server's reminders: may take a
        moment."""
        if edit_may_replan(phase):
            await interaction.response.defer(ephemeral=True, thinking=True)

    @checklist.command(name="show", description="This server's checklist for a phase")
    @app_commands.describe(phase="Which phase")
    @app_commands.choices(phase=PHASE_CHOICES)
    async def checklist_show(
        self, interaction: discord.Interaction, phase: app_commands.Choice[str]
    ) -> None:
        shown = await show_checklist(self.ctx, staff_of(interaction), phase.value)
        embed = staff_checklist_embed(shown.checklist, values=shown.values)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @checklist.command(name="add", description="Add an item at the end of a phase's checklist")
    @app_commands.describe(
        phase="Which phase",
        text=f"What students should do (at most {MAX_ITEM_TEXT} characters)",
        why="Optional: one line on why it matters",
        done_by="Optional: the logged action that ticks it by itself for each student",
    )
    @app_commands.choices(phase=PHASE_CHOICES, done_by=DONE_BY_CHOICES)
    async def checklist_add(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        text: app_commands.Range[str, 1, MAX_ITEM_TEXT],
        why: app_commands.Range[str, 1, MAX_ITEM_TEXT] | None = None,
        done_by: app_commands.Choice[str] | None = None,
    ) -> None:
        await self._defer_if_replanning(interaction, phase.value)
        edit = await add_item(
            self.ctx,
            staff_of(interaction),
            phase.value,
            text,
            why,
            done_by.value if done_by else None,
        )
        await show_edit(interaction, edit, added_note(edit))

    @checklist.command(name="reword", description="Change an item's text (ticks are kept)")
    @app_commands.describe(
        phase="Which phase",
        item="The item (pick from the list, or its number)",
        text=f"The new text (at most {MAX_ITEM_TEXT} characters)",
        why="Optional: a new line on why it matters",
    )
    @app_commands.choices(phase=PHASE_CHOICES)
    @app_commands.autocomplete(item=visible_items)
    async def checklist_reword(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        item: app_commands.Range[str, 1, 100],
        text: app_commands.Range[str, 1, MAX_ITEM_TEXT],
        why: app_commands.Range[str, 1, MAX_ITEM_TEXT] | None = None,
    ) -> None:
        edit = await reword_item(self.ctx, staff_of(interaction), phase.value, item, text, why)
        await show_edit(interaction, edit, reworded_note(edit))

    @checklist.command(name="hide", description="Hide an item from students (their ticks are kept)")
    @app_commands.describe(phase="Which phase", item="The item (pick from the list, or its number)")
    @app_commands.choices(phase=PHASE_CHOICES)
    @app_commands.autocomplete(item=visible_items)
    async def checklist_hide(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        item: app_commands.Range[str, 1, 100],
    ) -> None:
        await self._defer_if_replanning(interaction, phase.value)
        edit = await hide_item(self.ctx, staff_of(interaction), phase.value, item)
        await show_edit(interaction, edit, hidden_note(edit))

    @checklist.command(name="restore", description="Show a hidden item to students again")
    @app_commands.describe(phase="Which phase", item="The hidden item (pick from the list)")
    @app_commands.choices(phase=PHASE_CHOICES)
    @app_commands.autocomplete(item=hidden_items)
    async def checklist_restore(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        item: app_commands.Range[str, 1, 100],
    ) -> None:
        await self._defer_if_replanning(interaction, phase.value)
        edit = await restore_item(self.ctx, staff_of(interaction), phase.value, item)
        await show_edit(interaction, edit, restored_note(edit))

    @checklist.command(name="move", description="Move an item to another place in the list")
    @app_commands.describe(
        phase="Which phase",
        item="The item (pick from the list, or its number)",
        position=f"Its new number, 1–{MAX_VISIBLE}",
    )
    @app_commands.choices(phase=PHASE_CHOICES)
    @app_commands.autocomplete(item=visible_items)
    async def checklist_move(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        item: app_commands.Range[str, 1, 100],
        position: app_commands.Range[int, 1, MAX_VISIBLE],
    ) -> None:
        edit = await move_item(self.ctx, staff_of(interaction), phase.value, item, position)
        await show_edit(interaction, edit, moved_note(edit, position))


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(AuditPageButton)
    await bot.add_cog(StaffCog(bot.actions))
