"""The interaction benchmark's machinery: the emulated world and its students, the bot in its own
process (``benchmarks.interaction_bot``) and one measured phase of load against it."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import resource
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from benchmarks.common import ZONES
from bot.domain.contacts import Connection
from bot.storage.contacts import add_contact
from bot.storage.database import open_database
from bot.storage.events import append_event
from bot.storage.students import ensure_student, set_timezone
from tests.emulator import DiscordEmulator, EmulatedInteraction, EmulatedMessage, EmulatedUser
from tests.emulator.load import LoadDriver

ROOT = Path(__file__).resolve().parent.parent
CHILD = "benchmarks.interaction_bot"
ANSWER_TIMEOUT = 20.0  # give up waiting for answers this long after the last send
SETTLE = 0.3  # after the last answer: let follow-on work (e.g. after-command hooks) finish
STEADY_MIX = (("tick", 70), ("request sent", 10), ("request checklist", 10), ("quiet-hours", 10))
QUIET = (("21:00", "08:00"), ("22:00", "07:30"), ("23:30", "06:45"), ("20:15", "09:00"))


class PhaseProfiler(Protocol):
    async def start(self, phase: str) -> None: ...

    async def stop(self, phase: str, interactions: int) -> str: ...


# -- the world ------------------------------------------------------------------------------------
@dataclass
class Student:
    user: EmulatedUser
    contact_id: int
    message: EmulatedMessage | None = None  # their latest rendered checklist


@dataclass
class World:
    emu: DiscordEmulator
    guild_id: int
    students: list[Student]


def build_world(emu: DiscordEmulator, n: int) -> tuple[int, list[EmulatedUser]]:
    guild = emu.add_guild("Career Center")
    users = []
    for i in range(n):
        user = emu.add_user(f"student{i:04d}")
        emu.add_member(guild.id, user.id)
        users.append(user)
    return guild.id, users


async def seed(location: Path | str, guild_id: int, users: Sequence[EmulatedUser]) -> list[int]:
    """Each user becomes a student with a time zone and one contact, through the bot's storage
    functions (one transaction) on the SQLite file or PostgreSQL URL ``location``; returns the
    contact ids in order."""
    db = await open_database(location)
    now = datetime.now(UTC)
    ids = []
    try:
        async with db.transaction() as tx:
            for i, user in enumerate(users):
                await ensure_student(tx, guild_id, user.id, now)
                await set_timezone(tx, guild_id, user.id, ZONES[i % len(ZONES)], now)
                contact_id = await add_contact(
                    tx,
                    guild_id=guild_id,
                    user_id=user.id,
                    person=f"Alex Example {i}",
                    organization=f"Employer {i % 40}",
                    role=None,
                    connection=Connection.ALUMNI,
                    now=now,
                )
                await append_event(
                    tx,
                    guild_id=guild_id,
                    user_id=user.id,
                    contact_id=contact_id,
                    kind="contact_added",
                    payload={"connection": "alumni"},
                    at=now,
                )
                ids.append(contact_id)
    finally:
        await db.close()
    return ids


# -- the bot process -----------------------------------------------------------------------------
class BotProcess:
    """``benchmarks.interaction_bot`` as a child; one JSON line per command and answer."""

    def __init__(self, proc: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.proc = proc
        self.ready = ready

    @classmethod
    async def start(
        cls, emu: DiscordEmulator, db_path: Path | str, options: Sequence[str]
    ) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            CHILD,
            "--api",
            emu.api_url,
            "--gateway",
            emu.gateway_url,
            "--token",
            emu.token,
            "--db",
            str(db_path),
            *options,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        bot = cls(proc, {})
        bot.ready = await bot._read(timeout=90)
        await emu.wait_until_connected()
        return bot

    async def _read(self, timeout: float = 30) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            code = await self.proc.wait()
            raise RuntimeError(f"the bot process exited ({code}); see its stderr above")
        result: dict[str, Any] = json.loads(line)
        return result

    async def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        return await self._read()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            try:
                await self.ask(cmd="stop")
                await asyncio.wait_for(self.proc.wait(), 30)
            except (TimeoutError, RuntimeError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()


def own_clocks() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "machine_busy": machine_busy()}


def machine_busy() -> float:
    """CPU-seconds the whole machine has spent busy (all cores, all processes; Linux), or NaN.
    Minus this benchmark's two processes, it tells whether something else competed."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = sum(ticks[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


