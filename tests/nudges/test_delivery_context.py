"""What the dispatcher reads to deliver a nudge: everything in one query, against a real
migrated SQLite file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.domain.contacts import Connection
from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.delivery import ReminderQuestion, delivery_context, forget_dm_channel
from bot.storage.guild_settings import update_server_settings
from bot.storage.membership import record_departed
from bot.storage.questions import add_question, set_starred
from bot.storage.students import ensure_student, set_dm_channel, update_settings

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 10, 1, 2


async def _contact(db: Database, user: int, person: str, at: datetime = NOW) -> int:
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, at)
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person=person,
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=at,
        )


def _count_reads(db: Database) -> list[str]:
    """Record every statement run on the database's reader from now on."""
    seen: list[str] = []

    def counting(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(sql: str, params: Any = ()) -> Any:
            seen.append(sql)
            return await method(sql, params)

        return run

    db.fetch_all = counting(db.fetch_all)  # type: ignore[method-assign]
    db.fetch_one = counting(db.fetch_one)  # type: ignore[method-assign]
    return seen


async def test_a_contact_nudge_reads_the_student_server_contact_and_questions_at_once(
    db: Database,
):
    ada = await _contact(db, ALICE, "Ada")
    async with db.transaction() as tx:
        await update_settings(
            tx, GUILD, ALICE, NOW, timezone="Europe/London", quiet_start=time(22, 0)
        )
        await set_dm_channel(tx, ALICE, 777)
        await update_server_settings(tx, GUILD, NOW, report_back_days=7)
        for text in ("What surprised you?", "Who else should I ask?", "What would you do?"):
            await add_question(tx, ada, "own", text, None)
        # The student moved the last question to the top.
        await tx.execute(
            "UPDATE contact_questions SET position = 0 WHERE text = 'What would you do?'"
        )
    reads = _count_reads(db)
    context = await delivery_context(db, GUILD, ALICE, ada, with_questions=True)
    assert len(reads) == 1
    assert context is not None
    student = context.student
    assert (student.guild_id, student.user_id, student.timezone) == (GUILD, ALICE, "Europe/London")
    assert (student.quiet_start, student.quiet_end) == (time(22, 0), time(8, 0))
    assert student.dm_channel_id == 777
    assert student.unreachable_at is None
    assert (context.membership.departed_at, context.membership.checked_at) == (None, None)
    assert context.report_back_days == 7
    assert context.contact is not None
    assert context.contact.person == "Ada"
    assert context.questions == (
        ReminderQuestion("What would you do?"),
        ReminderQuestion("What surprised you?"),
        ReminderQuestion("Who else should I ask?"),
    )

    plain = await delivery_context(db, GUILD, ALICE, ada)
    assert plain is not None
    assert plain.questions == ()


async def test_starred_questions_come_first_then_the_students_order(db: Database):
    ada = await _contact(db, ALICE, "Ada")
    texts = ("First?", "Second?", "Third?", "Fourth?", "Fifth?")
    async with db.transaction() as tx:
        ids = [await add_question(tx, ada, "own", text, None) for text in texts]
        # Starred later but higher on the list: the list's order decides among starred ones.
        await set_starred(tx, ada, ids[4], NOW)
        await set_starred(tx, ada, ids[2], NOW + timedelta(minutes=1))
    context = await delivery_context(db, GUILD, ALICE, ada, with_questions=True)
    assert context is not None
    assert context.questions == (
        ReminderQuestion("Third?", starred=True),
        ReminderQuestion("Fifth?", starred=True),
        ReminderQuestion("First?"),
        ReminderQuestion("Second?"),
        ReminderQuestion("Fourth?"),
    )
    async with db.transaction() as tx:
        unstarred = await set_starred(tx, ada, ids[2], None)
        assert unstarred is not None
        assert not unstarred.starred
        assert await set_starred(tx, ada + 1, ids[4], None) is None  # not that contact's
    context = await delivery_context(db, GUILD, ALICE, ada, with_questions=True)
    assert context is not None
    assert [q.text for q in context.questions][:2] == ["Fifth?", "First?"]
    assert [q.starred for q in context.questions] == [True, False, False, False, False]


async def test_defaults_and_membership_come_with_it(db: Database):
    ada = await _contact(db, ALICE, "Ada")
    async with db.transaction() as tx:
        await record_departed(tx, GUILD, ALICE, NOW + timedelta(hours=1))
    context = await delivery_context(db, GUILD, ALICE, ada, with_questions=True)
    assert context is not None
    assert context.report_back_days == 14  # the staff never changed it
    assert context.membership.departed_at == NOW + timedelta(hours=1)
    assert context.questions == ()
    assert context.student.timezone is None


async def test_only_the_students_own_contact_is_read(db: Database):
    await _contact(db, ALICE, "Ada")
    bobs = await _contact(db, BOB, "Bob's contact")
    context = await delivery_context(db, GUILD, ALICE, bobs)
    assert context is not None
    assert context.contact is None
    gone = await delivery_context(db, GUILD, ALICE, 999_999)
    assert gone is not None
    assert gone.contacts == ()


async def test_the_digest_reads_every_contact_most_recently_active_first(db: Database):
    await _contact(db, ALICE, "Older", NOW)
    await _contact(db, ALICE, "Newer", NOW + timedelta(hours=1))
    await _contact(db, BOB, "Not Alice's")
    reads = _count_reads(db)
    context = await delivery_context(db, GUILD, ALICE, None)
    assert len(reads) == 1
    assert context is not None
    assert [c.person for c in context.contacts] == ["Newer", "Older"]


async def test_a_student_without_contacts_or_data(db: Database):
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, ALICE, NOW)
    context = await delivery_context(db, GUILD, ALICE, None)
    assert context is not None
    assert context.contacts == ()
    assert await delivery_context(db, GUILD, BOB, None) is None
    assert await delivery_context(db, GUILD + 1, ALICE, 1) is None


