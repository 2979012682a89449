"""The PostgreSQL side of the benchmarks: ``--engine postgres`` / ``--database-url URL``.

``--engine postgres`` starts a throwaway cluster for the run (Debian's ``initdb`` + ``pg_ctl``
from :mod:`tests.pg_cluster`, run as the ``postgres`` OS user when we are root), with the
server's **default settings** except the port (a free one) and ``listen_addresses`` (loopback
only). Unlike the test pass's cluster, ``fsync``, ``full_page_writes`` and
``synchronous_commit`` stay on: every COMMIT waits for its WAL flush, as in production.
(``initdb --no-sync`` only skips syncing the freshly created files once; it changes nothing
in the server.)

``--database-url URL`` uses an existing server instead: ``URL`` is a maintenance database
(e.g. ``postgresql://me@localhost/postgres``); each benchmark creates its own databases on that
server and drops them afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from tests.pg_cluster import PgCluster, start_cluster

ENGINES = ("sqlite", "postgres")
SERVER_SETTINGS = {"listen_addresses": "127.0.0.1"}
"""Everything else is PostgreSQL's default (fsync, synchronous_commit, full_page_writes on;
shared_buffers 128 MB; max_connections 100)."""


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="sqlite",
        help="postgres: start a throwaway PostgreSQL cluster (default settings, loopback, a"
        " free port) for the run",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="run on PostgreSQL at this existing server (a maintenance database URL such as"
        " postgresql://me@localhost/postgres; the benchmark creates and drops its own databases)",
    )


def wants_postgres(args: argparse.Namespace) -> bool:
    return args.engine == "postgres" or bool(args.database_url)


def start_bench_cluster() -> PgCluster:
    """initdb + start with the defaults (see the module docstring); stopped at exit."""
    return start_cluster(SERVER_SETTINGS, prefix="infocoach-bench-pg-")


@dataclass
class PgServer:
    """Where the benchmark's databases are created: ``admin_url`` is a maintenance database."""

    admin_url: str
    cluster: PgCluster | None = None

    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + database))

    async def create(self, database: str) -> str:
        """A new, empty database (dropped first if a previous run left it); its URL."""
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        return self.url(database)

    async def drop(self, database: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()

    async def facts(self) -> str:
        conn = await asyncpg.connect(self.admin_url)
        try:
            version = await conn.fetchval("SHOW server_version")
            names = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")
            values = [f"{n}={await conn.fetchval(f'SHOW {n}')}" for n in names]
        finally:
            await conn.close()
        where = "a throwaway local cluster" if self.cluster else "the server given"
        return f"PostgreSQL {version} ({where}, loopback TCP; {', '.join(values)})"


@contextlib.contextmanager
def pg_server(args: argparse.Namespace) -> Iterator[PgServer | None]:
    """The server to benchmark on, or None for SQLite."""
    if args.database_url:
        yield PgServer(args.database_url)
        return
    if args.engine != "postgres":
        yield None
        return
    cluster = start_bench_cluster()
    try:
        yield PgServer(cluster.url(), cluster)
    finally:
        cluster.stop()


def engine_options(args: argparse.Namespace) -> list[str]:
    """The options to pass on to a child benchmark process (never a second cluster)."""
    if args.database_url:
        return ["--database-url", args.database_url]
    return ["--engine", args.engine]


# -- seeding (bench_nudges): the same rows as benchmarks.common's SQLite seeders ---------------
async def _reset_identities(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    for table in tables:  # rows were given explicit ids: later inserts continue after them
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


async def seed_pending_pg(url: str, n: int, *, now: datetime, guild_id: int, seed: int = 1) -> int:
    """:func:`benchmarks.common.seed_pending` on PostgreSQL (COPY; the schema must exist):
    ``n`` students, each with one contact and one pending nudge due within 90 days. Returns
    the database's size in bytes."""
    import random

    from benchmarks.common import ZONES, _contact_row
    from bot.storage.timestamps import to_db

    rng = random.Random(seed)
    created = to_db(now - timedelta(days=60))
    horizon = 90 * 24 * 60
    plan = [
        (i, (now + timedelta(minutes=rng.randrange(1, horizon))).replace(microsecond=0))
        for i in range(n)
    ]
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "students",
                columns=("guild_id", "user_id", "timezone", "created_at", "last_active_at"),
                records=[
                    (guild_id, 1 + i, ZONES[i % len(ZONES)], created, created) for i, _ in plan
                ],
            )
            await conn.copy_records_to_table(
                "contacts",
                columns=(
                    "id",
                    "guild_id",
                    "user_id",
                    "person",
                    "organization",
                    "created_at",
                    "updated_at",
                    "requested_at",
                    "requested_tz",
                    "count_from",
                    "second_contact_on",
                    "follow_up_on",
                    "connection",
                    "stage",
                    "request_time_known",
                ),
                records=[
                    (*_contact_row(i, due, guild_id, created), "alumni", "requested", 1)
                    for i, due in plan
                ],
            )
            await conn.copy_records_to_table(
                "nudges",
                columns=(
                    "id",
                    "guild_id",
                    "user_id",
                    "contact_id",
                    "kind",
                    "occurrence",
                    "planned_at",
                    "due_at",
                    "status",
                    "created_at",
                    "updated_at",
                ),
                records=[
                    (
                        1 + i,
                        guild_id,
                        1 + i,
                        1 + i,
                        "second_contact" if i % 2 else "follow_up",
                        due.date().isoformat(),
                        to_db(due),
                        to_db(due),
                        "pending",
                        created,
                        created,
                    )
                    for i, due in plan
                ],
            )
            await _reset_identities(conn, ("contacts", "nudges"))
        await conn.execute("ANALYZE")
        size: int = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    return size


async def adopt_student_pg(url: str, guild_id: int, user_id: int) -> str:
    """:func:`benchmarks.common.adopt_student` on PostgreSQL: the first seeded student's rows
    move to an emulator user's ids (the student row is copied under the new ids first, as the
    foreign keys stay on). Returns their time zone."""
    from benchmarks.common import ZONES

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            row = await conn.fetchrow("SELECT guild_id, user_id, timezone FROM students LIMIT 1")
            stamp = "2026-01-01T00:00:00.000000+00:00"
            if row is None:
                zone = ZONES[0]
                await conn.execute(
                    "INSERT INTO students (guild_id, user_id, timezone, created_at,"
                    " last_active_at) VALUES ($1, $2, $3, $4, $4)",
                    guild_id,
                    user_id,
                    zone,
                    stamp,
                )
                return zone
            zone = row["timezone"]
            if (row["guild_id"], row["user_id"]) == (guild_id, user_id):
                return str(zone)
            await conn.execute(
                "INSERT INTO students (guild_id, user_id, timezone, created_at, last_active_at)"
                " VALUES ($1, $2, $3, $4, $4)",
                guild_id,
                user_id,
                zone,
                stamp,
            )
            for table in ("contacts", "nudges"):
                await conn.execute(
                    f"UPDATE {table} SET guild_id = $1, user_id = $2 WHERE guild_id = $3"
                    " AND user_id = $4",
                    guild_id,
                    user_id,
                    row["guild_id"],
                    row["user_id"],
                )
            await conn.execute(
                "DELETE FROM students WHERE guild_id = $1 AND user_id = $2",
                row["guild_id"],
                row["user_id"],
            )
    finally:
        await conn.close()
    return str(zone)


def server_cpu_seconds(server: PgServer) -> float | None:
    """CPU seconds (user + system) used so far by the throwaway cluster's processes (the
    postmaster and its children: backends, WAL writer, checkpointer ...), or None when the
    server is not ours (``--database-url``). A backend that exited takes its time with it; the
    bot's pool keeps its connections, so none do during a run."""
    import os

    if server.cluster is None:
        return None
    try:
        postmaster = int((server.cluster.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster or ppid == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


async def move_guild_pg(url: str, guild_id: int) -> None:
    """Every seeded row to the server ``guild_id`` (the emulator's), so that start-up's
    reconciliation sees a server the bot is in (foreign-key triggers off for the move: we run
    as the superuser of our own cluster)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table in ("students", "contacts", "nudges"):
                await conn.execute(
                    f"UPDATE {table} SET guild_id = $1 WHERE guild_id <> $1", guild_id
                )
        await conn.execute("VACUUM ANALYZE students, contacts, nudges")
    finally:
        await conn.close()