# -- one phase -----------------------------------------------------------------------------------
@dataclass
class Sent:
    kind: str
    ix: EmulatedInteraction
    student: Student


@dataclass
class Phase:
    name: str
    sent: list[Sent] = field(default_factory=list)
    send_seconds: float = 0.0  # first frame written → last frame written
    bot_cpu: float = 0.0
    bot_user: float = 0.0
    bot_sys: float = 0.0
    bot_main_thread: float = 0.0
    emulator_cpu: float = 0.0
    others_cpu: float = 0.0  # every other process on the machine (should be ~0)
    wall: float = 0.0
    gc_count: list[int] = field(default_factory=lambda: [0, 0, 0])
    gc_seconds: float = 0.0
    gc_longest: float = 0.0
    lag_longest: float = 0.0
    lag_over_10ms: int = 0
    lag_events: list[tuple[float, float]] = field(default_factory=list)
    heap: dict[str, Any] = field(default_factory=dict)
    bot_rows: dict[int, list[Any]] = field(default_factory=dict)
    unanswered: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.sent)

    def end_to_end(self, kinds: set[str] | None = None) -> list[float]:
        return [
            s.ix.callback_arrived_monotonic - s.ix.dispatched_monotonic
            for s in self.sent
            if (kinds is None or s.kind in kinds)
            and s.ix.callback_arrived_monotonic is not None
            and s.ix.dispatched_monotonic is not None
        ]

    def bot_column(self, column: int, kinds: set[str] | None = None) -> list[float]:
        values = []
        for s in self.sent:
            row = self.bot_rows.get(s.ix.id)
            if row is not None and row[column] is not None and (kinds is None or s.kind in kinds):
                values.append(float(row[column]))
        return values

    @property
    def first_sent(self) -> float:
        return min(s.ix.dispatched_monotonic or 0.0 for s in self.sent)

    @property
    def last_answer_after_start(self) -> float | None:
        answered = [s.ix.callback_arrived_monotonic for s in self.sent]
        if not answered or any(a is None for a in answered):
            return None
        return max(a for a in answered if a is not None) - self.first_sent


def expected(kind: str, ix: EmulatedInteraction) -> bool:
    """Did the bot answer as the feature does (not with an error reply)?"""
    data = ix._response.data if ix._response is not None else {}
    text = str(data.get("content") or "")
    if kind == "tick":
        return ix.response_type == 7
    if kind == "request checklist":
        return ix.response_type == 4 and bool(data.get("embeds")) and bool(data.get("components"))
    if kind == "request sent":
        return ix.response_type == 4 and text.startswith(("Logged", "Updated"))
    if kind == "quiet-hours":
        return ix.response_type == 4 and text.startswith("Quiet hours set")
    return ix.responded


def build(load: LoadDriver, world: World, kind: str, student: Student, rng: random.Random) -> Sent:
    user, contact = student.user, str(student.contact_id)
    # An item a command ticks (e.g. "log-sent" after /request sent) is shown as a disabled
    # button: Discord never delivers a click on it, so only enabled buttons are clicked.
    enabled = (
        [b for b in student.message.buttons() if not b.get("disabled")]
        if student.message is not None
        else []
    )
    if kind == "tick" and enabled:
        button = rng.choice(enabled)
        ix = load.click(user, student.message, button["custom_id"])
    elif kind == "tick" or kind == "request checklist":
        kind = "request checklist"
        ix = load.slash(user, world.guild_id, "request checklist", {"contact": contact})
    elif kind == "request sent":
        ix = load.slash(user, world.guild_id, "request sent", {"contact": contact})
    else:
        start, end = rng.choice(QUIET)
        ix = load.slash(user, world.guild_id, "settings quiet-hours", {"start": start, "end": end})
    return Sent(kind, ix, student)


