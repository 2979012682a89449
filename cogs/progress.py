"""``/progress [contact]``: every contact with its stage, next step and funnel, or one
contact's whole history."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.storage.guild_settings import server_settings
from bot.storage.history import contact_events, count_contact_events, referrals_from, referrer_of
from bot.storage.interview_notes import get_notes
from bot.storage.questions import list_questions
from bot.ui.contact_history import ContactStory, render_story
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import guild_id_of
from bot.ui.progress_pages import ProgressPageButton, known_zone, overview_page


class ProgressCog(commands.Cog):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="progress", description="Your contacts, next steps and funnel, or one contact's story"
    )
    @app_commands.describe(contact="Show one contact's whole history instead of the overview")
    @app_commands.guild_only()
    async def progress(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        user_id = interaction.user.id
        if contact is None:
            embed, view = await overview_page(self.bot, guild_id, user_id, 0)
            if view is None:
                await interaction.response.send_message(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
            return
        db = self.bot.db
        story = ContactStory(
            contact=contact,
            referrer=await referrer_of(db, contact),
            referrals=await referrals_from(db, contact),
            events=await contact_events(db, guild_id, user_id, contact.id),
            total_events=await count_contact_events(db, guild_id, user_id, contact.id),
            notes=await get_notes(db, contact.id),
            questions=await list_questions(db, contact.id),
            report_back_days=(await server_settings(db, guild_id)).report_back_days,
        )
        zone = await known_zone(self.bot, guild_id, user_id)
        embed = render_story(story, self.bot.clock.now(), zone)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(ProgressPageButton)
    await bot.add_cog(ProgressCog(bot))
