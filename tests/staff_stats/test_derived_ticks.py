"""Checklist completion for staff counts the items that tick themselves (``done_by``) as the
students' own checklists show them, not only the ticks stored by hand. Built through the real
actions, against a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions.checklists import contact_checklist, toggle_item
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.prepare import add_own_question, schedule_meeting
from bot.actions.request import check_outreach_email, log_reply, log_request_sent
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.disclosure import students
from bot.staff_stats import compute_cells, default_checklists
from bot.staff_stats.compute import contact_facts
from bot.storage.contacts import get_contact_by_id
from bot.storage.database import Database
from bot.storage.staff_figures import server_contacts
from bot.storage.students import ensure_student, set_timezone

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
GUILD = 10
STUDENTS = [StudentKey(GUILD, 100 + n) for n in range(1, 7)]  # U1..U6
DATA = Path(__file__).resolve().parents[2] / "data"
DRAFT = (
    "Dear Ms. Lee, I'm a fellow Acme University alum and found you in the alumni directory. "
    "Your work on analytics caught my eye. Would you have 20 minutes to share your experience?"
)


@pytest.fixture
async def ctx(db: Database) -> ActionContext:
    content = load_content(DATA)
    context = ActionContext(
        db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None)
    )
    for who in STUDENTS:
        async with db.transaction() as tx:
            await ensure_student(tx, who.guild_id, who.user_id, NOW)
            await set_timezone(tx, who.guild_id, who.user_id, "America/New_York", NOW)
    return context


def later(ctx: ActionContext, **delta: float) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.set(clock.now() + timedelta(**delta))


async def build(ctx: ActionContext) -> dict[int, int]:
    """Each student: one contact, request sent and replied, every request item that does not
    tick itself ticked by hand, a meeting scheduled, every preparation item that does not tick
    itself ticked by hand. U1..U5 checked an email after adding the contact (U6 only before)
    and chose 3 questions (U6 only 2). Returns user id → contact id."""
    request = default_checklists()["request"]
    prepare = default_checklists()["prepare"]
    contacts: dict[int, int] = {}
    for n, who in enumerate(STUDENTS, start=1):
        if n == 6:
            await check_outreach_email(ctx, who, DRAFT)  # before the contact: doesn't count
            later(ctx, minutes=1)
        contact = (await add_new_contact(ctx, who, NewContact(f"Person {n}", f"Org {n}"))).id
        contacts[who.user_id] = contact
        later(ctx, minutes=1)
        if n != 6:
            await check_outreach_email(ctx, who, DRAFT)
        await log_request_sent(ctx, who, contact)
        for item in request.items:
            if item.done_by is None:
                await toggle_item(ctx, who, contact, "request", item.id)
        later(ctx, hours=1)
        await log_reply(ctx, who, contact)
        await schedule_meeting(ctx, who, contact, "2026-12-01", "14:00")
        for number in range(3 if n != 6 else 2):
            await add_own_question(ctx, who, contact, f"Question {number} from {n}?")
        for item in prepare.items:
            if item.done_by is None:
                await toggle_item(ctx, who, contact, "prepare", item.id)
    return contacts


async def test_items_that_tick_themselves_count_as_ticked(ctx: ActionContext) -> None:
    await build(ctx)
    cells = await compute_cells(ctx.db, GUILD, None, ctx.clock.now())
    phases = {p.phase: p for p in cells.checklists}
    # Before, no contact counted: "check the email", "log it sent" and "log the reply" are
    # never ticked by hand, they tick themselves.
    eligible, completed = phases["request"].eligible, phases["request"].completed
    assert (len(eligible), students(eligible)) == (6, 6)
    assert (len(completed), students(completed)) == (5, 5)  # U6 checked an email only before
    # Nobody met yet: the preparation checklist counts contacts that met (none here).
    assert phases["prepare"].eligible == ()


async def test_staff_figures_see_the_same_ticks_as_the_student(ctx: ActionContext) -> None:
    contacts = await build(ctx)
    checklists = default_checklists()
    rows = {row.user_id: contact_facts(row) for row in await server_contacts(ctx.db, GUILD)}
    for user_id, contact_id in contacts.items():
        record = await get_contact_by_id(ctx.db, contact_id)
        assert record is not None
        for phase, checklist in checklists.items():
            student_sees = await contact_checklist(ctx, record, phase)
            ids = {item.id for item in checklist.items}
            assert rows[user_id].ticked(phase, checklist) == student_sees.ticked & ids, (
                user_id,
                phase,
            )
    u1, u6 = rows[STUDENTS[0].user_id], rows[STUDENTS[5].user_id]
    prepare = checklists["prepare"]
    assert {"schedule", "tiara-questions"} <= u1.ticked("prepare", prepare)
    assert "tiara-questions" not in u6.ticked("prepare", prepare)  # 2 questions are not enough
    assert "check-email" not in u6.ticked("request", checklists["request"])


async def requested_and_ticked(ctx: ActionContext, who: StudentKey, n: int, skip: set[str]) -> int:
    """A contact requested (email checked first), with every request item that does not tick
    itself ticked by hand except ``skip``."""
    contact = (await add_new_contact(ctx, who, NewContact(f"Person {n}", f"Org {n}"))).id
    later(ctx, minutes=1)
    await check_outreach_email(ctx, who, DRAFT)
    await log_request_sent(ctx, who, contact)
    for item in default_checklists()["request"].items:
        if item.done_by is None and item.id not in skip:
            await toggle_item(ctx, who, contact, "request", item.id)
    return contact


async def test_waiting_steps_that_never_fell_due_do_not_block_a_full_checklist(
    ctx: ActionContext,
) -> None:
    """The second-person and follow-up steps apply only while no reply came (3B7): a contact
    that replied by day 3 needs neither ticked, one that replied by day 7 no follow-up."""
    waiting = {"second-contact", "follow-up"}
    fast = [await requested_and_ticked(ctx, who, n, waiting) for n, who in enumerate(STUDENTS[:3])]
    day5_untouched = await requested_and_ticked(ctx, STUDENTS[3], 4, waiting)
    day5_second = await requested_and_ticked(ctx, STUDENTS[4], 5, {"follow-up"})
    later(ctx, minutes=1)  # the 3B step, done: a second person at the same employer
    await add_new_contact(ctx, STUDENTS[4], NewContact("Second 5", "Org 5"))
    late = await requested_and_ticked(ctx, STUDENTS[5], 6, waiting)
    later(ctx, hours=1)
    for who, contact in zip(STUDENTS, fast, strict=False):
        await log_reply(ctx, who, contact)  # an hour later: a booster
    record = await get_contact_by_id(ctx.db, late)
    assert record is not None
    assert record.second_contact_on is not None
    assert record.follow_up_on is not None
    later(ctx, days=20)
    day5 = record.second_contact_on + timedelta(days=1)
    assert day5 < record.follow_up_on
    await log_reply(ctx, STUDENTS[3], day5_untouched, day5.isoformat())
    await log_reply(ctx, STUDENTS[4], day5_second, day5.isoformat())
    await log_reply(ctx, STUDENTS[5], late, (record.follow_up_on + timedelta(days=1)).isoformat())

    cells = await compute_cells(ctx.db, GUILD, None, ctx.clock.now())
    request = next(p for p in cells.checklists if p.phase == "request")
    assert students(request.eligible) == 6
    completed = {record.student for record in request.completed}
    # Fast replies: complete without the two waiting steps. Replied on day 4: the second
    # person was due (only the one who contacted one is complete), the follow-up was not.
    # Replied after day 7: both were due and neither was done.
    assert completed == {who.user_id for who in STUDENTS[:3]} | {STUDENTS[4].user_id}
