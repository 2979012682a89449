"""The SQLite database: one writer connection for transactions, one for reads (WAL)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.migrations import migrate

Params = Iterable[Any] | dict[str, Any]


class StorageError(Exception):
    """The database cannot be opened or used; the message is one line meant for the operator."""


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA busy_timeout = 5000")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class Database:
    """Writes go through :meth:`transaction` (serialised); reads use a separate connection so
    they never see another coroutine's uncommitted writes."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._after_commit: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Create (if needed), configure and migrate the database at ``path``."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        try:
            async with writer.execute("PRAGMA journal_mode = WAL") as cursor:
                await cursor.fetchone()
            await migrate(writer)
            reader = await _connect(path)
        except sqlite3.Error as exc:
            await writer.close()
            raise StorageError(f"cannot use the database at {path}: {exc}") from exc
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as tx:`` — commits on success, rolls back on error."""
        async with self._write_lock:
            self._after_commit.clear()
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
                await self._writer.execute("COMMIT")
            except BaseException:
                self._after_commit.clear()
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction commits (dropped on rollback).

        Only valid inside :meth:`transaction`; transactions never overlap, so one list serves.
        """
        if not self._write_lock.locked():
            raise RuntimeError("call_after_commit outside a transaction")
        self._after_commit.append(callback)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


Source = Database | aiosqlite.Connection
"""Where a read runs: the database's reader, or an open write transaction (to read what the
transaction itself wrote)."""


async def query_one(source: Source, sql: str, params: Params = ()) -> aiosqlite.Row | None:
    if isinstance(source, Database):
        return await source.fetch_one(sql, params)
    async with source.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def query_all(source: Source, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
    if isinstance(source, Database):
        return await source.fetch_all(sql, params)
    async with source.execute(sql, params) as cursor:
        return list(await cursor.fetchall())
