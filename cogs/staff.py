"""Staff tools: ``/staff settings | audit | student | stats | export`` and
``/staff checklist show | add | reword | hide | restore | move``.

Hidden in Discord's client from members without Manage Server (``default_permissions``), and
checked again at run time on every command (:meth:`StaffCog.interaction_check`): Manage Server,
or the server's staff role. Everything that changes something, and every look at students'
data (stats, export, one student), is written to the staff audit log.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.content import PHASES
from bot.errors import UserError
from bot.holiday_calendars import NO_HOLIDAYS, country_name, supported_countries
from bot.staff_access import require_staff
from bot.staff_stats import CHART_FILENAME, ServerStats, stats_csv_files, stats_embed
from bot.staff_summary import chart_png, server_figures
from bot.storage.checklist_items import (
    MAX_CUSTOM,
    MAX_VISIBLE,
    ServerChecklist,
    item_edits,
    new_custom_id,
    save_edit,
    save_order,
    server_checklist,
)
from bot.storage.contacts import list_contacts
from bot.storage.guild_settings import ServerSettings, server_settings, update_server_settings
from bot.storage.staff_audit import record_staff_action
from bot.storage.students import get_student
from bot.text import escape_markdown
from bot.ui.guarded import guild_id_of
from bot.ui.staff_audit_pages import AuditPageButton, audit_page
from bot.ui.staff_checklist import find_item, item_choices, item_label, staff_checklist_embed
from bot.ui.staff_settings import (
    RESCHEDULING,
    change_line,
    check_country,
    check_number,
    check_role,
    settings_embed,
)
from bot.ui.staff_student import not_shared_text, student_embed
from bot.validation import clean_optional_text, clean_text, parse_date

MAX_ITEM_TEXT = 200
MAX_FILES_PER_MESSAGE = 10
PHASE_CHOICES = [
    app_commands.Choice(name="1 · making a request", value="request"),
    app_commands.Choice(name="2 · preparing", value="prepare"),
    app_commands.Choice(name="3 · during the interview", value="interview"),
    app_commands.Choice(name="4 · following up", value="followup"),
]
UNSET_CHOICES = [
    app_commands.Choice(name="staff role", value="staff_role_id"),
    app_commands.Choice(name="digest channel", value="digest_channel_id"),
]


def _settings_of(interaction: discord.Interaction) -> ServerSettings:
    settings = interaction.extras.get("server_settings")
    assert isinstance(settings, ServerSettings), "interaction_check did not run"
    return settings


def _quote(text: str, limit: int = 80) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"“{escape_markdown(text)}”"


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

    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Every staff command: staff only, decided now from the interaction's member data."""
        interaction.extras["server_settings"] = await require_staff(interaction)
        return True

    async def _audit(
        self, interaction: discord.Interaction, action: str, detail: dict[str, Any]
    ) -> None:
        """Record a staff action that changes nothing else (a look at students' data)."""
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await record_staff_action(
                tx,
                guild_id=guild_id_of(interaction),
                staff_user_id=interaction.user.id,
                action=action,
                detail=detail,
                at=now,
            )

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
        unset="Clear the staff role or the digest channel",
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
        unset: app_commands.Choice[str] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        before = _settings_of(interaction)
        installation_limit = self.bot.content.email_rules.word_limit
        values: dict[str, Any] = {}
        for column, value in (
            ("word_limit", word_limit),
            ("meeting_minutes", meeting_minutes),
            ("report_back_days", report_back_days),
            ("departure_grace_days", grace_days),
        ):
            if check_number(column, value) is not None:
                values[column] = value
        holidays_given, country = check_country(holidays)
        if holidays_given:
            values["holiday_country"] = country
        check_role(role)
        if role is not None:
            values["staff_role_id"] = role.id
        if digest_channel is not None:
            values["digest_channel_id"] = digest_channel.id
        if unset is not None:
            if unset.value in values:
                raise UserError(
                    f"You both set and unset the {unset.name} in one go; pick one. "
                    "Nothing was changed."
                )
            values[unset.value] = None
        if not values:
            await interaction.response.send_message(
                embed=settings_embed(before, before.email_word_limit(installation_limit)),
                ephemeral=True,
            )
            return
        current = {
            "word_limit": before.email_word_limit(installation_limit),
            "meeting_minutes": before.meeting_minutes,
            "report_back_days": before.report_back_days,
            "holiday_country": before.holiday_country,
            "staff_role_id": before.staff_role_id,
            "digest_channel_id": before.digest_channel_id,
            "departure_grace_days": before.departure_grace_days,
        }
        changes = {k: [current[k], v] for k, v in values.items() if current[k] != v}
        if not changes:
            await interaction.response.send_message(
                "Those are already the settings; nothing changed.",
                embed=settings_embed(before, before.email_word_limit(installation_limit)),
                ephemeral=True,
            )
            return
        replan = bool(RESCHEDULING & changes.keys())
        if replan:  # every contact of the server: may take a moment
            await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        initial = {"word_limit": installation_limit} if not before.stored else None
        async with self.bot.db.transaction() as tx:
            await update_server_settings(tx, guild_id, now, initial=initial, **values)
            await record_staff_action(
                tx,
                guild_id=guild_id,
                staff_user_id=interaction.user.id,
                action="settings_changed",
                detail=changes,
                at=now,
            )
        # After the commit, in batches: students' own actions already use the new settings.
        replanned = await self.bot.planner.replan_guild(guild_id, now) if replan else 0
        after = await server_settings(self.bot.db, guild_id)
        lines = [
            f"Saved. {len(changes)} setting{'s' if len(changes) != 1 else ''} changed:",
            *(change_line(column, old, new) for column, (old, new) in changes.items()),
        ]
        if replan:
            lines.append(
                f"-# Reminders re-planned for {replanned} contact"
                f"{'s' if replanned != 1 else ''} in this server."
            )
        embed = settings_embed(after, after.email_word_limit(installation_limit))
        if interaction.response.is_done():
            await interaction.followup.send("\n".join(lines), embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message("\n".join(lines), embed=embed, ephemeral=True)

    @settings.autocomplete("holidays")
    async def holidays_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower()
        choices = [app_commands.Choice(name="none (weekends only)", value=NO_HOLIDAYS)]
        for code in sorted(code for code in supported_countries() if len(code) == 2):
            name = country_name(code)
            if not needle or code.lower().startswith(needle) or needle in name.lower():
                choices.append(app_commands.Choice(name=f"{code} — {name}"[:100], value=code))
        if needle:
            choices = choices[1:] if needle not in NO_HOLIDAYS else choices
        return choices[:25]

    # -- audit, one student, totals -------------------------------------------------------------

    @app_commands.command(
        name="audit", description="Who did what with the staff tools, newest first"
    )
    async def audit(self, interaction: discord.Interaction) -> None:
        embed, view = await audit_page(
            self.bot.db, guild_id_of(interaction), interaction.user.id, 0
        )
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="student", description="A student's contact stages, if they chose to share them"
    )
    @app_commands.describe(member="The student")
    async def student(self, interaction: discord.Interaction, member: discord.Member) -> None:
        guild_id = guild_id_of(interaction)
        row = await get_student(self.bot.db, guild_id, member.id)
        shared = row is not None and row.share_with_staff
        await self._audit(interaction, "student_viewed", {"student": member.id, "shared": shared})
        if not shared:
            await interaction.response.send_message(not_shared_text(member), ephemeral=True)
            return
        contacts = await list_contacts(self.bot.db, guild_id, member.id)
        await interaction.response.send_message(
            embed=student_embed(member, contacts), ephemeral=True
        )

    def _since(self, since: str | None) -> date | None:
        if since is None:
            return None
        day = parse_date(since, "since")
        today = self.bot.clock.now().date()
        if day > today:
            raise UserError(f"{day.isoformat()} is in the future (today is {today.isoformat()}).")
        return day

    async def _figures(self, guild_id: int, since: date | None) -> ServerStats:
        return await server_figures(self.bot, guild_id, since)

    @app_commands.command(name="stats", description="This server's progress totals and funnel")
    @app_commands.describe(since="Only activity from this day on, YYYY-MM-DD (default: all)")
    async def stats(
        self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        day = self._since(since)
        await interaction.response.defer(ephemeral=True, thinking=True)
        figures = await self._figures(guild_id, day)
        embed = stats_embed(figures)
        png = await chart_png(figures)
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
        await self._audit(interaction, "stats_viewed", {"since": day.isoformat() if day else None})
        await interaction.followup.send(
            embed=embed,
            file=discord.File(io.BytesIO(png), filename=CHART_FILENAME),
            ephemeral=True,
        )

    @app_commands.command(name="export", description="This server's totals as CSV files")
    @app_commands.describe(since="Only activity from this day on, YYYY-MM-DD (default: all)")
    async def export(
        self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        day = self._since(since)
        await interaction.response.defer(ephemeral=True, thinking=True)
        files = stats_csv_files(await self._figures(guild_id, day))
        await self._audit(
            interaction,
            "stats_exported",
            {"since": day.isoformat() if day else None, "files": [name for name, _ in files]},
        )
        intro = (
            "This server's totals as CSV files, one per table. No row is about a single "
            "student; figures drawn from fewer than 5 students are left out."
        )
        for start in range(0, max(1, len(files)), MAX_FILES_PER_MESSAGE):
            batch = files[start : start + MAX_FILES_PER_MESSAGE]
            await interaction.followup.send(
                intro if start == 0 else "More files:",
                files=[discord.File(io.BytesIO(data), filename=name) for name, data in batch],
                ephemeral=True,
            )

    # -- checklists -----------------------------------------------------------------------------

    async def _server_checklist(
        self, interaction: discord.Interaction, phase: str
    ) -> ServerChecklist:
        if phase not in PHASES:
            raise UserError(f"“{phase[:20]}” isn't a phase; pick one from the list.")
        return await server_checklist(
            self.bot.db, self.bot.content, guild_id_of(interaction), phase
        )

    async def _item_autocomplete(
        self, interaction: discord.Interaction, current: str, *, hidden: bool
    ) -> list[app_commands.Choice[str]]:
        phase = getattr(interaction.namespace, "phase", None)
        if interaction.guild_id is None or phase not in PHASES:
            return []
        try:
            await require_staff(interaction)
        except UserError:
            return []
        server = await server_checklist(self.bot.db, self.bot.content, interaction.guild_id, phase)
        return item_choices(server, current, hidden=hidden)

    async def visible_items(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._item_autocomplete(interaction, current, hidden=False)

    async def hidden_items(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._item_autocomplete(interaction, current, hidden=True)

    async def _save(
        self,
        interaction: discord.Interaction,
        phase: str,
        action: str,
        detail: dict[str, Any],
        edits: list[tuple[str, dict[str, Any]]],
        *,
        note: str,
        order: list[str] | None = None,
        replan: bool = False,
    ) -> None:
        """Write item edits (and/or a new order), the audit entry and, when the preparation
        checklist's items changed, the server's re-planned reminders; then show the result."""
        guild_id = guild_id_of(interaction)
        replan = replan and phase == "prepare"  # "preparation finished" depends on its items
        if replan:
            await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            for item_id, fields in edits:
                await save_edit(tx, guild_id, phase, item_id, now, **fields)
            if order is not None:
                await save_order(tx, guild_id, phase, order, now)
            await record_staff_action(
                tx,
                guild_id=guild_id,
                staff_user_id=interaction.user.id,
                action=action,
                detail={"phase": phase, **detail},
                at=now,
            )
        if replan:
            await self.bot.planner.replan_guild(guild_id, now)
        server = await server_checklist(self.bot.db, self.bot.content, guild_id, phase)
        embed = staff_checklist_embed(server, note)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)

    @checklist.command(name="show", description="This server's checklist for a phase")
    @app_commands.describe(phase="Which phase")
    @app_commands.choices(phase=PHASE_CHOICES)
    async def checklist_show(
        self, interaction: discord.Interaction, phase: app_commands.Choice[str]
    ) -> None:
        server = await self._server_checklist(interaction, phase.value)
        await interaction.response.send_message(embed=staff_checklist_embed(server), ephemeral=True)

    @checklist.command(name="add", description="Add an item at the end of a phase's checklist")
    @app_commands.describe(
        phase="Which phase",
        text=f"What students should do (at most {MAX_ITEM_TEXT} characters)",
        why="Optional: one line on why it matters",
    )
    @app_commands.choices(phase=PHASE_CHOICES)
    async def checklist_add(
        self,
        interaction: discord.Interaction,
        phase: app_commands.Choice[str],
        text: app_commands.Range[str, 1, MAX_ITEM_TEXT],
        why: app_commands.Range[str, 1, MAX_ITEM_TEXT] | None = None,
    ) -> None:
        item_text = " ".join(clean_text(text, "item text", max_length=MAX_ITEM_TEXT).split())
        item_why = clean_optional_text(why, "why", max_length=MAX_ITEM_TEXT)
        server = await self._server_checklist(interaction, phase.value)
        if len(server.visible) >= MAX_VISIBLE:
            raise UserError(
                f"The {phase.value} checklist already shows {MAX_VISIBLE} items, the most it "
                "can. Hide one first (`/staff checklist hide`). Nothing was changed."
            )
        edits = await item_edits(self.bot.db, guild_id_of(interaction), phase.value)
        if sum(1 for edit in edits if edit.custom) >= MAX_CUSTOM:
            raise UserError(
                f"This server has added {MAX_CUSTOM} items to the {phase.value} checklist over "
                "time, the most it may. Reword or restore one of them instead."
            )
        item_id = new_custom_id(server, edits)
        fields = {"text": item_text, "why": item_why, "custom": True, "hidden": False}
        await self._save(
            interaction,
            phase.value,
            "checklist_item_added",
            {"item": item_id, "text": item_text},
            [(item_id, fields)],
            note=f"Added item {len(server.visible) + 1}: {_quote(item_text)}.",
            replan=True,
        )

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
        item_text = " ".join(clean_text(text, "item text", max_length=MAX_ITEM_TEXT).split())
        item_why = clean_optional_text(why, "why", max_length=MAX_ITEM_TEXT)
        server = await self._server_checklist(interaction, phase.value)
        entry = find_item(server, item, hidden=False)
        fields: dict[str, Any] = {
            "text": None if entry.default and entry.default.text == item_text else item_text
        }
        if item_why is not None:
            fields["why"] = None if entry.default and entry.default.why == item_why else item_why
        number = item_label(server, entry)
        await self._save(
            interaction,
            phase.value,
            "checklist_item_reworded",
            {"item": entry.item.id, "text": item_text},
            [(entry.item.id, fields)],
            note=f"Reworded item {number}: {_quote(entry.item.text)} → {_quote(item_text)}. "
            "Students keep their ticks on it.",
        )

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
        server = await self._server_checklist(interaction, phase.value)
        entry = find_item(server, item, hidden=False)
        if len(server.visible) <= 1:
            raise UserError("A checklist needs at least one item; this is the last one.")
        await self._save(
            interaction,
            phase.value,
            "checklist_item_hidden",
            {"item": entry.item.id},
            [(entry.item.id, {"hidden": True})],
            note=f"Hid item {item_label(server, entry)}: {_quote(entry.item.text)}. Students' "
            "ticks on it are kept; `/staff checklist restore` brings it back.",
            replan=True,
        )

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
        server = await self._server_checklist(interaction, phase.value)
        entry = find_item(server, item, hidden=True)
        if len(server.visible) >= MAX_VISIBLE:
            raise UserError(
                f"The {phase.value} checklist already shows {MAX_VISIBLE} items, the most it "
                "can. Hide one first. Nothing was changed."
            )
        await self._save(
            interaction,
            phase.value,
            "checklist_item_restored",
            {"item": entry.item.id},
            [(entry.item.id, {"hidden": False})],
            note=f"Restored {_quote(entry.item.text)}, with everyone's ticks on it.",
            replan=True,
        )

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
        server = await self._server_checklist(interaction, phase.value)
        entry = find_item(server, item, hidden=False)
        visible = len(server.visible)
        if not 1 <= position <= visible:
            raise UserError(
                f"The {phase.value} checklist shows {visible} items, so the position must be "
                f"from 1 to {visible}. Nothing was changed."
            )
        order = moved(server, entry.item.id, position)
        await self._save(
            interaction,
            phase.value,
            "checklist_item_moved",
            {"item": entry.item.id, "from": server.visible.index(entry) + 1, "to": position},
            [],
            note=f"Moved {_quote(entry.item.text)} to number {position}.",
            order=order,
        )


def moved(server: ServerChecklist, item_id: str, position: int) -> list[str]:
    """Every item id of the phase in its new order, ``item_id`` now the ``position``-th visible
    one; hidden items keep their places relative to the others."""
    rest = [entry for entry in server.items if entry.item.id != item_id]
    target = next(entry for entry in server.items if entry.item.id == item_id)
    visible_rest = [entry for entry in rest if not entry.hidden]
    if position - 1 < len(visible_rest):
        index = rest.index(visible_rest[position - 1])
    else:
        index = len(rest)
    rest.insert(index, target)
    return [entry.item.id for entry in rest]


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(AuditPageButton)
    await bot.add_cog(StaffCog(bot))
