"""The storage API every call site uses, on the engine under test (SQLite, or PostgreSQL with
INFOCOACH_TEST_BACKEND=postgres): transactions, execute/fetch/rowcount, RETURNING, named and
numbered placeholders, after-commit callbacks, rollback, and the read-then-write lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage.database import Database, Transaction, open_database, query_all
from bot.storage.engine import engine_of
from bot.storage.errors import StorageError
from bot.storage.locks import lock_guild, lock_student
from tests.conftest import ON_POSTGRES
from tests.dbquery import execute, query, snapshot, tables

SCRATCH = "CREATE TABLE scratch (id BIGINT PRIMARY KEY, owner BIGINT NOT NULL, note TEXT)"


async def _scratch(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(SCRATCH)


async def test_the_engine_is_the_one_under_test(db: Database, db_location: Path | str):
    assert db.engine == ("postgres" if ON_POSTGRES else "sqlite")
    assert db.location == db_location
    async with db.transaction() as tx:
        assert tx.engine == db.engine
        assert engine_of(tx) == engine_of(db) == db.engine


async def test_execute_is_awaitable_and_a_context_manager(db: Database):
    await _scratch(db)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO scratch (id, owner, note) VALUES (?, ?, ?)", (1, 2**62, "a")
        )
        assert cursor.rowcount == 1
        await tx.execute(
            "INSERT INTO scratch (id, owner, note) VALUES (:id, :owner, :note)",
            {"id": 2, "owner": 5, "note": "b"},
        )
        async with tx.execute(
            "UPDATE scratch SET note = ?1 || note WHERE owner = ?2 OR id = ?3", ("x", 5, 1)
        ) as cursor:
            assert cursor.rowcount == 2
        async with tx.execute("SELECT id, owner, note FROM scratch ORDER BY id") as cursor:
            first = await cursor.fetchone()
            rest = list(await cursor.fetchall())
    assert first is not None
    assert (first[0], first["owner"], first["note"]) == (1, 2**62, "xa")
    assert [tuple(r) for r in rest] == [(2, 5, "xb")]
    rows = await db.fetch_all("SELECT note FROM scratch WHERE owner = ?", (2**62,))
    assert [r["note"] for r in rows] == ["xa"]
    assert await db.fetch_value("SELECT count(*) FROM scratch") == 2
    assert await db.fetch_one("SELECT id FROM scratch WHERE id = ?", (99,)) is None


async def test_returning_gives_the_new_row(db: Database):
    await _scratch(db)
    async with (
        db.transaction() as tx,
        tx.execute(
            "INSERT INTO scratch (id, owner) VALUES (?, ?) RETURNING id, owner", (7, 8)
        ) as cursor,
    ):
        row = await cursor.fetchone()
    assert row is not None
    assert (row["id"], row[1]) == (7, 8)


async def test_a_failing_body_saves_nothing_and_callbacks_wait_for_the_commit(db: Database):
    await _scratch(db)
    ran: list[str] = []
    with pytest.raises(ValueError, match="boom"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 1)")
            db.call_after_commit(lambda: ran.append("failed"))
            raise ValueError("boom")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO scratch (id, owner) VALUES (2, 2)")
        db.call_after_commit(lambda: ran.append("saved"))
        assert ran == []
    assert ran == ["saved"]
    assert [r[0] for r in await db.fetch_all("SELECT id FROM scratch")] == [2]


async def _cancel_until_done(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` at every await it reaches (as the dispatcher's shutdown and timeouts can),
    including the ``ROLLBACK`` its transaction runs on the way out, until it has ended."""
    while not task.done():
        task.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_transaction_cancelled_in_its_body_leaves_nothing_behind(db: Database):
    await _scratch(db)
    inside = asyncio.Event()

    async def body() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (1, 1, 'cancelled')")
            inside.set()
            await asyncio.sleep(3600)

    for _ in range(3):  # each time on the connection the last one gave back
        task = asyncio.create_task(body())
        await inside.wait()
        inside.clear()
        await _cancel_until_done(task)
        async with db.transaction() as tx:
            # A fresh transaction: not the cancelled one's, whose insert it would see.
            assert await query_all(tx, "SELECT id FROM scratch") == []
            await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (2, 2, 'next')")
            await tx.execute("DELETE FROM scratch WHERE id = 2")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (3, 3, 'saved')")
    rows = await db.fetch_all("SELECT id FROM scratch")
    assert [r[0] for r in rows] == [3]


