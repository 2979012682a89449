"""Phase 2, preparing: ``/prepare checklist | schedule | questions | star | unstar``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.contacts import contact_or_latest
from bot.actions.context import ActionContext, StudentKey
from bot.actions.prepare import (
    DEFAULT_MEETING_MINUTES,
    MAX_MEETING_MINUTES,
    MAX_STARS,
    MIN_MEETING_MINUTES,
    MeetingScheduled,
    StarChanged,
    question_list,
    schedule_meeting,
    star_question,
    suggest_questions,
    tiara_bank,
    unstar_question,
)
from bot.discord_limits import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.text import escape_markdown, long_date
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.contact_reminders import reminders_off_line
from bot.ui.guarded import student_of
from bot.ui.meeting import minutes_text, when
from bot.ui.question_builder import (
    QUESTION_BUILDER_ITEMS,
    STAR,
    builder_embed,
    render_question_builder,
    shorten,
)
from bot.ui.timezone_picker import TimezoneSelect, student_zone

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

FIRST_CATEGORY = "trends"
"""The builder opens on Trends: easy questions first."""


@app_commands.guild_only()
class PrepareCog(
    commands.GroupCog,
    group_name="prepare",
    group_description="Phase 2: prepare for the meeting",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(name="checklist", description="Your preparation checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        chosen = await contact_or_latest(
            self.ctx, student_of(interaction), contact.id if contact else None
        )
        embed, view = await show_checklist(self.ctx, chosen, "prepare")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="schedule", description="Schedule (or move) the meeting, in your time zone"
    )
    @app_commands.describe(
        contact="Which contact",
        day="The day: tomorrow, next Tuesday, April 6 or 2027-04-06",
        at="The start time in your time zone: 15:00, 3pm or 3:30 PM",
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
        who = student_of(interaction)  # a private error in direct messages
        if await student_zone(interaction) is None:
            return  # asked for their time zone first
        result = await schedule_meeting(self.ctx, who, contact.id, day, at, duration)
        await interaction.response.send_message(meeting_scheduled_text(result), ephemeral=True)

    @app_commands.command(
        name="questions", description="Build your question list for a contact (TIARA)"
    )
    @app_commands.describe(contact="Which contact")
    async def questions(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        listing = await question_list(self.ctx, student_of(interaction), contact.id)
        embed, view = render_question_builder(
            listing, FIRST_CATEGORY, tiara_bank(self.ctx, FIRST_CATEGORY)
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def _question_choices(
        self, interaction: discord.Interaction, typed: str, *, starred: bool | None
    ) -> list[app_commands.Choice[str]]:
        contact = getattr(interaction.namespace, "contact", None)
        if interaction.guild_id is None or not contact:
            return []
        who = StudentKey(interaction.guild_id, interaction.user.id)
        found = await suggest_questions(self.ctx, who, str(contact), typed, starred=starred)
        return [
            app_commands.Choice(
                name=shorten(f"{STAR + ' ' if q.starred else ''}{n}. {q.text}", CHOICE_NAME_LIMIT),
                value=f"q{q.id}",
            )
            for n, q in found[:MAX_CHOICES]
        ]

    async def any_question(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._question_choices(interaction, current, starred=None)

    async def starred_question(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._question_choices(interaction, current, starred=True)

    @app_commands.command(
        name="star",
        description=f"Star one of a contact's questions (up to {MAX_STARS}): your 1-hour "
        "reminder shows it first",
    )
    @app_commands.describe(
        contact="Which contact",
        question="Pick it as you type, or give its number as /prepare questions shows it",
    )
    @app_commands.autocomplete(question=any_question)
    async def star(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        question: app_commands.Range[str, 1, 100],
    ) -> None:
        result = await star_question(self.ctx, student_of(interaction), contact.id, question)
        await interaction.response.send_message(
            star_text(result), embed=builder_embed(result.listing), ephemeral=True
        )

    @app_commands.command(
        name="unstar", description="Take the star off one of a contact's questions"
    )
    @app_commands.describe(
        contact="Which contact",
        question="Pick it as you type, or give its number as /prepare questions shows it",
    )
    @app_commands.autocomplete(question=starred_question)
    async def unstar(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        question: app_commands.Range[str, 1, 100],
    ) -> None:
        result = await unstar_question(self.ctx, student_of(interaction), contact.id, question)
        await interaction.response.send_message(
            star_text(result), embed=builder_embed(result.listing), ephemeral=True
        )


def star_text(result: StarChanged) -> str:
    """What starring or unstarring did, naming the question by its number on the list now."""
    question, number = result.question, result.number
    text = escape_markdown(shorten(question.text, 120))
    count = len(result.listing.starred)
    if question.starred:
        said = (
            f"{STAR} Starred question {number}: “{text}”."
            if result.changed
            else f"Question {number} (“{text}”) was already starred."
        )
        return (
            f"{said} {count}/{MAX_STARS} starred: the reminder an hour before the meeting "
            "shows them first."
        )
    said = (
        f"Took the star off question {number} (“{text}”)."
        if result.changed
        else f"Question {number} (“{text}”) isn't starred."
    )
    return f"{said} {count}/{MAX_STARS} starred."


def meeting_scheduled_text(result: MeetingScheduled) -> str:
    name = escape_markdown(result.contact.display_name)
    previous = result.previous
    lines = [
        f"{'Moved' if previous else 'Scheduled'}: your meeting with **{name}** is on "
        f"{when(result.start)}, for {minutes_text(result.minutes)}.",
        f"-# Entered as {long_date(result.local_day)} {result.local_time:%H:%M} in "
        f"{result.zone.key}; Discord shows the time above in each reader's own time zone.",
    ]
    if previous is not None:
        lines.insert(1, f"It replaces {discord.utils.format_dt(previous, 'F')}.")
    lines.append(
        "Next: build your questions with `/prepare questions`, work through "
        "`/prepare checklist`, and confirm the day before, naming the time zone."
    )
    off = reminders_off_line(result.contact, "preparation, confirm or 1-hour")
    if off is not None:
        lines.append(off)
    return "\n".join(lines)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(
        ChecklistTick, TimezoneSelect, *QUESTION_BUILDER_ITEMS
    )  # the components it renders
    await bot.add_cog(PrepareCog(bot.actions))
