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
