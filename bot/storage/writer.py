"""The group-commit writer: one task owns the write connection and commits waiting
transactions together.

``async with writer.transaction() as tx:`` queues the caller. The writer task opens one SQLite
transaction for a batch of waiting callers and gives each its turn in order: the caller's body
runs against the connection inside its own ``SAVEPOINT``. A body that raises rolls back to its
savepoint (nothing of it stays) and its caller gets its own error; the others are unaffected.
After the last waiting caller, or :data:`MAX_BATCH` callers, or :data:`MAX_BATCH_SECONDS` of
bodies, the writer COMMITs once and only then runs the batch's after-commit callbacks and lets
its callers' ``async with`` blocks finish: nobody is told "saved" before the commit returned.

If the COMMIT fails (or something ends the whole transaction early: a full disk, an I/O error,
a trigger's ``RAISE(ROLLBACK)``), every caller of the batch whose body had succeeded gets a
:class:`BatchCommitError` and nothing of theirs is saved. An ``async with`` body cannot be
replayed, so those callers are not retried: they tell the student plainly that nothing was saved
(the error handler does). :meth:`GroupCommitWriter.write` takes an async callable instead and,
when its batch failed with others in it, runs it once more in a transaction of its own.

With a :class:`~bot.storage.connections.WriteConnection` (the default) everything between
``BEGIN`` and ``COMMIT`` runs inline on the event loop's thread, BEGIN and COMMIT included; see
:mod:`bot.storage.connections` for why that is safe and what stays on a thread (a BEGIN that
must wait for another process's lock, and WAL checkpoints).

Rules for bodies (as before): do not open a transaction inside another's body (that raises
``RuntimeError``: it would wait for itself), do not COMMIT or ROLLBACK yourself, and keep
slow awaits (Discord calls) out: every caller of the batch waits for the slowest body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import TypeVar

import aiosqlite

from bot.storage.connections import Checkpointer, SqliteConnection, Transaction, WriteConnection
from bot.storage.errors import StorageError

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 64
"""The most callers one COMMIT covers."""
MAX_BATCH_SECONDS = 0.005
"""No further caller joins a batch once its bodies have run this long."""
_SAVEPOINT = "caller"


class BatchCommitError(StorageError):
    """The transaction this caller's write was part of did not commit: nothing of it was saved.

    ``shared`` is true when other callers' writes were in the same transaction (so the failure
    may not be this caller's doing, and trying again alone may succeed)."""

    def __init__(self, message: str, *, shared: bool) -> None:
        super().__init__(message)
        self.shared = shared


@dataclass(eq=False, slots=True)
class _Batch:
    """One SQLite transaction shared by several callers, one after another."""

    started: float
    over: asyncio.Future[None]  # no further caller joins: the writer may COMMIT
    turns: list[_Turn] = field(default_factory=list)  # granted, in order
    kept: list[_Turn] = field(default_factory=list)  # whose bodies succeeded
    lost: bool = False  # something ended the whole transaction before its COMMIT


class _Turn:
    """One caller's place in the queue; also the ``async with`` it uses."""

    __slots__ = (
        "active",
        "batch",
        "callbacks",
        "committed",
        "granted",
        "handed_on",
        "solo",
        "token",
        "writer",
    )

    def __init__(self, writer: GroupCommitWriter, solo: bool) -> None:
        self.writer = writer
        self.solo = solo  # wants a transaction of its own
        self.granted: asyncio.Future[None]  # the body may run now (or an error: it never will)
        self.committed: asyncio.Future[None]  # the batch committed (or BatchCommitError)
        self.batch: _Batch | None = None
        self.callbacks: list[Callable[[], None]] = []
        self.active = False  # the body is running
        self.handed_on = False  # done with the connection
        self.token: Token[_Turn | None] | None = None

    async def __aenter__(self) -> Transaction:
        writer = self.writer
        current = _current.get()
        if current is not None and current.active and current.writer is writer:
            raise RuntimeError(
                "a transaction was opened inside another transaction's body: it would wait for "
                "itself. Do all the writes in the one transaction."
            )
        if writer.closing:
            raise StorageError("the database is closed; that write was not saved")
        loop = asyncio.get_running_loop()
        self.granted = loop.create_future()
        self.committed = loop.create_future()
        writer.enqueue(self)
        try:
            await self.granted
        except BaseException:
            if _granted_ok(self.granted):  # granted, but cancelled before it resumed
                writer.hand_on(self, kept=False)
            else:
                self.granted.cancel()  # not granted: it is skipped
            raise
        conn = writer.connection
        self.token = _current.set(self)
        self.active = True
        try:
            await conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        except BaseException:
            self._leave()
            writer.hand_on(self, kept=False)
            raise
        return conn

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        writer = self.writer
        conn = writer.connection
        self._leave()
        if exc_type is not None:  # the body failed: undo it alone; its caller gets its error
            self.callbacks.clear()
            try:
                if conn.in_transaction:
                    await conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                    await conn.execute(f"RELEASE {_SAVEPOINT}")
            finally:
                writer.hand_on(self, kept=False)
            return
        try:
            if not conn.in_transaction:
                raise StorageError(
                    "the transaction ended inside a body (COMMIT and ROLLBACK are the writer's "
                    "job); that write's outcome is unknown"
                )
            await conn.execute(f"RELEASE {_SAVEPOINT}")
        except BaseException:
            self.callbacks.clear()
            writer.hand_on(self, kept=False)
            raise
        writer.hand_on(self, kept=True)
        await self.committed

    def _leave(self) -> None:
        self.active = False
        if self.token is not None:
            _current.reset(self.token)
            self.token = None


