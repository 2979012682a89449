"""One place that turns every failure into a private, human reply (and logs it once)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.errors import UserError
from bot.ui.replies import reply_error

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Sorry, something went wrong on my side and that didn't go through. "
    "Please try again in a moment; if it keeps happening, tell the server staff."
)


def describe_error(error: BaseException) -> tuple[str, bool]:
    """The message for the student, and whether the error is unexpected (to be logged)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return error.message, False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server, not in direct messages.", False
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return "You don't have permission to use this command.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds.", False
    if isinstance(error, app_commands.TransformerError):
        return f"“{str(error.value)[:60]}” isn't a valid value for that option.", False
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "That command has just been updated. Please try again in a minute.", True
    return UNEXPECTED, True


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    message, unexpected = describe_error(error)
    if unexpected:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error(
            "unhandled error in %s (interaction %s, user %s)",
            command,
            interaction.id,
            interaction.user.id,
            exc_info=error,
        )
    await reply_error(interaction, message)


class InfoCoachTree(app_commands.CommandTree):
    """The command tree with one error handler for every app command."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await handle_interaction_error(interaction, error)
