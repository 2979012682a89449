"""The student's data rights in this server: ``/privacy export | delete | share``."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.privacy import export_data, set_sharing, stored_data_counts
from bot.ui.delete_confirmation import (
    DeleteDataCancel,
    DeleteDataConfirm,
    confirmation_view,
    deletion_warning,
    describe_counts,
)
from bot.ui.guarded import student_of

if TYPE_CHECKING:
    from bot.app import InfoCoachBot


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog,
    group_name="privacy",
    group_description="See or delete what InfoCoach stores about you in this server",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(
        name="export", description="Download everything InfoCoach stores about you here (JSON)"
    )
    async def export(self, interaction: discord.Interaction) -> None:
        who = student_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await export_data(self.ctx, who)
        if export.empty:
            intro = "I have nothing stored about you in this server; the file is empty."
        else:
            intro = (
                "Here is everything InfoCoach stores about you in this server "
                f"({describe_counts(export.counts)})."
            )
        await interaction.followup.send(
            f"{intro} Data from other servers is kept separately and isn't included.",
            file=discord.File(
                io.BytesIO(export.body),
                filename=export.filename,
                description="Your InfoCoach data in this server",
            ),
            ephemeral=True,
        )

    @app_commands.command(  # named after the method: /privacy delete
        description="Erase everything InfoCoach stores about you here (asks first)"
    )
    async def delete(self, interaction: discord.Interaction) -> None:
        counts = await stored_data_counts(self.ctx, student_of(interaction))
        if not counts:
            await interaction.response.send_message(
                "I have nothing stored about you in this server, so there is nothing to delete.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            deletion_warning(counts), view=confirmation_view(interaction.user.id), ephemeral=True
        )

    @app_commands.command(
        name="share", description="Let this server's staff see your contacts' stages (or stop)"
    )
    @app_commands.describe(
        enabled="True: staff may see each contact's organization, stage and dates (never your "
        "notes); False: they see nothing about you"
    )
    async def share(self, interaction: discord.Interaction, enabled: bool) -> None:
        result = await set_sharing(self.ctx, student_of(interaction), enabled)
        if result.enabled:
            message = (
                "Sharing is **on**: this server's staff can see, with `/staff student`, the "
                "organization, stage and stage dates of each of your contacts here. They never "
                "see your contacts' names, your notes, questions or takeaways. Stop any time with "
                "`/privacy share enabled:False`."
            )
        else:
            message = (
                "Sharing is **off**: this server's staff see nothing about you individually, "
                "only server-wide totals (any figure drawn from fewer than 5 students is "
                "hidden). Turn it on with `/privacy share enabled:True`."
            )
        await interaction.response.send_message(message, ephemeral=True)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(DeleteDataConfirm, DeleteDataCancel)
    await bot.add_cog(PrivacyCog(bot.actions))
