"""One leader at a time (bot/leadership.py, bot/storage/leader_lock.py).

Two "processes" are two :class:`Leadership` objects, each with its own connection to the same
PostgreSQL database (the lock is per database and per session, not per process). On SQLite
there is no lock: the one process always leads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.leadership import Leadership
from bot.storage.database import Database
from bot.storage.leader_lock import LeaderLock, live_claimers
from tests.conftest import ON_POSTGRES

FAST = 0.05  # retry and check intervals (seconds): injected, so takeovers come quickly
PATIENCE = 10.0  # how long a test waits for what must happen (a bound, not a measurement)
on_postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="the leader's lock is PostgreSQL's")


def process(name: str, location: Path | str | None, events: list[str]) -> Leadership:
    async def gained() -> None:
        events.append(f"{name} leads")

    async def lost() -> None:
        events.append(f"{name} stops")

    return Leadership(
        LeaderLock(str(location)) if location is not None else None,
        on_gained=gained,
        on_lost=lost,
        retry_every=FAST,
        check_every=FAST,
    )


async def test_without_a_lock_the_one_process_always_leads():
    events: list[str] = []
    alone = process("a", None, events)
    assert await alone.start()
    assert alone.is_leader
    claimer = alone.claimer()
    assert claimer is not None
    assert claimer.startswith(alone.token)
    assert events == ["a leads"]
    await alone.close()
    assert alone.claimer() is None
    assert events == ["a leads", "a stops"]


async def test_on_sqlite_no_claimer_is_live(db: Database):
    if ON_POSTGRES:
        pytest.skip("SQLite's answer")
    assert await live_claimers(db, ["anyone:1"]) == set()


@on_postgres_only
async def test_one_leads_the_other_follows_and_takes_over_when_the_leader_steps_down(
    db: Database, db_location: str
):
    events: list[str] = []
    a, b = process("a", db_location, events), process("b", db_location, events)
    try:
        assert await a.start()
        assert not await b.start()
        first = a.claimer()
        assert first is not None
        assert b.claimer() is None
        assert await live_claimers(db, [first, "gone:1"]) == {first}

        await asyncio.sleep(FAST * 10)  # b tried again several times meanwhile
        assert a.is_leader
        assert not b.is_leader
        assert events == ["a leads"]

        await a.close()
        await asyncio.wait_for(b.wait_until(True), PATIENCE)
        second = b.claimer()
        assert second is not None
        assert second != first
        assert events == ["a leads", "a stops", "b leads"]
        assert await live_claimers(db, [first, second]) == {second}
    finally:
        await a.close()
        await b.close()


@on_postgres_only
async def test_a_leader_whose_connection_is_cut_stops_at_once_and_the_follower_takes_over(
    db: Database, db_location: str
):
    events: list[str] = []
    lock_a = LeaderLock(db_location)
    a = Leadership(lock_a, on_gained=_note(events, "a leads"), on_lost=_note(events, "a stops"))
    a.retry_every = a.check_every = FAST
    b = process("b", db_location, events)
    try:
        assert await a.start()
        assert not await b.start()
        first = a.claimer()
        pid = lock_a.backend_pid
        assert pid is not None
        # The leader's session dies (as when its process is killed or its network fails).
        assert await db.fetch_value("SELECT pg_terminate_backend(?)", (pid,))

        await asyncio.wait_for(a.wait_until(False), PATIENCE)
        assert "a stops" in events
        await asyncio.wait_for(b.wait_until(True), PATIENCE)
        assert await live_claimers(db, [first or "", b.claimer() or ""]) == {b.claimer()}

        await asyncio.sleep(FAST * 10)  # a keeps trying, and follows
        assert not a.is_leader
        assert b.is_leader
        assert events.count("a leads") == 1
    finally:
        await a.close()
        await b.close()


async def test_a_process_that_cannot_reach_the_server_follows_and_keeps_trying():
    events: list[str] = []
    nowhere = process("a", "postgresql://bot@127.0.0.1:1/infocoach", events)
    try:
        assert not await nowhere.start()  # refused, not raised: it tries again later
        assert not nowhere.is_leader
        assert events == []
    finally:
        await nowhere.close()


def _note(events: list[str], what: str) -> Callable[[], Awaitable[None]]:
    async def note() -> None:
        events.append(what)

    return note
