"""The aiosqlite connections the database uses, each tuned for its job.

- :class:`WriteConnection` can run its calls inline on the event loop's thread. The group-commit
  writer switches that on only while a batch is open, when it alone uses the connection. A hop
  to aiosqlite's worker thread and back costs ~0.05-0.1 ms per statement (more when the loop is
  busy: the worker must wait for the GIL), which capped a serialised writer at a couple of
  thousand small transactions a second; inline, a small statement costs a few microseconds.
  Nothing between BEGIN and COMMIT waits for a lock (the transaction holds the write lock, and
  in WAL mode readers never block it), and in WAL mode with ``synchronous = NORMAL`` a COMMIT
  appends to the WAL without an fsync. The two things that can take long stay off the loop:
  a BEGIN that finds another process holding the write lock waits on the worker thread (up to
  :data:`WRITE_LOCK_WAIT_MS`), and WAL checkpoints (which copy pages back and fsync) are made by
  a :class:`Checkpointer` on another thread, never by the writer's COMMIT.
- :class:`ReadConnection` runs each query (execute, fetch, finish) in one hop, so no read is
  left half-done between hops. With separate hops, concurrent readers interleave and some
  statement is always open: the connection then keeps one read snapshot for as long as that
  lasts and returns data older than writes that already committed (a caller could be told
  "saved" and then not see its own write), and the WAL cannot be checkpointed past it.

Both subclass ``aiosqlite.Connection`` and use its ``_execute`` hook (every aiosqlite call and
cursor method goes through it; the same in aiosqlite 0.20 to 0.22), so ``tx`` stays an ordinary
aiosqlite connection for every caller. That hook and the raw ``sqlite3`` connection and cursor
are aiosqlite internals: :mod:`bot.compat` gives them names of ours (``run_call``,
``run_on_thread``, ``sqlite``, ``sqlite_cursor``) and checks at import that they still exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import Callable, Coroutine, Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import aiosqlite

from bot.compat import HookedConnection, HookedCursor

Params = Sequence[Any] | Mapping[str, Any]
"""A statement's parameters: values for ``?`` in order, or by name for ``:name``."""

Engine = Literal["sqlite", "postgres"]
"""Which database engine a :class:`Transaction` or database runs on."""

Row = aiosqlite.Row
"""A result row: ``row["col"]`` and ``row[0]``, iterable, ``keys()``. Statically typed as
SQLite's row; on PostgreSQL it is an ``asyncpg.Record``, which offers the same calls."""


class Cursor(Protocol):
    """What ``await tx.execute(...)`` (or ``async with tx.execute(...) as cursor``) gives."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Row | None: ...

    async def fetchall(self) -> Iterable[Row]: ...


class Execution(Protocol):
    """What ``tx.execute(sql, params)`` returns: awaitable for the cursor, or ``async with``
    (which closes the cursor at the end)."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...


class Transaction(Protocol):
    """An open write transaction, as :meth:`bot.storage.database.Database.transaction` yields it:
    what every storage function that writes takes (never ``Any``). On SQLite it is the writer's
    aiosqlite connection; on PostgreSQL :class:`bot.storage.postgres.PgTransaction`."""

    @property
    def engine(self) -> Engine: ...

    def execute(self, sql: str, parameters: Params | None = None) -> Execution: ...


T = TypeVar("T")

log = logging.getLogger(__name__)

_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
PRIVATE_FILE_MODE = 0o600
"""The database, its WAL and shared-memory files, and backups: readable by their owner only."""
CHECKPOINT_SECONDS = 0.5
"""How often (at most) the WAL is checkpointed while writes go on."""
INLINE_YIELD_EVERY = 256
"""An inline body lets other tasks run after this many statements (a long body stays fair)."""
BUSY_TIMEOUT_MS = 5000
"""How long a read waits for a lock (in WAL mode reads almost never have to)."""
WRITE_LOCK_WAIT_MS = 2000
"""How long a write waits for another process's write lock (a backup, an operator's shell)
before it fails with "the database is busy": short enough that a student still hears back
within Discord's 3-second deadline for an interaction."""


