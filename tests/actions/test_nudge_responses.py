"""Done / Snooze / Stop on a nudge DM, against a real migrated SQLite file.

The key property: Done on a reminder records exactly what the matching slash command records
(same stored rows, same event kind and payload, same re-planned nudges), plus ``nudge_done``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import (
    CloseReason,
    close_contact,
    log_follow_up_sent,
    log_kept_in_touch,
    log_referrer_told,
    log_reported_back,
    log_thanked,
)
from bot.actions.nudge_responses import (
    GONE,
    NOT_YOURS,
    count_as_done,
    respond_done,
    respond_replied,
    snooze_nudge,
    snooze_options,
    stop_nudge,
)
from bot.actions.planner import occurrence_of
from bot.actions.request import log_reply, log_request_sent
from bot.clock import ManualClock
from bot.domain.contacts import Connection, Stage
from bot.domain.nudge_kinds import NudgeKind, StudentPrefs
from bot.domain.nudge_snooze import snooze_until
from bot.errors import UserError
from bot.storage.contacts import add_contact, get_contact_by_id, set_meeting, set_stage
from bot.storage.database import Database
from bot.storage.guild_settings import update_server_settings
from bot.storage.nudges import NudgeRow, claim_due, get_nudge, mark_sent
from bot.storage.students import ensure_student, get_student, set_timezone
from tests.actions.db_tables import snapshot

DATA = Path(__file__).resolve().parents[2] / "data"
GUILD, ALICE, BOB = 10, 1, 2
NEW_YORK = "America/New_York"
NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday 10:00 in New York
MET = datetime(2026, 12, 9, 19, 30, tzinfo=UTC)  # Wednesday 14:30 in New York
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 New York
FOLLOW_UP_DAY = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # Wednesday 10:00 New York
ME = StudentKey(GUILD, ALICE)
PRESSED_AFTER = timedelta(minutes=10)


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
    person: str = "Ada Lovelace",
    booster: bool = False,
) -> int:
    """Alice's contact moved straight to ``stage`` (a stage after the meeting also has its
    meeting at ``at``), nudges planned."""
    async with ctx.db.transaction() as tx:
        contact_id = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
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
        if booster:
            await tx.execute(
                "UPDATE contacts SET reply_class = 'booster' WHERE id = ?", (contact_id,)
            )
        await ctx.planner.replan_contact(tx, contact_id, ctx.clock.now())
    return contact_id


async def requested(ctx: ActionContext, clock: ManualClock, person: str = "Ada") -> int:
    """A request sent on Friday afternoon; the clock is left on the follow-up day."""
    clock.set(FRIDAY_AFTERNOON)
    cid = await new_contact(ctx, at=FRIDAY_AFTERNOON, person=person)
    await log_request_sent(ctx, ME, cid)
    clock.set(FOLLOW_UP_DAY)
    return cid


async def deliver(ctx: ActionContext, clock: ManualClock, contact_id: int | None, kind: str) -> int:
    """Send every nudge due when this one is (as the dispatcher would); its id."""
    where = "contact_id IS NULL" if contact_id is None else "contact_id = ?"
    params = () if contact_id is None else (contact_id,)
    (row,) = await ctx.db.fetch_all(
        f"SELECT id, due_at FROM nudges WHERE {where} AND kind = ? AND status = 'pending'",
        (*params, kind),
    )
    due = datetime.fromisoformat(row["due_at"])
    clock.set(due)
    async with ctx.db.transaction() as tx:
        for claimed in await claim_due(tx, due, 100):
            await mark_sent(tx, claimed.id, 1000 + claimed.id, due)
    return int(row["id"])


async def nudge(db: Database, nudge_id: int) -> NudgeRow:
    row = await get_nudge(db, nudge_id)
    assert row is not None
    return row


async def events(db: Database, contact_id: int | None) -> list[tuple[str, dict[str, Any]]]:
    where = "contact_id IS NULL" if contact_id is None else "contact_id = ?"
    rows = await db.fetch_all(
        f"SELECT kind, payload FROM events WHERE {where} ORDER BY id",
        () if contact_id is None else (contact_id,),
    )
    return [(row["kind"], json.loads(row["payload"])) for row in rows]


async def pending(db: Database, contact_id: int | None) -> dict[str, datetime]:
    where = "contact_id IS NULL" if contact_id is None else "contact_id = ?"
    rows = await db.fetch_all(
        f"SELECT kind, due_at FROM nudges WHERE {where} AND status = 'pending'",
        () if contact_id is None else (contact_id,),
    )
    return {row["kind"]: datetime.fromisoformat(row["due_at"]) for row in rows}


async def journey(db: Database, contact_id: int) -> tuple[Any, ...]:
    """What the follow-up steps store on a contact."""
    c = await get_contact_by_id(db, contact_id)
    assert c is not None
    return (
        c.stage,
        c.thanked_at,
        c.reported_back_at,
        c.kept_in_touch_at,
        c.followed_up_at,
        c.closed_at,
        c.close_reason,
        c.reply_class,
        c.nudges_stopped,
    )


async def refused(db: Database, call: Callable[[], Awaitable[object]], needle: str) -> None:
    before = await snapshot(db)
    with pytest.raises(UserError) as raised:
        await call()
    assert needle in raised.value.message
    assert await snapshot(db) == before


# --- Done records what the slash command records ----------------------------------------------

Setup = Callable[[ActionContext, ManualClock, str], Awaitable[int]]
Slash = Callable[[ActionContext, StudentKey, int], Awaitable[object]]


async def _met(ctx: ActionContext, clock: ManualClock, person: str) -> int:
    return await new_contact(ctx, Stage.MET, MET, person=person)


async def _thanked(ctx: ActionContext, clock: ManualClock, person: str) -> int:
    return await new_contact(ctx, Stage.THANKED, MET, person=person)


async def _booster(ctx: ActionContext, clock: ManualClock, person: str) -> int:
    return await new_contact(ctx, Stage.THANKED, MET, person=person, booster=True)


async def _requested(ctx: ActionContext, clock: ManualClock, person: str) -> int:
    return await requested(ctx, clock, person)


async def _followed_up(ctx: ActionContext, clock: ManualClock, person: str) -> int:
    cid = await requested(ctx, clock, person)
    await log_follow_up_sent(ctx, ME, cid)
    return cid


async def _close_no_reply(ctx: ActionContext, who: StudentKey, cid: int) -> object:
    return await close_contact(ctx, who, cid, CloseReason.NO_REPLY)


SAME_AS_SLASH: list[tuple[NudgeKind, Setup, Slash, str, dict[str, Any]]] = [
    # Met Wednesday 14:30 New York: the thank-you comes at 17:30, the last call Thursday 10:30.
    (NudgeKind.THANK_YOU, _met, log_thanked, "thanked", {"on": "2026-12-09"}),
    (NudgeKind.THANK_YOU_AGAIN, _met, log_thanked, "thanked", {"on": "2026-12-10"}),
    (
        NudgeKind.REPORT_BACK,
        _thanked,
        log_reported_back,
        "reported_back",
        {"on": "2026-12-23", "updated": False},
    ),
    (
        NudgeKind.KEEP_WARM,
        _booster,
        log_kept_in_touch,
        "kept_in_touch",
        {"on": "2027-04-08", "days_since_previous": None},
    ),
    (
        NudgeKind.FOLLOW_UP,
        _requested,
        log_follow_up_sent,
        "follow_up_sent",
        {"on": "2026-12-09", "corrected": False},
    ),
    (
        NudgeKind.CLOSE_NO_REPLY,
        _followed_up,
        _close_no_reply,
        "closed",
        {"reason": "no_reply", "stage_before": "requested"},
    ),
]


@pytest.mark.parametrize(
    ("kind", "setup", "slash", "event", "payload"),
    SAME_AS_SLASH,
    ids=[case[0].value for case in SAME_AS_SLASH],
)
async def test_done_records_exactly_what_the_slash_command_records(
    ctx: ActionContext,
    db: Database,
    clock: ManualClock,
    kind: NudgeKind,
    setup: Setup,
    slash: Slash,
    event: str,
    payload: dict[str, Any],
):
    await new_student(db)
    by_button = await setup(ctx, clock, "Ada")
    by_command = await setup(ctx, clock, "Grace")
    before = await events(db, by_button)
    nudge_id = await deliver(ctx, clock, by_button, kind.value)
    clock.advance(PRESSED_AFTER)

    done = await respond_done(ctx, ALICE, nudge_id)
    await slash(ctx, ME, by_command)

    assert (done.kind, done.step) == (kind, event)
    assert (await events(db, by_button))[len(before) :] == [
        (event, payload),
        ("nudge_done", {"nudge": kind.value}),
    ]
    assert (await events(db, by_command))[len(before) :] == [(event, payload)]
    assert await journey(db, by_button) == await journey(db, by_command)
    assert await pending(db, by_button) == await pending(db, by_command)
    pressed = await nudge(db, nudge_id)
    assert (pressed.action, pressed.status) == ("done", "sent")


async def test_done_on_a_thank_you_reminder_moves_the_stage_and_replans(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    clock.advance(PRESSED_AFTER)
    await respond_done(ctx, ALICE, nudge_id)
    stage, thanked_at, *_ = await journey(db, cid)
    assert (stage, thanked_at) == (Stage.THANKED, clock.now())
    live = await pending(db, cid)
    assert "thank_you_again" not in live
    assert live["report_back"] == datetime(2026, 12, 23, 14, 0, tzinfo=UTC)


async def test_done_on_a_reminder_with_no_step_only_notes_the_press(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")
    before = (await journey(db, cid), await pending(db, cid), await events(db, cid))
    clock.advance(PRESSED_AFTER)
    done = await respond_done(ctx, ALICE, nudge_id)
    assert done.step is None
    after = (await journey(db, cid), await pending(db, cid), await events(db, cid))
    assert after[:2] == before[:2]
    assert after[2] == [*before[2], ("nudge_done", {"nudge": "second_contact"})]


async def test_done_after_the_step_was_logged_is_out_of_date_and_logs_nothing(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    clock.advance(PRESSED_AFTER)
    await log_thanked(ctx, ME, cid)
    stored = await journey(db, cid)
    await refused(
        db,
        lambda: respond_done(ctx, ALICE, nudge_id),
        "This reminder is out of date: you logged the thank-you to Ada Lovelace on ",
    )
    assert await journey(db, cid) == stored
    assert [kind for kind, _ in await events(db, cid)] == ["thanked"]


# --- refusals change nothing ------------------------------------------------------------------


async def test_someone_else_cannot_answer_my_reminder(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    await new_student(db, BOB)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    for respond in (respond_done, snooze_nudge, stop_nudge):
        await refused(db, lambda respond=respond: respond(ctx, BOB, nudge_id), NOT_YOURS)
    assert NOT_YOURS.startswith("That belongs to someone else")


async def test_a_reminder_is_answered_once(ctx: ActionContext, db: Database, clock: ManualClock):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    first = (await snooze_options(ctx, ALICE, nudge_id)).choices[0].key
    await snooze_nudge(ctx, ALICE, nudge_id, first)
    for respond in (respond_done, snooze_nudge, stop_nudge):
        await refused(
            db, lambda respond=respond: respond(ctx, ALICE, nudge_id), "You already snoozed"
        )
    await refused(db, lambda: respond_done(ctx, ALICE, 999_999), GONE)


async def test_done_on_a_closed_contact_is_refused_and_the_reminder_stays_open(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    await close_contact(ctx, ME, cid, CloseReason.DECLINED)
    await refused(db, lambda: respond_done(ctx, ALICE, nudge_id), "out of date: you closed Ada")
    assert (await nudge(db, nudge_id)).action is None


# --- snooze -----------------------------------------------------------------------------------


async def test_snoozing_a_business_day_reminder_on_friday_brings_it_back_on_monday(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")  # Thursday 3 December
    clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 10:00 New York
    result = await snooze_nudge(ctx, ALICE, nudge_id)
    monday_nine = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    assert result.until == monday_nine
    assert (await pending(db, cid))["second_contact"] == monday_nine
    (again,) = await db.fetch_all(
        "SELECT snoozed_from FROM nudges WHERE contact_id = ? AND kind = 'second_contact'"
        " AND status = 'pending'",
        (cid,),
    )
    assert again["snoozed_from"] == nudge_id
    assert (await nudge(db, nudge_id)).action == "snoozed"
    assert (await events(db, cid))[-1] == ("nudge_snoozed", {"nudge": "second_contact"})


async def test_snoozing_skips_the_servers_holidays(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    async with db.transaction() as tx:
        await update_server_settings(tx, GUILD, NOW, holiday_country="US")
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")
    clock.set(datetime(2026, 12, 24, 15, 0, tzinfo=UTC))  # Thursday; Friday is Christmas
    result = await snooze_nudge(ctx, ALICE, nudge_id)
    assert result.until == datetime(2026, 12, 28, 14, 0, tzinfo=UTC)  # Monday 09:00


async def test_snoozing_another_reminder_a_day_lands_after_quiet_hours(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    clock.set(datetime(2026, 12, 11, 3, 0, tzinfo=UTC))  # 22:00 in New York: quiet by then
    result = await snooze_nudge(ctx, ALICE, nudge_id)
    eight_saturday = datetime(2026, 12, 12, 13, 0, tzinfo=UTC)  # quiet hours end, 08:00
    assert result.until == eight_saturday
    assert (await pending(db, cid))["thank_you"] == eight_saturday


NEW_YORK_PREFS = StudentPrefs(
    zone=ZoneInfo(NEW_YORK),
    quiet_start=time(21, 0),
    quiet_end=time(8, 0),
    nudges_enabled=True,
    digest_day=0,
)


@pytest.mark.parametrize(
    ("kind", "now", "prefs", "expected"),
    [
        # Saturday morning, business-day kind: Monday 09:00.
        (
            NudgeKind.FOLLOW_UP,
            datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
            NEW_YORK_PREFS,
            datetime(2026, 12, 7, 14, 0, tzinfo=UTC),
        ),
        # Saturday morning, other kind: Sunday, same time.
        (
            NudgeKind.REPORT_BACK,
            datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
            NEW_YORK_PREFS,
            datetime(2026, 12, 6, 15, 0, tzinfo=UTC),
        ),
        # No time zone yet: simply a day later.
        (
            NudgeKind.FOLLOW_UP,
            datetime(2026, 12, 5, 3, 0, tzinfo=UTC),
            None,
            datetime(2026, 12, 6, 3, 0, tzinfo=UTC),
        ),
    ],
)
def test_snooze_until(
    kind: NudgeKind, now: datetime, prefs: StudentPrefs | None, expected: datetime
):
    assert snooze_until(kind, now, prefs) == expected


def test_snooze_until_holidays_and_naive_time():
    thursday = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    christmas = {date(2026, 12, 25)}
    assert snooze_until(NudgeKind.REFERRALS, thursday, NEW_YORK_PREFS, christmas) == datetime(
        2026, 12, 28, 14, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="aware"):
        snooze_until(NudgeKind.REFERRALS, thursday.replace(tzinfo=None), NEW_YORK_PREFS)


# --- stop -------------------------------------------------------------------------------------


async def test_stop_ends_the_contacts_reminders(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    other = await new_contact(ctx, Stage.MET, MET, person="Grace")
    nudge_id = await deliver(ctx, clock, cid, "thank_you")
    result = await stop_nudge(ctx, ALICE, nudge_id)
    assert not result.digest
    assert (await journey(db, cid))[-1] is True
    assert await pending(db, cid) == {}
    assert await pending(db, other) != {}  # only that contact
    assert (await nudge(db, nudge_id)).action == "stopped"
    assert (await events(db, cid))[-1] == ("nudge_stopped", {"nudge": "thank_you"})


async def test_stop_on_a_digest_turns_digests_off(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    async with db.transaction() as tx:
        await ctx.planner.replan_digest(tx, GUILD, ALICE, clock.now())
    nudge_id = await deliver(ctx, clock, None, "digest")  # Monday 14 December
    result = await stop_nudge(ctx, ALICE, nudge_id)
    assert result.digest
    student = await get_student(db, GUILD, ALICE)
    assert student is not None
    assert student.digest_day is None
    assert await pending(db, None) == {}
    assert await events(db, None) == [
        ("digest_day_set", {"day": None}),
        ("nudge_stopped", {"nudge": "digest"}),
    ]


# --- the steps the new buttons name ----------------------------------------------------------


async def sent_nudge(db: Database, contact_id: int, kind: NudgeKind, at: datetime) -> int:
    """A reminder already delivered at ``at``, made by hand (for kinds the planner may not plan
    yet, such as telling the referrer, or at times it does not plan them); a live row of that
    kind the planner made is cancelled, as delivering it would have."""
    stamp = at.isoformat()
    contact = await get_contact_by_id(db, contact_id)
    assert contact is not None
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE nudges SET status = 'cancelled' WHERE contact_id = ? AND kind = ?"
            " AND status = 'pending'",
            (contact_id, kind.value),
        )
        cursor = await tx.execute(
            "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, status, sent_at, message_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, 1, ?, ?) RETURNING id",
            (
                GUILD,
                ALICE,
                contact_id,
                kind.value,
                occurrence_of(kind, contact),
                stamp,
                stamp,
                stamp,
                stamp,
                stamp,
            ),
        )
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


async def referred(ctx: ActionContext, clock: ManualClock, referrer: int, person: str) -> int:
    """A referral of ``referrer`` whose request went out on the follow-up day."""
    async with ctx.db.transaction() as tx:
        cid = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            person=person,
            organization="Initech",
            role=None,
            connection=None,
            now=MET,
            referred_by=referrer,
        )
    await log_request_sent(ctx, ME, cid)
    return cid


async def test_i_told_them_records_exactly_what_log_referrer_told_records(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    dana = await new_contact(ctx, Stage.MET, MET, person="Dana")
    by_button = await referred(ctx, clock, dana, "Priya")
    by_command = await referred(ctx, clock, dana, "Tom")
    nudge_id = await sent_nudge(db, by_button, NudgeKind.TELL_REFERRER, clock.now())
    clock.advance(PRESSED_AFTER)

    done = await respond_done(ctx, ALICE, nudge_id)
    await log_referrer_told(ctx, ME, by_command)

    assert (done.kind, done.step) == (NudgeKind.TELL_REFERRER, "referrer_told")
    assert done.referrer is not None
    assert done.referrer.person == "Dana"
    payload = {"on": "2026-12-10", "referrer": dana, "corrected": False}
    assert (await events(db, by_button))[-2:] == [
        ("referrer_told", payload),
        ("nudge_done", {"nudge": "tell_referrer"}),
    ]
    assert (await events(db, by_command))[-1] == ("referrer_told", payload)
    told = await get_contact_by_id(db, by_button)
    assert told is not None
    assert told.referrer_told_at == clock.now()
    # Pressed again (another copy of the reminder): out of date, logged once.
    again = await sent_nudge(db, by_button, NudgeKind.TELL_REFERRER, clock.now())
    await refused(
        db,
        lambda: respond_done(ctx, ALICE, again),
        "out of date: you told the person who suggested",
    )


async def test_i_told_them_before_the_request_is_refused_and_changes_nothing(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    dana = await new_contact(ctx, Stage.MET, MET, person="Dana")
    async with db.transaction() as tx:
        priya = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            person="Priya",
            organization="Initech",
            role=None,
            connection=None,
            now=MET,
            referred_by=dana,
        )
    nudge_id = await sent_nudge(db, priya, NudgeKind.TELL_REFERRER, clock.now())
    await refused(db, lambda: respond_done(ctx, ALICE, nudge_id), "Reach out to Priya first")


async def test_they_replied_logs_exactly_what_request_reply_logs(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    by_button = await requested(ctx, clock, "Ada")
    by_command = await requested(ctx, clock, "Grace")
    nudge_id = await deliver(ctx, clock, by_button, "follow_up")
    clock.advance(PRESSED_AFTER)

    replied = await respond_replied(ctx, ALICE, nudge_id)
    await log_reply(ctx, ME, by_command)

    assert replied.answered
    assert replied.reply.reply_class == "obligate"
    payload = {"replied_on": "2026-12-09", "reply_class": "obligate"}
    assert (await events(db, by_button))[-2:] == [
        ("reply_logged", payload),
        ("nudge_done", {"nudge": "follow_up"}),
    ]
    assert (await events(db, by_command))[-1] == ("reply_logged", payload)
    assert await journey(db, by_button) == await journey(db, by_command)
    assert await pending(db, by_button) == await pending(db, by_command)
    assert (await nudge(db, nudge_id)).action == "done"
    await refused(db, lambda: respond_replied(ctx, ALICE, nudge_id), "already done")


async def test_they_replied_on_a_closed_contact_is_refused_and_the_reminder_stays_open(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "follow_up")
    await close_contact(ctx, ME, cid, CloseReason.DECLINED)
    await refused(db, lambda: respond_replied(ctx, ALICE, nudge_id), "closed")
    assert (await nudge(db, nudge_id)).action is None


async def test_count_as_done_answers_once(ctx: ActionContext, db: Database, clock: ManualClock):
    await new_student(db)
    cid = await requested(ctx, clock)
    nudge_id = await deliver(ctx, clock, cid, "second_contact")
    row = await nudge(db, nudge_id)
    assert await count_as_done(ctx, ME, row)
    assert not await count_as_done(ctx, ME, row)
    assert [kind for kind, _ in await events(db, cid)].count("nudge_done") == 1


# --- snoozes that fit -------------------------------------------------------------------------

MEETING = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York


async def with_meeting(ctx: ActionContext, at: datetime = MEETING) -> int:
    cid = await new_contact(ctx, Stage.REPLIED, MET)
    async with ctx.db.transaction() as tx:
        await set_meeting(tx, cid, meeting_at=at, zone=NEW_YORK, minutes=20, now=ctx.clock.now())
        await ctx.planner.replan_contact(tx, cid, ctx.clock.now())
    return cid


async def test_a_confirm_reminder_offers_times_before_the_meeting_and_keeps_the_one_picked(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await with_meeting(ctx)
    nudge_id = await deliver(ctx, clock, cid, "confirm")  # Monday 10:00 New York
    options = await snooze_options(ctx, ALICE, nudge_id)
    assert options.deadline == MEETING
    assert [(c.key, c.label, c.until) for c in options.choices] == [
        ("in1h", "In 1 hour", datetime(2026, 12, 14, 16, 0, tzinfo=UTC)),
        ("in3h", "In 3 hours", datetime(2026, 12, 14, 18, 0, tzinfo=UTC)),
        ("evening", "This evening", datetime(2026, 12, 14, 23, 0, tzinfo=UTC)),
    ]

    evening = datetime(2026, 12, 14, 23, 0, tzinfo=UTC)
    snoozed = await snooze_nudge(ctx, ALICE, nudge_id, "evening")
    assert snoozed.until == evening
    assert snoozed.until_text == "Monday 14 December, 18:00 (America/New_York)"
    assert (await pending(db, cid))["confirm"] == evening
    # Anything re-planned before then (a tick, a question…) keeps the snoozed reminder.
    clock.set(evening - timedelta(minutes=10))
    async with db.transaction() as tx:
        await ctx.planner.replan_contact(tx, cid, clock.now())
    assert (await pending(db, cid))["confirm"] == evening


async def test_a_snooze_time_that_no_longer_fits_is_refused(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await with_meeting(ctx)
    nudge_id = await deliver(ctx, clock, cid, "top_questions")
    await refused(db, lambda: snooze_nudge(ctx, ALICE, nudge_id, "in1h"), "no longer fits")
    await refused(db, lambda: snooze_nudge(ctx, ALICE, nudge_id), "Pick when")
    clock.advance(timedelta(minutes=56))  # 4 minutes before: nothing fits any more
    await refused(
        db,
        lambda: snooze_nudge(ctx, ALICE, nudge_id, "before5"),
        "Your meeting with Ada Lovelace is at Tuesday 15 December, 10:00 (America/New_York): "
        "too soon to snooze",
    )
    assert (await nudge(db, nudge_id)).action is None


async def test_top_questions_snoozed_to_15_minutes_before(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await with_meeting(ctx)
    nudge_id = await deliver(ctx, clock, cid, "top_questions")
    assert clock.now() == MEETING - timedelta(hours=1)
    result = await snooze_nudge(ctx, ALICE, nudge_id, "before15")
    assert result.until == MEETING - timedelta(minutes=15)
    assert (await pending(db, cid))["top_questions"] == MEETING - timedelta(minutes=15)


async def test_a_thank_you_reminder_is_snoozed_inside_the_24_hours(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    nudge_id = await sent_nudge(db, cid, NudgeKind.THANK_YOU, MET + timedelta(hours=3))
    clock.set(MET + timedelta(hours=3))  # Wednesday 17:30 New York
    options = await snooze_options(ctx, ALICE, nudge_id)
    assert [c.key for c in options.choices] == ["in1h", "in3h", "morning", "lastcall"]
    assert all(c.until <= MET + timedelta(hours=23) for c in options.choices)
    result = await snooze_nudge(ctx, ALICE, nudge_id, "morning")
    assert result.until == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # Thursday 09:00
    assert (await pending(db, cid))["thank_you"] == result.until


async def test_confirmed_on_the_day_before_reminder_ticks_the_confirm_step(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    """The preparation checklist's "confirm the day before" ticks itself once Confirmed is
    pressed on that meeting's reminder; a rescheduled meeting needs confirming again."""
    from bot.actions.checklists import contact_checklist

    async def confirm_ticked() -> bool:
        contact = await get_contact_by_id(db, cid)
        assert contact is not None
        return "confirm-day-before" in (await contact_checklist(ctx, contact, "prepare")).auto

    await new_student(db)
    cid = await with_meeting(ctx)
    nudge_id = await deliver(ctx, clock, cid, "confirm")
    assert not await confirm_ticked()  # the reminder came; nothing pressed yet
    clock.advance(PRESSED_AFTER)
    await respond_done(ctx, ALICE, nudge_id)
    assert await confirm_ticked()

    async with db.transaction() as tx:  # moved to the next day: a new meeting to confirm
        await set_meeting(
            tx,
            cid,
            meeting_at=MEETING + timedelta(days=1),
            zone=NEW_YORK,
            minutes=20,
            now=clock.now(),
        )
        await ctx.planner.replan_contact(tx, cid, clock.now())
    assert not await confirm_ticked()


