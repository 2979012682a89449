"""Nudge benchmarks: start-up with many pending nudges, and dispatch throughput under Discord's
global rate limit. Prints markdown tables; asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_nudges [--quick] [--only startup|dispatch] [--explore]
        [--engine sqlite|postgres] [--database-url URL]

1. Start-up: a database seeded (directly with SQL; not timed) with N students, contacts and
   pending nudges due over the next 90 days. A fresh process per run starts the emulator, then
   times ``create_bot(...)`` + start until ``bot.nudges_started`` is set *and* ``/settings show``
   for a seeded student has round-tripped through the emulator; then reads its RSS.
2. Dispatch: K due nudges for K students, the emulator enforcing 50 requests per sliding second
   (``DiscordEmulator(global_rate_limit=50)``), a ``ManualClock`` past their due time, the bot
   started with ``deliver_nudges=False`` and ``await bot.dispatcher.dispatch_due()`` timed:
   (a) DM channel ids already stored, (b) none stored (each DM opens its channel first),
   (c) as (b) with many other students in the table (storing a DM channel id looks the
   student up by user id alone). ``--explore`` adds what-ifs that are not the bot's
   configuration: the dispatcher's bucket at 45/s and 50/s, and (c) with an index on
   ``students (user_id)`` created by the benchmark.

On PostgreSQL (``--engine postgres``: a throwaway cluster with the server's default settings on
loopback, see :mod:`benchmarks.pg_engine`; ``--database-url``: an existing server) only the
start-up benchmark runs (sizes 0 and 100,000; ``--quick`` 0 and 10,000): each size is a fresh
database migrated by the bot's own code and seeded with COPY, and each run's fresh process opens
it by URL. The dispatch benchmark is about Discord's rate limit, not the database, and stays
SQLite-only.

Every dispatch run also checks that each seeded nudge ended ``sent`` exactly once (one DM per
student in the emulator, with the stored message id).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    SEED_GUILD_ID,
    adopt_student,
    count_client_rate_limit_warnings,
    create_schema,
    database_bytes,
    emit_result,
    emulator,
    execute,
    machine_facts,
    make_bot,
    markdown_table,
    median,
    memory_kib,
    mib,
    query,
    run_child,
    running,
    seed_due,
    seed_pending,
    size_text,
)
from benchmarks.pg_engine import (
    PgServer,
    add_engine_options,
    adopt_student_pg,
    move_guild_pg,
    pg_server,
    seed_pending_pg,
)
from bot.app import InfoCoachBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.pacing import TokenBucket
from bot.storage.database import is_postgres_url, open_database

MODULE = "benchmarks.bench_nudges"
GLOBAL_LIMIT = 50  # Discord's global REST limit, requests per second
# A Thursday, 15:00 in the students' zone (UTC): outside the default quiet hours 21:00–08:00.
DISPATCH_NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DispatchRun:
    """One dispatch measurement: ``k`` due nudges for ``k`` students, their DM channel ids
    stored or not, ``others`` more students (not due) in the tables, and optionally the
    dispatcher's token bucket swapped for one of another rate (to show what the limit allows)."""

    title: str
    k: int
    stored: bool
    others: int = 0
    bucket_rate: float | None = None
    user_index: bool = False  # what-if: an index on students (user_id), added by the benchmark

    def child_args(self, workdir: Path) -> list[str]:
        args = ["--child", "dispatch", "--k", str(self.k), "--others", str(self.others)]
        args += ["--workdir", str(workdir), "--stored" if self.stored else "--no-stored"]
        if self.bucket_rate is not None:
            args += ["--bucket-rate", str(self.bucket_rate)]
        return args + (["--user-index"] if self.user_index else [])