_current: ContextVar[_Turn | None] = ContextVar("infocoach_write_turn", default=None)


def _granted_ok(future: asyncio.Future[None]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class GroupCommitWriter:
    """Owns the write connection; see the module docstring.

    The writer task only opens and commits batches: within a batch, a caller that is done with
    the connection hands it straight to the next waiting caller (one task switch per caller,
    not two), or tells the writer the batch is over.
    """

    def __init__(
        self,
        conn: SqliteConnection,
        *,
        max_batch: int = MAX_BATCH,
        max_batch_seconds: float = MAX_BATCH_SECONDS,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self.connection = conn
        self._inline = conn if isinstance(conn, WriteConnection) else None
        self.checkpointer = checkpointer
        self.max_batch = max_batch
        self.max_batch_seconds = max_batch_seconds
        self._waiting: deque[_Turn] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # COMMITs so far (for benchmarks and tests)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sqlite-writer")

    async def close(self) -> None:
        """Refuse new writes, fail the waiting ones, let the batch in progress commit, then
        close the connection."""
        self._closing = True
        self._fail_waiting("the database is closing")
        self._wake.set()
        if self._task is not None:
            await self._task
        if self.checkpointer is not None:
            await self.checkpointer.close()
        await self.connection.close()

    # -- callers ----------------------------------------------------------------------------

    def transaction(self, *, solo: bool = False) -> AbstractAsyncContextManager[Transaction]:
        """Wait for a turn, run the body in a savepoint, and return only once it committed."""
        return _Turn(self, solo)

    @property
    def closing(self) -> bool:
        return self._closing

    def enqueue(self, turn: _Turn) -> None:
        self._waiting.append(turn)
        self._wake.set()

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current caller's write commits (dropped if it does not)."""
        turn = _current.get()
        if turn is None or not turn.active or turn.writer is not self:
            raise RuntimeError("call_after_commit outside a transaction")
        turn.callbacks.append(callback)

    async def write(self, fn: Callable[[Transaction], Awaitable[T]]) -> T:
        """``await writer.write(fn)``: run ``await fn(tx)`` in a transaction and return its
        result once committed. If the batch it joined failed to commit with other callers in
        it, ``fn`` runs again in a transaction of its own (so it must be safe to re-run)."""
        try:
            async with self.transaction() as tx:
                return await fn(tx)
        except BatchCommitError as exc:
            if not exc.shared:
                raise
            log.warning("a write batch failed to commit (%s); retrying one write alone", exc)
        async with self.transaction(solo=True) as tx:
            return await fn(tx)

    # -- passing the connection on ----------------------------------------------------------

    def _grant(self, batch: _Batch, turn: _Turn) -> None:
        turn.batch = batch
        batch.turns.append(turn)
        turn.granted.set_result(None)

    def hand_on(self, turn: _Turn, *, kept: bool) -> None:
        """The caller is done with the connection: let the next caller in, or end the batch."""
        if turn.handed_on:
            return
        turn.handed_on = True
        batch = turn.batch
        if batch is None or batch.over.done():  # the batch was abandoned (the writer stopped)
            return
        if kept:
            batch.kept.append(turn)
        if not self.connection.in_transaction:  # the whole transaction was rolled back
            batch.lost = True
        elif not (
            turn.solo
            or len(batch.turns) >= self.max_batch
            or asyncio.get_running_loop().time() - batch.started >= self.max_batch_seconds
        ):
            successor = self._next_joinable()
            if successor is not None:
                self._grant(batch, successor)
                return
        batch.over.set_result(None)

    def _next_waiting(self) -> _Turn | None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.granted.done():  # a cancelled caller's turn is skipped
                return turn
        return None

    def _next_joinable(self) -> _Turn | None:
        """The next waiting caller, unless it asked for a transaction of its own."""
        while self._waiting:
            turn = self._waiting[0]
            if turn.granted.done():
                self._waiting.popleft()
            elif turn.solo:
                return None
            else:
                return self._waiting.popleft()
        return None

    def _fail_waiting(self, reason: str, cause: BaseException | None = None) -> None:
        while (turn := self._next_waiting()) is not None:
            turn.granted.set_exception(_not_saved(reason, cause))

    # -- the writer task ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            first = self._next_waiting()
            if first is None:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._run_batch(first)
            except BaseException as exc:
                # A bug here, or the loop shutting down: nobody may be left waiting forever.
                self._abandon(first, exc)
                with contextlib.suppress(BaseException):
                    await _end(self.connection, "ROLLBACK")
                if not isinstance(exc, Exception):
                    self._closing = True
                    self._fail_waiting("the database was shut down")
                    raise
                log.exception("the database writer failed a batch")

    async def _run_batch(self, first: _Turn) -> None:
        conn, inline = self.connection, self._inline
        try:
            if inline is None or not inline.begin_now():
                await conn.execute("BEGIN IMMEDIATE")  # on the thread: it may have to wait
        except Exception as exc:
            # Whatever stops this BEGIN (another process holding the lock for longer than a
            # write waits, a read-only or full disk) would stop the others waiting now too.
            reason = f"cannot start a write ({exc})"
            if not first.granted.done():
                first.granted.set_exception(_not_saved(reason, exc))
            self._fail_waiting(reason, exc)
            return
        if first.granted.done():  # cancelled while BEGIN waited
            successor = self._next_waiting()
            if successor is None:
                await _end(conn, "ROLLBACK")
                return
            first = successor
        loop = asyncio.get_running_loop()
        batch = _Batch(loop.time(), loop.create_future())
        if inline is not None:
            inline.inline = True
        try:
            self._grant(batch, first)
            await batch.over
        finally:
            if inline is not None:
                inline.inline = False
        if batch.lost:
            _fail(batch.kept, "the write was rolled back with others (a storage fault)")
            return
        if not batch.kept:
            await _end(conn, "ROLLBACK")  # nothing to keep
            return
        try:
            if inline is not None:
                inline.commit_now()
            else:
                await conn.execute("COMMIT")
        except Exception as exc:
            await _end(conn, "ROLLBACK")
            _fail(batch.kept, f"the database could not commit ({exc})", cause=exc)
            return
        self.batches += 1
        if self.checkpointer is not None:
            self.checkpointer.after_commit()
        for turn in batch.kept:
            for callback in turn.callbacks:
                try:
                    callback()
                except Exception:
                    log.exception("an after-commit callback failed")
            if not turn.committed.done():
                turn.committed.set_result(None)

    def _abandon(self, first: _Turn, exc: BaseException) -> None:
        """The writer stopped mid-batch: fail every caller of it (nothing was committed)."""
        if not first.granted.done():
            first.granted.set_exception(_not_saved("the writer stopped", exc))
        batch = first.batch
        if batch is None:
            return
        if not batch.over.done():
            batch.over.cancel()
        _fail(batch.turns, "the writer stopped before committing", cause=exc)


def _not_saved(reason: str, cause: BaseException | None) -> StorageError:
    error = StorageError(f"{reason}; that write was not saved")
    error.__cause__ = cause
    return error


async def _end(conn: aiosqlite.Connection, statement: str) -> None:
    if conn.in_transaction:
        try:
            await conn.execute(statement)
        except sqlite3.Error:
            log.exception("could not end a failed write transaction")


def _fail(turns: list[_Turn], reason: str, *, cause: BaseException | None = None) -> None:
    shared = len(turns) > 1
    for turn in turns:
        if turn.committed.done():
            continue
        error = BatchCommitError(f"{reason}; that write was not saved", shared=shared)
        error.__cause__ = cause
        turn.committed.set_exception(error)
        turn.committed.exception()  # a caller whose body failed never awaits it
