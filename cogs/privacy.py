"""The student's data rights: ``/privacy export | delete | share``. Export and delete also work
in a DM with the bot, for any server the student has data in (even one InfoCoach has left)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext, StudentKey
from bot.actions.privacy import export_data, servers_with_data, set_sharing, stored_data_counts
from bot.errors import EmptyState, UserError
from bot.ui.delete_confirmation import (
    DeleteDataCancel,
    DeleteDataConfirm,
    backups_note,
    confirmation_view,
    deletion_warning,
    describe_counts,
    server_label,
    server_name,
)
from bot.ui.guarded import parse_id, student_of

AUTOCOMPLETE_LIMIT = 25
NOT_A_SERVER_OF_YOURS = (
    "Pick a server from the list: I have no data about you in that one. Nothing was changed."
)
PICK_A_SERVER = (
    "You have data in more than one server: pick which one with the `server` option "
    "(it lists them). Nothing was changed."
)


async def where_label(interaction: discord.Interaction, guild_id: int) -> str:
    """``in this server`` when used there, else ``in **Career Club**`` (or the server's id)."""
    if interaction.guild_id == guild_id:
        return "in this server"
    return f"in {await server_label(interaction, guild_id)}"


async def server_choice_name(interaction: discord.Interaction, guild_id: int) -> str:
    """The server's name in the ``server`` option's list; one InfoCoach has left says so."""
    name = await server_name(interaction, guild_id)
    if interaction.client.get_guild(guild_id) is not None:
        return (name or str(guild_id))[:100]
    left = " (InfoCoach has left it)"
    return (name[: 100 - len(left)] if name else f"Server {guild_id}") + left


if TYPE_CHECKING:
    from bot.app import InfoCoachBot


@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class PrivacyCog(
    commands.GroupCog,
    group_name="privacy",
    group_description="See or delete what InfoCoach stores about you (in a server, or from a DM)",
):
    """``export`` and ``delete`` also work in a direct message with the bot, for any server
    the student has data in, including one InfoCoach has left (its data is kept for a grace
    period, then deleted): the ``server`` option lists them."""

    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    async def _target(self, interaction: discord.Interaction, server: str | None) -> StudentKey:
        """Whose data in which server: the server picked (one the student has data in), else
        the server the command is used in, else (in a DM) the only server they have data in."""
        user_id = interaction.user.id
        if server:
            guild_id = parse_id(server.strip())
            if guild_id not in await servers_with_data(self.ctx, user_id):
                raise UserError(NOT_A_SERVER_OF_YOURS)
            return StudentKey(guild_id, user_id)
        if interaction.guild_id is not None:
            return StudentKey(interaction.guild_id, user_id)
        servers = await servers_with_data(self.ctx, user_id)
        if len(servers) == 1:
            return StudentKey(servers[0], user_id)
        if not servers:
            raise EmptyState("I have nothing stored about you in any server.")
        raise UserError(PICK_A_SERVER)

    async def _server_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices: list[app_commands.Choice[str]] = []
        for guild_id in await servers_with_data(self.ctx, interaction.user.id):
            name = await server_choice_name(interaction, guild_id)
            if current.casefold() in name.casefold():
                choices.append(app_commands.Choice(name=name, value=str(guild_id)))
        return choices[:AUTOCOMPLETE_LIMIT]

    @app_commands.command(
        name="export", description="Download everything InfoCoach stores about you (JSON)"
    )
    @app_commands.describe(
        server="Which server's data (in a DM: any server you have data in, even one "
        "InfoCoach has left); default: this server"
    )
    async def export(self, interaction: discord.Interaction, server: str | None = None) -> None:
        who = await self._target(interaction, server)
        where = await where_label(interaction, who.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.client.get_guild(who.guild_id)
        export = await export_data(self.ctx, who, guild.name if guild else None)
        if export.empty:
            intro = f"I have nothing stored about you {where}; the file is empty."
        else:
            intro = (
                f"Here is everything InfoCoach stores about you {where} "
                f"({describe_counts(export.counts)})."
            )
        await interaction.followup.send(
            f"{intro} Data from other servers is kept separately and isn't included.",
            file=discord.File(
                io.BytesIO(export.body),
                filename=export.filename,
                description="Your InfoCoach data in one server",
            ),
            ephemeral=True,
        )

    @app_commands.command(  # named after the method: /privacy delete
        description="Erase everything InfoCoach stores about you (asks first)"
    )
    @app_commands.describe(
        server="Which server's data (in a DM: any server you have data in, even one "
        "InfoCoach has left); default: this server"
    )
    async def delete(self, interaction: discord.Interaction, server: str | None = None) -> None:
        who = await self._target(interaction, server)
        where = await where_label(interaction, who.guild_id)
        counts = await stored_data_counts(self.ctx, who)
        if not counts:
            await interaction.response.send_message(
                f"I have nothing stored about you {where}, so there is nothing to delete.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            deletion_warning(counts, where, backups_note(interaction)),
            view=confirmation_view(interaction.user.id, who.guild_id),
            ephemeral=True,
        )

    @export.autocomplete("server")
    async def _export_servers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._server_choices(interaction, current)

    @delete.autocomplete("server")
    async def _delete_servers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._server_choices(interaction, current)

    @app_commands.command(
        name="share", description="Let this server's staff see your contacts' stages (or stop)"
    )
    @app_commands.describe(
        enabled="True: staff may see each contact's organization, stage and dates (never your "
        "notes); False: they see nothing about you"
    )
    async def share(self, interaction: discord.Interaction, enabled: bool) -> None:
        result = await set_sharing(self.ctx, student_of(interaction), enabled)  # server only
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
                "only server-wide totals (a figure shows only when at least 10 students are "
                "behind it, rounded to the nearest 5). Turn it on with "
                "`/privacy share enabled:True`."
            )
        await interaction.response.send_message(message, ephemeral=True)


async def setup(bot: InfoCoachBot) -> None:
    bot.add_dynamic_items(DeleteDataConfirm, DeleteDataCancel)
    await bot.add_cog(PrivacyCog(bot.actions))
