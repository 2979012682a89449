"""Private replies that work whether or not the interaction was already answered."""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)


async def reply_private(
    interaction: discord.Interaction, content: str | None = None, **kwargs: Any
) -> None:
    """Answer privately: the first response if still open, else a private followup."""
    kwargs.setdefault("ephemeral", True)
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def reply_error(
    interaction: discord.Interaction, message: str, *, warning: bool = True
) -> None:
    """Best effort: an error reply must never raise out of an error handler."""
    try:
        await reply_private(interaction, f"⚠️ {message}" if warning else message)
    except discord.NotFound:
        log.warning("could not deliver an error reply: interaction %s expired", interaction.id)
    except discord.HTTPException:
        log.exception("could not deliver an error reply for interaction %s", interaction.id)