@pytest.mark.skipif(not ON_POSTGRES, reason="a statement in flight on the server")
async def test_a_transaction_cancelled_during_a_statement_leaves_nothing_behind(db: Database):
    await _scratch(db)
    inside = asyncio.Event()

    async def body() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (1, 1, 'cancelled')")
            inside.set()
            await tx.execute("SELECT pg_sleep(3600)")

    task = asyncio.create_task(body())
    await inside.wait()
    await asyncio.sleep(0.05)  # the pg_sleep is on the server
    await _cancel_until_done(task)
    async with db.transaction() as tx:
        assert await query_all(tx, "SELECT id FROM scratch") == []
        await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (3, 3, 'saved')")
    assert [r[0] for r in await db.fetch_all("SELECT id FROM scratch")] == [3]


async def test_a_failed_statement_rolls_back_its_transaction(db: Database):
    await _scratch(db)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 1)")
            await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 2)")
    assert await db.fetch_all("SELECT id FROM scratch") == []


async def test_reads_see_only_what_is_committed(db: Database):
    await _scratch(db)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 1)")
        assert await db.fetch_all("SELECT id FROM scratch") == []
        assert len(await query_all(tx, "SELECT id FROM scratch")) == 1
    assert len(await db.fetch_all("SELECT id FROM scratch")) == 1


async def test_a_transaction_inside_another_is_refused(db: Database):
    async with db.transaction():
        with pytest.raises(RuntimeError, match="inside another"):
            async with db.transaction():
                pass


async def test_call_after_commit_outside_a_transaction_is_refused(db: Database):
    with pytest.raises(RuntimeError):
        db.call_after_commit(lambda: None)


async def test_write_returns_the_result(db: Database):
    await _scratch(db)

    async def insert(tx: Transaction) -> int:
        async with tx.execute(
            "INSERT INTO scratch (id, owner) VALUES (?, ?) RETURNING id", (3, 4)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    assert await db.write(insert) == 3


async def test_the_student_lock_makes_read_then_write_safe(db: Database):
    """8 concurrent writers each read the next position and insert it: with the lock every
    position is taken once (on PostgreSQL without it, several read the same max)."""
    await _scratch(db)

    async def next_position(tx: Transaction) -> None:
        await lock_student(tx, 1, 2**60)
        await lock_guild(tx, 1)
        row = (await query_all(tx, "SELECT coalesce(max(id), 0) + 1 FROM scratch"))[0]
        await asyncio.sleep(0.01)  # let the others read too
        await tx.execute("INSERT INTO scratch (id, owner) VALUES (?, 1)", (int(row[0]),))

    await asyncio.gather(*(db.write(next_position) for _ in range(8)))
    ids = [r[0] for r in await db.fetch_all("SELECT id FROM scratch ORDER BY id")]
    assert ids == list(range(1, 9))


async def test_the_sync_helpers_see_what_the_bot_committed(db: Database, db_location: Path | str):
    await _scratch(db)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO scratch (id, owner, note) VALUES (1, 2, 'it''s 50%')")
    assert "scratch" in tables(db_location)
    (row,) = query(db_location, "SELECT id, note FROM scratch WHERE owner = ?", (2,))
    assert (row["id"], row[1]) == (1, "it's 50%")
    assert dict(row) == {"id": 1, "note": "it's 50%"}
    assert (
        execute(db_location, "UPDATE scratch SET note = :n WHERE id = :i", {"n": "x", "i": 1}) == 1
    )
    assert snapshot(db_location)["scratch"] == [(1, 2, "x")]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's READ COMMITTED")
async def test_without_the_lock_postgres_really_races(db: Database):
    """The reason for lock_student: the same read-then-write without it duplicates."""
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE counter (position BIGINT NOT NULL)")

    async def unlocked(tx: Transaction) -> None:
        row = (await query_all(tx, "SELECT coalesce(max(position), 0) + 1 FROM counter"))[0]
        await asyncio.sleep(0.01)
        await tx.execute("INSERT INTO counter (position) VALUES (?)", (int(row[0]),))

    await asyncio.gather(*(db.write(unlocked) for _ in range(8)))
    positions = [r[0] for r in await db.fetch_all("SELECT position FROM counter")]
    assert len(set(positions)) < 8


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's advisory locks")
async def test_the_lock_sent_with_begin_is_held_until_the_commit(db: Database):
    """``lock_student`` as a transaction's first statement goes out with its BEGIN: the lock
    belongs to that transaction (held while its body runs, gone at its COMMIT), and what the
    body writes commits with it."""
    await _scratch(db)
    held = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND pid <> pg_backend_pid()"
    )
    async with db.transaction() as tx:
        await lock_student(tx, 1, 2**60)
        assert await db.fetch_value(held) == 1
        await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 1)")
        assert await db.fetch_value("SELECT count(*) FROM scratch") == 0  # not yet committed
    assert await db.fetch_value(held) == 0
    assert await db.fetch_value("SELECT count(*) FROM scratch") == 1

    with pytest.raises(ValueError, match="boom"):
        async with db.transaction() as tx:
            await lock_student(tx, 1, 2**60)
            await tx.execute("INSERT INTO scratch (id, owner) VALUES (2, 2)")
            raise ValueError("boom")
    assert await db.fetch_value(held) == 0
    assert await db.fetch_value("SELECT count(*) FROM scratch") == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's BEGIN goes with the first statement")
