"""Eight or more writers at once on each read-then-write path of storage (docs/races.md).

On SQLite the writer runs transactions one after another, so these pass by construction; on
PostgreSQL (``INFOCOACH_TEST_BACKEND=postgres``) each transaction has its own connection at
READ COMMITTED and they really overlap: then each path must be made safe by what docs/races.md
says (the student's or server's advisory lock, an atomic statement, a unique constraint)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.domain.contacts import Stage
from bot.domain.nudge_kinds import NudgeStatus
from bot.storage.checklist_items import insert_custom_item
from bot.storage.checklists import ticked_items, toggle_tick
from bot.storage.contacts import add_contact, close_contact, reopen_contact
from bot.storage.database import Database, Transaction
from bot.storage.engine import lock_guild, lock_student
from bot.storage.membership import record_guild_left
from bot.storage.nudges import (
    NudgeRow,
    Wanted,
    claim_due,
    claim_due_fair,
    mark_sent,
    record_action,
    snooze,
    sync_nudges,
)
from bot.storage.questions import add_question, count_questions, list_questions
from bot.storage.students import (
    count_open_contacts,
    created_so_far,
    ensure_student,
    mark_replan_pending,
)
from bot.storage.timestamps import to_db

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GUILD, ALICE = 10, 1
WRITERS = 8


async def _all(
    db: Database, body: Callable[[Transaction], Awaitable[T]], n: int = WRITERS
) -> list[T]:
    """Run ``body`` in ``n`` transactions at once; each result (or the exception it raised)."""

    async def one() -> T:
        async with db.transaction() as tx:
            return await body(tx)

    return await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)  # type: ignore[return-value]


async def _contact(db: Database, user: int = ALICE, person: str = "Ada") -> int:
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, NOW)
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person=person,
            organization="Acme",
            role=None,
            connection=None,
            now=NOW,
        )


def _no_errors(results: list[object]) -> None:
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors


async def test_question_positions_stay_distinct(db: Database):
    """max(position) + 1 under the student's lock: eight additions get positions 1 to 8."""
    contact = await _contact(db)

    async def add(tx: Transaction) -> int:
        await lock_student(tx, GUILD, ALICE)
        return await add_question(tx, contact, "own", "Why?", None)

    ids = await _all(db, add)
    _no_errors(ids)
    questions = await list_questions(db, contact)
    assert sorted(q.position for q in questions) == list(range(1, WRITERS + 1))
    assert len(set(ids)) == WRITERS


async def test_a_count_limit_holds_against_concurrent_adds(db: Database):
    """Count, then add if under the limit (as the open-contacts, question, star and LAMP limits
    do) under the student's lock: eight attempts at a limit of three leave exactly three."""
    contact = await _contact(db)
    limit = 3

    async def add_if_room(tx: Transaction) -> bool:
        await lock_student(tx, GUILD, ALICE)
        if await count_questions(tx, contact) >= limit:
            return False
        await add_question(tx, contact, "own", "Why?", None)
        return True

    added = await _all(db, add_if_room)
    _no_errors(added)
    assert added.count(True) == limit
    assert len(await list_questions(db, contact)) == limit


async def test_open_contacts_counted_under_the_lock(db: Database):
    await _contact(db)
    limit = 4

    async def add_if_room(tx: Transaction) -> bool:
        await lock_student(tx, GUILD, ALICE)
        if await count_open_contacts(tx, GUILD, ALICE) >= limit:
            return False
        await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            person="Bo",
            organization="Beta",
            role=None,
            connection=None,
            now=NOW,
        )
        return True

    added = await _all(db, add_if_room)
    _no_errors(added)
    assert added.count(True) == limit - 1
    assert await count_open_contacts(db, GUILD, ALICE) == limit


