"""Shared helpers for benchmark scripts: seeding a database, running the real bot against the
emulator, resident memory, machine facts and markdown tables. Standard library only (plus what
``pip install -e '.[test]'`` installs)."""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import InfoCoachBot, create_bot
from bot.clock import Clock
from bot.config import Settings
from bot.storage.database import SqliteDatabase
from bot.storage.timestamps import to_db
from tests.emulator import DiscordEmulator, RunningBot

ROOT = Path(__file__).resolve().parent.parent
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
)
SEED_GUILD_ID = 1_100_000_000_000_000_000  # the server the seeded students belong to


# -- memory and machine -------------------------------------------------------------------------
def memory_kib() -> dict[str, int]:
    """This process's resident memory now (``VmRSS``) and its peak (``VmHWM``), in KiB."""
    values: dict[str, int] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    if "VmHWM" not in values:  # not Linux: ru_maxrss is KiB on Linux, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        values["VmHWM"] = peak // 1024 if sys.platform == "darwin" else peak
    values.setdefault("VmRSS", values["VmHWM"])
    return values


def machine_facts() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


# -- output -------------------------------------------------------------------------------------
def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def size_text(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size / 1024:.0f} KiB"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# -- child processes ----------------------------------------------------------------------------
def run_child(module: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run ``python -m module *args`` in a fresh interpreter (clean memory figures); it must
    print one JSON object as its last stdout line (returned, plus ``process_seconds``: the
    child's whole life, interpreter start-up included). Its stderr is passed through."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def emit_result(result: dict[str, Any]) -> None:
    """What a child prints for :func:`run_child`."""
    print(json.dumps(result), flush=True)


class CountingHandler(logging.Handler):
    """Counts (and swallows) log records, e.g. discord.py's "We are being rate limited"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "rate limited" in record.getMessage():
            self.count += 1


def count_client_rate_limit_warnings() -> CountingHandler:
    """Route discord.http's warnings to a counter instead of stderr."""
    handler = CountingHandler()
    http_log = logging.getLogger("discord.http")
    http_log.addHandler(handler)
    http_log.propagate = False
    return handler


# -- databases ----------------------------------------------------------------------------------
async def create_schema(path: Path) -> None:
    """A new database file with every migration applied, exactly as the bot creates it."""
    db = await SqliteDatabase.open(path)
    await db.close()


def database_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _bulk_connection(path: Path) -> sqlite3.Connection:
    """A plain connection tuned for one big insert (no journal; WAL is restored after)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while seeding only
    return conn


def _finish_bulk(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


@dataclass(frozen=True, slots=True)
class Seeded:
    rows: int  # students = contacts = nudges
    seconds: float
    bytes: int


def seed_pending(
    path: Path, n: int, *, now: datetime, guild_id: int = SEED_GUILD_ID, seed: int = 1
) -> Seeded:
    """``n`` students, each with one contact awaiting a reply and one pending nudge (the 3B7
    "contact a second person" or "follow up" reminder) due at a minute spread over the next
    90 days. Written directly with SQL in one transaction; the schema must exist."""
    rng = random.Random(seed)
    started = time.perf_counter()
    created = to_db(now - timedelta(days=60))
    horizon = 90 * 24 * 60

    def dues() -> Iterable[tuple[int, datetime]]:
        for i in range(n):
            yield i, (now + timedelta(minutes=rng.randrange(1, horizon))).replace(microsecond=0)

    plan = list(dues())
    conn = _bulk_connection(path)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO students (guild_id, user_id, timezone, created_at, last_active_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ((guild_id, 1 + i, ZONES[i % len(ZONES)], created, created) for i, _ in plan),
        )
        conn.executemany(
            "INSERT INTO contacts (id, guild_id, user_id, person, organization, connection,"
            " stage, created_at, updated_at, requested_at, requested_tz, request_time_known,"
            " count_from, second_contact_on, follow_up_on)"
            " VALUES (?, ?, ?, ?, ?, 'alumni', 'requested', ?, ?, ?, ?, 1, ?, ?, ?)",
            (_contact_row(i, due, guild_id, created) for i, due in plan),
        )
        conn.executemany(
            "INSERT INTO nudges (id, guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (
                (
                    1 + i,
                    guild_id,
                    1 + i,
                    1 + i,
                    "second_contact" if i % 2 else "follow_up",
                    due.date().isoformat(),
                    to_db(due),
                    to_db(due),
                    created,
                    created,
                )
                for i, due in plan
            ),
        )
        conn.execute("COMMIT")
    finally:
        _finish_bulk(conn)
    return Seeded(n, time.perf_counter() - started, database_bytes(path))


def _contact_row(i: int, due: datetime, guild_id: int, created: str) -> tuple[object, ...]:
    day = due.date()
    second, follow = (day, day + timedelta(days=6)) if i % 2 else (day - timedelta(days=6), day)
    requested = due - timedelta(days=9)
    return (
        1 + i,
        guild_id,
        1 + i,
        f"Person {i}",
        f"Organization {i % 5000}",
        created,
        created,
        to_db(requested),
        ZONES[i % len(ZONES)],
        requested.date().isoformat(),
        second.isoformat(),
        follow.isoformat(),
    )


def adopt_student(path: Path, guild_id: int, user_id: int) -> str:
    """Give the first seeded student (with its contacts and nudges) the ids of an emulator user,
    so a command can be run as them; with no students, add one. Returns their time zone."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        row = conn.execute("SELECT guild_id, user_id, timezone FROM students LIMIT 1").fetchone()
        if row is None:
            zone = ZONES[0]
            conn.execute(
                "INSERT INTO students (guild_id, user_id, timezone, created_at, last_active_at)"
                " VALUES (?, ?, ?, '2026-01-01T00:00:00.000000+00:00',"
                " '2026-01-01T00:00:00.000000+00:00')",
                (guild_id, user_id, zone),
            )
        else:
            zone = row[2]
            for table in ("students", "contacts", "nudges"):  # foreign keys are off here
                conn.execute(
                    f"UPDATE {table} SET guild_id = ?, user_id = ? WHERE guild_id = ?"
                    " AND user_id = ?",
                    (guild_id, user_id, row[0], row[1]),
                )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return zone


def seed_due(
    path: Path,
    guild_id: int,
    students: Sequence[tuple[int, int | None]],
    *,
    due_at: datetime,
    zone: str = "UTC",
) -> Seeded:
    """One student per ``(user_id, dm_channel_id or None)`` with one contact whose "contact a
    second person" nudge is pending and due at ``due_at``."""
    started = time.perf_counter()
    created = to_db(due_at - timedelta(days=5))
    day = due_at.astimezone(ZoneInfo(zone)).date().isoformat()
    conn = _bulk_connection(path)
    try:
        conn.execute("BEGIN")
        base = conn.execute(  # after any rows already there (ids are given explicitly)
            "SELECT max((SELECT coalesce(max(id), 0) FROM contacts),"
            " (SELECT coalesce(max(id), 0) FROM nudges))"
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO students (guild_id, user_id, timezone, dm_channel_id, created_at,"
            " last_active_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((guild_id, uid, zone, channel, created, created) for uid, channel in students),
        )
        conn.executemany(
            "INSERT INTO contacts (id, guild_id, user_id, person, organization, connection,"
            " stage, created_at, updated_at, requested_at, requested_tz, request_time_known,"
            " count_from, second_contact_on, follow_up_on)"
            " VALUES (?, ?, ?, ?, 'Acme', 'alumni', 'requested', ?, ?, ?, ?, 1, ?, ?, ?)",
            (
                (n, guild_id, uid, f"Person {n}", created, created, created, zone, day, day, day)
                for n, (uid, _) in enumerate(students, base + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO nudges (id, guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'second_contact', ?, ?, ?, 'pending', ?, ?)",
            (
                (n, guild_id, uid, n, day, to_db(due_at), to_db(due_at), created, created)
                for n, (uid, _) in enumerate(students, base + 1)
            ),
        )
        conn.execute("COMMIT")
    finally:
        _finish_bulk(conn)
    return Seeded(len(students), time.perf_counter() - started, database_bytes(path))


def query(path: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(path: Path, sql: str, params: Sequence[object] = ()) -> None:
    """Run one write statement and commit it."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


# -- the emulator and the real bot --------------------------------------------------------------
@asynccontextmanager
async def emulator(*, global_rate_limit: int | None = None) -> AsyncIterator[DiscordEmulator]:
    """A started, installed emulator on loopback."""
    emu = DiscordEmulator(global_rate_limit=global_rate_limit)
    await emu.start()
    emu.install()
    try:
        yield emu
    finally:
        await emu.stop()


def make_bot(
    emu: DiscordEmulator,
    db_path: Path,
    *,
    clock: Clock | None = None,
    deliver_nudges: bool = True,
) -> InfoCoachBot:
    """The real bot (``bot.app.create_bot``) pointed at the emulator and ``db_path``."""
    settings = Settings(discord_token=emu.token, db_path=db_path)
    return create_bot(settings, clock=clock, deliver_nudges=deliver_nudges)


@asynccontextmanager
async def running(
    emu: DiscordEmulator,
    bot: InfoCoachBot,
    *,
    timeout: float = 60,  # noqa: ASYNC109
) -> AsyncIterator[InfoCoachBot]:
    """Start ``bot`` against ``emu`` and wait for discord.py's ready (as the e2e harness does,
    with ``guild_ready_timeout`` lowered to 0.05 s); close it afterwards."""
    runner = RunningBot(emu, bot)
    await runner.start(timeout)
    try:
        yield bot
    finally:
        await runner.stop(timeout)
