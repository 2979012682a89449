"""PostgreSQL through asyncpg: the same API as the SQLite database (:mod:`bot.storage.database`).

- A pool of connections (:class:`ConnectionPool`, ours: asyncpg's own invalidates prepared
  statements each time a connection goes back to it). ``async with db.transaction() as tx``
  takes one and gives the body a :class:`PgTransaction`, whose first statement starts the
  transaction (``BEGIN``, READ COMMITTED, PostgreSQL's default; the student's lock travels in
  the same message); it ``COMMIT``s when the body returns (``ROLLBACK`` when it raises); only
  then are the body's after-commit callbacks run and the ``async with`` left. Round trips are
  what a transaction costs here (each ~0.1 ms of the bot's CPU and ~0.2 ms of the server's on
  a small machine), so the hot statements do in one what took two (see ``ensure_student`` and
  ``toggle_tick``). Each transaction is its own: there is no group commit (the
  server commits concurrent transactions in parallel and groups their WAL flushes itself).
- ``tx.execute(sql, params)`` takes the storage modules' SQLite text: placeholders are
  translated once per statement string (:mod:`bot.storage.sql_text`). Each connection keeps its
  prepared statements (one parse per statement string and connection); ``rowcount`` comes from
  the statement's status (``UPDATE 3``).
- Reads (``db.fetch_one`` ...) run on any pooled connection outside a transaction: they see what
  is committed, like SQLite's reader connection.
- READ COMMITTED lets two transactions read the same row and both write from what they read;
  the read-then-write paths take an advisory lock first (:mod:`bot.storage.locks`).
  :meth:`PostgresDatabase.write` retries ``fn`` when the server reports a serialization failure
  or a deadlock (the other transaction won; running again sees its result).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import asyncpg

from bot.errors import UserError
from bot.storage.base import Database
from bot.storage.connections import Engine, Execution, Params, Row, Transaction
from bot.storage.database_url import redact_url, url_secrets
from bot.storage.errors import StorageError
from bot.storage.migrations import migrate_postgres
from bot.storage.sql_text import translate
from bot.storage.writer import BatchCommitError

T = TypeVar("T")
log = logging.getLogger(__name__)

POOL_MIN = 2
POOL_MAX = 20
"""Connections in the pool: how many transactions and reads run at once in this process."""
CONNECT_TIMEOUT = 10.0
"""Seconds to reach the server at start-up before giving up (one line, exit 2)."""
PREPARED_PER_CONNECTION = 512
"""Prepared statements each connection keeps (the least recently used are closed)."""
WRITE_ATTEMPTS = 5
"""How often :meth:`PostgresDatabase.write` runs ``fn`` before giving up on a conflict."""
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_TAIL_NUMBER = re.compile(r"(\d+)\s*$")


URL_SETTING = "INFOCOACH_DATABASE_URL"
"""The setting the start-up errors name (the operator fixes it there)."""


def _quote_error(exc: BaseException, url: str) -> str:
    """``exc``'s text without the URL's password (a driver message may quote the URL)."""
    text = str(exc)
    for secret in sorted(url_secrets(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def is_retryable(exc: BaseException) -> bool:
    """A serialization failure or a deadlock (here or as the cause of a failed commit)."""
    current: BaseException | None = exc
    for _ in range(4):
        if current is None:
            return False
        if getattr(current, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        current = current.__cause__
    return False


class PgConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg has no type hints
    """A pooled connection that keeps its prepared statements by statement text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared: OrderedDict[str, Any] = OrderedDict()

    async def prepared(self, sql: str) -> Any:
        """The prepared statement for ``sql`` (already in ``$n`` form), prepared once."""
        stmt = self._prepared.get(sql)
        if stmt is not None:
            self._prepared.move_to_end(sql)
            return stmt
        stmt = await self.prepare(sql)
        self._prepared[sql] = stmt
        if len(self._prepared) > PREPARED_PER_CONNECTION:
            self._prepared.popitem(last=False)  # asyncpg closes it when collected
        return stmt


def _unusable(conn: PgConnection) -> bool:
    """In a transaction, or a cancelled statement's cancel request still under way."""
    if conn.is_in_transaction():
        return True
    return bool(getattr(conn, "_cancellations", None))  # asyncpg's; absent: assume none


