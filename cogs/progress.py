"""``/progress [contact]``: every contact with its stage, next step and funnel, or one
contact's whole history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.progress import contact_story
from bot.ui.contact_history import render_story
from bot.ui.contact_option import ContactOption
from bot.ui.contact_reminders import RemindersOnButton, reminders_view
from bot.ui.guarded import student_of
from bot.ui.progress_pages import ProgressPageButton, overview_page

if TYPE_CHECKING:
    from bot.app import InfoCoachBot


class ProgressCog(commands.Cog):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx

    @app_commands.command(
        name="progress", description="Your contacts, next steps and funnel, or one contact's story"
    )
    @app_commands.describe(contact="Show one contact's whole history instead of the overview")
    @app_commands.guild_only()
    async def progress(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        who = student_of(interaction)
        if contact is None:
            embed, view = await overview_page(self.ctx, who, 0)
            if view is None:
                await interaction.response.send_message(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
            return
        story = await contact_story(self.ctx, who, contact.id)
        stopped = story.contact.nudges_stopped and story.contact.stage.value != "closed"
        view = reminders_view(story.contact.id, stopped)
        if view is None:
            await interaction.response.send_message(embed=render_story(story), ephemeral=True)
        else:
            await interaction.response.send_message(
                embed=render_story(story), view=view, ephemeral=True
            )


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(ProgressPageButton, RemindersOnButton)
    await bot.add_cog(ProgressCog(bot.actions))
