"""Several real bot processes on one PostgreSQL database and one standalone emulator: starting
and killing them, seeding students with due reminders, and reading what was delivered. Used by
``tests/e2e/test_shard_processes.py`` and ``benchmarks/bench_shards.py``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.actions.planner import NudgePlanner
from bot.content import load_content
from bot.storage.database import open_database
from bot.storage.students import set_dm_channel
from tests.emulator.control import EmulatorControl
from tests.emulator.rate_limit import GlobalRateLimit
from tests.emulator.standalone import REPO_ROOT, StandaloneEmulator
from tests.fair_seed import seed_requested_contacts

PATIENCE = 60.0
NUDGE_ID = re.compile(r"^ic:nd:[a-z]+:(\d+)")


class BotProcess:
    """``python -m bot`` for some shards, pointed at the emulator; its log lines are kept."""

    def __init__(self, emulator: StandaloneEmulator, url: str, shard: int) -> None:
        self.emulator, self.url, self.shard = emulator, url, shard
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.led_at: float | None = None
        """When (``time.monotonic()``) this process logged that it leads."""
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INFOCOACH_")}
        env.update(
            PYTHONPATH=str(REPO_ROOT),
            DISCORD_TOKEN=self.emulator.token,
            INFOCOACH_DATABASE_URL=self.url,
            INFOCOACH_SHARD_COUNT="2",
            INFOCOACH_SHARD_IDS=str(self.shard),
            LOG_LEVEL="INFO",
        )
        self.lines = []
        self.led_at = None
        self.process = await asyncio.create_subprocess_exec(
            *self.emulator.attach_command("bot"),
            cwd=REPO_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace").rstrip()
            if self.led_at is None and "leading (term" in line:
                self.led_at = time.monotonic()
            self.lines.append(line)

    @property
    def leads(self) -> bool:
        return self.led_at is not None

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                await self.kill()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def log(self) -> str:
        return "\n".join(self.lines[-40:])


async def eventually(check: Any, what: str, procs: list[BotProcess]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not await check():
        if loop.time() > deadline:
            logs = "\n\n".join(f"shard {p.shard}:\n{p.log()}" for p in procs)
            raise AssertionError(f"timed out waiting until {what}\n{logs}")
        await asyncio.sleep(0.1)


def midday_zone(now: datetime) -> str:
    """A zone where it is around noon now, so quiet hours never hold a reminder back."""
    offset = (12 - now.hour + 12) % 24 - 12  # hours east of UTC, -12 … 11
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


async def seed(
    url: str, users: dict[int, list[int]], dm_channels: dict[int, int] | None = None
) -> None:
    """Each student one contact asked two weeks ago: its 3B and 7B reminders are due now.
    ``dm_channels`` (user → channel id): students the bot has DMed before, so their DM
    channel is on record."""
    now = datetime.now(UTC)
    zone = midday_zone(now)
    assert ZoneInfo(zone).utcoffset(now) is not None
    content = load_content(REPO_ROOT / "data")
    db = await open_database(url)
    try:
        planner = NudgePlanner(db, content, lambda _: None)
        for guild_id, user_ids in users.items():
            for user_id in user_ids:
                await seed_requested_contacts(
                    db,
                    planner,
                    guild_id=guild_id,
                    user_id=user_id,
                    count=1,
                    sent_at=now - timedelta(days=14),
                    zone=zone,
                    digest=False,
                )
        async with db.transaction() as tx:
            for user_id, channel_id in (dm_channels or {}).items():
                await set_dm_channel(tx, user_id, channel_id)
    finally:
        await db.close()


async def nudge_counts(url: str) -> dict[str, int]:
    db = await open_database(url)
    try:
        rows = await db.fetch_all("SELECT status, count(*) FROM nudges GROUP BY status")
    finally:
        await db.close()
    return {row[0]: int(row[1]) for row in rows}


async def delivered(ctl: EmulatorControl, user_ids: list[int]) -> list[tuple[int, int, int]]:
    """(user, message id, nudge id) of every DM carrying a reminder's buttons."""
    found = []
    for user_id in user_ids:
        for message in await ctl.dms(user_id):
            ids = {
                int(m[1])
                for button in message["buttons"]
                if (m := NUDGE_ID.match(button.get("custom_id") or ""))
            }
            assert len(ids) <= 1, message
            if ids:
                found.append((user_id, message["id"], ids.pop()))
    return found


def busiest_second(requests: list[dict[str, Any]]) -> int:
    """The most requests counted against the global limit in any one-second window."""
    times = sorted(r["at"] for r in requests if not GlobalRateLimit.exempt(r["path"]))
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
