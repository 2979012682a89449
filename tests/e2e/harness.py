"""Runs the real InfoCoach bot against the local Discord emulator, restartably."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import InfoCoachBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.storage.database import is_postgres_url
from tests import dbquery
from tests.emulator import DiscordEmulator
from tests.emulator.runner import RunningBot


@dataclass
class BotHarness:
    """The real bot on a real database; stop and start it again on the same one.

    ``db_path`` is the database's location: an SQLite file's path, or a ``postgresql://`` URL
    on the PostgreSQL pass (the name stayed: the tests pass it to :func:`query`)."""

    emulator: DiscordEmulator
    db_path: Path | str
    clock: ManualClock = field(
        default_factory=lambda: ManualClock(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    )
    dev_guild_id: int | None = None
    # Off by default: a timer firing in the background would race the tests' "nothing
    # changed" snapshots. Nudge tests turn it on or call dispatch_due() themselves.
    deliver_nudges: bool = False
    _running: RunningBot[InfoCoachBot] | None = None

    @property
    def bot(self) -> InfoCoachBot:
        assert self._running is not None, "the bot is not running"
        return self._running.client

    async def start(self) -> InfoCoachBot:
        if is_postgres_url(self.db_path):
            settings = Settings(
                discord_token=self.emulator.token,
                database_url=str(self.db_path),
                dev_guild_id=self.dev_guild_id,
            )
        else:
            settings = Settings(
                discord_token=self.emulator.token,
                db_path=Path(self.db_path),
                dev_guild_id=self.dev_guild_id,
            )
        self._running = RunningBot(
            self.emulator,
            create_bot(settings, clock=self.clock, deliver_nudges=self.deliver_nudges),
        )
        bot = await self._running.start()
        await asyncio.wait_for(bot.nudges_started.wait(), timeout=10)  # start-up recovery done
        return bot

    async def stop(self) -> None:
        if self._running is not None:
            await self._running.stop()
            self._running = None

    async def restart(self) -> InfoCoachBot:
        await self.stop()
        return await self.start()


def database_snapshot(location: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a separate connection (what is committed)."""
    return dbquery.snapshot(location)


def query(
    location: Path | str, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
) -> list[dbquery.DbRow]:
    """One statement's rows (``row["col"]``, ``row[0]``), on either engine."""
    return dbquery.query(location, sql, params)
