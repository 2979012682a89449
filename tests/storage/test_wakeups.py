"""Cross-process nudge wake-ups over PostgreSQL LISTEN/NOTIFY (bot/storage/wakeups.py): what one
process announces reaches another's listener, a lost listening connection comes back and says
"look at the database", and nothing is announced for a transaction that rolled back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.storage.database import Database
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's LISTEN/NOTIFY")

DUE = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


class Heard:
    def __init__(self) -> None:
        self.items: list[datetime | None] = []
        self.changed = asyncio.Event()

    def __call__(self, due: datetime | None) -> None:
        self.items.append(due)
        self.changed.set()

    async def until(self, count: int) -> list[datetime | None]:
        async with asyncio.timeout(10):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.items


async def test_an_announcement_reaches_the_other_processs_listener(
    db: Database, db_location: str
) -> None:
    from bot.storage.wakeups import WakeupChannel

    leader, follower = WakeupChannel(db, db_location), WakeupChannel(db, db_location)
    heard = Heard()
    leader.listen(heard)
    try:
        assert await heard.until(1) == [None]  # connected: look at the database once
        follower.announce(DUE)
        assert await heard.until(2) == [None, DUE]
        await follower.publish(DUE.replace(hour=15))
        assert (await heard.until(3))[2] == DUE.replace(hour=15)
    finally:
        await follower.close()
        await leader.close()
    assert not leader.listening


async def test_a_lost_listening_connection_comes_back_and_looks_at_the_database(
    db: Database, db_location: str
) -> None:
    from bot.storage.wakeups import WakeupChannel

    leader = WakeupChannel(db, db_location, reconnect_seconds=0.05)
    heard = Heard()
    leader.listen(heard)
    try:
        await heard.until(1)
        ended = await db.fetch_value(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
        assert ended == 1
        assert await heard.until(2) == [None, None]  # reconnected, told to look again
        assert leader.connects == 2
        await WakeupChannel(db, db_location).publish(DUE)
        assert (await heard.until(3))[2] == DUE
    finally:
        await leader.close()


async def test_a_malformed_payload_is_a_look_at_the_database(
    db: Database, db_location: str
) -> None:
    from bot.storage.wakeups import CHANNEL, WakeupChannel

    leader = WakeupChannel(db, db_location)
    heard = Heard()
    leader.listen(heard)
    try:
        await heard.until(1)
        await db.fetch_value("SELECT pg_notify(?, ?)", (CHANNEL, "not a time"))
        assert await heard.until(2) == [None, None]
    finally:
        await leader.close()