async def run_phase(
    name: str,
    bot: BotProcess,
    load: LoadDriver,
    world: World,
    plan: list[tuple[str, Student]],
    *,
    rate: float | None,
    rng: random.Random,
    profiler: PhaseProfiler | None = None,
) -> tuple[Phase, str | None]:
    """Send ``plan`` at ``rate`` per second (None: all at once, built beforehand), wait for the
    answers, and collect the bot's timings and both processes' CPU time (and, with a profiler,
    its markdown summary of the phase)."""
    phase = Phase(name)
    await bot.ask(cmd="timings")  # discard anything earlier
    # This process is the measuring instrument: its own garbage collector (the emulator keeps
    # every message and edit) must not stall the clock mid-phase, so it runs between phases.
    gc.collect()
    gc.disable()
    if profiler is not None:
        await profiler.start(name)
    bot_before, own_before = await bot.ask(cmd="mark"), own_clocks()
    loop = asyncio.get_running_loop()
    if rate is None:
        phase.sent = [build(load, world, kind, student, rng) for kind, student in plan]
        await load.send([s.ix for s in phase.sent]).done
    else:
        start = loop.time() + 0.02
        for i, (kind, student) in enumerate(plan):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = build(load, world, kind, student, rng)
            load.send([sent.ix])
            phase.sent.append(sent)
    ixs = [s.ix for s in phase.sent]
    phase.unanswered = len(await load.wait_answered(ixs, ANSWER_TIMEOUT))
    await asyncio.sleep(SETTLE)
    gc.enable()
    bot_after, own_after = await bot.ask(cmd="mark"), own_clocks()
    profile = None if profiler is None else await profiler.stop(name, len(phase.sent))
    phase.bot_rows = {int(row[0]): row for row in (await bot.ask(cmd="timings"))["rows"]}
    stamps = [s.ix.dispatched_monotonic for s in phase.sent if s.ix.dispatched_monotonic]
    phase.send_seconds = max(stamps) - min(stamps) if stamps else 0.0
    phase.bot_cpu = bot_after["cpu"] - bot_before["cpu"]
    phase.bot_user = bot_after["user"] - bot_before["user"]
    phase.bot_sys = bot_after["sys"] - bot_before["sys"]
    phase.bot_main_thread = bot_after["main_thread"] - bot_before["main_thread"]
    phase.emulator_cpu = own_after["cpu"] - own_before["cpu"]
    phase.wall = bot_after["wall"] - bot_before["wall"]
    busy = own_after["machine_busy"] - own_before["machine_busy"]
    phase.others_cpu = max(0.0, busy - phase.emulator_cpu - phase.bot_cpu)
    phase.gc_count = [
        a - b for a, b in zip(bot_after["gc_count"], bot_before["gc_count"], strict=True)
    ]
    phase.gc_seconds = sum(bot_after["gc_seconds"]) - sum(bot_before["gc_seconds"])
    phase.gc_longest = bot_after["gc_longest"]
    phase.lag_longest = bot_after["lag_longest"]
    phase.lag_over_10ms = bot_after["lag_over_10ms"] - bot_before["lag_over_10ms"]
    phase.lag_events = [tuple(e) for e in bot_after["lag_events"]]
    if "objects" in bot_after:
        phase.heap = {"objects": bot_after["objects"], "by_type": bot_after["by_type"]}
    for s in phase.sent:
        if s.ix.responded and not expected(s.kind, s.ix):
            data = s.ix._response.data if s.ix._response is not None else {}
            phase.wrong.append(f"{s.kind}: {str(data.get('content'))[:120]}")
        if s.kind == "request checklist" and s.ix.original is not None and expected(s.kind, s.ix):
            s.student.message = s.ix.original
    return phase, profile


def steady_plan(world: World, total: int, rng: random.Random) -> list[tuple[str, Student]]:
    kinds = [kind for kind, _ in STEADY_MIX]
    weights = [weight for _, weight in STEADY_MIX]
    return [(rng.choices(kinds, weights)[0], rng.choice(world.students)) for _ in range(total)]
