"""Employers and the contacts' link to them, against a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.contacts import Stage
from bot.domain.employers import ContactAtEmployer, Scores
from bot.storage.contacts import add_contact, close_contact, record_request_sent
from bot.storage.database import Database
from bot.storage.employers import (
    add_employer,
    contacts_by_employer,
    get_employer,
    link_contact,
    list_employers,
    set_done,
    set_pinned,
    set_scores,
)
from bot.storage.students import ensure_student
from tests.dbquery import integrity_errors

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 10, 1, 2
UNSCORED = Scores()


async def _employer(
    db: Database, name: str, user: int = ALICE, guild: int = GUILD, scores: Scores = UNSCORED
) -> int:
    async with db.transaction() as tx:
        await ensure_student(tx, guild, user, NOW)
        return await add_employer(
            tx, guild_id=guild, user_id=user, name=name, scores=scores, note=None, now=NOW
        )


async def _contact(db: Database, person: str, employer_id: int, user: int = ALICE) -> int:
    async with db.transaction() as tx:
        contact_id = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person=person,
            organization="Contoso",
            role=None,
            connection=None,
            now=NOW,
        )
        await link_contact(tx, contact_id, employer_id)
    return contact_id


async def test_employers_are_stored_with_their_scores_and_scoped_to_their_owner(db: Database):
    contoso = await _employer(db, "Contoso", scores=Scores(True, 3, 2))
    await _employer(db, "Bob's employer", user=BOB)
    await _employer(db, "Elsewhere", guild=GUILD + 1)
    record = await get_employer(db, GUILD, ALICE, contoso)
    assert record is not None
    assert (record.name, record.scores, record.note, record.pinned, record.done) == (
        "Contoso",
        Scores(True, 3, 2),
        None,
        False,
        False,
    )
    assert record.created_at == NOW
    assert await get_employer(db, GUILD, BOB, contoso) is None
    assert await get_employer(db, GUILD + 1, ALICE, contoso) is None
    assert [e.name for e in await list_employers(db, GUILD, ALICE)] == ["Contoso"]
    count = "SELECT count(*) FROM employers WHERE guild_id = ? AND user_id = ?"
    assert await db.fetch_value(count, (GUILD, ALICE)) == 1
    assert await db.fetch_value(count, (GUILD, BOB)) == 1


async def test_unscored_employer_keeps_none(db: Database):
    employer = await _employer(db, "Fabrikam")
    record = await get_employer(db, GUILD, ALICE, employer)
    assert record is not None
    assert record.scores == Scores(None, None, None)


async def test_scores_note_pin_and_done(db: Database):
    employer = await _employer(db, "Fabrikam")
    later = NOW + timedelta(hours=1)
    async with db.transaction() as tx:
        await set_scores(tx, employer, Scores(False, 0, 3), "Met at the fair", later)
        await set_pinned(tx, employer, True, later)
    record = await get_employer(db, GUILD, ALICE, employer)
    assert record is not None
    assert (record.scores, record.note, record.pinned, record.updated_at) == (
        Scores(False, 0, 3),
        "Met at the fair",
        True,
        later,
    )
    async with db.transaction() as tx:
        await set_done(tx, employer, later, later)
    record = await get_employer(db, GUILD, ALICE, employer)
    assert record is not None
    assert (record.done_at, record.pinned) == (later, False)  # done also unpins
    async with db.transaction() as tx:
        await set_done(tx, employer, None, later)
    record = await get_employer(db, GUILD, ALICE, employer)
    assert record is not None
    assert (record.done, record.pinned) == (False, False)


@pytest.mark.parametrize(
    ("column", "value"),
    [("motivation", 4), ("motivation", -1), ("posting", 0), ("posting", 4), ("alumni", 2)],
)
async def test_the_table_refuses_scores_out_of_range(db: Database, column: str, value: int):
    employer = await _employer(db, "Contoso")
    with pytest.raises(integrity_errors()):
        async with db.transaction() as tx:
            await tx.execute(f"UPDATE employers SET {column} = ? WHERE id = ?", (value, employer))


async def test_contacts_are_read_by_employer_with_their_3b7_dates(db: Database):
    contoso = await _employer(db, "Contoso")
    fabrikam = await _employer(db, "Fabrikam")
    ada = await _contact(db, "Ada", contoso)
    ben = await _contact(db, "Ben", contoso)
    cy = await _contact(db, "Cy", fabrikam)
    await _contact(db, "Bob's", await _employer(db, "Contoso", user=BOB), user=BOB)
    async with db.transaction() as tx:
        await record_request_sent(
            tx,
            ada,
            sent_at=NOW,
            zone="America/New_York",
            time_known=True,
            count_from=date(2026, 11, 30),
            second_contact_on=date(2026, 12, 3),
            follow_up_on=date(2026, 12, 9),
            now=NOW,
        )
        await close_contact(tx, cy, "declined", NOW, NOW)
    grouped = await contacts_by_employer(db, GUILD, ALICE)
    assert grouped == {
        contoso: [
            ContactAtEmployer(
                ada,
                "Ada",
                Stage.REQUESTED,
                count_from=date(2026, 11, 30),
                second_contact_on=date(2026, 12, 3),
                follow_up_on=date(2026, 12, 9),
            ),
            ContactAtEmployer(ben, "Ben", Stage.PLANNED),
        ],
        fabrikam: [ContactAtEmployer(cy, "Cy", Stage.CLOSED, stage_before_close=Stage.PLANNED)],
    }
    linked = "SELECT employer_id FROM contacts WHERE id = ?"
    assert await db.fetch_value(linked, (ben,)) == contoso


async def test_deleting_a_student_deletes_their_employers(db: Database):
    await _employer(db, "Contoso")
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM students WHERE guild_id = ? AND user_id = ?", (GUILD, ALICE))
    assert await list_employers(db, GUILD, ALICE) == []
