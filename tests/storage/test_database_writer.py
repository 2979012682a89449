"""The group-commit writer behind ``Database.transaction()``, against real SQLite files, with
statements inline on the loop (the bot's default) and on aiosqlite's thread."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.connections import WRITE_LOCK_WAIT_MS
from bot.storage.database import BatchCommitError, Database, SqliteDatabase, StorageError

pytestmark = [pytest.mark.timeout(60), pytest.mark.sqlite_only]  # the SQLite writer, WAL


@pytest.fixture(params=[True, False], ids=["inline", "threaded"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = await SqliteDatabase.open(tmp_path / "writer.sqlite3", inline_writes=request.param)
    async with database.transaction() as tx:
        await tx.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        await tx.execute(
            "CREATE TABLE rows (id INTEGER PRIMARY KEY, caller INTEGER NOT NULL,"
            " n INTEGER NOT NULL DEFAULT 0, parent INTEGER REFERENCES parents (id))"
        )
        await tx.execute("INSERT INTO parents (id) VALUES (1)")
    try:
        yield database
    finally:
        await database.close()


def committed_callers(db: Database) -> set[int]:
    """What another process would see: an independent connection to the file."""
    conn = sqlite3.connect(db.path)
    try:
        return {row[0] for row in conn.execute("SELECT DISTINCT caller FROM rows")}
    finally:
        conn.close()


async def insert(tx: aiosqlite.Connection, caller: int, n: int = 0) -> None:
    await tx.execute("INSERT INTO rows (caller, n) VALUES (?, ?)", (caller, n))


class Held:
    """Holds the writer: its body waits until released, so that callers queue up behind it
    (and, with no time limit on batches, join its batch)."""

    def __init__(self, db: Database) -> None:
        self.inside = asyncio.Event()
        self.release = asyncio.Event()
        self.error: BaseException | None = None
        self.task = asyncio.create_task(self._hold(db))

    async def _hold(self, db: Database) -> None:
        try:
            async with db.transaction():
                self.inside.set()
                await self.release.wait()
        except BatchCommitError as exc:
            self.error = exc

    async def let_go(self) -> None:
        self.release.set()
        await self.task


async def held(db: Database, *, one_batch: bool = False) -> Held:
    if one_batch:
        db.writer.max_batch_seconds = 60.0
    holder = Held(db)
    await holder.inside.wait()
    return holder


async def queued(*tasks: asyncio.Task[object]) -> None:
    """Let the tasks run up to their place in the writer's queue."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_burst_of_a_thousand_transactions_all_commit_in_few_batches(db: Database):
    # The cap on how long a batch's bodies may run depends on how busy the machine is (a body
    # that takes 5 ms under load ends its batch alone); without it, grouping depends only on
    # who is waiting: all 1,000 callers queue before the first batch starts, so every batch
    # but the last is full.
    db.writer.max_batch_seconds = float("inf")
    before = db.writer.batches

    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)
            await tx.execute("UPDATE parents SET id = id WHERE id = 1")
        # Told "saved" only after the COMMIT: the reader connection already sees it.
        assert await db.fetch_value("SELECT count(*) FROM rows WHERE caller = ?", (caller,)) == 1

    await asyncio.gather(*(one(i) for i in range(1000)))
    assert committed_callers(db) == set(range(1000))
    assert await db.fetch_value("SELECT count(*) FROM rows") == 1000
    assert db.writer.batches - before == math.ceil(1000 / db.writer.max_batch)  # not 1,000


async def test_one_failing_body_fails_only_itself(db: Database):
    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller, 1)
            await insert(tx, caller, 2)
            if caller == 13:
                raise ValueError("this caller's own mistake")

    holder = await held(db)
    tasks = [asyncio.create_task(one(i)) for i in range(30)]
    await queued(*tasks)
    await holder.let_go()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [13]
    assert isinstance(results[13], ValueError)
    assert committed_callers(db) == set(range(30)) - {13}
    assert await db.fetch_value("SELECT count(*) FROM rows") == 29 * 2


