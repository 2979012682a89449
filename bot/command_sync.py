"""Register slash commands with Discord only when they changed since the last registration."""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord import app_commands

from bot.storage.app_meta import get_meta, set_meta
from bot.storage.database import Database

log = logging.getLogger(__name__)


def command_tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree,
    db: Database,
    application_id: int,
    guild: discord.abc.Snowflake | None = None,
) -> bool:
    """Sync ``guild``'s commands (global when None) if their hash differs from the stored one."""
    scope = f"guild:{guild.id}" if guild else "global"
    key = f"command_hash:{application_id}:{scope}"
    digest = command_tree_hash(tree, guild)
    if await get_meta(db, key) == digest:
        log.info("slash commands unchanged (%s); not re-registering", scope)
        return False
    await tree.sync(guild=guild)
    await set_meta(db, key, digest)
    log.info("registered slash commands (%s)", scope)
    return True
