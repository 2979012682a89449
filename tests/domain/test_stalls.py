"""Stall rules and what the weekly digest holds (bot.domain.stalls): exact instants in New York,
business days across weekends and holidays, and agreement with the reminders' own times."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.contacts import Stage
from bot.domain.nudge_kinds import ContactState, NudgeKind, StudentPrefs
from bot.domain.nudge_plan import (
    plan_contact_nudges,
    referrals_time,
    schedule_times,
    tell_referrer_time,
)
from bot.domain.stalls import (
    DigestContents,
    StallKind,
    digest_contents,
    find_stalls,
)

NY = ZoneInfo("America/New_York")
PREFS = StudentPrefs(zone=NY)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@dataclass(frozen=True)
class Contact:
    id: int
    stage: Stage
    person: str = "Dana"
    organization: str = "Contoso"
    referred_by: int | None = None
    nudges_stopped: bool = False
    requested_at: datetime | None = None
    referrer_told_at: datetime | None = None
    replied_at: datetime | None = None
    replied_on: date | None = None
    second_contact_on: date | None = None
    follow_up_on: date | None = None
    followed_up_at: datetime | None = None
    meeting_at: datetime | None = None
    meeting_minutes: int | None = None
    met_at: datetime | None = None
    thanked_at: datetime | None = None
    reported_back_at: datetime | None = None
    kept_in_touch_at: datetime | None = None
    second_person: str | None = None
    asked_before: str | None = None
    employer_id: int | None = None


def state_of(contact: Contact) -> ContactState:
    return ContactState(
        stage=contact.stage.value,
        requested_at=contact.requested_at,
        second_contact_on=contact.second_contact_on,
        follow_up_on=contact.follow_up_on,
        followed_up_at=contact.followed_up_at,
        meeting_at=contact.meeting_at,
        met_at=contact.met_at,
        thanked_at=contact.thanked_at,
        reported_back_at=contact.reported_back_at,
        kept_in_touch_at=contact.kept_in_touch_at,
        reply_class=None,
        prepare_done=False,
        open_referrals=0,
        nudges_stopped=contact.nudges_stopped,
        replied_at=contact.replied_at,
        replied_on=contact.replied_on,
        meeting_minutes=contact.meeting_minutes,
        referred=contact.referred_by is not None,
        referrer_told_at=contact.referrer_told_at,
    )


def stalls(contacts: list[Contact], now: datetime, holidays: object = None):
    return [
        (s.kind, s.contact.id, s.since, tuple(o.id for o in s.others))
        for s in find_stalls(contacts, now, NY, holidays)  # type: ignore[arg-type]
    ]


# --- replied, no meeting --------------------------------------------------------------------

# Replied Tuesday 1 December 2026: reminders Wednesday 2 and Friday 4 December, 09:00.
REPLIED = Contact(1, Stage.REPLIED, replied_at=ny(2026, 12, 1, 10), replied_on=date(2026, 12, 1))


def test_replied_is_stalled_once_the_second_reminder_is_due():
    assert stalls([REPLIED], ny(2026, 12, 4, 8, 59)) == []
    assert stalls([REPLIED], ny(2026, 12, 4, 9, 0)) == [
        (StallKind.NOT_SCHEDULED, 1, ny(2026, 12, 4, 9, 0), ())
    ]


def test_replied_stall_skips_weekends_and_holidays():
    # Replied Thursday 3 December, Monday 7 a holiday: 4, 8, 9 → Wednesday 9 December.
    contact = dataclasses.replace(
        REPLIED, replied_at=ny(2026, 12, 3, 10), replied_on=date(2026, 12, 3)
    )
    holidays = {date(2026, 12, 7)}
    assert stalls([contact], ny(2026, 12, 9, 8, 59), holidays) == []
    assert stalls([contact], ny(2026, 12, 9, 9, 0), holidays)[0][2] == ny(2026, 12, 9, 9, 0)


@pytest.mark.parametrize("holidays", [None, {date(2026, 12, 3)}])
def test_stalls_begin_exactly_when_the_last_reminder_is_planned(holidays):
    """The digest calls a contact stalled from the moment its last reminder was planned for."""
    referrer = Contact(2, Stage.MET, met_at=ny(2026, 12, 1, 15), meeting_at=ny(2026, 12, 1, 14, 0))
    referral = Contact(3, Stage.REQUESTED, referred_by=2, requested_at=ny(2026, 12, 2, 16))
    waiting = Contact(4, Stage.PLANNED, referred_by=2)
    schedule = schedule_times(state_of(REPLIED), PREFS, holidays)
    referrals = referrals_time(state_of(referrer), PREFS, holidays)
    tell = tell_referrer_time(state_of(referral), PREFS, holidays)
    assert schedule is not None
    assert referrals is not None
    assert tell is not None
    expected = {
        StallKind.NOT_SCHEDULED: schedule[1].planned_for,
        StallKind.REFERRALS_WAITING: referrals.planned_for,
        StallKind.REFERRER_NOT_TOLD: tell.planned_for,
    }
    later = ny(2027, 1, 15, 12, 0)
    found = {
        kind: since
        for kind, _, since, _ in stalls([REPLIED, referrer, referral, waiting], later, holidays)
    }
    assert {kind: found[kind] for kind in expected} == expected
    # And the reminders the planner wants are those very occurrences.
    planned = plan_contact_nudges(state_of(REPLIED), PREFS, later, holidays=holidays)
    assert [(n.kind, n.planned_for) for n in planned][-1] == (
        NudgeKind.SCHEDULE_AGAIN,
        expected[StallKind.NOT_SCHEDULED],
    )


# --- referrals and referrers ----------------------------------------------------------------

# Met Friday 11 December 2026: referrals stalled from Wednesday 16 December, 09:00.
SAM = Contact(10, Stage.THANKED, person="Sam", met_at=ny(2026, 12, 11, 15))
PRIYA = Contact(12, Stage.PLANNED, person="Priya Shah", organization="Fabrikam", referred_by=10)
TOM = Contact(11, Stage.PLANNED, person="Tom Ruiz", organization="Contoso", referred_by=10)


def test_referrals_not_contacted_are_stalled_with_their_names_in_order():
    assert stalls([SAM, PRIYA, TOM], ny(2026, 12, 16, 8, 59)) == []
    assert stalls([SAM, PRIYA, TOM], ny(2026, 12, 16, 9, 0)) == [
        (StallKind.REFERRALS_WAITING, 10, ny(2026, 12, 16, 9, 0), (11, 12))
    ]


def test_contacted_referrals_are_not_waiting_but_their_referrer_must_be_told():
    # Tom's request went out Monday 14 December: tell Sam from Tuesday 15 December 09:00.
    tom = dataclasses.replace(TOM, stage=Stage.REQUESTED, requested_at=ny(2026, 12, 14, 10))
    found = stalls([SAM, PRIYA, tom], ny(2026, 12, 16, 9, 0))
    assert found == [
        (StallKind.REFERRER_NOT_TOLD, 11, ny(2026, 12, 15, 9, 0), (10,)),
        (StallKind.REFERRALS_WAITING, 10, ny(2026, 12, 16, 9, 0), (12,)),
    ]
    told = dataclasses.replace(tom, referrer_told_at=ny(2026, 12, 15, 12))
    assert [kind for kind, *_ in stalls([SAM, PRIYA, told], ny(2026, 12, 16, 9, 0))] == [
        StallKind.REFERRALS_WAITING
    ]
    # A referrer who is no longer among the contacts: still stalled, nobody named.
    assert stalls([tom], ny(2026, 12, 16, 9, 0)) == [
        (StallKind.REFERRER_NOT_TOLD, 11, ny(2026, 12, 15, 9, 0), ())
    ]


def test_referrer_not_told_counts_business_days_from_the_requests_local_date():
    # Sent Friday 23:30 New York (Saturday in UTC): Monday 09:00.
    late = dataclasses.replace(TOM, stage=Stage.REQUESTED, requested_at=ny(2026, 12, 11, 23, 30))
    assert stalls([late], ny(2026, 12, 14, 8, 59)) == []
    assert stalls([late], ny(2026, 12, 14, 9, 0))[0][2] == ny(2026, 12, 14, 9, 0)


# --- no thank-you, no reply -----------------------------------------------------------------


def test_no_thank_you_is_stalled_when_the_24_hours_after_the_end_pass():
    met = Contact(
        5,
        Stage.MET,
        meeting_at=ny(2026, 12, 10, 15),
        meeting_minutes=30,
        met_at=ny(2026, 12, 10, 16),
    )
    deadline = ny(2026, 12, 11, 15, 30)
    assert stalls([met], deadline - timedelta(seconds=1)) == []
    assert stalls([met], deadline) == [(StallKind.NO_THANK_YOU, 5, deadline, ())]
    thanked = dataclasses.replace(met, stage=Stage.THANKED, thanked_at=ny(2026, 12, 12, 9))
    assert stalls([thanked], deadline + timedelta(days=3)) == []


def test_no_reply_is_stalled_when_the_3b7_routine_is_over():
    # Day 7 is Wednesday 9 December; no follow-up logged: 7 business days on, Friday 18.
    waiting = Contact(
        6,
        Stage.REQUESTED,
        requested_at=ny(2026, 11, 30, 10),
        second_contact_on=date(2026, 12, 3),
        follow_up_on=date(2026, 12, 9),
    )
    assert stalls([waiting], ny(2026, 12, 18, 8, 59)) == []
    assert stalls([waiting], ny(2026, 12, 18, 9, 0)) == [
        (StallKind.NO_REPLY, 6, ny(2026, 12, 18, 9, 0), ())
    ]
    # Followed up Thursday 10 December: 7 business days later, Monday 21 (the close reminder).
    followed = dataclasses.replace(waiting, followed_up_at=ny(2026, 12, 10, 11))
    assert stalls([followed], ny(2026, 12, 18, 9, 0)) == []
    assert stalls([followed], ny(2026, 12, 21, 9, 0))[0][2] == ny(2026, 12, 21, 9, 0)
    # A holiday on Monday 14 moves it to Tuesday 22: 11, 15, 16, 17, 18, 21, 22.
    holidays = {date(2026, 12, 14)}
    assert stalls([followed], ny(2026, 12, 21, 9, 0), holidays) == []
    assert stalls([followed], ny(2026, 12, 22, 9, 0), holidays)[0][2] == ny(2026, 12, 22, 9, 0)


@pytest.mark.parametrize(
    "change", [{"stage": Stage.CLOSED}, {"nudges_stopped": True}], ids=["closed", "stopped"]
)
def test_closed_or_stopped_contacts_never_stall(change):
    contacts = [dataclasses.replace(c, **change) for c in (REPLIED, SAM)] + [PRIYA]
    assert stalls(contacts, ny(2027, 1, 15, 12)) == []


def test_stalls_are_listed_oldest_first():
    met = Contact(5, Stage.MET, met_at=ny(2026, 12, 2, 16))  # stalled 12-03 16:00
    found = stalls([REPLIED, met], ny(2026, 12, 7, 9, 0))
    assert [(kind, cid) for kind, cid, *_ in found] == [
        (StallKind.NO_THANK_YOU, 5),
        (StallKind.NOT_SCHEDULED, 1),
    ]


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        find_stalls([REPLIED], datetime(2026, 12, 7, 9), NY)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        digest_contents([REPLIED], datetime(2026, 12, 7, 9), NY)  # noqa: DTZ001


# --- the digest -----------------------------------------------------------------------------


def digest(contacts: list[Contact], now: datetime) -> DigestContents[Contact]:
    return digest_contents(contacts, now, NY)  # type: ignore[type-var]


def test_an_empty_digest_when_nothing_is_due_or_stalled():
    assert digest([], ny(2026, 12, 7, 9)).empty
    # A request with its 3B7 dates more than a week away, a planned contact (no due date).
    fresh = Contact(
        7,
        Stage.REQUESTED,
        requested_at=ny(2026, 12, 7, 8),
        second_contact_on=date(2026, 12, 15),
        follow_up_on=date(2026, 12, 21),
    )
    planned = Contact(8, Stage.PLANNED)
    contents = digest([fresh, planned], ny(2026, 12, 7, 9))
    assert contents.empty
    assert (contents.stalled, contents.overdue, contents.upcoming) == ((), (), ())
    # The same request is due within the week a few days later.
    assert not digest([fresh], ny(2026, 12, 9, 9)).empty


def test_a_stalled_step_is_listed_once_other_steps_still_show():
    # Monday 21 December: Dana (replied 1 December) is stalled, and not listed as overdue
    # too; Sam's referrals are stalled, and his report back is still listed as due.
    now = ny(2026, 12, 21, 9, 0)
    sam = dataclasses.replace(SAM, thanked_at=ny(2026, 12, 11, 20))
    contents = digest([REPLIED, sam, PRIYA], now)
    assert [(s.kind, s.contact.id) for s in contents.stalled] == [
        (StallKind.NOT_SCHEDULED, 1),
        (StallKind.REFERRALS_WAITING, 10),
    ]
    assert [line.contact.id for line in contents.overdue] == []
    # Sam's report back (25 December) is due this week; Priya (planned) has no due date.
    assert [(line.contact.id, line.due) for line in contents.upcoming] == [
        (10, ny(2026, 12, 25, 0, 0))
    ]
    assert "Report back" in contents.upcoming[0].step.text


def test_overdue_and_upcoming_are_sorted_and_stopped_contacts_left_out():
    now = ny(2026, 12, 7, 9, 0)
    overdue = Contact(
        7,
        Stage.REQUESTED,
        requested_at=ny(2026, 11, 20, 10),
        second_contact_on=date(2026, 11, 25),
        follow_up_on=date(2026, 12, 2),
    )
    soon = dataclasses.replace(
        overdue, id=8, second_contact_on=date(2026, 12, 10), follow_up_on=date(2026, 12, 16)
    )
    sooner = dataclasses.replace(soon, id=9, second_contact_on=date(2026, 12, 8))
    stopped = dataclasses.replace(overdue, id=10, nudges_stopped=True)
    contents = digest([soon, stopped, overdue, sooner], now)
    assert [line.contact.id for line in contents.overdue] == [7]
    assert [line.contact.id for line in contents.upcoming] == [9, 8]
    assert contents.stalled == ()


def test_the_same_instant_in_any_zone_gives_the_same_digest():
    assert (
        digest([REPLIED], ny(2026, 12, 4, 9)).stalled
        == digest([REPLIED], ny(2026, 12, 4, 9).astimezone(UTC)).stalled
    )
