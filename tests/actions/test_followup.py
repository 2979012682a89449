"""Phase 4 actions against a real migrated SQLite file: stored rows, events and planned nudges.

No Discord: each test calls the action the way ``/followup`` does and reads the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import (
    ALREADY_CLOSED,
    CloseReason,
    close_contact,
    log_follow_up_sent,
    log_kept_in_touch,
    log_reported_back,
    log_thanked,
    reopen_contact,
)
from bot.actions.request import log_request_sent
from bot.clock import ManualClock
from bot.domain.contacts import Connection, Stage
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, add_contact, get_contact_by_id, set_stage
from bot.storage.database import Database
from bot.storage.students import ensure_student, set_timezone
from tests.actions.db_tables import snapshot

DATA = Path(__file__).resolve().parents[2] / "data"
GUILD, ALICE, BOB = 10, 1, 2
NEW_YORK = "America/New_York"
NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday 10:00 in New York
MET = datetime(2026, 12, 9, 19, 30, tzinfo=UTC)  # Wednesday 14:30 in New York
ME = StudentKey(GUILD, ALICE)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)  # `content` and `ctx` come from tests/actions/conftest.py


async def new_student(db: Database, user: int = ALICE, zone: str | None = NEW_YORK) -> None:
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, NOW - timedelta(days=60))
        if zone is not None:
            await set_timezone(tx, GUILD, user, zone, NOW - timedelta(days=60))


async def new_contact(
    ctx: ActionContext,
    stage: Stage = Stage.PLANNED,
    at: datetime = MET,
    *,
    user: int = ALICE,
    person: str = "Ada Lovelace",
) -> int:
    """A contact of ``user`` moved straight to ``stage`` (stamped ``at``; a stage after the
    meeting also has its meeting at ``at``), nudges planned."""
    async with ctx.db.transaction() as tx:
        contact_id = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person=person,
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=at,
        )
        if stage.rank > Stage.MET.rank:
            await set_stage(tx, contact_id, Stage.MET, at, at)
        if stage is not Stage.PLANNED:
            await set_stage(tx, contact_id, stage, at, at)
        await ctx.planner.replan_contact(tx, contact_id, ctx.clock.now())
    return contact_id


async def contact_of(db: Database, contact_id: int) -> ContactRecord:
    contact = await get_contact_by_id(db, contact_id)
    assert contact is not None
    return contact


async def events(db: Database, contact_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = await db.fetch_all(
        "SELECT kind, payload FROM events WHERE contact_id = ? ORDER BY id", (contact_id,)
    )
    return [(row["kind"], json.loads(row["payload"])) for row in rows]


async def pending(db: Database, contact_id: int) -> dict[str, datetime]:
    rows = await db.fetch_all(
        "SELECT kind, due_at FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {row["kind"]: datetime.fromisoformat(row["due_at"]) for row in rows}


async def refused(db: Database, call: Callable[[], Awaitable[object]], needle: str) -> None:
    """The call raises a UserError saying ``needle`` and changes nothing at all."""
    before = await snapshot(db)
    with pytest.raises(UserError) as raised:
        await call()
    assert needle in raised.value.message
    assert await snapshot(db) == before


# --- thanked --------------------------------------------------------------------------------


async def test_thanked_today_moves_the_stage_logs_and_replans(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    assert {"thank_you", "thank_you_again", "report_back"} <= set(await pending(db, cid))

    result = await log_thanked(ctx, ME, cid)

    contact = await contact_of(db, cid)
    assert (contact.stage, contact.thanked_at) == (Stage.THANKED, NOW)
    assert await events(db, cid) == [("thanked", {"on": "2026-12-10"})]
    live = await pending(db, cid)
    assert "thank_you" not in live
    assert "thank_you_again" not in live
    assert live["report_back"] == datetime(2026, 12, 23, 14, 0, tzinfo=UTC)  # 9 Dec + 14, 09:00
    assert (result.day, result.report_on, result.late) == (
        date(2026, 12, 10),
        date(2026, 12, 23),
        False,
    )


async def test_thanked_on_an_earlier_day_stores_local_midnight_and_notes_lateness(
    ctx: ActionContext, db: Database
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    result = await log_thanked(ctx, ME, cid, "2026-12-04")
    contact = await contact_of(db, cid)
    assert contact.thanked_at == datetime(2026, 12, 4, 5, 0, tzinfo=UTC)  # midnight, New York
    assert result.late
    assert result.report_on == date(2026, 12, 15)
    assert await events(db, cid) == [("thanked", {"on": "2026-12-04"})]


@pytest.mark.parametrize(
    ("stage", "day", "needle"),
    [
        (Stage.MET, "2026-12-11", "in the future"),
        (Stage.MET, "2026-12-08", "before your meeting"),
        (Stage.MET, "soon", "isn't a date I can read"),
        (Stage.THANKED, None, "already at “thanked”"),
        (Stage.KEEPING_IN_TOUCH, None, "don't move backwards"),
    ],
)
async def test_thanked_refuses_bad_input_and_changes_nothing(
    ctx: ActionContext, db: Database, stage: Stage, day: str | None, needle: str
):
    await new_student(db)
    cid = await new_contact(ctx, stage, MET)
    await refused(db, lambda: log_thanked(ctx, ME, cid, day), needle)


async def test_thanked_on_a_closed_contact_is_refused(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    await close_contact(ctx, ME, cid, CloseReason.DECLINED)
    await refused(db, lambda: log_thanked(ctx, ME, cid), "Reopen it")


async def test_thanked_without_a_time_zone_is_refused(ctx: ActionContext, db: Database):
    await new_student(db, zone=None)
    cid = await new_contact(ctx, Stage.MET, MET)
    await refused(db, lambda: log_thanked(ctx, ME, cid), "time zone")


async def test_thanked_for_someone_elses_contact_is_refused(ctx: ActionContext, db: Database):
    await new_student(db)
    await new_student(db, BOB)
    cid = await new_contact(ctx, Stage.MET, MET, user=BOB)
    await refused(db, lambda: log_thanked(ctx, ME, cid), "no longer exists")


# --- reported back --------------------------------------------------------------------------


async def test_reported_back_is_not_a_stage_change_and_can_be_corrected(
    ctx: ActionContext, db: Database
):
    await new_student(db, zone="Europe/Berlin")
    cid = await new_contact(ctx, Stage.THANKED, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert "report_back" in await pending(db, cid)

    first = await log_reported_back(ctx, ME, cid, "2026-12-04")
    contact = await contact_of(db, cid)
    assert contact.stage is Stage.THANKED
    assert contact.reported_back_at == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # Berlin midnight
    assert (first.updated, first.next_touch) == (False, date(2027, 4, 3))
    assert "report_back" not in await pending(db, cid)

    second = await log_reported_back(ctx, ME, cid)
    assert second.updated
    assert (await contact_of(db, cid)).reported_back_at == NOW
    assert await events(db, cid) == [
        ("reported_back", {"on": "2026-12-04", "updated": False}),
        ("reported_back", {"on": "2026-12-10", "updated": True}),
    ]


@pytest.mark.parametrize(
    ("stage", "needle"),
    [(Stage.SCHEDULED, "after the meeting"), (Stage.PLANNED, "Log the meeting first")],
)
async def test_reported_back_before_a_meeting_is_refused(
    ctx: ActionContext, db: Database, stage: Stage, needle: str
):
    await new_student(db)
    cid = await new_contact(ctx, stage)
    await refused(db, lambda: log_reported_back(ctx, ME, cid), needle)


# --- kept in touch --------------------------------------------------------------------------


async def booster_thanked(ctx: ActionContext, db: Database, thanked: datetime) -> int:
    cid = await new_contact(ctx, Stage.THANKED, thanked)
    async with db.transaction() as tx:
        await tx.execute("UPDATE contacts SET reply_class = 'booster' WHERE id = ?", (cid,))
        await ctx.planner.replan_contact(tx, cid, ctx.clock.now())
    return cid


async def test_kept_in_touch_keeps_the_latest_touch_and_notes_touches_too_close(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await booster_thanked(ctx, db, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    clock.set(datetime(2026, 6, 1, 16, 0, tzinfo=UTC))

    first = await log_kept_in_touch(ctx, ME, cid)
    contact = await contact_of(db, cid)
    assert (contact.stage, contact.kept_in_touch_at) == (Stage.KEEPING_IN_TOUCH, clock.now())
    assert (first.next_touch, first.too_soon, first.days_since_previous) == (
        date(2026, 9, 29),
        False,
        None,  # the thank-you is not a touch
    )
    assert (await pending(db, cid))["keep_warm"] == datetime(2026, 9, 29, 13, 0, tzinfo=UTC)

    clock.set(datetime(2026, 7, 1, 16, 0, tzinfo=UTC))
    second = await log_kept_in_touch(ctx, ME, cid)
    assert (second.too_soon, second.days_since_previous) == (True, 30)

    backdated = await log_kept_in_touch(ctx, ME, cid, "2026-05-01")
    assert (await contact_of(db, cid)).kept_in_touch_at == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert backdated.next_touch == date(2026, 10, 29)  # from the latest touch, not the new one
    assert (await pending(db, cid))["keep_warm"] == datetime(2026, 10, 29, 13, 0, tzinfo=UTC)
    assert await events(db, cid) == [
        ("kept_in_touch", {"on": "2026-06-01", "days_since_previous": None}),
        ("kept_in_touch", {"on": "2026-07-01", "days_since_previous": 30}),
        ("kept_in_touch", {"on": "2026-05-01", "days_since_previous": 61}),
    ]


async def test_kept_in_touch_on_a_closed_contact_is_refused(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.THANKED, MET)
    await close_contact(ctx, ME, cid, CloseReason.OTHER)
    await refused(db, lambda: log_kept_in_touch(ctx, ME, cid), "Reopen it")


# --- the 3B7 follow-up ----------------------------------------------------------------------

FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 New York
FOLLOW_UP_DAY = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # Wednesday 10:00 New York


async def requested(ctx: ActionContext, clock: ManualClock) -> int:
    clock.set(FRIDAY_AFTERNOON)
    cid = await new_contact(ctx, at=FRIDAY_AFTERNOON)
    await log_request_sent(ctx, ME, cid)
    clock.set(FOLLOW_UP_DAY)
    return cid


async def test_follow_up_sent_starts_the_last_wait(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    assert "follow_up" in await pending(db, cid)

    result = await log_follow_up_sent(ctx, ME, cid)

    contact = await contact_of(db, cid)
    assert (contact.stage, contact.followed_up_at) == (Stage.REQUESTED, FOLLOW_UP_DAY)
    assert (await events(db, cid))[-1] == (
        "follow_up_sent",
        {"on": "2026-12-09", "corrected": False},
    )
    live = await pending(db, cid)
    assert "follow_up" not in live
    # 7 business days after Wednesday 9 December: Friday 18 December, 09:00 New York.
    assert live["close_no_reply"] == datetime(2026, 12, 18, 14, 0, tzinfo=UTC)
    assert (result.day, result.corrected, result.close_on) == (
        date(2026, 12, 9),
        False,
        date(2026, 12, 18),
    )

    clock.set(NOW)  # Thursday 10 December
    again = await log_follow_up_sent(ctx, ME, cid, "2026-12-10")
    assert again.corrected
    assert (await events(db, cid))[-1] == (
        "follow_up_sent",
        {"on": "2026-12-10", "corrected": True},
    )
    assert (await pending(db, cid))["close_no_reply"] == datetime(2026, 12, 21, 14, 0, tzinfo=UTC)


async def test_follow_up_before_day_seven_is_refused_with_the_day_it_is_due(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    """Sent Friday afternoon, counted from Monday 30 November: day 7 is Wednesday 9 December.
    A follow-up logged the same day as the request, or on day 6, is refused."""
    await new_student(db)
    cid = await requested(ctx, clock)
    clock.set(FRIDAY_AFTERNOON)
    await refused(db, lambda: log_follow_up_sent(ctx, ME, cid), "None of the 7 business days")
    clock.set(FOLLOW_UP_DAY)
    with pytest.raises(UserError) as raised:
        await log_follow_up_sent(ctx, ME, cid, "2026-12-08")
    assert raised.value.message == (
        "Only 6 of the 7 business days have passed since your request (sent Friday 27 "
        "November 2026): the method waits until **Wednesday 9 December 2026** before the one "
        "short follow-up, and I'll remind you that day. If you really sent it already, log it "
        "on Wednesday 9 December 2026 or later with `/request followed-up date:2026-12-09`."
    )
    assert (await contact_of(db, cid)).followed_up_at is None
    assert (await log_follow_up_sent(ctx, ME, cid, "2026-12-09")).day == date(2026, 12, 9)


async def test_follow_up_needs_a_request_still_waiting(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    planned = await new_contact(ctx, person="Planned")
    await refused(db, lambda: log_follow_up_sent(ctx, ME, planned), "/request sent")
    cid = await requested(ctx, clock)
    await refused(db, lambda: log_follow_up_sent(ctx, ME, cid, "2026-11-26"), "before the request")
    await refused(db, lambda: log_follow_up_sent(ctx, ME, cid, "2026-12-10"), "in the future")
    async with db.transaction() as tx:
        await set_stage(tx, cid, Stage.REPLIED, FOLLOW_UP_DAY, FOLLOW_UP_DAY)
    await refused(db, lambda: log_follow_up_sent(ctx, ME, cid), "already at “replied”")


# --- close and reopen -----------------------------------------------------------------------


async def test_close_for_no_reply_makes_a_curmudgeon_and_reopen_restores_everything(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    planned_before = await pending(db, cid)
    assert set(planned_before) == {"second_contact", "follow_up"}

    closed = await close_contact(ctx, ME, cid, CloseReason.NO_REPLY)
    assert closed.curmudgeon
    assert closed.contact.stage is Stage.REQUESTED
    contact = await contact_of(db, cid)
    assert (contact.stage, contact.reply_class, contact.close_reason, contact.closed_at) == (
        Stage.CLOSED,
        "curmudgeon",
        "no_reply",
        FOLLOW_UP_DAY,
    )
    assert await pending(db, cid) == {}
    assert (await events(db, cid))[-1] == (
        "closed",
        {"reason": "no_reply", "stage_before": "requested"},
    )
    await refused(db, lambda: close_contact(ctx, ME, cid, CloseReason.OTHER), ALREADY_CLOSED)

    reopened = await reopen_contact(ctx, ME, cid)
    assert reopened.stage is Stage.REQUESTED
    contact = await contact_of(db, cid)
    assert (contact.stage, contact.reply_class, contact.closed_at) == (
        Stage.REQUESTED,
        None,
        None,
    )
    assert (await events(db, cid))[-1] == ("reopened", {"stage": "requested"})
    assert await pending(db, cid) == planned_before
    await refused(db, lambda: reopen_contact(ctx, ME, cid), "isn't closed")


async def test_declined_after_a_meeting_is_no_curmudgeon(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    closed = await close_contact(ctx, ME, cid, CloseReason.DECLINED)
    assert not closed.curmudgeon
    assert (await contact_of(db, cid)).reply_class is None
    assert (await events(db, cid))[-1] == ("closed", {"reason": "declined", "stage_before": "met"})


async def test_someone_else_cannot_close_or_reopen_my_contact(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    bob = StudentKey(GUILD, BOB)
    await refused(db, lambda: close_contact(ctx, bob, cid, CloseReason.OTHER), "no longer exists")
    await close_contact(ctx, ME, cid, CloseReason.OTHER)
    await refused(db, lambda: reopen_contact(ctx, bob, cid), "no longer exists")


async def test_the_first_touch_after_reporting_back_is_never_too_soon(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await booster_thanked(ctx, db, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    clock.set(datetime(2026, 3, 16, 16, 0, tzinfo=UTC))
    await log_reported_back(ctx, ME, cid)
    clock.set(datetime(2026, 4, 28, 16, 0, tzinfo=UTC))  # 43 days later
    first = await log_kept_in_touch(ctx, ME, cid)
    assert (first.too_soon, first.days_since_previous) == (False, None)