class ConnectionPool:
    """Up to ``max_size`` connections, opened as needed and kept. A connection found closed
    (the server restarted, the network dropped) is replaced by a new one."""

    def __init__(self, url: str, max_size: int) -> None:
        self.url = url
        self.max_size = max_size
        self._idle: list[PgConnection] = []
        self._size = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self._drained = asyncio.Event()

    async def _connect(self) -> PgConnection:
        conn: PgConnection = await asyncpg.connect(
            self.url,
            timeout=CONNECT_TIMEOUT,
            connection_class=PgConnection,
            statement_cache_size=0,  # PgConnection keeps its own prepared statements
        )
        return conn

    async def open(self, count: int) -> None:
        for _ in range(count):
            self._size += 1
            try:
                conn = await self._connect()
            except BaseException:
                self._size -= 1
                raise
            self._idle.append(conn)

    async def acquire(self) -> PgConnection:
        while True:
            if self._closed:
                raise StorageError("the database is closed")
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._size -= 1
            if self._size < self.max_size:
                self._size += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._size -= 1
                    self._wake()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: pass the turn on
                raise

    def release(self, conn: PgConnection) -> None:
        """Give ``conn`` back. One still inside a transaction (its ``ROLLBACK`` failed, or the
        task was cancelled before it ran) or busy with a cancelled statement is closed, never
        reused: the next caller's ``BEGIN`` would only warn and its writes would join the stale
        transaction, to be committed or lost with it. Closing it makes the server roll back."""
        if conn.is_closed() or self._closed or _unusable(conn):
            self._size -= 1
            if not conn.is_closed():
                conn.terminate()
        else:
            self._idle.append(conn)
        self._wake()
        if self._closed and self.busy <= 0:
            self._drained.set()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    @property
    def busy(self) -> int:
        return self._size - len(self._idle)

    async def close(self, grace: float) -> None:
        """Refuse new acquires, wait (up to ``grace`` seconds) for those in use, close all."""
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        if self.busy > 0:
            try:
                async with asyncio.timeout(grace):
                    await self._drained.wait()
            except TimeoutError:
                log.warning("PostgreSQL connections still busy after %s s; closing them", grace)
        idle, self._idle = self._idle, []
        self._size -= len(idle)
        for conn in idle:
            try:
                await asyncio.wait_for(conn.close(), timeout=2)
            except Exception:
                conn.terminate()


def _rowcount(status: str | None) -> int:
    """``UPDATE 3`` → 3, ``INSERT 0 1`` → 1, ``SELECT 5`` → 5; -1 when there is no count."""
    if not status:
        return -1
    match = _TAIL_NUMBER.search(status)
    return int(match.group(1)) if match else -1


class PgCursor:
    """The rows a statement returned, fetched from memory, and its row count."""

    __slots__ = ("_position", "_rows", "rowcount")

    def __init__(self, rows: Sequence[Row], rowcount: int) -> None:
        self._rows = rows
        self._position = 0
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return row

    async def fetchall(self) -> Iterable[Row]:
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return list(rows)

    async def close(self) -> None:
        return None


