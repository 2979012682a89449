"""Look at every table of the database under test, on either engine (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from bot.storage.database import Database

# The migration runner's own record: not something an action writes.
MIGRATIONS_TABLE = "schema_migrations"


async def table_names(db: Database) -> list[str]:
    """The project's tables (not the engine's, nor the migrations' record), sorted."""
    if db.engine == "postgres":
        sql = (
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    names = {str(row[0]) for row in await db.fetch_all(sql)}
    names.discard(MIGRATIONS_TABLE)
    return sorted(names)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (what is committed); rows sorted, so the engine's row order
    doesn't matter."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in await table_names(db):
        rows = await db.fetch_all(f"SELECT * FROM {table}")
        out[table] = sorted((tuple(row) for row in rows), key=repr)
    return out