class _InlineCursor(HookedCursor):
    """A cursor whose fetches run inline while its connection is inline (skipping a layer)."""

    def __init__(self, conn: WriteConnection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._writer = conn

    async def fetchone(self) -> sqlite3.Row | None:
        if self._writer.inline:
            row: sqlite3.Row | None = self.sqlite_cursor.fetchone()
            return row
        return await super().fetchone()

    async def fetchall(self) -> list[sqlite3.Row]:
        if self._writer.inline:
            return self.sqlite_cursor.fetchall()
        return list(await super().fetchall())

    async def close(self) -> None:
        if self._writer.inline:
            self.sqlite_cursor.close()
        else:
            await super().close()


class _Ran:
    """What ``execute`` returns for a statement that already ran inline: awaitable, and an
    async context manager that closes the cursor (like aiosqlite's own result)."""

    __slots__ = ("_cursor", "_pause")

    def __init__(self, cursor: aiosqlite.Cursor, pause: bool) -> None:
        self._cursor = cursor
        self._pause = pause  # let other tasks run first (a long body stays fair)

    def __await__(self) -> Generator[None, None, aiosqlite.Cursor]:
        if self._pause:
            yield  # what asyncio.sleep(0) does
        return self._cursor

    async def __aenter__(self) -> aiosqlite.Cursor:
        if self._pause:
            await asyncio.sleep(0)
        return self._cursor

    async def __aexit__(self, *exc_info: object) -> None:
        await self._cursor.close()


class SqliteConnection(HookedConnection):
    """An aiosqlite connection that says which engine it is (a :class:`Transaction`)."""

    engine: Engine = "sqlite"


class WriteConnection(SqliteConnection):
    """An aiosqlite connection that can run its calls inline (see the module docstring)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int = 64):
        super().__init__(connector, iter_chunk_size)
        self.inline = False
        self._since_yield = 0

    def run_call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Coroutine[Any, Any, T]:
        if not self.inline:
            return self.run_on_thread(fn, *args, **kwargs)
        return self._run_inline(fn, *args, **kwargs)

    async def _run_inline(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.sqlite  # noqa: B018 -- raises ValueError("Connection closed") once closed
        if self._pause_due():
            await asyncio.sleep(0)
        return fn(*args, **kwargs)

    def execute(self, sql: str, parameters: Params | None = None) -> Any:
        """Inline: runs the statement now and returns an already-finished result (the hot
        path: no coroutine and no thread); otherwise aiosqlite's own. Either way the result
        can be awaited for the cursor or used as ``async with``."""
        if not self.inline:
            return super().execute(sql, parameters)
        cursor = self.sqlite.execute(sql, () if parameters is None else parameters)
        return _Ran(_InlineCursor(self, cursor), self._pause_due())

    def begin_now(self) -> bool:
        """``BEGIN IMMEDIATE`` inline if the write lock is free right now; False if another
        connection holds it (then BEGIN on the thread, where waiting up to the busy timeout
        does not stall the loop)."""
        raw = self.sqlite
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _BUSY_CODES:
                return False
            raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {WRITE_LOCK_WAIT_MS}")
        return True

    def commit_now(self) -> None:
        """``COMMIT`` inline. In WAL mode with ``synchronous = NORMAL`` a commit appends to the
        WAL without an fsync; the checkpoint (which copies pages back and fsyncs) is switched
        off on this connection and done by a :class:`Checkpointer` on another thread."""
        self.sqlite.execute("COMMIT")

    def _pause_due(self) -> bool:
        self._since_yield += 1
        if self._since_yield < INLINE_YIELD_EVERY:
            return False
        self._since_yield = 0
        return True


def _fetch_one(conn: sqlite3.Connection, sql: str, params: Params) -> sqlite3.Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: sqlite3.Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _fetch_all(conn: sqlite3.Connection, sql: str, params: Params) -> list[sqlite3.Row]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class ReadConnection(SqliteConnection):
    """An aiosqlite connection whose reads each take one hop (see the module docstring)."""

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        return await self.run_on_thread(_fetch_one, self.sqlite, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return await self.run_on_thread(_fetch_all, self.sqlite, sql, params)


class Checkpointer:
    """Checkpoints the WAL on a worker thread with its own connection, so that the writer's
    inline COMMITs never do it (a checkpoint copies pages into the database file and fsyncs:
    milliseconds that would stall the event loop). PASSIVE: it never waits for, nor blocks,
    readers or the writer; :data:`CHECKPOINT_SECONDS` apart at most, and only after writes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0
        self.runs = 0

    def after_commit(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._task is None and now - self._last >= CHECKPOINT_SECONDS:
            self._last = now
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            await asyncio.to_thread(self._checkpoint)
        except sqlite3.Error:
            log.warning("a WAL checkpoint failed; the next one will retry", exc_info=True)
        finally:
            self._task = None

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(str(self._path), check_same_thread=False)
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.runs += 1

    async def truncate(self) -> bool:
        """Copy the whole WAL into the database and truncate it to zero bytes (after a
        deletion: the WAL still holds the deleted rows' old pages). Waits for the periodic
        checkpoint first. Returns False if readers or the writer kept it from finishing (the
        next call retries)."""
        if self._task is not None:
            await self._task
        return await asyncio.to_thread(self._truncate)

    def _truncate(self) -> bool:
        conn = sqlite3.connect(str(self._path))  # its own: the periodic one may be running
        try:
            conn.execute(f"PRAGMA busy_timeout = {WRITE_LOCK_WAIT_MS}")
            (busy, _, _) = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return not busy
        finally:
            conn.close()

    async def close(self) -> None:
        if self._task is not None:
            await self._task
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _connector(path: Path, *, any_thread: bool) -> Callable[[], sqlite3.Connection]:
    def connector() -> sqlite3.Connection:
        # any_thread: the writer's connection is used by the loop's thread and aiosqlite's,
        # never both at once (the writer hands it over).
        return sqlite3.connect(str(path), isolation_level=None, check_same_thread=not any_thread)

    return connector


def create_private(path: Path) -> None:
    """Make sure the database file exists and only its owner can read it (0600), before SQLite
    opens it: SQLite creates the ``-wal`` and ``-shm`` files with the database file's
    permissions, so they are private too. An existing file (and its ``-wal``/``-shm``) created
    by an older version with looser permissions is tightened."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for each in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(each.stat().st_mode) != PRIVATE_FILE_MODE:
                each.chmod(PRIVATE_FILE_MODE)


async def _configure(conn: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, not just unlinked (a student's deleted data
    # must not stay readable in free pages).
    await conn.execute("PRAGMA secure_delete = ON")
    await conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    await conn.execute("PRAGMA synchronous = NORMAL")


async def connect_reader(path: Path) -> ReadConnection:
    conn = ReadConnection(_connector(path, any_thread=False), 64)
    await conn
    try:
        await _configure(conn, BUSY_TIMEOUT_MS)
    except BaseException:
        await conn.close()
        raise
    return conn


async def connect_writer(path: Path, *, inline: bool = True) -> SqliteConnection:
    """``inline=False``: a plain aiosqlite connection (every statement on its thread)."""
    conn: SqliteConnection
    if inline:
        conn = WriteConnection(_connector(path, any_thread=True), 64)
    else:
        conn = SqliteConnection(_connector(path, any_thread=False), 64)
    await conn
    try:
        await _configure(conn, BUSY_TIMEOUT_MS)  # Database.open shortens it after migrating
        if inline:  # its COMMITs run on the loop: a Checkpointer does the checkpoints
            await conn.execute("PRAGMA wal_autocheckpoint = 0")
    except BaseException:
        await conn.close()
        raise
    return conn
