"""Numbered SQL migrations, all pending ones in one transaction.

One folder per engine with the same numbers and names: ``migrations/sqlite/NNNN_name.sql`` and
``migrations/postgres/NNNN_name.sql``. Both record what ran in ``schema_migrations(version,
name, applied_at)``; SQLite also keeps the version in ``PRAGMA user_version`` (what it reads),
PostgreSQL has no such pragma and reads ``max(version)`` of that table. On PostgreSQL the whole
run holds a session advisory lock (:data:`PG_MIGRATION_LOCK`), so several processes starting
together migrate once: the others wait, then find nothing pending.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import aiosqlite

from bot.storage.connections import Engine
from bot.storage.timestamps import to_db

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


PG_MIGRATION_LOCK = 0x1F0C0AC4_0000_0001
"""The key of the session advisory lock a PostgreSQL migration run holds."""
_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def available_migrations(engine: Engine = "sqlite") -> list[Migration]:
    folder = resources.files("bot.storage") / "migrations" / engine
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about quotes)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise RuntimeError(f"incomplete SQL statement at the end of a migration: {buffer!r}")
    return statements


async def migrate(
    conn: aiosqlite.Connection,
    target: int | None = None,
    migrations: list[Migration] | None = None,
) -> list[int]:
    """Apply every migration above the current version (up to ``target``) in one transaction.

    Returns the versions applied. On any error the transaction rolls back and the database keeps
    its previous schema.
    """
    if migrations is None:
        migrations = available_migrations()
    pending = _pending(migrations, await schema_version(conn), target)
    if not pending:
        return []
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(_SCHEMA_MIGRATIONS)
        for migration in pending:
            for statement in _statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, to_db(datetime.now(UTC))),
            )
        await conn.execute(f"PRAGMA user_version = {pending[-1].version}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return [m.version for m in pending]


def _pending(migrations: list[Migration], current: int, target: int | None) -> list[Migration]:
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this code ({latest})"
        )
    return [
        m for m in migrations if m.version > current and (target is None or m.version <= target)
    ]


async def pg_schema_version(conn: Any) -> int:
    """The version a PostgreSQL database is at (0: none yet). ``conn``: an asyncpg
    connection."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate_postgres(
    conn: Any, target: int | None = None, migrations: list[Migration] | None = None
) -> list[int]:
    """:func:`migrate` for PostgreSQL, on an asyncpg connection outside a transaction: under
    the advisory lock, apply every pending migration in one transaction (PostgreSQL's DDL is
    transactional: on any error nothing of the run stays)."""
    if migrations is None:
        migrations = available_migrations("postgres")
    await conn.execute(f"SELECT pg_advisory_lock({PG_MIGRATION_LOCK})")
    try:
        pending = _pending(migrations, await pg_schema_version(conn), target)
        if not pending:
            return []
        async with conn.transaction():
            await conn.execute(_SCHEMA_MIGRATIONS)
            for migration in pending:
                await conn.execute(migration.sql)  # simple protocol: several statements
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    to_db(datetime.now(UTC)),
                )
        return [m.version for m in pending]
    finally:
        await conn.execute(f"SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})")