async def test_a_statement_error_rolls_back_only_that_body(db: Database):
    async def good(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)

    async def bad() -> None:
        async with db.transaction() as tx:
            await insert(tx, 99)  # written, then the next statement fails
            await tx.execute("INSERT INTO rows (caller, parent) VALUES (99, 12345)")  # no parent

    holder = await held(db)
    tasks = [asyncio.create_task(good(0)), asyncio.create_task(bad()), asyncio.create_task(good(1))]
    await queued(*tasks)
    await holder.let_go()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert committed_callers(db) == {0, 1}


async def test_a_failed_commit_fails_exactly_that_batchs_callers(db: Database):
    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)
            if caller == 5:  # a violation only the COMMIT notices
                await tx.execute("PRAGMA defer_foreign_keys = ON")
                await tx.execute("INSERT INTO rows (caller, parent) VALUES (5, 777)")

    holder = await held(db, one_batch=True)
    first = [asyncio.create_task(one(i)) for i in range(10)]
    await queued(*first)
    await holder.let_go()
    results = await asyncio.gather(*first, return_exceptions=True)
    assert isinstance(holder.error, BatchCommitError)
    assert all(isinstance(r, BatchCommitError) for r in results), results
    error = results[0]
    assert isinstance(error, BatchCommitError)
    assert error.shared
    assert "not saved" in str(error)
    assert isinstance(error.__cause__, sqlite3.IntegrityError)  # FOREIGN KEY constraint failed
    assert committed_callers(db) == set()
    # The writer goes on: later callers commit (the deferred check does not leak).
    await asyncio.gather(*(one(i) for i in (20, 21)))
    assert committed_callers(db) == {20, 21}


async def test_write_retries_alone_when_its_batch_fails(db: Database):
    runs: list[int] = []

    async def ticking(tx: aiosqlite.Connection) -> str:
        runs.append(1)
        await insert(tx, 7)
        return "saved"

    async def poison() -> None:
        async with db.transaction() as tx:
            await tx.execute("PRAGMA defer_foreign_keys = ON")
            await tx.execute("INSERT INTO rows (caller, parent) VALUES (8, 777)")

    holder = await held(db, one_batch=True)
    retried = asyncio.create_task(db.write(ticking))
    poisoned = asyncio.create_task(poison())
    await queued(retried, poisoned)
    await holder.let_go()
    assert await retried == "saved"
    with pytest.raises(BatchCommitError):
        await poisoned
    assert len(runs) == 2  # once in the failed batch, once alone
    assert committed_callers(db) == {7}
    assert await db.fetch_value("SELECT count(*) FROM rows") == 1


async def test_write_alone_in_a_failed_batch_is_not_retried(db: Database):
    runs: list[int] = []

    async def poison(tx: aiosqlite.Connection) -> None:
        runs.append(1)
        await tx.execute("PRAGMA defer_foreign_keys = ON")
        await tx.execute("INSERT INTO rows (caller, parent) VALUES (8, 777)")

    with pytest.raises(BatchCommitError) as caught:
        await db.write(poison)
    assert not caught.value.shared
    assert runs == [1]


async def test_a_body_that_rolls_back_the_whole_transaction_fails_the_earlier_callers(
    db: Database,
):
    async with db.transaction() as tx:  # a trigger that ends the whole transaction
        await tx.execute(
            "CREATE TRIGGER doom BEFORE INSERT ON rows WHEN NEW.caller = 66"
            " BEGIN SELECT RAISE(ROLLBACK, 'doomed'); END"
        )

    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)

    holder = await held(db, one_batch=True)
    tasks = [asyncio.create_task(one(c)) for c in (1, 2, 66, 3, 4)]
    await queued(*tasks)
    await holder.let_go()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[2], sqlite3.IntegrityError)  # its own error
    assert isinstance(results[0], BatchCommitError)
    assert isinstance(results[1], BatchCommitError)
    assert results[3] is None
    assert results[4] is None
    assert committed_callers(db) == {3, 4}