# --- stale reminders (found in review) ---------------------------------------------------------


async def test_an_old_close_as_no_reply_does_not_close_a_contact_who_replied_since(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    from bot.actions.prepare import schedule_meeting

    await new_student(db)
    cid = await requested(ctx, clock)
    await log_follow_up_sent(ctx, ME, cid)
    nudge_id = await deliver(ctx, clock, cid, "close_no_reply")
    clock.advance(timedelta(hours=1))
    await log_reply(ctx, ME, cid)
    await schedule_meeting(ctx, ME, cid, "next Tuesday", "10:00")
    await refused(db, lambda: respond_done(ctx, ALICE, nudge_id), "out of date: Ada replied on ")
    stage = await db.fetch_value("SELECT stage FROM contacts WHERE id = ?", (cid,))
    assert stage == "scheduled"


async def test_a_digest_snooze_that_cannot_be_planned_is_refused_and_records_nothing(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await new_student(db)
    async with db.transaction() as tx:
        await ctx.planner.replan_digest(tx, GUILD, ALICE, clock.now())
    nudge_id = await deliver(ctx, clock, None, "digest")
    async with db.transaction() as tx:  # what the dispatcher does after sending a digest
        await ctx.planner.replan_digest(tx, GUILD, ALICE, clock.now())
    await refused(db, lambda: snooze_nudge(ctx, ALICE, nudge_id), "can't be snoozed")
    assert (await nudge(db, nudge_id)).action is None