class PgExecution:
    """What :meth:`PgTransaction.execute` returns: awaitable, or ``async with``."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Coroutine[Any, Any, PgCursor]) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._coro

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        return None


UNSTORABLE_TEXT = (
    "That text contains a character that can't be saved (such as U+0000, the NUL character). "
    "Please type it again without it."
)
"""The refusal when PostgreSQL rejects a character in a value (its text cannot hold a NUL).
Typed text is checked before it gets here (:func:`bot.validation.clean_text`); this is the
net for a path that was missed, so the student gets a reason rather than a failure."""


async def run_statement(conn: PgConnection, sql: str, params: Params | None) -> PgCursor:
    text, bind = translate(sql)
    args = bind(params)
    stmt = await conn.prepared(text)
    try:
        rows = await stmt.fetch(*args)
    except (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError) as exc:
        # 22021 "invalid byte sequence for encoding UTF8: 0x00"; 22P05 "\u0000 cannot be
        # converted to text" (jsonb). The transaction, if any, rolls back as for any error.
        log.info("PostgreSQL refused a character in a value: %s", exc)
        raise UserError(UNSTORABLE_TEXT) from exc
    return PgCursor(rows, _rowcount(stmt.get_statusmsg()))


class PgTransaction:
    """An open PostgreSQL transaction with the calls the storage modules use on SQLite's.

    ``BEGIN`` is not a round trip of its own: it goes out with the transaction's first statement
    (with :meth:`advisory_lock`, in the same message; with any other statement, just before it),
    and a body that ran no statement sends neither ``BEGIN`` nor ``COMMIT``."""

    engine: ClassVar[Engine] = "postgres"

    __slots__ = ("begun", "connection")

    def __init__(self, connection: PgConnection) -> None:
        self.connection = connection
        self.begun = False

    def execute(self, sql: str, parameters: Params | None = None) -> Execution:
        return PgExecution(self._run(sql, parameters))

    async def _run(self, sql: str, parameters: Params | None) -> PgCursor:
        if not self.begun:
            await self._begin("BEGIN")
        return await run_statement(self.connection, sql, parameters)

    async def advisory_lock(self, key: int) -> None:
        """Take the transaction-scoped advisory lock ``key``, waiting for it. As the first
        statement it travels with ``BEGIN`` in one simple-protocol message: one round trip for
        both (``key`` is an int written as digits, never text from outside)."""
        key = int(key)
        if self.begun:
            await run_statement(self.connection, "SELECT pg_advisory_xact_lock(?)", (key,))
        else:
            await self._begin(f"BEGIN; SELECT pg_advisory_xact_lock({key})")

    async def _begin(self, sql: str) -> None:
        self.begun = True  # from here on the connection may be inside a transaction
        try:
            await self.connection.execute(sql)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The cause stays attached: a deadlock on the lock is still retried by ``write``.
            raise StorageError(f"cannot start a write ({exc}); that write was not saved") from exc


class _PgTurn:
    """One ``async with db.transaction()``."""

    __slots__ = ("callbacks", "conn", "db", "token", "tx")

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.conn: PgConnection | None = None
        self.tx: PgTransaction | None = None
        self.callbacks: list[Callable[[], None]] = []
        self.token: Token[_PgTurn | None] | None = None

    async def __aenter__(self) -> Transaction:
        current = _current.get()
        if current is not None and current.db is self.db:
            raise RuntimeError(
                "a transaction was opened inside another transaction's body. Do all the writes "
                "in the one transaction."
            )
        if self.db.closing:
            raise StorageError("the database is closed; that write was not saved")
        try:
            conn = await self.db.pool.acquire()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(f"cannot start a write ({exc}); that write was not saved") from exc
        self.conn = conn
        self.tx = PgTransaction(conn)
        self.token = _current.set(self)
        return self.tx

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.conn
        assert conn is not None
        assert self.tx is not None
        begun = self.tx.begun
        if self.token is not None:
            _current.reset(self.token)
            self.token = None
        try:
            if exc_type is not None:
                self.callbacks.clear()
                if not begun:
                    return
                try:
                    await conn.execute("ROLLBACK")
                except Exception:
                    log.warning("could not roll back a failed write", exc_info=True)
                return
            try:
                if begun:  # else the body ran no statement: nothing to commit
                    await conn.execute("COMMIT")
                    self.db.commits += 1
            except Exception as error:
                self.callbacks.clear()
                if not conn.is_closed() and conn.is_in_transaction():
                    try:
                        await conn.execute("ROLLBACK")
                    except Exception:
                        log.warning("could not roll back a failed commit", exc_info=True)
                raise BatchCommitError(
                    f"the database could not commit ({error}); that write was not saved",
                    shared=False,
                ) from error
        finally:
            self.db.pool.release(conn)
        for callback in self.callbacks:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")


_current: ContextVar[_PgTurn | None] = ContextVar("infocoach_pg_turn", default=None)


class PostgresDatabase(Database):
    """A PostgreSQL database (see the module docstring)."""

    engine: ClassVar[Engine] = "postgres"

    def __init__(self, url: str, pool: ConnectionPool) -> None:
        self.url = url
        self.pool = pool
        self.closing = False
        self.commits = 0  # COMMITs so far (for tests; SQLite's count is ``writer.batches``)

    @classmethod
    async def connect(
        cls, url: str, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX
    ) -> PostgresDatabase:
        """Connect to the server at ``url``, migrate the database, and open the pool. A server
        that cannot be reached (or refuses the login) raises :class:`StorageError`."""
        pool = ConnectionPool(url, max_size)
        try:
            await pool.open(min_size)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(
                f"{URL_SETTING}: cannot reach the PostgreSQL server at {redact_url(url)}: "
                f"{_quote_error(exc, url)}"
            ) from exc
        except ValueError as exc:  # asyncpg's URL parsing: a malformed port, an unclosed [
            raise StorageError(
                f"{URL_SETTING}: cannot use the URL {redact_url(url)}: {_quote_error(exc, url)}"
            ) from exc
        try:
            conn = await pool.acquire()
            try:
                await migrate_postgres(conn)
            finally:
                pool.release(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await pool.close(grace=2)
            raise StorageError(
                f"{URL_SETTING}: cannot use the database at {redact_url(url)}: "
                f"{_quote_error(exc, url)}"
            ) from exc
        except BaseException:
            await pool.close(grace=2)
            raise
        return cls(url, pool)

    @property
    def location(self) -> str:
        return self.url

    async def close(self) -> None:
        """New writes fail with :class:`StorageError`; those under way finish first."""
        self.closing = True
        await self.pool.close(grace=10)

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        return _PgTurn(self)

    async def write(self, fn: Callable[[Transaction], Awaitable[T]]) -> T:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with self.transaction() as tx:
                    return await fn(tx)
            except Exception as exc:
                if attempt == WRITE_ATTEMPTS or not is_retryable(exc):
                    raise
                log.info("a write conflicted with another (%s); running it again", exc)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
        raise AssertionError("unreachable")

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        turn = _current.get()
        if turn is None or turn.db is not self:
            raise RuntimeError("call_after_commit outside a transaction")
        turn.callbacks.append(callback)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        if self.closing:
            raise StorageError("the database is closed")
        conn = await self.pool.acquire()
        try:
            cursor = await run_statement(conn, sql, params)
        finally:
            self.pool.release(conn)
        return list(await cursor.fetchall())
