"""Phase 2, preparing: ``/prepare checklist | schedule | questions``."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.common import stage_guard
from bot.app import InfoCoachBot
from bot.domain.contacts import Stage
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, most_recent_contact, set_meeting
from bot.storage.events import append_event
from bot.storage.guild_settings import server_settings
from bot.storage.questions import list_questions
from bot.storage.students import ensure_student
from bot.storage.timestamps import to_db
from bot.text import escape_markdown
from bot.ui.checklist import show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import guild_id_of
from bot.ui.meeting import minutes_text, when
from bot.ui.question_builder import QUESTION_BUILDER_ITEMS, render_question_builder
from bot.ui.timezone_picker import student_zone
from bot.validation import local_datetime, parse_clock_time, parse_date

DEFAULT_MEETING_MINUTES = 20
MIN_MEETING_MINUTES = 10
MAX_MEETING_MINUTES = 60
FURTHEST_MEETING = timedelta(days=366)
NO_CONTACTS = (
    "You have no contacts yet. Add the first one with "
    "`/request new person:<name> organization:<employer>`."
)


async def contact_or_latest(
    bot: InfoCoachBot, interaction: discord.Interaction, contact: ContactRecord | None
) -> ContactRecord:
    """The chosen contact, else the one the student worked on last."""
    if contact is not None:
        return contact
    latest = await most_recent_contact(bot.db, guild_id_of(interaction), interaction.user.id)
    if latest is None:
        raise UserError(NO_CONTACTS)
    return latest


def schedule_guard(contact: ContactRecord) -> None:
    """Scheduling moves planned/requested/replied to scheduled; rescheduling keeps scheduled."""
    if contact.stage is not Stage.SCHEDULED:
        stage_guard(contact, Stage.SCHEDULED)


@app_commands.guild_only()
class PrepareCog(
    commands.GroupCog,
    group_name="prepare",
    group_description="Phase 2: prepare for the meeting",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="checklist", description="Your preparation checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        contact = await contact_or_latest(self.bot, interaction, contact)
        embed, view = await show_checklist(self.bot.actions, contact, "prepare")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="schedule", description="Schedule (or move) the meeting, in your time zone"
    )
    @app_commands.describe(
        contact="Which contact",
        day="The day, YYYY-MM-DD",
        at="The start time in your time zone, HH:MM (24-hour clock)",
        duration="Length in minutes (default: the server's usual length, "
        f"{DEFAULT_MEETING_MINUTES} unless staff changed it)",
    )
    @app_commands.rename(day="date", at="time")
    async def schedule(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40],
        at: app_commands.Range[str, 1, 20],
        duration: app_commands.Range[int, MIN_MEETING_MINUTES, MAX_MEETING_MINUTES] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        schedule_guard(contact)
        usual = (await server_settings(self.bot.db, guild_id)).meeting_minutes
        if duration is None:
            duration = usual
        if not MIN_MEETING_MINUTES <= duration <= MAX_MEETING_MINUTES:
            raise UserError(
                f"A meeting lasts {MIN_MEETING_MINUTES} to {MAX_MEETING_MINUTES} minutes; "
                f"{usual} is a good length to ask for."
            )
        local_day = parse_date(day)
        local_time = parse_clock_time(at)
        zone = await student_zone(interaction)
        if zone is None:
            return
        start = local_datetime(local_day, local_time, zone)
        now = self.bot.clock.now()
        if start <= now:
            local_now = now.astimezone(zone)
            raise UserError(
                f"{local_day.isoformat()} {local_time:%H:%M} has already passed (it's "
                f"{local_now:%Y-%m-%d %H:%M} in {zone.key}). Pick a time in the future."
            )
        if start - now > FURTHEST_MEETING:
            raise UserError(f"{local_day.isoformat()} is more than a year ahead; check the year.")
        previous = contact.meeting_at
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await set_meeting(
                tx, contact.id, meeting_at=start, zone=zone.key, minutes=duration, now=now
            )
            payload: dict[str, object] = {"timezone": zone.key, "minutes": duration}
            if previous is None:
                payload["meeting_at"] = to_db(start)
            else:
                payload.update(old_meeting_at=to_db(previous), new_meeting_at=to_db(start))
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                contact_id=contact.id,
                kind="meeting_scheduled" if previous is None else "meeting_rescheduled",
                payload=payload,
                at=now,
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)  # meeting reminders
        name = escape_markdown(contact.display_name)
        lines = [
            f"{'Moved' if previous else 'Scheduled'}: your meeting with **{name}** is on "
            f"{when(start)}, for {minutes_text(duration)}.",
            f"-# Entered as {local_day.isoformat()} {local_time:%H:%M} in {zone.key}; "
            "Discord shows the time above in each reader's own time zone.",
        ]
        if previous is not None:
            lines.insert(1, f"It replaces {discord.utils.format_dt(previous, 'F')}.")
        lines.append(
            "Next: build your questions with `/prepare questions`, work through "
            "`/prepare checklist`, and confirm the day before, naming the time zone."
        )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name="questions", description="Build your question list for a contact (TIARA)"
    )
    @app_commands.describe(contact="Which contact")
    async def questions(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        guild_id_of(interaction)
        questions = await list_questions(self.bot.db, contact.id)
        embed, view = render_question_builder(self.bot.content, contact, questions, "trends")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(*QUESTION_BUILDER_ITEMS)
    await bot.add_cog(PrepareCog(bot))
