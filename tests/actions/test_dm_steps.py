"""Acting on a reminder's contact from the DM: each act is the slash command's own use case
(same rows, same event), owner-checked through the nudge, and counts as the reminder's Done
when it is what the reminder asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.actions.context import ActionContext
from bot.actions.dm_steps import (
    add_second_person,
    log_referral_reached,
    open_referrals,
    reminder_questions,
    reminder_subject,
    schedule_form,
    schedule_from_reminder,
)
from bot.actions.prepare import add_own_question, schedule_meeting
from bot.clock import ManualClock
from bot.domain.contacts import Stage
from bot.domain.nudge_kinds import NudgeKind
from bot.errors import NOT_YOURS
from bot.storage.contacts import add_contact, get_contact_by_id
from bot.storage.database import Database
from tests.actions.test_nudge_responses import (
    ALICE,
    BOB,
    GUILD,
    ME,
    MET,
    NOW,
    PRESSED_AFTER,
    deliver,
    events,
    new_contact,
    new_student,
    nudge,
    pending,
    refused,
    requested,
    sent_nudge,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)  # `content` and `ctx` come from tests/actions/conftest.py


async def contact_rows(db: Database) -> list[tuple[str, str, str | None, str]]:
    rows = await db.fetch_all("SELECT person, organization, role, stage FROM contacts ORDER BY id")
    return [(r["person"], r["organization"], r["role"], r["stage"]) for r in rows]


# --- a second person at the same organization -------------------------------------------------


async def test_adding_the_second_person_adds_a_contact_at_the_same_organization(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")
    clock.advance(PRESSED_AFTER)
    result = await add_second_person(ctx, ALICE, nudge_id, "  Ben Ortiz ", "Data analyst")
    assert result.answered
    assert (result.added.person, result.added.organization) == ("Ben Ortiz", "Acme")
    assert await contact_rows(db) == [
        ("Ada", "Acme", None, "requested"),
        ("Ben Ortiz", "Acme", "Data analyst", "planned"),
    ]
    ((kind, payload),) = await events(db, result.added.id)
    assert (kind, payload["connection"]) == ("contact_added", None)
    linked = await db.fetch_value(
        "SELECT employer_id FROM contacts WHERE id = ?", (result.added.id,)
    )
    assert payload["employer_id"] == linked is not None
    assert (await events(db, cid))[-1] == ("nudge_done", {"nudge": "second_contact"})
    assert (await nudge(db, nudge_id)).action == "done"
    # A third person works too; the reminder was answered once.
    third = await add_second_person(ctx, ALICE, nudge_id, "Cleo Park", None)
    assert third.answered
    assert third.added.role is None
    assert [k for k, _ in await events(db, cid)].count("nudge_done") == 1


async def test_adding_a_person_from_another_kind_of_reminder_does_not_answer_it(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "follow_up")
    result = await add_second_person(ctx, ALICE, nudge_id, "Ben Ortiz", None)
    assert not result.answered
    assert (await nudge(db, nudge_id)).action is None


async def test_a_blank_name_or_someone_elses_reminder_is_refused(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    await new_student(db, BOB)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")
    await refused(db, lambda: add_second_person(ctx, ALICE, nudge_id, "   ", None), "empty")
    await refused(db, lambda: add_second_person(ctx, BOB, nudge_id, "Ben", None), NOT_YOURS)
    await refused(db, lambda: reminder_subject(ctx, BOB, nudge_id), NOT_YOURS)


# --- scheduling -------------------------------------------------------------------------------


async def test_scheduling_from_a_reminder_is_prepare_schedule(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    by_form = await new_contact(ctx, Stage.REPLIED, MET, person="Ada")
    by_command = await new_contact(ctx, Stage.REPLIED, MET, person="Grace")
    nudge_id = await sent_nudge(db, by_form, NudgeKind.SCHEDULE, clock.now())

    form = await schedule_form(ctx, ALICE, nudge_id)
    assert (form.usual_minutes, form.zone.key) == (20, "America/New_York")
    result = await schedule_from_reminder(ctx, ALICE, nudge_id, "2026-12-15", "10:00", 30)
    await schedule_meeting(ctx, ME, by_command, "2026-12-15", "10:00", 30)

    assert result.answered
    assert result.meeting.start == datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    scheduled = {
        "meeting_at": "2026-12-15T15:00:00.000000+00:00",
        "timezone": "America/New_York",
        "minutes": 30,
    }
    assert (await events(db, by_form))[-2:] == [
        ("meeting_scheduled", scheduled),
        ("nudge_done", {"nudge": "schedule"}),
    ]
    assert (await events(db, by_command))[-1] == ("meeting_scheduled", scheduled)
    assert await pending(db, by_form) == await pending(db, by_command)
    contact = await get_contact_by_id(db, by_form)
    assert contact is not None
    assert contact.stage is Stage.SCHEDULED


async def test_scheduling_refuses_bad_input_and_steps_that_cannot_be_scheduled(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.REPLIED, MET)
    nudge_id = await sent_nudge(db, cid, NudgeKind.SCHEDULE_AGAIN, clock.now())
    await refused(
        db,
        lambda: schedule_from_reminder(ctx, ALICE, nudge_id, "2026-12-01", "10:00", None),
        "has already passed",
    )
    await refused(
        db,
        lambda: schedule_from_reminder(ctx, ALICE, nudge_id, "15/12", "10:00", None),
        "isn't a date I can read",
    )
    assert (await nudge(db, nudge_id)).action is None
    met = await new_contact(ctx, Stage.MET, MET, person="Grace")
    thanks = await sent_nudge(db, met, NudgeKind.THANK_YOU, clock.now())
    await refused(db, lambda: schedule_form(ctx, ALICE, thanks), "stages don't move backwards")


# --- referrals --------------------------------------------------------------------------------


async def referrals_of_dana(ctx: ActionContext) -> tuple[int, int, int]:
    dana = await new_contact(ctx, Stage.MET, MET, person="Dana")
    ids = []
    for person in ("Priya Shah", "Tom Ruiz"):
        async with ctx.db.transaction() as tx:
            ids.append(
                await add_contact(
                    tx,
                    guild_id=GUILD,
                    user_id=ALICE,
                    person=person,
                    organization="Initech",
                    role=None,
                    connection=None,
                    now=MET,
                    referred_by=dana,
                )
            )
    async with ctx.db.transaction() as tx:
        await ctx.planner.replan_contact(tx, dana, ctx.clock.now())
    return dana, ids[0], ids[1]


async def test_each_referral_reached_is_logged_as_its_request_and_the_last_answers(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    dana, priya, tom = await referrals_of_dana(ctx)
    nudge_id = await deliver(ctx, clock, dana, "referrals")  # Monday 14 December, 09:00
    clock.advance(PRESSED_AFTER)

    found = await open_referrals(ctx, ALICE, nudge_id)
    assert [r.person for r in found.referrals] == ["Priya Shah", "Tom Ruiz"]

    first = await log_referral_reached(ctx, ALICE, nudge_id, priya)
    assert [r.person for r in first.remaining] == ["Tom Ruiz"]
    assert not first.answered
    assert first.sent.dates.second_contact_on.isoformat() == "2026-12-17"
    kinds, payloads = zip(*await events(db, priya), strict=True)
    assert kinds == ("request_sent",)
    assert payloads[0]["sent_on"] == "2026-12-14"
    assert (await nudge(db, nudge_id)).action is None
    # 3B7 runs, and the student is reminded to tell the referrer they reached out
    assert set(await pending(db, priya)) == {"second_contact", "follow_up", "tell_referrer"}

    last = await log_referral_reached(ctx, ALICE, nudge_id, tom)
    assert last.remaining == ()
    assert last.answered
    assert (await nudge(db, nudge_id)).action == "done"
    await refused(db, lambda: open_referrals(ctx, ALICE, nudge_id), "already logged as contacted")


async def test_a_referral_pick_that_does_not_fit_is_refused(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    await new_student(db, BOB)
    dana, priya, _ = await referrals_of_dana(ctx)
    stranger = await new_contact(ctx, Stage.PLANNED, MET, person="Stranger")
    nudge_id = await deliver(ctx, clock, dana, "referrals")
    await refused(
        db,
        lambda: log_referral_reached(ctx, ALICE, nudge_id, stranger),
        "Stranger isn't one of the people Dana suggested",
    )
    await refused(db, lambda: log_referral_reached(ctx, BOB, nudge_id, priya), NOT_YOURS)
    await log_referral_reached(ctx, ALICE, nudge_id, priya)
    await refused(db, lambda: log_referral_reached(ctx, ALICE, nudge_id, priya), "already logged")


# --- reading ----------------------------------------------------------------------------------


async def test_the_questions_of_the_reminders_contact(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.REPLIED, MET)
    await schedule_meeting(ctx, ME, cid, "2026-12-15", "10:00", 25)
    await add_own_question(ctx, ME, cid, "What surprised you most in your first year?")
    nudge_id = await deliver(ctx, clock, cid, "top_questions")
    clock.set(clock.now() + timedelta(minutes=1))
    brief = await reminder_questions(ctx, ALICE, nudge_id)
    assert [q.text for q in brief.questions] == ["What surprised you most in your first year?"]
    assert brief.minutes == 25
    await refused(db, lambda: reminder_questions(ctx, BOB, nudge_id), NOT_YOURS)


async def test_a_digest_is_not_about_a_contact(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    async with db.transaction() as tx:
        await ctx.planner.replan_digest(tx, GUILD, ALICE, clock.now())
    nudge_id = await deliver(ctx, clock, None, "digest")
    await refused(db, lambda: reminder_subject(ctx, ALICE, nudge_id), "isn't about one contact")
