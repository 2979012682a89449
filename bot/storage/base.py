"""The database API every call site uses, on either engine (see :mod:`bot.storage.database`);
its own module so that both engines' modules can build on it."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from bot.storage.connections import Engine, Params, Row, Transaction

T = TypeVar("T")


class Database(abc.ABC):
    """What every caller uses, on either engine (see the module docstring)."""

    engine: ClassVar[Engine]

    @property
    @abc.abstractmethod
    def location(self) -> Path | str:
        """The path or URL it was opened with (a URL as given: it may hold a password)."""

    @property
    def deletion_log_path(self) -> Path | None:
        """Where :mod:`bot.storage.deletion_log` keeps its file (None: no deletion log)."""
        return None

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def scrub_wal(self, attempts: int = 3) -> bool:
        """After deleting someone's data, make the deletion reach the disk (SQLite: see
        :meth:`SqliteDatabase.scrub_wal`). On PostgreSQL there is nothing to do here: deleted
        rows are gone once committed and vacuumed (autovacuum). Returns whether it finished."""
        return True

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """``async with db.transaction() as tx:`` — the body's writes are saved when the block
        exits without error (after the COMMIT returned); on the body's error none of them are.

        If the commit fails, the block raises :class:`BatchCommitError` (nothing saved).
        Opening a transaction inside another's body raises ``RuntimeError``.
        """

    @abc.abstractmethod
    async def write(self, fn: Callable[[Transaction], Awaitable[T]]) -> T:
        """``await db.write(fn)``: like ``async with db.transaction() as tx: return await
        fn(tx)``, but retried when the failure may not be ``fn``'s doing (a batch that failed to
        commit on SQLite; a serialization failure or deadlock on PostgreSQL): ``fn`` must be
        safe to run again."""

    @abc.abstractmethod
    def call_after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction commits (dropped if it does not).

        Only valid inside a :meth:`transaction` body; it belongs to that body's caller.
        """

    @abc.abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]