async def test_a_body_without_statements_sends_no_commit_but_runs_its_callbacks(db: Database):
    ran: list[str] = []
    before = db.commits  # type: ignore[attr-defined]  # PostgresDatabase's count
    async with db.transaction():
        db.call_after_commit(lambda: ran.append("empty"))
    assert ran == ["empty"]
    assert db.commits == before  # type: ignore[attr-defined]
    async with db.transaction() as tx:
        await tx.execute("SELECT 1")
    assert db.commits == before + 1  # type: ignore[attr-defined]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's serialization failures")
async def test_write_runs_fn_again_after_a_serialization_failure(db: Database):
    await _scratch(db)
    attempts = 0

    async def conflicting(tx: Transaction) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await tx.execute("SELECT pg_sleep(0)")
            # What the server raises when a concurrent transaction won.
            await tx.execute(
                "DO 'BEGIN RAISE EXCEPTION USING ERRCODE = ''serialization_failure''; END'"
            )
        await tx.execute("INSERT INTO scratch (id, owner) VALUES (1, 1)")
        return "saved"

    assert await db.write(conflicting) == "saved"
    assert attempts == 2
    assert len(await db.fetch_all("SELECT id FROM scratch")) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's migration lock")
async def test_processes_starting_together_migrate_once(db_location: str):
    from tests.conftest import PgServer  # noqa: F401 -- same server as db_location

    empty = db_location.rpartition("/")[0] + "/postgres"
    import psycopg

    with psycopg.connect(empty, autocommit=True) as admin:
        admin.execute("CREATE DATABASE migrate_together")
    url = db_location.rpartition("/")[0] + "/migrate_together"
    try:
        opened = await asyncio.gather(*(open_database(url) for _ in range(4)))
        for each in opened:
            await each.close()
        rows = query(url, "SELECT version, count(*) AS n FROM schema_migrations GROUP BY version")
        assert rows
        assert all(r["n"] == 1 for r in rows)
    finally:
        with psycopg.connect(empty, autocommit=True) as admin:
            admin.execute("DROP DATABASE migrate_together WITH (FORCE)")


@pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL URL")
async def test_an_unreachable_server_is_one_storage_error():
    with pytest.raises(
        StorageError,
        match=r"^INFOCOACH_DATABASE_URL: cannot reach the PostgreSQL server at .*:\*\*\*@",
    ):
        await open_database("postgresql://me:secret@127.0.0.1:1/nowhere")
