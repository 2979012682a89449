"""Contacts, ticks and events against a real migrated SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.contacts import Connection, Stage
from bot.storage.checklists import ticked_items, toggle_tick
from bot.storage.contacts import (
    add_contact,
    find_by_name,
    get_contact,
    most_recent_contact,
    record_reply,
    record_request_sent,
    search_contacts,
)
from bot.storage.database import Database
from bot.storage.events import append_event
from bot.storage.students import ensure_student, get_student, set_timezone

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 10, 1, 2


async def _add(db: Database, user: int, person: str, org: str, at: datetime = NOW) -> int:
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, at)
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person=person,
            organization=org,
            role=None,
            connection=Connection.ALUMNI,
            now=at,
        )


async def test_contacts_are_scoped_to_their_owner(db: Database):
    ada = await _add(db, ALICE, "Ada Lovelace", "Acme")
    await _add(db, BOB, "Bob's contact", "Acme")
    assert (await get_contact(db, GUILD, ALICE, ada)).person == "Ada Lovelace"
    assert await get_contact(db, GUILD, BOB, ada) is None
    assert await get_contact(db, GUILD + 1, ALICE, ada) is None
    assert [c.person for c in await search_contacts(db, GUILD, ALICE, "acm")] == ["Ada Lovelace"]


async def test_search_treats_like_wildcards_literally_and_limits(db: Database):
    for n in range(30):
        await _add(db, ALICE, f"Person {n}", "Org", NOW + timedelta(seconds=n))
    await _add(db, ALICE, "100% Sure", "Percent Inc")
    assert [c.person for c in await search_contacts(db, GUILD, ALICE, "%")] == ["100% Sure"]
    found = await search_contacts(db, GUILD, ALICE, "person")
    assert len(found) == 25
    assert found[0].person == "Person 29"  # most recently active first


async def test_most_recent_and_find_by_name(db: Database):
    first = await _add(db, ALICE, "Ada", "Acme", NOW)
    second = await _add(db, ALICE, "Grace", "Navy", NOW + timedelta(minutes=1))
    assert (await most_recent_contact(db, GUILD, ALICE)).id == second
    assert [c.id for c in await find_by_name(db, GUILD, ALICE, "ada (ACME)")] == [first]
    assert await find_by_name(db, GUILD, BOB, "Ada") == []


async def test_request_and_reply_round_trip(db: Database):
    cid = await _add(db, ALICE, "Ada", "Acme")
    async with db.transaction() as tx:
        await record_request_sent(
            tx,
            cid,
            sent_at=NOW,
            zone="America/New_York",
            time_known=True,
            count_from=date(2026, 11, 30),
            second_contact_on=date(2026, 12, 3),
            follow_up_on=date(2026, 12, 9),
            now=NOW,
        )
        await record_reply(
            tx,
            cid,
            replied_at=NOW + timedelta(days=2),
            replied_on=date(2026, 11, 29),
            reply_class="booster",
            now=NOW,
        )
    contact = await get_contact(db, GUILD, ALICE, cid)
    assert contact.stage is Stage.REPLIED
    assert contact.requested_at == NOW
    assert contact.requested_at.tzinfo is not None
    assert (contact.count_from, contact.second_contact_on, contact.follow_up_on) == (
        date(2026, 11, 30),
        date(2026, 12, 3),
        date(2026, 12, 9),
    )
    assert contact.reply_class == "booster"


async def test_toggle_tick_flips_and_reports_the_set(db: Database):
    cid = await _add(db, ALICE, "Ada", "Acme")
    async with db.transaction() as tx:
        assert await toggle_tick(tx, cid, "request", "lamp-list", NOW) == {"lamp-list"}
        assert await toggle_tick(tx, cid, "request", "find-contact", NOW) == {
            "lamp-list",
            "find-contact",
        }
        assert await toggle_tick(tx, cid, "request", "lamp-list", NOW) == {"find-contact"}
    assert await ticked_items(db, cid, "request") == {"find-contact"}
    assert await ticked_items(db, cid, "prepare") == set()


async def test_failed_transaction_leaves_nothing(db: Database):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as tx:
            await ensure_student(tx, GUILD, ALICE, NOW)
            await append_event(tx, guild_id=GUILD, user_id=ALICE, kind="x", at=NOW)
            raise Boom
    assert await db.fetch_value("SELECT count(*) FROM students") == 0
    assert await db.fetch_value("SELECT count(*) FROM events") == 0


async def test_naive_datetimes_are_refused(db: Database):
    with pytest.raises(ValueError, match="naive"):
        async with db.transaction() as tx:
            await ensure_student(tx, GUILD, ALICE, datetime(2026, 1, 1))  # noqa: DTZ001


async def test_timezone_and_events(db: Database):
    async with db.transaction() as tx:
        await set_timezone(tx, GUILD, ALICE, "Asia/Kolkata", NOW)
        await append_event(
            tx, guild_id=GUILD, user_id=ALICE, kind="timezone_set", at=NOW, payload={"a": 1}
        )
    assert (await get_student(db, GUILD, ALICE)).timezone == "Asia/Kolkata"
    assert await get_student(db, GUILD + 1, ALICE) is None
    row = await db.fetch_one("SELECT kind, payload, at FROM events")
    assert (row["kind"], json.loads(row["payload"]), row["at"]) == (
        "timezone_set",
        {"a": 1},
        "2026-11-27T19:00:00.000000+00:00",
    )


async def test_deleting_a_student_cascades(db: Database):
    cid = await _add(db, ALICE, "Ada", "Acme")
    async with db.transaction() as tx:
        await toggle_tick(tx, cid, "request", "lamp-list", NOW)
        await tx.execute("DELETE FROM students WHERE guild_id = ? AND user_id = ?", (GUILD, ALICE))
    assert await db.fetch_value("SELECT count(*) FROM contacts") == 0
    assert await db.fetch_value("SELECT count(*) FROM checklist_ticks") == 0


async def test_search_and_names_ignore_case_beyond_ascii(db: Database):
    emilie = await _add(db, ALICE, "Émilie Dubois", "Société Générale", NOW)
    lukasz = await _add(db, ALICE, "Łukasz Nowak", "ŻABKA", NOW + timedelta(minutes=1))
    await _add(db, BOB, "Émile Zola", "Éditions", NOW)  # someone else's: never found
    assert [c.id for c in await search_contacts(db, GUILD, ALICE, "émil")] == [emilie]
    assert [c.id for c in await search_contacts(db, GUILD, ALICE, "ÉMILIE")] == [emilie]
    assert [c.id for c in await search_contacts(db, GUILD, ALICE, "żab")] == [lukasz]
    assert [c.id for c in await search_contacts(db, GUILD, ALICE, "é")] == [emilie]
    assert [c.id for c in await find_by_name(db, GUILD, ALICE, "łukasz nowak")] == [lukasz]
    assert [c.id for c in await find_by_name(db, GUILD, ALICE, "société générale")] == [emilie]
    assert [
        c.id for c in await find_by_name(db, GUILD, ALICE, "émilie dubois (SOCIÉTÉ GÉNÉRALE)")
    ] == [emilie]
    assert await find_by_name(db, GUILD, BOB, "łukasz nowak") == []
