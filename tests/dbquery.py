"""Read (and poke) the database under test synchronously, on either engine.

Tests look at what the bot committed through their own connection: ``sqlite3`` for an SQLite
path, ``psycopg`` for a ``postgresql://`` URL. The SQL is written as the storage modules write
it (``?``, ``?N`` or ``:name`` placeholders); on PostgreSQL it is translated with
:func:`bot.storage.sql_text.to_pyformat`. Rows are :class:`DbRow`: a tuple that also answers
``row["col"]`` and ``keys()``, the same on both engines.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.storage.database import is_postgres_url
from bot.storage.sql_text import to_pyformat

Location = Path | str
Params = Sequence[Any] | Mapping[str, Any]


class DbRow(tuple[Any, ...]):
    """A result row: a tuple with its column names (``row[0]``, ``row["col"]``, ``keys()``)."""

    _names: tuple[str, ...]

    def __new__(cls, names: Sequence[str], values: Sequence[Any]) -> DbRow:
        row = super().__new__(cls, values)
        row._names = tuple(names)
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no column named {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _pg(location: str) -> Any:
    import psycopg

    return psycopg.connect(location, autocommit=True)


def _rows(description: Any, rows: list[Sequence[Any]]) -> list[DbRow]:
    names = [d[0] for d in description or ()]
    return [DbRow(names, r) for r in rows]


def query(location: Location, sql: str, params: Params = ()) -> list[DbRow]:
    """The rows of one statement, read through a separate connection (what is committed)."""
    if is_postgres_url(location):
        text, bind = to_pyformat(sql)
        with _pg(str(location)) as conn, conn.cursor() as cur:
            cur.execute(text, bind(params))
            return _rows(cur.description, cur.fetchall()) if cur.description else []
    conn = sqlite3.connect(location)
    try:
        cursor = conn.execute(sql, params)
        return _rows(cursor.description, cursor.fetchall())
    finally:
        conn.close()


def execute(location: Location, sql: str, params: Params = ()) -> int:
    """Run one statement and commit it; returns the rows it changed."""
    if is_postgres_url(location):
        text, bind = to_pyformat(sql)
        with _pg(str(location)) as conn, conn.cursor() as cur:
            cur.execute(text, bind(params))
            return int(cur.rowcount)
    conn = sqlite3.connect(location)
    try:
        with conn:
            return conn.execute(sql, params).rowcount
    finally:
        conn.close()


def tables(location: Location) -> list[str]:
    """The database's own tables (not the engine's), sorted."""
    if is_postgres_url(location):
        rows = query(
            location,
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " ORDER BY tablename",
        )
    else:
        rows = query(
            location,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name",
        )
    return [str(r[0]) for r in rows]


def snapshot(location: Location) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (as plain tuples, sorted), read through a separate connection."""
    return {
        table: sorted((tuple(r) for r in query(location, f"SELECT * FROM {table}")), key=repr)
        for table in tables(location)
    }


def table_definitions(location: Location) -> dict[str, tuple[list[str], str]]:
    """Every table → (its columns in order, its definition's text: SQLite's CREATE statement,
    or on PostgreSQL its constraints as ``pg_get_constraintdef`` spells them)."""
    found: dict[str, tuple[list[str], str]] = {}
    if is_postgres_url(location):
        for table in tables(location):
            columns = query(
                location,
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?"
                " ORDER BY ordinal_position",
                (table,),
            )
            checks = query(
                location,
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = to_regclass(?) ORDER BY conname",
                (table,),
            )
            found[table] = ([str(c[0]) for c in columns], "\n".join(str(c[0]) for c in checks))
        return found
    for name, sql in query(
        location,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ):
        columns = query(location, f'PRAGMA table_info("{name}")')
        found[str(name)] = ([str(c[1]) for c in columns], str(sql))
    return found


def integrity_errors() -> tuple[type[BaseException], ...]:
    """A broken constraint, as either engine raises it."""
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import asyncpg

        errors.append(asyncpg.IntegrityConstraintViolationError)
    except ImportError:
        pass
    return tuple(errors)