async def test_concurrent_toggles_cancel_out(db: Database):
    """Without any lock: each flip is an INSERT … ON CONFLICT DO NOTHING, else a DELETE, so an
    even number of flips leaves the item as it was and an odd number flips it."""
    contact = await _contact(db)

    async def flip(tx: Transaction) -> set[str]:
        return await toggle_tick(tx, contact, "request", "lamp", NOW)

    _no_errors(await _all(db, flip, WRITERS))
    assert await ticked_items(db, contact, "request") == set()
    _no_errors(await _all(db, flip, WRITERS + 1))
    assert await ticked_items(db, contact, "request") == {"lamp"}


async def test_first_commands_at_once_make_one_student_row(db: Database):
    """One row, and exactly one of the commands is told it created it (the one pointed to
    ``/start``; on PostgreSQL the upsert's ``xmax = 0``)."""

    async def first(tx: Transaction) -> bool:
        await ensure_student(tx, GUILD, 42, NOW)
        return (GUILD, 42) in created_so_far()

    created = await _all(db, first)
    _no_errors(created)
    assert created.count(True) == 1
    assert await db.fetch_value("SELECT count(*) FROM students WHERE user_id = 42") == 1
    later = await _all(db, first, 1)
    assert later == [False]
    assert await db.fetch_value("SELECT last_active_at FROM students WHERE user_id = 42") == to_db(
        NOW
    )


async def test_a_toggle_returns_the_phases_ticks_after_it(db: Database):
    """The tick and the read of the phase's ticks are one statement on PostgreSQL: what it
    returns must still be the phase's ticks after the flip, on and off."""
    contact = await _contact(db)

    async def flip(item: str, phase: str = "request") -> set[str]:
        async with db.transaction() as tx:
            return await toggle_tick(tx, contact, phase, item, NOW)

    assert await flip("lamp") == {"lamp"}
    assert await flip("email") == {"lamp", "email"}
    assert await flip("lamp", "prepare") == {"lamp"}
    assert await flip("lamp") == {"email"}
    assert await flip("email") == set()
    assert await ticked_items(db, contact, "request") == set()
    assert await ticked_items(db, contact, "prepare") == {"lamp"}


async def _sent_nudge(db: Database, contact: int) -> NudgeRow:
    async with db.transaction() as tx:
        await sync_nudges(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            contact_id=contact,
            wanted=[Wanted("follow_up", "c1", NOW)],
            kinds=["follow_up"],
            now=NOW,
        )
    async with db.transaction() as tx:
        (row,) = await claim_due(tx, NOW, 10)
        await mark_sent(tx, row.id, 555, NOW)
    return row


async def test_one_snooze_and_one_action_per_sent_nudge(db: Database):
    """Snoozing inserts with ON CONFLICT DO NOTHING (one live row per contact and kind); the
    first press is an UPDATE guarded by ``action IS NULL``."""
    row = await _sent_nudge(db, await _contact(db))

    async def press(tx: Transaction) -> bool:
        return await record_action(tx, row.id, "snoozed", NOW)

    pressed = await _all(db, press)
    _no_errors(pressed)
    assert pressed.count(True) == 1

    async def snooze_it(tx: Transaction) -> bool:
        return await snooze(tx, row, NOW + timedelta(days=1), NOW)

    snoozed = await _all(db, snooze_it)
    _no_errors(snoozed)
    assert snoozed.count(True) == 1
    live = await db.fetch_value(
        "SELECT count(*) FROM nudges WHERE status = 'pending' AND snoozed_from = ?", (row.id,)
    )
    assert live == 1


async def test_concurrent_planners_keep_one_live_row_per_kind(db: Database):
    """Two planners that both read "no live row" insert with ON CONFLICT DO NOTHING."""
    contact = await _contact(db)

    async def plan(tx: Transaction) -> None:
        await sync_nudges(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            contact_id=contact,
            wanted=[Wanted("second_contact", "c1", NOW + timedelta(days=3))],
            kinds=["second_contact"],
            now=NOW,
        )

    _no_errors(await _all(db, plan))
    live = await db.fetch_value(
        "SELECT count(*) FROM nudges WHERE contact_id = ? AND status = 'pending'", (contact,)
    )
    assert live == 1


