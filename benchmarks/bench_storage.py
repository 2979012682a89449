"""Storage benchmark: checklist ticks through the bot's own storage layer. Prints markdown tables;
asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_storage [--quick] [--profile]
        [--engine sqlite|postgres] [--database-url URL]

A tick is what ``bot/ui/checklist.py`` does when a student taps an item: one
``db.transaction()`` with ``ensure_student`` + ``toggle_tick`` + ``touch_contact`` +
``append_event`` (real storage functions on a real, migrated SQLite file in WAL mode). Measured
for three ways of writing:

- **lock per transaction (before)**: the previous ``Database.transaction()``: an asyncio lock,
  ``BEGIN IMMEDIATE`` … ``COMMIT`` around each body, every statement on aiosqlite's thread;
- **group commit, threaded statements**: the group-commit writer with
  ``SqliteDatabase.open(path, inline_writes=False)`` (every statement still hops to aiosqlite's
  thread and back);
- **group commit (the bot's default)**: the writer as the bot runs it (everything of an open
  batch, BEGIN and COMMIT included, inline on the event loop; WAL checkpoints on a thread).

Figures: (1) sustained ticks per second with 200 concurrent tickers for a few seconds, and the
event loop thread's CPU time per tick; (2) latency of each tick of a burst of 1,000 started at
once, from the burst's start to that tick's ``async with`` returning (i.e. committed):
p50 / p99 / max per burst, medians over several bursts. The modes take turns burst by burst, so
other work on a shared machine hits them alike. Every run checks afterwards that each tick left
exactly one event row. A last line gives the floor: the same SQL statements through plain
``sqlite3`` with nothing else around them.

On PostgreSQL (``--engine postgres`` starts a throwaway cluster with the server's default
settings, see :mod:`benchmarks.pg_engine`; ``--database-url`` uses an existing server) the same
tick runs through ``open_database(url)``: the bot's one PostgreSQL mode (a pooled connection per
transaction, BEGIN … COMMIT each, no group commit). The SQLite-only comparison modes, the
layer-by-layer breakdown and the plain-sqlite3 floor are skipped there.

``--profile`` runs cProfile over bursts in the default mode and prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from benchmarks.common import machine_facts, markdown_table
from benchmarks.pg_engine import PgServer, add_engine_options, pg_server, server_cpu_seconds
from benchmarks.pg_floor import floor_rows
from bot.storage.checklists import toggle_tick
from bot.storage.connections import WriteConnection
from bot.storage.contacts import add_contact, touch_contact
from bot.storage.database import Database, SqliteDatabase, open_database
from bot.storage.events import append_event
from bot.storage.locks import lock_student
from bot.storage.postgres import POOL_MAX
from bot.storage.students import ensure_student

GUILD = 1
STUDENTS = 1_000
ITEMS = ("log-sent", "second-contact", "follow-up", "research", "thank-you")
BURST = 1_000
TARGET_BURST_P99_MS = 20.0
TARGET_TICKS_PER_SECOND = 10_000
TARGET_PG_TICKS_PER_SECOND = 5_000
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


class LockPerTransaction(SqliteDatabase):
    """The storage layer as it was before the group-commit writer (for comparison only): one
    asyncio lock around ``BEGIN IMMEDIATE`` … ``COMMIT``, callbacks after the lock."""

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(db.path, db.writer, db._reader)
        self._lock = asyncio.Lock()
        self._after: list[Callable[[], None]] = []

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = self.writer.connection
        async with self._lock:
            self._after.clear()
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                self._after.clear()
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()

    def transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        return self._locked()

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        self._after.append(callback)


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    inline: bool
    group: bool


MODES = (
    Mode("lock per transaction (before)", inline=False, group=False),
    Mode("group commit, threaded statements", inline=False, group=True),
    Mode("group commit (the bot's default)", inline=True, group=True),
)


async def open_mode(path: Path, mode: Mode) -> Database:
    db = await SqliteDatabase.open(path, inline_writes=mode.inline)
    return db if mode.group else LockPerTransaction(db)


PG_MODE = Mode("PostgreSQL (pooled connection, one COMMIT per tick)", inline=False, group=False)


def commits(db: Database) -> int:
    """COMMITs so far: the SQLite writer's batches, or PostgreSQL's transactions."""
    writer = getattr(db, "writer", None)
    if writer is not None:
        return int(writer.batches)
    return int(getattr(db, "commits", 0))


async def seed(location: Path | str) -> list[tuple[int, int]]:
    """One contact for each of STUDENTS students; returns (user id, contact id) pairs."""
    db = await open_database(location)
    pairs: list[tuple[int, int]] = []
    try:
        async with db.transaction() as tx:
            for user_id in range(1, STUDENTS + 1):
                await ensure_student(tx, GUILD, user_id, NOW)
                contact_id = await add_contact(
                    tx,
                    guild_id=GUILD,
                    user_id=user_id,
                    person=f"Person {user_id}",
                    organization="Acme",
                    role=None,
                    connection=None,
                    now=NOW,
                )
                pairs.append((user_id, contact_id))
    finally:
        await db.close()
    return pairs


async def tick_body(tx: aiosqlite.Connection, user_id: int, contact_id: int, item: str) -> None:
    """What ``bot.actions.checklists.toggle_item`` writes when a student taps an item (its
    ``student_transaction`` takes the student's lock first: a no-op on SQLite)."""
    await lock_student(tx, GUILD, user_id)
    await ensure_student(tx, GUILD, user_id, NOW)
    ticked = await toggle_tick(tx, contact_id, "request", item, NOW)
    await touch_contact(tx, contact_id, NOW)
    await append_event(
        tx,
        guild_id=GUILD,
        user_id=user_id,
        contact_id=contact_id,
        kind="checklist_ticked" if item in ticked else "checklist_unticked",
        payload={"phase": "request", "item": item},
        at=NOW,
    )


async def tick(db: Database, user_id: int, contact_id: int, item: str) -> None:
    """One checklist tick in its own transaction."""
    async with db.transaction() as tx:
        await tick_body(tx, user_id, contact_id, item)


async def sustained(
    db: Database, pairs: list[tuple[int, int]], tickers: int, seconds: float
) -> tuple[int, float]:
    """``tickers`` tasks tick back to back for ``seconds``; returns (ticks, elapsed)."""
    stop = time.perf_counter() + seconds
    counts = [0] * tickers

    async def ticker(index: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            user_id, contact_id = pairs[(index + n * tickers) % len(pairs)]
            await tick(db, user_id, contact_id, ITEMS[n % len(ITEMS)])
            n += 1
        counts[index] = n

    started = time.perf_counter()
    await asyncio.gather(*(ticker(i) for i in range(tickers)))
    return sum(counts), time.perf_counter() - started


async def burst(db: Database, pairs: list[tuple[int, int]], round_: int) -> list[float]:
    """BURST ticks started at once; each one's latency in seconds (start of burst → commit)."""
    latencies: list[float] = []
    started = time.perf_counter()

    async def one(i: int) -> None:
        user_id, contact_id = pairs[i % len(pairs)]
        await tick(db, user_id, contact_id, ITEMS[round_ % len(ITEMS)])
        latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(i) for i in range(BURST)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@dataclass
class Samples:
    """Per-round figures for one mode (rounds are interleaved across modes, so that a noisy
    moment on a shared machine hits every mode alike; medians over rounds are reported)."""

    mode: Mode
    db: Database
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)
    burst_cpu: list[float] = field(default_factory=list)  # main-thread CPU seconds per burst
    rates: list[float] = field(default_factory=list)  # sustained ticks per second
    rate_cpu: list[float] = field(default_factory=list)  # main-thread CPU seconds per tick
    server_cpu: list[float] = field(default_factory=list)  # PostgreSQL's CPU seconds per tick
    batches: int = 0
    ticks: int = 0


@dataclass(frozen=True, slots=True)
class Figures:
    mode: str
    ticks_per_second: float
    cpu_us_per_tick: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    worst_p99_ms: float
    commits_per_burst: float | None
    server_cpu_us_per_tick: float | None = None


async def burst_round(samples: Samples, pairs: list[tuple[int, int]], round_: int) -> None:
    batches = commits(samples.db)
    cpu = time.thread_time()
    latencies = await burst(samples.db, pairs, round_)
    samples.burst_cpu.append(time.thread_time() - cpu)
    samples.batches += commits(samples.db) - batches
    samples.p50.append(statistics.median(latencies))
    samples.p99.append(percentile(latencies, 0.99))
    samples.max.append(max(latencies))
    samples.ticks += len(latencies)


async def sustained_round(
    samples: Samples,
    pairs: list[tuple[int, int]],
    seconds: float,
    tickers: int,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> None:
    cpu = time.thread_time()
    server_before = server_cpu()
    ticks, elapsed = await sustained(samples.db, pairs, tickers, seconds)
    samples.rate_cpu.append((time.thread_time() - cpu) / ticks)
    server_after = server_cpu()
    if server_before is not None and server_after is not None:
        samples.server_cpu.append((server_after - server_before) / ticks)
    samples.rates.append(ticks / elapsed)
    samples.ticks += ticks


async def measure(
    folder: Path | None,
    pairs: list[tuple[int, int]],
    rounds: int,
    seconds: float,
    tickers: int,
    pg_url: str | None = None,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> list[Figures]:
    every: list[Samples] = []
    try:
        if pg_url is not None:
            every.append(Samples(PG_MODE, await open_database(pg_url)))
        else:
            assert folder is not None
            for index, mode in enumerate(MODES):
                path = folder / f"mode{index}.sqlite3"
                path.write_bytes((folder / "seed.sqlite3").read_bytes())
                every.append(Samples(mode, await open_mode(path, mode)))
        for samples in every:  # warm-up: statement caches, page cache
            await burst(samples.db, pairs, 0)
            samples.ticks += BURST
        for r in range(rounds):
            for samples in every:
                await burst_round(samples, pairs, r + 1)
        for _ in range(3):
            for samples in every:
                await sustained_round(samples, pairs, seconds / 3, tickers, server_cpu)
        for samples in every:  # every tick left exactly one event
            events = await samples.db.fetch_value("SELECT count(*) FROM events")
            if events != samples.ticks:
                raise AssertionError(f"{samples.mode.name}: {events} events, {samples.ticks} ticks")
    finally:
        for samples in every:
            await samples.db.close()
    ms = 1000.0
    return [
        Figures(
            s.mode.name,
            statistics.median(s.rates),
            statistics.median(s.rate_cpu) * 1e6,
            statistics.median(s.p50) * ms,
            statistics.median(s.p99) * ms,
            statistics.median(s.max) * ms,
            max(s.p99) * ms,
            s.batches / rounds if s.mode.group or pg_url is not None else None,
            statistics.median(s.server_cpu) * 1e6 if s.server_cpu else None,
        )
        for s in every
    ]


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Event-loop CPU time for BURST ticks, built up layer by layer (medians over rounds)."""

    bodies: float  # the tick bodies alone: storage functions on the inline connection, one task
    tasks: float  # BURST empty tasks started at once and gathered (what any caller costs)
    empty: float  # BURST tasks each with an empty db.transaction() (tasks + the writer's work)
    burst: float  # the real burst: BURST tasks each in db.transaction()


async def breakdown(path: Path, pairs: list[tuple[int, int]], rounds: int) -> Breakdown:
    db = await SqliteDatabase.open(path)
    conn = db.writer.connection
    assert isinstance(conn, WriteConnection)
    bodies: list[float] = []
    tasks: list[float] = []
    empties: list[float] = []
    bursts: list[float] = []

    async def nothing() -> None:
        await asyncio.sleep(0)

    async def empty() -> None:
        async with db.transaction():
            pass

    try:
        await burst(db, pairs, 0)
        for r in range(rounds):
            item = ITEMS[r % len(ITEMS)]
            cpu = time.thread_time()
            assert conn.begin_now()
            conn.inline = True
            try:
                for user_id, contact_id in pairs[:BURST]:
                    await conn.execute("SAVEPOINT caller")
                    await tick_body(conn, user_id, contact_id, item)
                    await conn.execute("RELEASE caller")
            finally:
                conn.inline = False
                conn.commit_now()
            bodies.append(time.thread_time() - cpu)
            cpu = time.thread_time()
            await asyncio.gather(*(nothing() for _ in range(BURST)))
            tasks.append(time.thread_time() - cpu)
            cpu = time.thread_time()
            await asyncio.gather(*(empty() for _ in range(BURST)))
            empties.append(time.thread_time() - cpu)
            cpu = time.thread_time()
            await burst(db, pairs, r + 1)
            bursts.append(time.thread_time() - cpu)
    finally:
        await db.close()
    return Breakdown(*(statistics.median(x) for x in (bodies, tasks, empties, bursts)))


def raw_sqlite_floor(path: Path, pairs: list[tuple[int, int]], rounds: int) -> float:
    """The same tick statements through plain sqlite3, synchronously, 64 ticks a COMMIT, with
    nothing else (no asyncio, no aiosqlite): seconds for BURST ticks (median over rounds). The
    floor for any design that runs these statements one by one in this process."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    stamp = NOW.isoformat()
    times: list[float] = []
    try:
        for r in range(rounds):
            item = ITEMS[r % len(ITEMS)]
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            for i in range(BURST):
                user_id, contact_id = pairs[i % len(pairs)]
                conn.execute("SAVEPOINT caller")
                conn.execute(
                    "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id)"
                    " DO UPDATE SET last_active_at = excluded.last_active_at",
                    (GUILD, user_id, stamp, stamp),
                )
                gone = conn.execute(
                    "DELETE FROM checklist_ticks WHERE contact_id = ? AND phase = ?"
                    " AND item_id = ?",
                    (contact_id, "request", item),
                ).rowcount
                if not gone:
                    conn.execute(
                        "INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)"
                        " VALUES (?, ?, ?, ?)",
                        (contact_id, "request", item, stamp),
                    )
                conn.execute(
                    "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = ?",
                    (contact_id, "request"),
                ).fetchall()
                conn.execute("UPDATE contacts SET updated_at = ? WHERE id = ?", (stamp, contact_id))
                conn.execute(
                    "INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (GUILD, user_id, contact_id, "checklist_ticked", "{}", stamp),
                )
                conn.execute("RELEASE caller")
                if i % 64 == 63:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
            conn.execute("COMMIT")
            times.append(time.perf_counter() - started)
    finally:
        conn.close()
    return statistics.median(times)


async def profile(path: Path, pairs: list[tuple[int, int]], rounds: int) -> str:
    db = await SqliteDatabase.open(path)
    try:
        await burst(db, pairs, 0)
        profiler = cProfile.Profile()
        profiler.enable()
        for r in range(rounds):
            await burst(db, pairs, r + 1)
        profiler.disable()
    finally:
        await db.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def headline_rows(best: Figures, engine: str = "sqlite") -> list[dict[str, object]]:
    rate_target = TARGET_PG_TICKS_PER_SECOND if engine == "postgres" else TARGET_TICKS_PER_SECOND
    prefix = "storage" if engine == "sqlite" else "storage (PostgreSQL)"
    return [
        {
            "metric": f"{prefix}: burst of 1,000 ticks, p99",
            "value": f"{best.p99_ms:.1f} ms",
            "target": f"< {TARGET_BURST_P99_MS:g} ms",
            "met": best.p99_ms < TARGET_BURST_P99_MS,
        },
        {
            "metric": f"{prefix}: sustained ticks per second",
            "value": f"{best.ticks_per_second:,.0f}",
            "target": f"≥ {rate_target:,}",
            "met": best.ticks_per_second >= rate_target,
        },
    ]


async def main_pg(args: argparse.Namespace, server: PgServer) -> None:
    """The PostgreSQL run: the bot's one PostgreSQL mode, no SQLite-only extras."""
    rounds = 5 if args.quick else 15
    seconds = 1.5 if args.quick else 6.0
    tickers = 200
    load = os.getloadavg()[0]
    facts = await server.facts()

    def cpu_of_server() -> float | None:
        return server_cpu_seconds(server)

    url = await server.create("bench_storage")
    try:
        pairs = await seed(url)
        rows = await measure(
            None, pairs, rounds, seconds, tickers, pg_url=url, server_cpu=cpu_of_server
        )
        trips = await round_trips_per_tick(url, pairs)  # after: it adds two events
        floor = await floor_rows(
            server, url, students=STUDENTS, clients=POOL_MAX, seconds=max(3, int(seconds))
        )
    finally:
        await server.drop("bench_storage")
    print("## Storage: checklist ticks through the storage layer (PostgreSQL)\n")
    print(" · ".join(f"{k}: {v}" for k, v in machine_facts().items()))
    print(f"\n{facts}; the server runs on the same 2 cores as this process.")
    print(f"\nLoad average when it started: {load:.2f}.\n")
    print(
        "A tick = lock_student (PostgreSQL) + ensure_student + toggle_tick + touch_contact + "
        "append_event in one "
        f"`db.transaction()`. Burst: {BURST:,} ticks started at once, each one's latency from "
        f"the start to its commit; medians over {rounds} bursts. Sustained: {tickers} "
        f"concurrent tickers, 3 × {seconds / 3:g} s, median. CPU per tick is this process's "
        "event-loop thread only (the server's backends are not counted).\n"
    )
    print(result_table(rows))
    best = rows[-1]
    server_us = best.server_cpu_us_per_tick
    print(
        f"\nRound trips per tick (BEGIN and COMMIT included): {min(trips)} to tick an item, "
        f"{max(trips)} to untick it (an untick first tries the insert), each waiting for the "
        "server's answer before the next is sent. "
        "PostgreSQL's own CPU per sustained tick (postmaster and its children, from /proc): "
        + (f"{server_us:.0f} µs." if server_us is not None else "not measured (not our server).")
    )
    if floor is None:
        print("\nThe floor (pgbench) was not measured: pgbench is not installed.")
    else:
        print(
            f"\nThe floor, without Python: pgbench with {POOL_MAX} clients (the bot's pool "
            "size) on the same database, transactions per second (see benchmarks/pg_floor.py):\n"
        )
        print(markdown_table(("shape", "ticks/s"), [(n, f"{tps:,.0f}") for n, tps in floor]))
    print(
        f"\nTargets on PostgreSQL: ≥ {TARGET_PG_TICKS_PER_SECOND:,} sustained ticks/s "
        f"({'met' if best.ticks_per_second >= TARGET_PG_TICKS_PER_SECOND else 'NOT met'}: "
        f"{best.ticks_per_second:,.0f}); burst p99 {best.p99_ms:.1f} ms."
    )
    try:
        from benchmarks.run_all import write_headlines
    except ImportError:  # run_all is optional
        return
    write_headlines(headline_rows(best, engine="postgres"))


async def round_trips_per_tick(url: str, pairs: list[tuple[int, int]]) -> tuple[int, int]:
    """Round trips of one tick and of the untick after it: the extended-protocol statements
    (``bot.storage.postgres.run_statement``) and the simple-protocol ones (BEGIN, COMMIT, BEGIN
    with the lock: ``PgConnection.execute``), counted by wrapping both for two ticks (benchmark
    instrumentation only)."""
    from bot.storage import postgres

    original_run = postgres.run_statement
    original_execute = postgres.PgConnection.execute
    count = 0

    async def counting_run(conn: Any, sql: str, params: Any) -> Any:
        nonlocal count
        count += 1
        return await original_run(conn, sql, params)

    async def counting_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        return await original_execute(self, *args, **kwargs)

    db = await open_database(url)
    trips = []
    try:
        postgres.run_statement = counting_run  # type: ignore[assignment]
        postgres.PgConnection.execute = counting_execute  # type: ignore[method-assign]
        user_id, contact_id = pairs[0]
        for _ in range(2):  # on, then off again: leaves no trace but two events
            count = 0
            await tick(db, user_id, contact_id, ITEMS[-1])
            trips.append(count)
    finally:
        postgres.run_statement = original_run  # type: ignore[assignment]
        postgres.PgConnection.execute = original_execute  # type: ignore[method-assign]
        await db.close()
    return trips[0], trips[1]


def result_table(rows: list[Figures]) -> str:
    return markdown_table(
        (
            "mode",
            "sustained ticks/s",
            "CPU per tick",
            "burst p50",
            "burst p99",
            "burst max",
            "worst burst p99",
            "COMMITs per burst",
        ),
        (
            (
                f.mode,
                f"{f.ticks_per_second:,.0f}",
                f"{f.cpu_us_per_tick:.0f} µs",
                f"{f.p50_ms:.1f} ms",
                f"{f.p99_ms:.1f} ms",
                f"{f.max_ms:.1f} ms",
                f"{f.worst_p99_ms:.1f} ms",
                "1 per tick" if f.commits_per_burst is None else f"{f.commits_per_burst:.0f}",
            )
            for f in rows
        ),
    )


async def main_async(args: argparse.Namespace) -> None:
    rounds = 5 if args.quick else 15
    seconds = 1.5 if args.quick else 6.0
    tickers = 200
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        folder = Path(tmp)
        pairs = await seed(folder / "seed.sqlite3")
        rows = await measure(folder, pairs, rounds, seconds, tickers)
        floor_path = folder / "floor.sqlite3"
        floor_path.write_bytes((folder / "seed.sqlite3").read_bytes())
        floor = raw_sqlite_floor(floor_path, pairs, rounds)
        parts_path = folder / "parts.sqlite3"
        parts_path.write_bytes((folder / "seed.sqlite3").read_bytes())
        parts = await breakdown(parts_path, pairs, rounds)
        report = None
        if args.profile:
            path = folder / "profile.sqlite3"
            path.write_bytes((folder / "seed.sqlite3").read_bytes())
            report = await profile(path, pairs, rounds)

    print("## Storage: checklist ticks through the storage layer\n")
    print(" · ".join(f"{k}: {v}" for k, v in machine_facts().items()))
    print(f"\nLoad average when it started: {load:.2f} (other work on the machine shows in the")
    print("wall-clock figures; CPU per tick is steadier).\n")
    print(
        "A tick = lock_student (PostgreSQL) + ensure_student + toggle_tick + touch_contact + "
        "append_event in one "
        f"`db.transaction()`. Burst: {BURST:,} ticks started at once, each one's latency from "
        f"the start to its commit; medians over {rounds} bursts per mode (the modes take turns). "
        f"Sustained: {tickers} concurrent tickers, 3 × {seconds / 3:g} s per mode, median.\n"
    )
    print(result_table(rows))
    best = rows[-1]
    print(f"\n### Where a burst's time goes (event-loop CPU for {BURST:,} ticks, default mode)\n")
    writer = parts.empty - parts.tasks
    rest = parts.burst - parts.bodies - parts.empty
    print(
        markdown_table(
            ("part", "for 1,000 ticks", "per tick"),
            (
                (name, f"{seconds * 1000:.1f} ms", f"{seconds / BURST * 1e6:.0f} µs")
                for name, seconds in (
                    ("the SQL alone (plain sqlite3, nothing else)", floor),
                    ("+ the bot's storage functions through aiosqlite's API", parts.bodies - floor),
                    ("+ 1,000 concurrent callers (asyncio tasks)", parts.tasks),
                    ("+ the writer (queue, savepoint, hand-over, 2 wake-ups a caller)", writer),
                    ("+ the rest (1,000 tasks' bodies interleaved, not back to back)", rest),
                    ("= the whole burst", parts.burst),
                )
            ),
        )
    )
    print(
        f"\nTargets: burst p99 < {TARGET_BURST_P99_MS:g} ms "
        f"({'met' if best.p99_ms < TARGET_BURST_P99_MS else 'NOT met'}: {best.p99_ms:.1f} ms); "
        f"≥ {TARGET_TICKS_PER_SECOND:,} sustained ticks/s "
        f"({'met' if best.ticks_per_second >= TARGET_TICKS_PER_SECOND else 'NOT met'}: "
        f"{best.ticks_per_second:,.0f})."
    )
    if report:
        print("\n### cProfile, bursts in the default mode (top 25 by own time)\n")
        print("```\n" + report.strip() + "\n```")
    try:
        from benchmarks.run_all import write_headlines
    except ImportError:  # run_all is optional
        return
    write_headlines(headline_rows(best))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer bursts, shorter runs")
    parser.add_argument("--profile", action="store_true", help="cProfile the default mode")
    add_engine_options(parser)
    args = parser.parse_args(argv)
    with pg_server(args) as server:
        if server is None:
            asyncio.run(main_async(args))
        else:
            asyncio.run(main_pg(args, server))


if __name__ == "__main__":
    main()
