"""The student's data rights in this server: ``/privacy export | delete | share``."""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.storage.events import append_event
from bot.storage.privacy import count_student_data, export_student_data
from bot.storage.students import update_settings
from bot.ui.delete_confirmation import (
    DeleteDataCancel,
    DeleteDataConfirm,
    confirmation_view,
    deletion_warning,
    describe_counts,
)
from bot.ui.guarded import guild_id_of


def export_filename(guild_id: int, user_id: int) -> str:
    return f"infocoach-export-{guild_id}-{user_id}.json"


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog,
    group_name="privacy",
    group_description="See or delete what InfoCoach stores about you in this server",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="export", description="Download everything InfoCoach stores about you here (JSON)"
    )
    async def export(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await export_student_data(
            self.bot.db, guild_id, interaction.user.id, self.bot.clock.now()
        )
        body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        counts = {
            table: len(rows)
            for table, rows in data.items()
            if table != "export" and isinstance(rows, list)
        }
        if any(counts.values()):
            intro = (
                "Here is everything InfoCoach stores about you in this server "
                f"({describe_counts(counts)})."
            )
        else:
            intro = "I have nothing stored about you in this server; the file is empty."
        await interaction.followup.send(
            f"{intro} Data from other servers is kept separately and isn't included.",
            file=discord.File(
                io.BytesIO(body),
                filename=export_filename(guild_id, interaction.user.id),
                description="Your InfoCoach data in this server",
            ),
            ephemeral=True,
        )

    @app_commands.command(
        name="delete", description="Delete everything InfoCoach stores about you here"
    )
    async def delete(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        counts = await count_student_data(self.bot.db, guild_id, interaction.user.id)
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
        guild_id = guild_id_of(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await update_settings(
                tx, guild_id, interaction.user.id, now, share_with_staff=int(enabled)
            )
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                kind="share_toggled",
                payload={"enabled": enabled},
                at=now,
            )
        if enabled:
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
    await bot.add_cog(PrivacyCog(bot))
