"""The database: SQLite (the default) or PostgreSQL, behind one API.

:func:`open_database` takes a location: a path opens SQLite, a ``postgresql://`` URL opens
PostgreSQL (:mod:`bot.storage.postgres`). Every call site uses the same calls on either:
``db.transaction()``, ``db.write(fn)``, ``db.call_after_commit(cb)``, the readers
``db.fetch_one/fetch_all/fetch_value`` and :func:`query_one`/:func:`query_all`.

On SQLite, writes go through the group-commit writer (:mod:`bot.storage.writer`): callers of
:meth:`Database.transaction` queue up, each body runs in its own savepoint, and one COMMIT
covers a batch of them. Reads use the separate reader connection and never see uncommitted
writes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import ClassVar, TypeVar

from bot.storage.base import Database
from bot.storage.connections import (
    WRITE_LOCK_WAIT_MS,
    Checkpointer,
    Engine,
    Params,
    ReadConnection,
    Row,
    Transaction,
    connect_reader,
    connect_writer,
    create_private,
)
from bot.storage.errors import StorageError
from bot.storage.migrations import migrate
from bot.storage.writer import BatchCommitError, GroupCommitWriter

T = TypeVar("T")
log = logging.getLogger(__name__)

__all__ = [
    "BatchCommitError",
    "Database",
    "Engine",
    "Params",
    "Row",
    "Source",
    "SqliteDatabase",
    "StorageError",
    "Transaction",
    "is_postgres_url",
    "open_database",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location: Path | str) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


async def open_database(location: Path | str) -> Database:
    """Open (creating and migrating as needed) the database at ``location``: a
    ``postgresql://`` URL opens PostgreSQL, anything else is an SQLite file's path."""
    if is_postgres_url(location):
        try:
            from bot.storage.postgres import PostgresDatabase
        except ImportError as exc:
            raise StorageError(
                "a PostgreSQL database needs asyncpg: pip install -e '.[postgres]'"
            ) from exc
        return await PostgresDatabase.connect(str(location))
    return await SqliteDatabase.open(Path(location))


class SqliteDatabase(Database):
    """Writes go through :meth:`transaction` (group-committed, see :mod:`bot.storage.writer`);
    reads use a separate connection so they never see another coroutine's uncommitted writes."""

    engine: ClassVar[Engine] = "sqlite"

    def __init__(
        self,
        path: Path,
        writer: GroupCommitWriter,
        reader: ReadConnection,
        checkpointer: Checkpointer | None = None,
    ):
        self.path = path
        self.writer = writer
        self._reader = reader
        self._checkpointer = checkpointer or Checkpointer(path)

    @property
    def location(self) -> Path:
        return self.path

    @property
    def deletion_log_path(self) -> Path:
        """The deletion log (:mod:`bot.storage.deletion_log`) lives beside the file, so that
        restoring an older copy of the database leaves it in place."""
        return self.path.with_name(self.path.name + ".deletions")

    @classmethod
    async def open(cls, path: Path, *, inline_writes: bool = True) -> SqliteDatabase:
        """Create (if needed), configure and migrate the database at ``path``, and start its
        writer task. ``inline_writes=False`` runs every write statement on aiosqlite's thread
        (slower; for comparison)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
            conn = await connect_writer(path, inline=inline_writes)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        try:
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                await cursor.fetchone()
            # Off while migrating: a migration that rebuilds a table (the 12-step procedure)
            # must not run its ON DELETE actions, and the pragma is a no-op inside the
            # migration's transaction. Such a migration checks the keys itself.
            await conn.execute("PRAGMA foreign_keys = OFF")
            await migrate(conn)  # may wait up to BUSY_TIMEOUT_MS for another process
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {WRITE_LOCK_WAIT_MS}")
            reader = await connect_reader(path)
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"cannot use the database at {path}: {exc}") from exc
        checkpointer = Checkpointer(path) if inline_writes else None
        writer = GroupCommitWriter(conn, checkpointer=checkpointer)
        writer.start()
        return cls(path, writer, reader, checkpointer or Checkpointer(path))

    async def close(self) -> None:
        """Waiting writes fail with :class:`StorageError`; the batch in progress commits."""
        try:
            await self.writer.close()
        finally:
            await self._reader.close()
            await self._checkpointer.close()

    async def scrub_wal(self, attempts: int = 3) -> bool:
        """After deleting someone's data: copy the WAL into the database and truncate it, so
        the deleted rows' old page images leave the disk (with ``secure_delete`` on, the
        database's own pages are zeroed). Retries a few times if a reader held it back;
        returns whether it finished."""
        for _ in range(attempts):
            try:
                if await self._checkpointer.truncate():
                    return True
            except sqlite3.Error:
                log.warning("a truncating WAL checkpoint failed", exc_info=True)
            await asyncio.sleep(0.05)
        return False

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """See :meth:`Database.transaction`; on SQLite the body joins a group-committed batch,
        and a nested transaction would wait for itself."""
        return self.writer.transaction()

    async def write(self, fn: Callable[[Transaction], Awaitable[T]]) -> T:
        """``await db.write(fn)``: like ``async with db.transaction() as tx: return await fn(tx)``,
        but retried once on its own if the batch it joined failed to commit (``fn`` must be safe
        to run again)."""
        return await self.writer.write(fn)

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction commits (dropped if it does not).

        Only valid inside a :meth:`transaction` body; it belongs to that body's caller.
        """
        self.writer.call_after_commit(callback)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self._reader.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._reader.fetch_all(sql, params)


Source = Database | Transaction
"""Where a read runs: the database's reader, or an open write transaction (to read what the
transaction itself wrote)."""


async def query_one(source: Source, sql: str, params: Params = ()) -> Row | None:
    if isinstance(source, Database):
        return await source.fetch_one(sql, params)
    async with source.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def query_all(source: Source, sql: str, params: Params = ()) -> list[Row]:
    if isinstance(source, Database):
        return await source.fetch_all(sql, params)
    async with source.execute(sql, params) as cursor:
        return list(await cursor.fetchall())
