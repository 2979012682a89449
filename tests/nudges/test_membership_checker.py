"""The membership checker with a real migrated database and a stand-in Discord client: what a
lookup records, when one is made, and when a departed student's data goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.clock import ManualClock
from bot.domain.contacts import Connection
from bot.membership import MembershipChecker
from bot.pacing import TokenBucket
from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.guild_settings import update_server_settings
from bot.storage.membership import membership_of
from bot.storage.nudges import Wanted, sync_nudges
from bot.storage.students import ensure_student, get_student
from tests.nudges.fake_discord import FakeClient, FakeGuild, http_error

GUILD, OTHER_GUILD, ALICE, BOB, CAROL = 10, 20, 1, 2, 3
START = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def _checker(db: Database, clock: ManualClock, *guilds: FakeGuild) -> MembershipChecker:
    return MembershipChecker(db, clock, TokenBucket(1000), FakeClient(*guilds))  # type: ignore[arg-type]


async def _student(db: Database, user: int, guild: int = GUILD) -> None:
    async with db.transaction() as tx:
        await ensure_student(tx, guild, user, START)
        contact = await add_contact(
            tx,
            guild_id=guild,
            user_id=user,
            person="Ada",
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=START,
        )
        await sync_nudges(
            tx,
            guild_id=guild,
            user_id=user,
            contact_id=contact,
            wanted=[Wanted("second_contact", "2026-12-02", START + timedelta(days=5))],
            kinds=("second_contact",),
            now=START,
        )


async def _statuses(db: Database, user: int) -> list[str]:
    rows = await db.fetch_all("SELECT status FROM nudges WHERE user_id = ? ORDER BY id", (user,))
    return [r[0] for r in rows]


async def test_a_lookup_records_present_or_gone(db: Database):
    clock = ManualClock(START)
    guild = FakeGuild(GUILD, "Career Club", {ALICE})
    checker = _checker(db, clock, guild)
    await _student(db, ALICE)
    await _student(db, BOB)

    assert await checker.check(GUILD, ALICE) is True
    assert await checker.check(GUILD, BOB) is False
    assert guild.lookups == [ALICE, BOB]
    alice = await membership_of(db, GUILD, ALICE)
    bob = await membership_of(db, GUILD, BOB)
    assert alice is not None
    assert (alice.departed_at, alice.checked_at) == (None, START)
    assert bob is not None
    assert (bob.departed_at, bob.checked_at) == (START, START)
    assert await _statuses(db, ALICE) == ["pending"]
    assert await _statuses(db, BOB) == ["cancelled"]

    # Bob comes back: found again a day later, the departure is forgotten.
    guild.members.add(BOB)
    clock.advance(timedelta(days=1))
    assert await checker.check(GUILD, BOB) is True
    bob = await membership_of(db, GUILD, BOB)
    assert bob is not None
    assert bob.departed_at is None


@pytest.mark.parametrize("failure", ["unknown server", "discord error"])
async def test_an_unanswerable_lookup_records_nothing(db: Database, failure: str):
    guild = FakeGuild(GUILD, "Career Club", set())
    if failure == "discord error":
        guild.fail_with = http_error(discord.HTTPException, 503, 0)
    guilds = (guild,) if failure == "discord error" else ()
    checker = _checker(db, ManualClock(START), *guilds)
    await _student(db, ALICE)
    assert await checker.check(GUILD, ALICE) is None
    assert await checker.refused_dm(GUILD, ALICE) is False  # DMs closed, not gone
    record = await membership_of(db, GUILD, ALICE)
    assert record is not None
    assert (record.departed_at, record.checked_at) == (None, None)
    assert await _statuses(db, ALICE) == ["pending"]


async def test_a_reminder_costs_no_lookup_and_a_refused_dm_one(db: Database):
    clock = ManualClock(START)
    guild = FakeGuild(GUILD, "Career Club", {ALICE})
    checker = _checker(db, clock, guild)
    await _student(db, ALICE)
    clock.advance(timedelta(days=3))  # never checked, and days since she was first seen
    assert await checker.not_known_gone(GUILD, ALICE) is True
    assert guild.lookups == []
    # Discord refused a DM: still there, so her DMs are closed (nothing recorded as gone).
    assert await checker.refused_dm(GUILD, ALICE) is False
    assert guild.lookups == [ALICE]
    assert await _statuses(db, ALICE) == ["pending"]
    # Refused again after she left: the lookup finds her gone and her reminders stop.
    guild.members.clear()
    assert await checker.refused_dm(GUILD, ALICE) is True
    assert await _statuses(db, ALICE) == ["cancelled"]
    # Known gone (or unknown altogether): no lookup at all.
    assert await checker.not_known_gone(GUILD, ALICE) is False
    assert await checker.not_known_gone(GUILD, BOB) is False
    assert guild.lookups == [ALICE, ALICE]


async def test_the_sweep_checks_the_least_recently_checked_first(db: Database):
    clock = ManualClock(START)
    guild = FakeGuild(GUILD, "Career Club", {ALICE, BOB})
    checker = _checker(db, clock, guild)
    for user in (ALICE, BOB, CAROL):
        await _student(db, user)
    await checker.check(GUILD, BOB)
    clock.advance(timedelta(days=2))
    assert await checker.sweep(limit=2) == (2, 1)  # never-checked Alice and Carol; Carol left
    assert guild.lookups == [BOB, ALICE, CAROL]
    assert await checker.sweep(limit=2) == (1, 0)  # then Bob, checked two days ago
    assert await checker.sweep(limit=2) == (0, 0)  # everyone checked within the day
    assert guild.lookups == [BOB, ALICE, CAROL, BOB]


async def test_departed_students_data_goes_after_their_servers_grace_period(db: Database):
    clock = ManualClock(START)
    guild = FakeGuild(GUILD, "Career Club", set())
    other = FakeGuild(OTHER_GUILD, "Alumni Hub", set())
    checker = _checker(db, clock, guild, other)
    async with db.transaction() as tx:
        await update_server_settings(tx, OTHER_GUILD, START, departure_grace_days=7)
    await _student(db, ALICE, GUILD)
    await _student(db, BOB, OTHER_GUILD)
    await _student(db, CAROL, GUILD)
    assert await checker.sweep() == (3, 3)
    guild.members.add(CAROL)  # Carol comes back (her next lookup finds her): her data stays

    assert await checker.purge_departed(START + timedelta(days=7, minutes=1)) == 1  # Bob
    assert await membership_of(db, OTHER_GUILD, BOB) is None
    assert await _statuses(db, BOB) == []
    clock.advance(timedelta(days=2))
    assert await checker.check(GUILD, CAROL) is True
    assert await checker.purge_departed(START + timedelta(days=30, minutes=1)) == 1  # Alice
    assert await membership_of(db, GUILD, ALICE) is None
    assert await membership_of(db, GUILD, CAROL) is not None


async def test_the_sweep_looks_up_those_with_the_soonest_reminder_first(db: Database):
    clock = ManualClock(START)
    guild = FakeGuild(GUILD, "Career Club", {ALICE, BOB, CAROL})
    client = FakeClient(guild)
    checker = MembershipChecker(db, clock, TokenBucket(1000), client)  # type: ignore[arg-type]
    for user in (ALICE, BOB, CAROL):
        await _student(db, user)
    async with db.transaction() as tx:  # Carol's reminder is due first, Bob has none left
        await tx.execute(
            "UPDATE nudges SET due_at = ? WHERE user_id = ?",
            ("2026-11-28T09:00:00.000000+00:00", CAROL),
        )
        await tx.execute("UPDATE nudges SET status = 'sent' WHERE user_id = ?", (BOB,))
    assert await checker.sweep(limit=2) == (2, 0)
    assert guild.lookups == [CAROL, ALICE]
    assert await checker.sweep(limit=2) == (1, 0)
    assert guild.lookups == [CAROL, ALICE, BOB]
    # Those with a reminder waiting got their DM channel opened ahead of it (once); Bob, with
    # none, did not.
    assert client.opened == [CAROL, ALICE]
    for user in (CAROL, ALICE):
        student = await get_student(db, GUILD, user)
        assert student is not None
        assert student.dm_channel_id == user + 5_000
    clock.advance(timedelta(days=2))
    await checker.sweep(limit=5)
    assert client.opened == [CAROL, ALICE]