async def test_after_commit_callbacks_run_after_the_commit_and_only_for_kept_writes(
    db: Database,
):
    seen: dict[int, set[int]] = {}

    def saw(caller: int) -> None:
        seen[caller] = committed_callers(db)  # what is on disk when the callback runs

    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)
            db.call_after_commit(lambda: saw(caller))
            if caller == 2:
                raise ValueError("rolled back")

    holder = await held(db)
    tasks = [asyncio.create_task(one(i)) for i in range(5)]
    await queued(*tasks)
    await holder.let_go()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert set(seen) == {0, 1, 3, 4}
    assert all(caller in on_disk for caller, on_disk in seen.items())


async def test_after_commit_callbacks_of_a_failed_batch_never_run(db: Database):
    ran: list[int] = []

    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)
            db.call_after_commit(lambda: ran.append(caller))
            if caller == 1:
                await tx.execute("PRAGMA defer_foreign_keys = ON")
                await tx.execute("INSERT INTO rows (caller, parent) VALUES (1, 777)")

    holder = await held(db, one_batch=True)
    tasks = [asyncio.create_task(one(i)) for i in range(3)]
    await queued(*tasks)
    await holder.let_go()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, BatchCommitError) for r in results)
    assert ran == []


async def test_call_after_commit_outside_a_transaction_is_an_error(db: Database):
    with pytest.raises(RuntimeError, match="outside a transaction"):
        db.call_after_commit(lambda: None)


async def test_each_tasks_writes_keep_their_order(db: Database):
    async def sequence(caller: int) -> None:
        for n in range(20):
            async with db.transaction() as tx:
                await insert(tx, caller, n)

    await asyncio.gather(*(sequence(c) for c in range(25)))
    for caller in range(25):
        rows = await db.fetch_all("SELECT n FROM rows WHERE caller = ? ORDER BY id", (caller,))
        assert [row[0] for row in rows] == list(range(20))


async def test_a_nested_transaction_is_a_clear_error_not_a_deadlock(db: Database):
    async def nested() -> None:
        async with db.transaction() as tx:
            await insert(tx, 1)
            async with db.transaction() as inner:
                await insert(inner, 2)

    with pytest.raises(RuntimeError, match="inside another transaction"):
        await asyncio.wait_for(nested(), 5)

    async def nested_in_a_child_task() -> None:
        async with db.transaction() as tx:
            await insert(tx, 3)
            await asyncio.create_task(nested_write())

    async def nested_write() -> None:
        async with db.transaction() as tx:
            await insert(tx, 4)

    with pytest.raises(RuntimeError, match="inside another transaction"):
        await asyncio.wait_for(nested_in_a_child_task(), 5)
    assert committed_callers(db) == set()
    await nested_write()  # the writer is fine afterwards
    assert committed_callers(db) == {4}


async def test_a_cancelled_waiting_caller_leaves_the_others_alone(db: Database):
    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)

    holder = await held(db)
    tasks = [asyncio.create_task(one(i)) for i in range(6)]
    await queued(*tasks)
    tasks[2].cancel()
    await holder.let_go()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[2], asyncio.CancelledError)
    assert committed_callers(db) == {0, 1, 3, 4, 5}


async def test_a_caller_cancelled_inside_its_body_rolls_back_only_itself(db: Database):
    inside = asyncio.Event()

    async def slow() -> None:
        async with db.transaction() as tx:
            await insert(tx, 1)
            inside.set()
            await asyncio.sleep(30)

    async def quick(caller: int) -> None:
        async with db.transaction() as tx:
            await insert(tx, caller)

    task = asyncio.create_task(slow())
    await inside.wait()
    others = [asyncio.create_task(quick(c)) for c in (2, 3)]
    await queued(*others)
    task.cancel()
    await asyncio.gather(*others)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert committed_callers(db) == {2, 3}


