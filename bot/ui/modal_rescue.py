"""Forms that survive a restart. discord.py keeps an open modal only in memory: a student who
submits a form after the bot restarted would get "This interaction failed" and lose what they
typed. Our modals carry what they need in their custom_id (``ic:mf:<kind>:…``); when a submit
arrives for a modal this process does not know, the registered factory rebuilds it and it is
dispatched as if it had been open all along."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from typing import Any

import discord

from bot.compat import dispatch_modal_submit, open_modal_ids

ModalFactory = Callable[[re.Match[str]], discord.ui.Modal]
_REGISTRY: list[tuple[re.Pattern[str], ModalFactory]] = []
_TASKS: set[asyncio.Task[Any]] = set()


def modal_custom_id(kind: str, *parts: object) -> str:
    """``ic:mf:<kind>:<parts…>:<nonce>``; the nonce keeps two open copies apart (discord.py
    files modals by custom_id)."""
    return ":".join(["ic", "mf", kind, *map(str, parts), secrets.token_hex(4)])


def register_modal(pattern: str, factory: ModalFactory) -> None:
    """``pattern`` must fullmatch the custom_ids of one modal class, nonce included."""
    _REGISTRY.append((re.compile(pattern), factory))


def rescue_orphaned_modal(client: discord.Client, interaction: discord.Interaction) -> bool:
    """Called synchronously as the interaction is dispatched (before discord.py's own modal task
    can finish): rebuild and dispatch a submitted modal that no live modal is waiting for."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return False
    custom_id = str(interaction.data.get("custom_id", ""))
    if not custom_id.startswith("ic:mf:"):
        return False
    if custom_id in open_modal_ids(client):
        return False  # still open in this process: discord.py dispatches it
    for pattern, factory in _REGISTRY:
        match = pattern.fullmatch(custom_id)
        if match is None:
            continue
        modal = factory(match)
        data: dict[str, Any] = dict(interaction.data)
        task = dispatch_modal_submit(
            modal, interaction, data.get("components", []), data.get("resolved", {})
        )
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
        return True
    return False