def dispatch_runs(k: int, *, others: int, explore: bool) -> list[DispatchRun]:
    runs = [
        DispatchRun("(a) DM channel ids stored", k, stored=True),
        DispatchRun("(b) no DM channel ids stored", k, stored=False),
        DispatchRun(f"(c) as (b), {others:,} other students in the table", k // 5, False, others),
    ]
    if explore:  # not the bot's configuration: what a faster bucket would do to the limit
        for rate in (45.0, 50.0):
            runs.append(DispatchRun(f"(x) as (a), bucket {rate:g}/s", k, True, 0, rate))
        runs.append(
            DispatchRun(
                "(y) as (c), plus an index on students (user_id)", k // 5, False, others, None, True
            )
        )
    return runs


# -- start-up (child process) -------------------------------------------------------------------
async def _alarm_armed(bot: InfoCoachBot, seconds: float) -> datetime | None:
    """The due time the alarm was armed for by start-up (its first job runs in the background)."""
    for _ in range(int(seconds / 0.01)):
        if bot.alarm.armed_for is not None:
            break
        await asyncio.sleep(0.01)
    return bot.alarm.armed_for


async def startup_child(db: str) -> dict[str, Any]:
    async with emulator() as emu:
        guild = emu.add_guild("Career Club")
        student = emu.add_user("student")
        emu.add_member(guild.id, student.id)
        # The seeded students belong to the emulator's server: start-up reconciles the
        # servers, and would otherwise treat all of them as in a server the bot left.
        if is_postgres_url(db):
            zone = await adopt_student_pg(db, guild.id, student.id)
            await move_guild_pg(db, guild.id)
        else:
            zone = adopt_student(Path(db), guild.id, student.id)
            move_guild_sqlite(Path(db), guild.id)
        gc.collect()
        before = memory_kib()

        started = time.perf_counter()
        if is_postgres_url(db):  # the real configuration: SystemClock, alarm running
            bot = create_bot(Settings(discord_token=emu.token, database_url=db))
        else:
            bot = make_bot(emu, Path(db))
        created = time.perf_counter()
        async with running(emu, bot):
            ready = time.perf_counter()
            await asyncio.wait_for(bot.nudges_started.wait(), 60)
            nudges_started = time.perf_counter()
            ix = await emu.slash(student, guild, "settings show")
            reply = await ix.message(timeout=30)
            served = time.perf_counter()
            after = memory_kib()
            if zone not in reply.text():
                raise RuntimeError(
                    f"/settings show did not show the seeded student: {reply.text()}"
                )
            earliest = await bot.db.fetch_value(
                "SELECT min(due_at) FROM nudges WHERE status = 'pending'"
            )
            armed = await _alarm_armed(bot, 10) if earliest is not None else None
            pending = await bot.db.fetch_value(
                "SELECT count(*) FROM nudges WHERE status = 'pending'"
            )
    return {
        "pending": pending,
        "create_bot": created - started,
        "connect_ready": ready - created,
        "on_ready": nudges_started - ready,
        "first_command": served - nudges_started,
        "served": served - started,
        "rss_before": before["VmRSS"],
        "rss_after": after["VmRSS"],
        "rss_peak": after["VmHWM"],
        "alarm_ok": earliest is None or (armed is not None and armed.isoformat() == _iso(earliest)),
    }


def move_guild_sqlite(path: Path, guild_id: int) -> None:
    """Every seeded row to the server ``guild_id`` (see :func:`move_guild_pg`)."""
    conn = sqlite3.connect(path, isolation_level=None)  # foreign keys off: a plain connection
    try:
        conn.execute("BEGIN")
        for table in ("students", "contacts", "nudges"):
            conn.execute(f"UPDATE {table} SET guild_id = ?1 WHERE guild_id <> ?1", (guild_id,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def _iso(db_text: str) -> str:
    return datetime.fromisoformat(db_text).astimezone(UTC).isoformat()


# -- dispatch (child process) -------------------------------------------------------------------
async def dispatch_child(run: DispatchRun, workdir: Path) -> dict[str, Any]:
    client_warnings = count_client_rate_limit_warnings()
    db_path = workdir / "dispatch.sqlite3"
    async with emulator(global_rate_limit=GLOBAL_LIMIT) as emu:
        guild = emu.add_guild("Career Club")
        users = [emu.add_user(f"student{n}") for n in range(run.k)]
        for user in users:
            emu.add_member(guild.id, user.id)
        channels = {u.id: emu.dm_channel_id(u) if run.stored else None for u in users}
        await create_schema(db_path)
        if run.others:  # students of another server with nudges due later (ids 1..others)
            seed_pending(db_path, run.others, now=DISPATCH_NOW)
        seed_due(
            db_path, guild.id, list(channels.items()), due_at=DISPATCH_NOW - timedelta(minutes=5)
        )
        if run.user_index:
            execute(db_path, "CREATE INDEX bench_students_by_user ON students (user_id)")
        bot = make_bot(emu, db_path, clock=ManualClock(DISPATCH_NOW), deliver_nudges=False)
        if run.bucket_rate is not None:
            bot.pacer = TokenBucket(run.bucket_rate)  # before start: every request shares it
        async with running(emu, bot):
            await asyncio.wait_for(bot.nudges_started.wait(), 60)
            await asyncio.sleep(1.1)  # login's requests leave the one-second window
            limit = emu.rate_limit
            assert limit is not None
            limit.reset_stats()
            first, warned = len(emu.requests), client_warnings.count
            started = time.perf_counter()
            report = await bot.dispatcher.dispatch_due()
            elapsed = time.perf_counter() - started
            requests = emu.requests[first:]
            accepted, rejected, peak = limit.accepted, limit.rejected, limit.peak
            warned = client_warnings.count - warned
        opens = sum(1 for r in requests if r.path == "/users/@me/channels" and r.status == 200)
        sends = sum(
            1
            for r in requests
            if r.method == "POST" and r.path.endswith("/messages") and r.status == 200
        )
        dms = {u.id: emu.dms(u.id) for u in users}
    rows = query(
        db_path,
        "SELECT user_id, status, message_id FROM nudges WHERE guild_id = ?",
        (guild.id,),
    )
    exactly_once = (
        len(rows) == run.k
        and all(status == "sent" for _, status, _ in rows)
        and all(len(dms[uid]) == 1 and dms[uid][0].id == message_id for uid, _, message_id in rows)
        and sum(len(v) for v in dms.values()) == run.k
    )
    return {
        "elapsed": elapsed,
        "sent": report.sent,
        "retried": report.retried,
        "deferred": report.deferred,
        "other": report.skipped + report.cancelled + report.undeliverable,
        "opens": opens,
        "sends": sends,
        "accepted": accepted,
        "rejected": rejected,
        "peak": peak,
        "client_warnings": warned,
        "dm_counts": sorted({len(v) for v in dms.values()}),
        "exactly_once": exactly_once,
        "statuses": sorted({status for _, status, _ in rows}),
    }


# -- the parent: seed, run children, print --------------------------------------------------------
async def _prepare_pg(server: PgServer, name: str, n: int) -> tuple[str, float, int]:
    """A fresh database migrated by the bot's code, seeded with ``n`` pending nudges: its URL,
    the seconds seeding took, and its size."""
    url = await server.create(name)
    db = await open_database(url)
    await db.close()
    started = time.perf_counter()
    size = await seed_pending_pg(url, n, now=datetime.now(UTC), guild_id=SEED_GUILD_ID)
    return url, (time.perf_counter() - started) if n else 0.0, size


def bench_startup(
    sizes: list[int], repeats: int, workdir: Path, server: PgServer | None = None
) -> str:
    rows = []
    baseline: float | None = None
    for n in [0, *sizes]:
        db_path = workdir / f"pending-{n}.sqlite3"
        location = str(db_path)
        if server is not None:
            location, seeded_s, size = asyncio.run(_prepare_pg(server, f"pending_{n}", n))
        else:
            asyncio.run(create_schema(db_path))
            seeded_s = 0.0
            if n:
                seeded_s = seed_pending(db_path, n, now=datetime.now(UTC)).seconds
            size = database_bytes(db_path)
        print(
            f"  start-up: {n:,} pending (seeded in {seeded_s:.1f} s) ...",
            file=sys.stderr,
            flush=True,
        )
        runs = [run_child(MODULE, "--child", "startup", "--db", location) for _ in range(repeats)]
        if server is not None:
            asyncio.run(server.drop(f"pending_{n}"))
        for path in workdir.glob(db_path.name + "*"):
            path.unlink()
        served = [r["served"] for r in runs]
        rss = median([r["rss_after"] for r in runs])
        baseline = rss if baseline is None else baseline
        best = min(runs, key=lambda r: r["served"])
        rows.append(
            (
                f"{n:,}",
                f"{runs[0]['pending']:,}",
                size_text(size),
                f"{seeded_s:.1f} s",
                f"**{median(served):.2f} s** ({min(served):.2f}–{max(served):.2f})",
                f"{median([r['process_seconds'] for r in runs]):.1f} s",
                " / ".join(
                    f"{best[key] * 1000:.0f}"
                    for key in ("create_bot", "connect_ready", "on_ready", "first_command")
                ),
                f"**{mib(rss)}**",
                f"{(rss - baseline) / 1024:+.1f} MiB",
                mib(median([r["rss_after"] - r["rss_before"] for r in runs])),
                mib(max(r["rss_peak"] for r in runs)),
                "yes" if all(r["alarm_ok"] for r in runs) else "NO",
            )
        )
    return markdown_table(
        (
            "pending nudges",
            "pending at start",
            "DB size",
            "seeding (not timed)",
            f"until commands served, median of {repeats} (min–max)",
            "whole child process (interpreter + imports + emulator + stop)",
            "fastest run: create_bot / connect+ready / on_ready / first command (ms)",
            "RSS after",
            "Δ RSS vs 0",
            "RSS added by the bot",
            "peak RSS",
            "alarm armed for the earliest",
        ),
        rows,
    )


def bench_dispatch(runs: list[DispatchRun], workdir: Path) -> str:
    rows = []
    for run in runs:
        print(f"  dispatch: {run.title}, {run.k:,} nudges ...", file=sys.stderr, flush=True)
        r = run_child(MODULE, *run.child_args(workdir))
        for path in workdir.glob("dispatch.sqlite3*"):
            path.unlink()
        rows.append(
            (
                run.title,
                f"{run.k:,}",
                f"{r['elapsed']:.1f} s",
                f"**{r['sent'] / r['elapsed']:.1f}**",
                f"{r['opens']:,} + {r['sends']:,}",
                f"{r['accepted'] / r['elapsed']:.1f}",
                str(r["peak"]),
                f"**{r['rejected']}**",
                str(r["client_warnings"]),
                f"{r['sent']}/{r['retried']}/{r['deferred']}/{r['other']}",
                "yes" if r["exactly_once"] else f"NO {r['statuses']} {r['dm_counts']}",
            )
        )
    return markdown_table(
        (
            "case",
            "nudges",
            "dispatch_due()",
            "nudges/s",
            "REST: DM opens + sends",
            "requests/s",
            "peak requests in any 1 s",
            "429s from the emulator",
            "discord.py rate-limit retries",
            "sent/retried/deferred/other",
            "each sent exactly once",
        ),
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument("--only", choices=("startup", "dispatch"))
    parser.add_argument("--repeats", type=int, default=3, help="start-up runs per size")
    parser.add_argument("--child", choices=("startup", "dispatch"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument(
        "--explore",
        action="store_true",
        help="what-ifs: (a) with the dispatcher's bucket at 45/s and 50/s; (c) with an index on"
        " students (user_id)",
    )
    parser.add_argument("--k", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--others", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stored", action=argparse.BooleanOptionalAction, help=argparse.SUPPRESS)
    parser.add_argument("--bucket-rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--user-index", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    add_engine_options(parser)
    args = parser.parse_args(argv)

    if args.child == "startup":
        emit_result(asyncio.run(startup_child(args.db)))
        return
    if args.child == "dispatch":
        run = DispatchRun(
            "", args.k, bool(args.stored), args.others, args.bucket_rate, args.user_index
        )
        emit_result(asyncio.run(dispatch_child(run, args.workdir)))
        return

    with pg_server(args) as server:
        run_parent(args, server)


def run_parent(args: argparse.Namespace, server: PgServer | None) -> None:
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    if server is not None:
        sizes = [10_000] if args.quick else [100_000]
    k = 400 if args.quick else 2_000
    others = 200_000 if args.quick else 1_000_000
    began = time.perf_counter()
    facts = machine_facts()
    if server is not None:
        facts["database"] = asyncio.run(server.facts())
    print(f"# Nudge benchmarks{' (--quick)' if args.quick else ''}\n")
    print(markdown_table(("machine", ""), facts.items()))
    with tempfile.TemporaryDirectory(prefix="bench-nudges-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "startup"):
            table = bench_startup(sizes, args.repeats, workdir, server)
            print(
                "\n## Start-up with pending nudges (target: commands served in < 2 s; RSS flat)\n"
            )
            print(table)
        if args.only in (None, "dispatch") and server is None:
            table = bench_dispatch(dispatch_runs(k, others=others, explore=args.explore), workdir)
            print(
                f"\n## Dispatch under a {GLOBAL_LIMIT}/s global limit "
                "(targets: (a) ≥ 40/s, (b) ~25/s, zero 429s)\n"
            )
            print(table)
    print(f"\nTotal wall time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
