"""Runs the real InfoCoach bot against the local Discord emulator, restartably."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import InfoCoachBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from tests.emulator import DiscordEmulator


@dataclass
class BotHarness:
    """One bot process-equivalent: start, stop and start again on the same database."""

    emulator: DiscordEmulator
    db_path: Path
    clock: ManualClock = field(
        default_factory=lambda: ManualClock(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    )
    dev_guild_id: int | None = None
    bot: InfoCoachBot | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> InfoCoachBot:
        settings = Settings(
            discord_token=self.emulator.token,
            db_path=self.db_path,
            dev_guild_id=self.dev_guild_id,
        )
        bot = create_bot(settings, clock=self.clock, guild_ready_timeout=0.05)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(self.emulator.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when="FIRST_COMPLETED")
        if self._task in done:
            ready.cancel()
            self._task.result()  # raise the start-up error
            raise RuntimeError("the bot stopped during start-up")
        if ready not in done:
            ready.cancel()
            raise TimeoutError("the bot did not become ready within 15 s")
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)
        self.bot = None
        self._task = None

    async def restart(self) -> InfoCoachBot:
        await self.stop()
        return await self.start()


def database_snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a separate connection (what is committed)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
