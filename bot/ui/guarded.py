"""Base pieces for components and modals whose failures reach the user as private replies.

discord.py only logs exceptions raised inside a DynamicItem callback, which leaves the student
with "This interaction failed". Everything interactive here routes errors through the same handler
as slash commands instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bot.actions.context import ActionContext, StudentKey
from bot.errors import NOT_YOURS, UserError
from bot.text import escape_markdown
from bot.ui.error_handler import handle_interaction_error

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

log = logging.getLogger(__name__)

MAX_ID = 2**63 - 1
"""The largest id anything here holds: SQLite's INTEGER and Discord's snowflakes (63 bits)."""
INVALID_ID = 0
"""What :func:`parse_id` makes of a forged or damaged id: never a row's id (they start at 1)
nor a Discord id, so whatever uses it finds nothing and refuses quietly."""
_MAX_DIGITS = len(str(MAX_ID))
STALE_BUTTON = (
    "This button is no longer valid. Run the command again for a fresh one; nothing was changed."
)


def parse_id(text: str | None) -> int:
    """An id taken from a custom_id (every ``from_custom_id`` and form factory reads its
    numbers with this): ASCII digits within 1..:data:`MAX_ID`, else :data:`INVALID_ID` (a
    forged, oversized or damaged id; one DEBUG line, no traceback). A template's ``\\d``
    also matches other scripts' digits, which ``int`` would accept."""
    if text and len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit():
        value = int(text)
        if 1 <= value <= MAX_ID:
            return value
    log.debug("refused an out-of-range id in a custom_id: %.30r", text)
    return INVALID_ID


class GuardedCallback:
    """Mixin for ``DynamicItem`` subclasses: implement :meth:`run` instead of ``callback``."""

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, refusal_for_forged_id(exc))

    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class GuardedModal(discord.ui.Modal):
    async def on_error(  # type: ignore[override]  # Modal.on_error has no item (View's has)
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await handle_interaction_error(interaction, refusal_for_forged_id(error))


def refusal_for_forged_id(error: Exception) -> Exception:
    """A safety net behind :func:`parse_id`, for an id read without it: SQLite refuses an
    integer over 63 bits with OverflowError, which would be logged with its traceback for each
    forged click. It becomes the quiet refusal instead (one DEBUG line)."""
    if isinstance(error, OverflowError) and "SQLite INTEGER" in str(error):
        log.debug("refused a custom_id id too large for SQLite: %s", error)
        return UserError(STALE_BUTTON)
    return error


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
    if owner_id == INVALID_ID:
        raise UserError(STALE_BUTTON)
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
