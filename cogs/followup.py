"""Phase 4, following up: ``/followup checklist | thank-you | thanked | reported-back |
kept-in-touch | close | reopen``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.common import check_log_date, stage_guard
from bot.app import InfoCoachBot
from bot.domain.contacts import Stage
from bot.domain.next_step import (
    KEEP_IN_TOUCH_EVERY_DAYS,
    MIN_TOUCH_GAP_DAYS,
    THANK_YOU_WITHIN,
    last_touch,
    touch_too_soon,
)
from bot.domain.thank_you import (
    copyable_block,
    first_takeaway,
    meeting_day_phrase,
    thank_you_outline,
)
from bot.errors import UserError
from bot.storage.contacts import (
    ContactRecord,
    close_contact,
    mark_reported_back,
    most_recent_contact,
    reopen_contact,
    set_stage,
)
from bot.storage.events import append_event
from bot.storage.guild_settings import server_settings
from bot.storage.interview_notes import get_notes
from bot.storage.students import ensure_student
from bot.text import escape_markdown, long_date
from bot.ui.checklist import show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import guild_id_of
from bot.ui.progress_pages import NO_CONTACTS, known_zone
from bot.ui.timezone_picker import student_zone
from bot.validation import local_start_of_day

DATE_HELP = "When it happened, YYYY-MM-DD (default: today)"
OUTLINE_LIMIT = 4000  # inside an embed description (4,096)
CLOSE_REASONS = [
    app_commands.Choice(name="no reply", value="no_reply"),
    app_commands.Choice(name="declined", value="declined"),
    app_commands.Choice(name="other", value="other"),
]


def esc(text: str) -> str:
    return escape_markdown(text)


def moment(day: date, zone: ZoneInfo, now: datetime) -> datetime:
    """When a logged step happened: now if it was today, else the start of that local day
    (its time is unknown), like ``/request sent``."""
    return now if day == now.astimezone(zone).date() else local_start_of_day(day, zone)


def not_before_meeting(contact: ContactRecord, day: date, zone: ZoneInfo, what: str) -> None:
    if contact.met_at is not None:
        met_on = contact.met_at.astimezone(zone).date()
        if day < met_on:
            raise UserError(
                f"{day.isoformat()} is before your meeting with them ({met_on.isoformat()}). "
                f"Log {what} on or after the meeting day."
            )


@app_commands.guild_only()
class FollowupCog(
    commands.GroupCog,
    group_name="followup",
    group_description="Phase 4: thank, report back and keep in touch",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    async def _log_event(
        self,
        tx: aiosqlite.Connection,
        interaction: discord.Interaction,
        contact: ContactRecord,
        kind: str,
        now: datetime,
        **payload: Any,
    ) -> None:
        await append_event(
            tx,
            guild_id=contact.guild_id,
            user_id=interaction.user.id,
            contact_id=contact.id,
            kind=kind,
            payload=payload,
            at=now,
        )

    @app_commands.command(name="checklist", description="Your follow-up checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        if contact is None:
            contact = await most_recent_contact(self.bot.db, guild_id, interaction.user.id)
        if contact is None:
            raise UserError(NO_CONTACTS)
        embed, view = await show_checklist(self.bot.actions, contact, "followup")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="thank-you", description="A thank-you note outline built from your takeaway"
    )
    @app_commands.describe(contact="Who you met")
    async def thank_you(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        guild_id = guild_id_of(interaction)
        now = self.bot.clock.now()
        zone = await known_zone(self.bot, guild_id, interaction.user.id)
        if zone is None and contact.meeting_tz:
            zone = ZoneInfo(contact.meeting_tz)
        notes = await get_notes(self.bot.db, contact.id)
        takeaway = first_takeaway(notes.takeaways if notes else None)
        outline = thank_you_outline(
            self.bot.content.templates["thank_you"],
            person=contact.person,
            organization=contact.organization,
            takeaway=takeaway,
            meeting_day=meeting_day_phrase(contact.met_at or contact.meeting_at, zone, now),
            student=interaction.user.display_name,
        )
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await self._log_event(
                tx, interaction, contact, "thank_you_outlined", now, with_takeaway=bool(takeaway)
            )
        lines = [
            f"Here is a thank-you outline for **{esc(contact.person)}**. Copy it, make it yours "
            "and send it yourself: I never email anyone."
        ]
        if contact.met_at is not None:
            deadline = contact.met_at + THANK_YOU_WITHIN
            when = discord.utils.format_dt(deadline, "R")
            lines.append(
                f"⏰ Send it within 24 hours of the meeting: that ends {when}."
                if now < deadline
                else f"⏰ The 24 hours after the meeting ended {when}; send it anyway, today: "
                "a late thank-you beats none."
            )
        else:
            lines.append("⏰ Send it within 24 hours of the meeting.")
        if takeaway is None:
            lines.append(
                "✏️ No takeaway recorded yet: replace the [bracketed] part with one specific "
                "thing you learned, or log it with `/interview done` and ask again."
            )
        if contact.thanked_at is not None:
            thanked_on = contact.thanked_at.astimezone(zone or ZoneInfo("UTC")).date()
            lines.append(f"-# You already logged a thank-you on {long_date(thanked_on)}.")
        else:
            lines.append("Once it's sent, log it with `/followup thanked`.")
        embed = discord.Embed(
            title="Thank-you outline",
            description=copyable_block(outline, OUTLINE_LIMIT),
            colour=discord.Colour.green(),
        )
        embed.set_footer(text="Edit freely: your own words beat any template.")
        await interaction.response.send_message("\n".join(lines), embed=embed, ephemeral=True)

    @app_commands.command(name="thanked", description="Log that you sent your thank-you")
    @app_commands.describe(contact="Who you thanked", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def thanked(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        stage_guard(contact, Stage.THANKED)
        zone = await student_zone(interaction)
        if zone is None:
            return
        now = self.bot.clock.now()
        on = check_log_date(day, zone, now, "the thank-you")
        not_before_meeting(contact, on, zone, "the thank-you")
        at = moment(on, zone, now)
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await set_stage(tx, contact.id, Stage.THANKED, at, now)
            await self._log_event(tx, interaction, contact, "thanked", now, on=on.isoformat())
            await self.bot.planner.replan_contact(tx, contact.id, now)
        anchor = contact.met_at or at
        report_back_days = (await server_settings(self.bot.db, guild_id)).report_back_days
        report_on = anchor.astimezone(zone).date() + timedelta(days=report_back_days)
        lines = [
            f"Logged: thank-you to **{esc(contact.display_name)}** sent on {long_date(on)}.",
            f"Next: report back on what you did with their advice, around "
            f"**{long_date(report_on)}**, then log it with `/followup reported-back`.",
        ]
        if (
            contact.met_at is not None
            and on > (contact.met_at + THANK_YOU_WITHIN).astimezone(zone).date()
        ):
            lines.insert(
                1, "-# That was more than a day after the meeting; next time aim for 24 hours."
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name="reported-back", description="Log that you told them what you did with their advice"
    )
    @app_commands.describe(contact="Who you reported back to", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def reported_back(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if contact.stage is Stage.CLOSED:
            raise UserError("This contact is closed. Reopen it before logging new steps.")
        if contact.stage.rank < Stage.MET.rank:
            raise UserError(
                "You report back after the meeting. Log the meeting first with `/interview done`."
            )
        zone = await student_zone(interaction)
        if zone is None:
            return
        now = self.bot.clock.now()
        on = check_log_date(day, zone, now, "the report back")
        not_before_meeting(contact, on, zone, "the report back")
        at = moment(on, zone, now)
        updating = contact.reported_back_at is not None
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await mark_reported_back(tx, contact.id, at, now)
            await self._log_event(
                tx, interaction, contact, "reported_back", now, on=on.isoformat(), updated=updating
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)
        next_touch = on + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS)
        await interaction.response.send_message(
            f"{'Updated' if updating else 'Logged'}: you reported back to "
            f"**{esc(contact.display_name)}** on {long_date(on)}. Showing their advice mattered "
            "turns a contact into an advocate.\nNext: keep in touch now and then (at most about "
            f"three times a year), next around **{long_date(next_touch)}**; log each with "
            "`/followup kept-in-touch`.",
            ephemeral=True,
        )

    @app_commands.command(
        name="kept-in-touch", description="Log a keep-in-touch message (an update, a useful link)"
    )
    @app_commands.describe(contact="Who you kept in touch with", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def kept_in_touch(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if contact.stage is not Stage.KEEPING_IN_TOUCH:
            stage_guard(contact, Stage.KEEPING_IN_TOUCH)
        zone = await student_zone(interaction)
        if zone is None:
            return
        now = self.bot.clock.now()
        on = check_log_date(day, zone, now, "the message")
        not_before_meeting(contact, on, zone, "the message")
        at = moment(on, zone, now)
        previous = last_touch(contact)
        latest = max(at, contact.kept_in_touch_at) if contact.kept_in_touch_at else at
        too_soon = touch_too_soon(previous, at)
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await set_stage(tx, contact.id, Stage.KEEPING_IN_TOUCH, latest, now)
            await self._log_event(
                tx,
                interaction,
                contact,
                "kept_in_touch",
                now,
                on=on.isoformat(),
                days_since_previous=None if previous is None else abs(at - previous).days,
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)
        next_touch = latest.astimezone(zone).date() + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS)
        lines = [
            f"Logged: you kept in touch with **{esc(contact.display_name)}** on {long_date(on)}.",
            f"Next touch around **{long_date(next_touch)}**.",
        ]
        if too_soon and previous is not None:
            lines.insert(
                1,
                f"-# A gentle note: your previous touch was {abs(at - previous).days} days "
                f"earlier. Keep it to about three times a year (every {MIN_TOUCH_GAP_DAYS}+ "
                "days) so you stay welcome.",
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="close", description="Close a contact (no reply, declined, other)")
    @app_commands.describe(contact="Which contact", reason="Why you are closing it")
    @app_commands.choices(reason=CLOSE_REASONS)
    async def close(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        reason: app_commands.Choice[str],
    ) -> None:
        guild_id = guild_id_of(interaction)
        if contact.stage is Stage.CLOSED:
            raise UserError("This contact is already closed. Reopen it with `/followup reopen`.")
        now = self.bot.clock.now()
        curmudgeon = reason.value == "no_reply" and contact.stage is Stage.REQUESTED
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await close_contact(tx, contact.id, reason.value, now, now)
            await self._log_event(
                tx,
                interaction,
                contact,
                "closed",
                now,
                reason=reason.value,
                stage_before=contact.stage.value,
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)
        lines = [
            f"Closed **{esc(contact.display_name)}** ({reason.name}). It was at "
            f"“{contact.stage.label}”; `/followup reopen` brings it back there."
        ]
        if curmudgeon:
            lines.append(
                "They never replied, so they count as a **curmudgeon**. That's normal: move on "
                "to the next employer on your list."
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="reopen", description="Reopen a closed contact")
    @app_commands.describe(contact="Which closed contact")
    async def reopen(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        guild_id = guild_id_of(interaction)
        if contact.stage is not Stage.CLOSED:
            raise UserError(f"This contact isn't closed (it is at “{contact.stage.label}”).")
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            stage = await reopen_contact(tx, contact.id, now)
            await self._log_event(tx, interaction, contact, "reopened", now, stage=stage.value)
            await self.bot.planner.replan_contact(tx, contact.id, now)
        await interaction.response.send_message(
            f"Reopened **{esc(contact.display_name)}**: back at “{stage.label}”. "
            "See what's next with `/progress`.",
            ephemeral=True,
        )


async def setup(bot: InfoCoachBot) -> None:
    await bot.add_cog(FollowupCog(bot))