async def test_a_vanished_dm_channel_is_forgotten_in_every_server(db: Database):
    await _contact(db, ALICE, "Ada")
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD + 1, ALICE, NOW)
        await set_dm_channel(tx, ALICE, 777)
        await forget_dm_channel(tx, ALICE)
    for guild in (GUILD, GUILD + 1):
        context = await delivery_context(db, guild, ALICE, None)
        assert context is not None
        assert context.student.dm_channel_id is None


async def test_a_contact_nudge_reads_its_referrer_and_referrals_in_the_same_query(db: Database):
    dana = await _contact(db, ALICE, "Dana")
    async with db.transaction() as tx:
        await update_server_settings(tx, GUILD, NOW, meeting_minutes=30, holiday_country="US")
        ids = {}
        for person, stage in (("Tom Ruiz", "planned"), ("Priya Shah", "requested")):
            ids[person] = await add_contact(
                tx,
                guild_id=GUILD,
                user_id=ALICE,
                person=person,
                organization="Fabrikam",
                role=None,
                connection=Connection.MUTUAL,
                now=NOW,
                referred_by=dana,
            )
            await tx.execute("UPDATE contacts SET stage = ? WHERE id = ?", (stage, ids[person]))
        # Another student's contact pointing at Dana (forged) is never read.
        await ensure_student(tx, GUILD, BOB, NOW)
        forged = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=BOB,
            person="Not Alice's",
            organization="Acme",
            role=None,
            connection=None,
            now=NOW,
            referred_by=dana,
        )
    reads = _count_reads(db)
    context = await delivery_context(db, GUILD, ALICE, dana, with_referrals=True)
    assert len(reads) == 1
    assert context is not None
    assert [(r.id, r.person, r.stage.value) for r in context.referrals] == [
        (ids["Tom Ruiz"], "Tom Ruiz", "planned"),
        (ids["Priya Shah"], "Priya Shah", "requested"),
    ]
    assert context.referrer is None
    assert (context.meeting_minutes, context.holiday_country) == (30, "US")
    assert date(2026, 11, 26) in context.holidays  # Thanksgiving

    priya = await delivery_context(db, GUILD, ALICE, ids["Priya Shah"])
    assert priya is not None
    assert priya.referrer is not None
    assert (priya.referrer.id, priya.referrer.person) == (dana, "Dana")
    assert priya.referrals == ()  # only when asked for
    assert (await delivery_context(db, GUILD, BOB, forged)).referrer is None  # type: ignore[union-attr]

    digest = await delivery_context(db, GUILD, ALICE, None)
    assert digest is not None
    assert (digest.referrer, digest.referrals, digest.meeting_minutes) == (None, (), 30)