async def _due_rows(db: Database, users: int, per_user: int) -> int:
    for user in range(1, users + 1):
        async with db.transaction() as tx:
            await ensure_student(tx, GUILD, user, NOW)
            for n in range(per_user):
                await sync_nudges(
                    tx,
                    guild_id=GUILD,
                    user_id=user,
                    contact_id=None,
                    wanted=[Wanted(f"digest{n}", f"w{n}", NOW - timedelta(minutes=n))],
                    kinds=[f"digest{n}"],
                    now=NOW,
                )
    return users * per_user


async def _claimed_once(db: Database, claims: list[list[NudgeRow]], total: int) -> None:
    ids = [row.id for rows in claims for row in rows]
    assert len(ids) == len(set(ids)), "a row was claimed twice"
    sending = await db.fetch_value("SELECT count(*) FROM nudges WHERE status = 'sending'")
    assert sending == len(ids) <= total
    attempts = await db.fetch_value("SELECT max(attempts) FROM nudges")
    assert attempts == 1


async def test_concurrent_claims_never_take_a_row_twice(db: Database):
    total = await _due_rows(db, users=4, per_user=5)

    async def claim(tx: Transaction) -> list[NudgeRow]:
        return await claim_due(tx, NOW, 5)

    claims = await _all(db, claim)
    _no_errors(claims)
    await _claimed_once(db, claims, total)


async def test_concurrent_fair_claims_never_take_a_row_twice(db: Database):
    total = await _due_rows(db, users=6, per_user=4)

    async def claim(tx: Transaction) -> list[NudgeRow]:
        return await claim_due_fair(tx, NOW, 6, per_user=2, skip_users=[6])

    claims = await _all(db, claim)
    _no_errors(claims)
    await _claimed_once(db, claims, total)
    assert all(row.user_id != 6 for rows in claims for row in rows)


async def test_replan_marks_are_all_distinct(db: Database):
    await _contact(db)

    async def mark(tx: Transaction) -> int:
        return await mark_replan_pending(tx, GUILD, ALICE)

    marks = await _all(db, mark)
    _no_errors(marks)
    assert sorted(marks) == list(range(1, WRITERS + 1))  # type: ignore[type-var]


async def test_staff_item_ids_are_never_shared(db: Database):
    """The next ``s-<n>`` is read and written under the server's lock, with a plain INSERT."""

    async def add(tx: Transaction) -> str:
        await lock_guild(tx, GUILD)
        return await insert_custom_item(tx, GUILD, "request", NOW, text="Ask", hidden=False)

    ids = await _all(db, add)
    _no_errors(ids)
    assert sorted(ids, key=lambda i: int(str(i)[2:])) == [f"s-{n}" for n in range(1, WRITERS + 1)]


async def test_reopening_at_once_reopens_once(db: Database):
    contact = await _contact(db)
    async with db.transaction() as tx:
        await close_contact(tx, contact, "declined", NOW, NOW)

    async def reopen(tx: Transaction) -> Stage:
        return await reopen_contact(tx, contact, NOW)

    results = await _all(db, reopen)
    assert [r for r in results if isinstance(r, Stage)] == [Stage.PLANNED]
    assert all(isinstance(r, ValueError) for r in results if not isinstance(r, Stage))


async def test_the_server_leaves_once(db: Database):
    async def left(tx: Transaction) -> bool:
        return await record_guild_left(tx, GUILD, NOW)

    news = await _all(db, left)
    _no_errors(news)
    assert news.count(True) == 1


async def test_unsettled_claims_stay_sending(db: Database):
    """After the concurrent claims, a row is either still pending or sending (never lost)."""
    total = await _due_rows(db, users=2, per_user=5)

    async def claim(tx: Transaction) -> list[NudgeRow]:
        return await claim_due(tx, NOW, 3)

    _no_errors(await _all(db, claim))
    rows = await db.fetch_all("SELECT status, count(*) FROM nudges GROUP BY status")
    counts = {NudgeStatus(row[0]): int(row[1]) for row in rows}
    assert sum(counts.values()) == total
    assert set(counts) <= {NudgeStatus.PENDING, NudgeStatus.SENDING}
