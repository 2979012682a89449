"""Two real bot processes (``python -m bot``, shards 0 and 1 of 2) on one PostgreSQL database and
one emulator process enforcing Discord's 50 requests per second: every due nudge of students in
servers on both shards produces exactly one DM (by the nudge id its buttons carry), with no 429
and never more than 50 requests in a second; the leader is killed (``kill -9``) in the middle of
delivery and the other process takes over without sending anything twice or losing anything;
the killed process, restarted, rejoins as a follower, and a DM button click is handled (DM
interactions arrive on shard 0)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.actions.planner import NudgePlanner
from bot.content import load_content
from bot.storage.database import open_database
from tests.conftest import ON_POSTGRES, DbLocations
from tests.emulator.control import EmulatorControl
from tests.emulator.rate_limit import GlobalRateLimit
from tests.emulator.standalone import REPO_ROOT, StandaloneEmulator
from tests.fair_seed import seed_requested_contacts

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="several processes need PostgreSQL")

PATIENCE = 60.0
STUDENTS_PER_SERVER = 15
NUDGE_ID = re.compile(r"^ic:nd:[a-z]+:(\d+)")


class BotProcess:
    """``python -m bot`` for some shards, pointed at the emulator; its log lines are kept."""

    def __init__(self, emulator: StandaloneEmulator, url: str, shard: int) -> None:
        self.emulator, self.url, self.shard = emulator, url, shard
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
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
            self.lines.append(raw.decode(errors="replace").rstrip())

    @property
    def leads(self) -> bool:
        return any("leading (term" in line for line in self.lines)

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


async def seed(url: str, guilds: list[int], users: dict[int, list[int]]) -> None:
    """Each student one contact asked two weeks ago: its 3B and 7B reminders are due now."""
    now = datetime.now(UTC)
    zone = midday_zone(now)
    assert ZoneInfo(zone).utcoffset(now) is not None
    content = load_content(REPO_ROOT / "data")
    db = await open_database(url)
    try:
        planner = NudgePlanner(db, content, lambda _: None)
        for guild_id in guilds:
            for user_id in users[guild_id]:
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


async def test_two_shard_processes_deliver_each_nudge_once_through_a_leader_kill(
    db_locations: DbLocations, tmp_path: Path
) -> None:
    url = db_locations.new("shards")
    assert isinstance(url, str)
    procs: list[BotProcess] = []
    try:
        async with (
            StandaloneEmulator(shards=2, rate_limit=50) as emulator,
            emulator.control() as ctl,
        ):
            guilds = [(await ctl.add_guild(f"Club {s}", shard=s))["id"] for s in (0, 1)]
            users: dict[int, list[int]] = {}
            for n, guild_id in enumerate(guilds):
                users[guild_id] = []
                for i in range(STUDENTS_PER_SERVER):
                    user = await ctl.add_user(f"student{n}_{i}")
                    await ctl.add_member(guild_id, user["id"])
                    users[guild_id].append(user["id"])
            everyone = [u for ids in users.values() for u in ids]
            await seed(url, guilds, users)
            seeded = await nudge_counts(url)
            total = seeded.get("pending", 0)
            assert total == 2 * len(everyone)  # 3B and 7B each

            procs[:] = [BotProcess(emulator, url, 0), BotProcess(emulator, url, 1)]
            for proc in procs:
                await proc.start()

            async def one_leads() -> bool:
                return sum(p.leads for p in procs) == 1

            await eventually(one_leads, "one process leads", procs)
            leader = next(p for p in procs if p.leads)
            follower = next(p for p in procs if not p.leads)

            async def some_sent() -> bool:
                return len(await delivered(ctl, everyone)) >= total // 4

            await eventually(some_sent, "delivery is under way", procs)
            await leader.kill()  # kill -9 in the middle of delivery
            sent_before_kill = len(await delivered(ctl, everyone))
            assert sent_before_kill < total, "delivery finished before the kill: use more students"

            async def follower_leads() -> bool:
                return follower.leads

            await eventually(follower_leads, "the other process takes over", procs)

            async def all_sent() -> bool:
                counts = await nudge_counts(url)
                return counts.get("sent", 0) == total

            await eventually(all_sent, "every nudge is sent", procs)

            found = await delivered(ctl, everyone)
            per_nudge = Counter(nudge for _, _, nudge in found)
            assert len(per_nudge) == total  # nothing lost
            assert max(per_nudge.values()) == 1  # nothing twice
            status = await ctl.status()
            assert status["rate_limit"]["rejected"] == 0
            assert busiest_second((await ctl.requests())["requests"]) <= 50

            # The killed process comes back: a follower now; DM clicks reach shard 0.
            await leader.start()

            async def both_connected() -> bool:
                sessions = (await ctl.status())["sessions"]
                return sorted(s["shard"][0] for s in sessions if s["connected"]) == [0, 1]

            await eventually(both_connected, "the restarted process is connected", procs)
            user_id, message_id, nudge_id = found[0]
            (message,) = [m for m in await ctl.dms(user_id) if m["id"] == message_id]
            done = next(
                b["custom_id"]
                for b in message["buttons"]
                if b["custom_id"].startswith("ic:nd:done:")
            )
            click = await ctl.click(user_id, message_id, done)
            answer = await ctl.interaction(click["id"], wait=PATIENCE)
            assert answer["responded"]
            assert not leader.leads  # rejoined as a follower
            db = await open_database(url)
            try:
                action = await db.fetch_value("SELECT action FROM nudges WHERE id = ?", (nudge_id,))
            finally:
                await db.close()
            assert action == "done"
    finally:
        for proc in procs:
            await proc.stop()
        db_locations.dispose(url)
