"""The bot. ``create_bot(settings)`` returns it unstarted; ``python -m bot`` and tests use it."""

from __future__ import annotations

import logging
import pkgutil
from typing import Any

import discord
from discord.ext import commands

import cogs
from bot.clock import Clock, SystemClock
from bot.command_sync import sync_if_changed
from bot.config import Settings
from bot.content import Content, load_content
from bot.storage.database import Database
from bot.ui.checklist import ChecklistTick
from bot.ui.error_handler import InfoCoachTree
from bot.ui.timezone_picker import TimezoneSelect

log = logging.getLogger(__name__)


def cog_extensions() -> list[str]:
    """Every module in the ``cogs`` package is an extension (each ends with ``setup(bot)``)."""
    return [f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.ispkg]


class InfoCoachBot(commands.Bot):
    def __init__(
        self, settings: Settings, content: Content, clock: Clock, **client_options: Any
    ) -> None:
        # No voice here: skip discord.py's warnings about its optional voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # server list and channels; no privileged intents are needed
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=InfoCoachTree,
            **client_options,
        )
        self.settings = settings
        self.content = content
        self.clock = clock
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._db

    async def open_storage(self) -> Database:
        """Open and migrate the database; safe to call more than once."""
        if self._db is None:
            self._db = await Database.open(self.settings.db_path)
        return self._db

    async def setup_hook(self) -> None:
        await self.open_storage()
        self.add_dynamic_items(ChecklistTick, TimezoneSelect)
        for extension in cog_extensions():
            await self.load_extension(extension)
        assert self.application_id is not None
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        await sync_if_changed(self.tree, self.db, self.application_id, guild)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._db is not None:
                await self._db.close()
                self._db = None


def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: Content | None = None,
    **client_options: Any,
) -> InfoCoachBot:
    """An unstarted bot. Loads and validates ``data/`` now so bad content fails before login.

    ``client_options`` go to :class:`discord.Client` (tests lower ``guild_ready_timeout``).
    """
    return InfoCoachBot(
        settings,
        content if content is not None else load_content(settings.data_dir),
        clock or SystemClock(),
        **client_options,
    )
