"""Phase 2, preparing: ``/prepare checklist | schedule | questions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.contacts import contact_or_latest
from bot.actions.context import ActionContext
from bot.actions.prepare import (
    DEFAULT_MEETING_MINUTES,
    MAX_MEETING_MINUTES,
    MIN_MEETING_MINUTES,
    MeetingScheduled,
    question_list,
    schedule_meeting,
    tiara_bank,
)
from bot.text import escape_markdown
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import student_of
from bot.ui.meeting import minutes_text, when
from bot.ui.question_builder import QUESTION_BUILDER_ITEMS, render_question_builder
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


def meeting_scheduled_text(result: MeetingScheduled) -> str:
    name = escape_markdown(result.contact.display_name)
    previous = result.previous
    lines = [
        f"{'Moved' if previous else 'Scheduled'}: your meeting with **{name}** is on "
        f"{when(result.start)}, for {minutes_text(result.minutes)}.",
        f"-# Entered as {result.local_day.isoformat()} {result.local_time:%H:%M} in "
        f"{result.zone.key}; Discord shows the time above in each reader's own time zone.",
    ]
    if previous is not None:
        lines.insert(1, f"It replaces {discord.utils.format_dt(previous, 'F')}.")
    lines.append(
        "Next: build your questions with `/prepare questions`, work through "
        "`/prepare checklist`, and confirm the day before, naming the time zone."
    )
    return "\n".join(lines)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(
        ChecklistTick, TimezoneSelect, *QUESTION_BUILDER_ITEMS
    )  # the components it renders
    await bot.add_cog(PrepareCog(bot.actions))