async def test_close_fails_waiting_callers_and_lets_the_running_one_commit(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "closing.sqlite3")
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE rows (caller INTEGER)")

    async def one(caller: int) -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO rows VALUES (?)", (caller,))

    holder = Held(db)
    await holder.inside.wait()
    waiting = [asyncio.create_task(one(i)) for i in range(3)]
    await queued(*waiting)
    closing = asyncio.create_task(db.close())
    await queued(closing)
    results = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 5)
    assert all(isinstance(r, StorageError) for r in results), results
    assert "not saved" in str(results[0])
    await holder.let_go()  # the body in progress still commits
    await asyncio.wait_for(closing, 5)
    with pytest.raises(StorageError, match="closed"):
        async with db.transaction():
            pass


async def test_wal_foreign_keys_and_busy_timeout_are_kept(db: Database):
    conn = db.writer.connection
    async with conn.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    async with db.transaction() as tx:
        async with tx.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
        async with tx.execute("PRAGMA busy_timeout") as cursor:
            assert (await cursor.fetchone())[0] == WRITE_LOCK_WAIT_MS  # a student hears back
    assert await db.fetch_value("PRAGMA busy_timeout") == 5000
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO rows (caller, parent) VALUES (1, 404)")


async def test_a_write_waiting_for_another_connections_lock_does_not_stall_the_loop(
    db: Database,
):
    loop_thread = threading.get_ident()
    traced: list[tuple[bool, str]] = []  # (ran on the loop's thread, statement)
    await db.writer.connection.set_trace_callback(
        lambda sql: traced.append((threading.get_ident() == loop_thread, sql))
    )
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's write lock, say
        writing = asyncio.create_task(one_insert(db, 1))
        for _ in range(5):  # the loop keeps turning while the write waits for the lock
            await asyncio.sleep(0.01)
            assert not writing.done()
        assert await db.fetch_value("SELECT count(*) FROM rows") == 0  # reads go on meanwhile
        other.execute("ROLLBACK")
        await asyncio.wait_for(writing, 5)
    finally:
        other.close()
    assert committed_callers(db) == {1}
    # Where the waiting happened: the BEGIN that got the lock ran on aiosqlite's thread, and a
    # BEGIN on the loop's thread only ever asks with a zero busy timeout (it never waits there).
    assert (False, "BEGIN IMMEDIATE") in traced
    on_loop = [sql for on_loop_thread, sql in traced if on_loop_thread]
    for index, sql in enumerate(on_loop):
        if sql.startswith("BEGIN"):
            assert index > 0
            assert on_loop[index - 1] == "PRAGMA busy_timeout = 0"


async def one_insert(db: Database, caller: int) -> None:
    async with db.transaction() as tx:
        await insert(tx, caller)


async def test_inline_commits_leave_checkpoints_to_another_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("bot.storage.connections.CHECKPOINT_SECONDS", 0.0)
    db = await SqliteDatabase.open(tmp_path / "wal.sqlite3")
    try:
        conn = db.writer.connection
        async with conn.execute("PRAGMA wal_autocheckpoint") as cursor:
            assert (await cursor.fetchone())[0] == 0  # the COMMIT on the loop never checkpoints
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE blobs (b BLOB)")
        for _ in range(20):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO blobs VALUES (zeroblob(100000))")
        checkpointer = db.writer.checkpointer
        assert checkpointer is not None
        await checkpointer.close()  # waits for the one in flight
        assert checkpointer.runs >= 1
    finally:
        await db.close()
    check = sqlite3.connect(tmp_path / "wal.sqlite3")
    try:
        assert check.execute("SELECT count(*) FROM blobs").fetchone()[0] == 20
    finally:
        check.close()
