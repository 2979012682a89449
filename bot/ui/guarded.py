"""Base pieces for components and modals whose failures reach the user as private replies.

discord.py only logs exceptions raised inside a DynamicItem callback, which leaves the student
with "This interaction failed". Everything interactive here routes errors through the same handler
as slash commands instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

from bot.actions.context import ActionContext, StudentKey
from bot.errors import NOT_YOURS, UserError
from bot.text import escape_markdown
from bot.ui.error_handler import handle_interaction_error

if TYPE_CHECKING:
    from bot.app import InfoCoachBot


class GuardedCallback:
    """Mixin for ``DynamicItem`` subclasses: implement :meth:`run` instead of ``callback``."""

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)

    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class GuardedModal(discord.ui.Modal):
    async def on_error(  # type: ignore[override]  # Modal.on_error has no item (View's has)
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await handle_interaction_error(interaction, error)


def bot_of(interaction: discord.Interaction) -> InfoCoachBot:
    return cast("InfoCoachBot", interaction.client)


def context_of(interaction: discord.Interaction) -> ActionContext:
    """The actions' context for a component or form callback. discord.py builds those from a
    custom_id and hands them only the interaction, so this is the one place they reach it."""
    return bot_of(interaction).actions


def student_of(interaction: discord.Interaction) -> StudentKey:
    """Who is acting, in which server (a private error in direct messages)."""
    return StudentKey(guild_id_of(interaction), interaction.user.id)


def ensure_owner(interaction: discord.Interaction, owner_id: int) -> None:
    if interaction.user.id != owner_id:
        raise UserError(NOT_YOURS)


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        guilds = interaction.client.guilds
        server = (
            f"**{escape_markdown(guilds[0].name)}**"
            if len(guilds) == 1
            else "the server where you use InfoCoach (each reminder names it on its first line)"
        )
        raise UserError(
            f"This works inside {server}, not in direct messages. Open that server from your "
            "server list (the icons down the left side; on a phone, swipe right to see them), "
            "then use the command in any of its channels."
        )
    return interaction.guild_id
