"""Next-step rules for every stage, at and around each boundary."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.contacts import Stage
from bot.domain.funnel import funnel
from bot.domain.next_step import (
    NextStep,
    last_touch,
    meeting_end,
    next_step,
    talking_colleague,
    thank_you_deadline,
    touch_too_soon,
)

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Contact:
    stage: Stage
    person: str = "Ada"
    organization: str = "Acme"
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


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def step(contact: Contact, now: datetime, zone: ZoneInfo = NEW_YORK) -> NextStep | None:
    return next_step(contact, now, zone)


def test_closed_has_no_next_step():
    assert step(Contact(Stage.CLOSED), ny(2026, 12, 1, 9)) is None


def test_planned_means_send_the_request_with_no_due_date():
    result = step(Contact(Stage.PLANNED), ny(2026, 12, 1, 9))
    assert result is not None
    assert "send" in result.text
    assert "/request sent" in result.text
    assert (result.due_on, result.due_at, result.overdue) == (None, None, False)


REQUESTED = Contact(
    Stage.REQUESTED, second_contact_on=date(2026, 12, 3), follow_up_on=date(2026, 12, 9)
)


@pytest.mark.parametrize(
    ("local_now", "needle", "due", "overdue"),
    [
        (ny(2026, 12, 2, 23, 59), "Wait for a reply", date(2026, 12, 3), False),  # day 2
        (ny(2026, 12, 3, 0, 0), "contact a second person at Acme", date(2026, 12, 9), False),
        (ny(2026, 12, 8, 23, 59), "contact a second person", date(2026, 12, 9), False),
        (ny(2026, 12, 9, 0, 0), "one short follow-up", date(2026, 12, 9), False),  # day 7
        (ny(2026, 12, 9, 23, 59), "one short follow-up", date(2026, 12, 9), False),
        (ny(2026, 12, 10, 0, 0), "move on", date(2026, 12, 9), True),  # after day 7
    ],
)
def test_requested_follows_the_3b7_routine(local_now, needle, due, overdue):
    result = step(REQUESTED, local_now)
    assert result is not None
    assert needle in result.text
    assert (result.due_on, result.due_at, result.overdue) == (due, None, overdue)


@pytest.mark.parametrize(
    ("local_now", "text", "due"),
    [
        (
            ny(2026, 12, 2, 23, 59),
            "Wait for a reply (you have Ben at Acme too); if none by then, send Ada one short "
            "follow-up",
            date(2026, 12, 9),
        ),
        (
            ny(2026, 12, 3, 9, 0),
            "Wait for a reply (you have Ben at Acme too); if none by then, send Ada one short "
            "follow-up",
            date(2026, 12, 9),
        ),
        (
            ny(2026, 12, 9, 9, 0),
            "Send Ada one short follow-up; if there is still no reply, close the contact "
            "(/followup close, no reply) and move on to the next employer",
            date(2026, 12, 9),
        ),
    ],
)
def test_a_second_person_at_the_employer_makes_the_3b_step_done(local_now, text, due):
    """Issue 11: with Ben added at Acme after Ada's request, /progress and the digest never say
    "contact a second person" for Ada; the next thing is the 7B follow-up."""
    result = step(dataclasses.replace(REQUESTED, second_person="Ben"), local_now)
    assert result is not None
    assert result.text == text
    assert (result.due_on, result.overdue) == (due, False)


@pytest.mark.parametrize(
    ("local_now", "text", "due"),
    [
        (
            ny(2026, 12, 2, 12, 0),
            "Wait for a reply; if none by then, try another person at Acme or the next "
            "employer in your top five",
            date(2026, 12, 3),
        ),
        (
            ny(2026, 12, 3, 9, 0),
            "No reply yet: try another person at Acme, or move on to the next employer in "
            "your top five; if Ada still hasn't replied by then, send one short follow-up",
            date(2026, 12, 9),
        ),
    ],
)
def test_a_later_person_at_the_employer_is_never_told_to_find_a_second_person(local_now, text, due):
    result = step(dataclasses.replace(REQUESTED, asked_before="Dana"), local_now)
    assert result is not None
    assert result.text == text
    assert "second person" not in result.text
    assert result.due_on == due


def test_after_the_follow_up_wait_7_more_business_days_then_close():
    contact = Contact(
        Stage.REQUESTED,
        second_contact_on=date(2026, 12, 3),
        follow_up_on=date(2026, 12, 9),
        followed_up_at=ny(2026, 12, 9, 16, 0),  # Wednesday → 7 business days: Fri 18 Dec
    )
    waiting = step(contact, ny(2026, 12, 17, 23, 0))
    assert "reply to your follow-up" in waiting.text
    assert (waiting.due_on, waiting.overdue) == (date(2026, 12, 18), False)
    on_day = step(contact, ny(2026, 12, 18, 9, 0))
    assert "close the contact" in on_day.text
    assert (on_day.due_on, on_day.overdue) == (date(2026, 12, 18), False)
    assert step(contact, ny(2026, 12, 19, 9, 0)).overdue is True


def test_requested_dates_are_judged_in_the_students_zone():
    # 2026-12-02 20:00 in New York is already 2026-12-03 in Tokyo: day 3 there.
    now = ny(2026, 12, 2, 20, 0)
    assert "Wait" in step(REQUESTED, now, NEW_YORK).text
    assert "second person" in step(REQUESTED, now, TOKYO).text


def test_requested_without_stored_dates_just_waits():
    result = step(Contact(Stage.REQUESTED), ny(2026, 12, 1, 9))
    assert result is not None
    assert "/request reply" in result.text
    assert result.due_on is None


def test_replied_means_offer_two_or_three_times():
    result = step(Contact(Stage.REPLIED), ny(2026, 12, 1, 9))
    assert result is not None
    assert result.text == (
        "Offer Ada two or three times that suit you (in their time zone too); once you agree "
        "on one, schedule it with /prepare schedule"
    )
    assert (result.due_on, result.due_at, result.overdue) == (None, None, False)


# Replied Friday 27 November 2026: the next business day is Monday 30 November.
REPLIED = Contact(Stage.REPLIED, replied_at=ny(2026, 11, 27, 16, 0), replied_on=date(2026, 11, 27))


@pytest.mark.parametrize(
    ("local_now", "overdue"),
    [(ny(2026, 11, 28, 10, 0), False), (ny(2026, 11, 30, 23, 59), False), (ny(2026, 12, 1), True)],
)
def test_replied_is_due_the_next_business_day(local_now, overdue):
    result = step(REPLIED, local_now)
    assert "two or three times" in result.text
    assert (result.due_on, result.overdue) == (date(2026, 11, 30), overdue)


def test_replied_skips_the_servers_holidays():
    holidays = {date(2026, 11, 30)}
    result = next_step(REPLIED, ny(2026, 11, 28, 10, 0), NEW_YORK, holidays=holidays)
    assert result is not None
    assert result.due_on == date(2026, 12, 1)


def test_replied_without_a_stored_date_uses_the_local_date_of_the_reply():
    # Thursday 23:30 in New York is already Friday in Tokyo: the next business day is
    # Friday in New York, Monday in Tokyo.
    contact = Contact(Stage.REPLIED, replied_at=ny(2026, 11, 26, 23, 30))
    assert step(contact, ny(2026, 11, 26, 23, 45)).due_on == date(2026, 11, 27)
    assert step(contact, ny(2026, 11, 26, 23, 45), TOKYO).due_on == date(2026, 11, 30)


MEETING = ny(2026, 12, 10, 14, 0)
SCHEDULED = Contact(Stage.SCHEDULED, meeting_at=MEETING, meeting_minutes=30)


@pytest.mark.parametrize(
    ("now", "needle", "due_at", "overdue"),
    [
        (ny(2026, 12, 8, 23, 59), "Prepare your questions", MEETING, False),
        (ny(2026, 12, 9, 0, 0), "Confirm the time and time zone", MEETING, False),  # day before
        (MEETING - timedelta(seconds=1), "Confirm", MEETING, False),
        (MEETING, "on now", MEETING + timedelta(minutes=30), False),
        (MEETING + timedelta(minutes=29), "on now", MEETING + timedelta(minutes=30), False),
        (MEETING + timedelta(minutes=30), "/interview", MEETING + timedelta(minutes=30), True),
    ],
)
def test_scheduled_prepares_confirms_then_asks_to_log_the_meeting(now, needle, due_at, overdue):
    result = step(SCHEDULED, now)
    assert needle in result.text
    assert (result.due_on, result.due_at, result.overdue) == (None, due_at, overdue)


@pytest.mark.parametrize(
    ("now", "ready", "text"),
    [
        (
            ny(2026, 12, 8, 9),
            True,
            "Your questions are ready: finish /prepare checklist and confirm with Ada the day "
            "before, time zone included",
        ),
        (
            ny(2026, 12, 8, 9),
            False,
            "Prepare your questions (/prepare questions) and confirm with Ada the day before, "
            "time zone included",
        ),
        (
            ny(2026, 12, 9, 9),
            True,
            "Confirm the time and time zone with Ada; your questions are ready",
        ),
        (
            ny(2026, 12, 9, 9),
            False,
            "Confirm the time and time zone with Ada; have your questions ready "
            "(/prepare questions)",
        ),
    ],
)
def test_a_coming_meeting_asks_only_for_what_is_missing(now: datetime, ready: bool, text: str):
    result = next_step(SCHEDULED, now, NEW_YORK, questions_ready=ready)
    assert result is not None
    assert result.text == text


def test_scheduled_meeting_length_defaults_to_20_minutes_and_time_may_be_missing():
    contact = Contact(Stage.SCHEDULED, meeting_at=MEETING)
    assert step(contact, MEETING + timedelta(minutes=19)).overdue is False
    assert step(contact, MEETING + timedelta(minutes=20)).overdue is True
    unscheduled = step(Contact(Stage.SCHEDULED), MEETING)
    assert "/prepare" in unscheduled.text
    assert unscheduled.due_at is None


MET_AT = datetime(2026, 12, 10, 19, 30, tzinfo=UTC)


def test_met_means_thank_you_within_24_hours():
    contact = Contact(Stage.MET, met_at=MET_AT)
    deadline = MET_AT + timedelta(hours=24)
    on_time = step(contact, deadline)
    assert on_time.text == "Send your thank-you, naming one specific takeaway (/followup thank-you)"
    assert (on_time.due_at, on_time.overdue) == (deadline, False)
    late = step(contact, deadline + timedelta(seconds=1))
    assert late.text == (
        "Send your thank-you today anyway: a late one beats none (/followup thank-you)"
    )
    assert (late.due_at, late.overdue) == (deadline, True)
    unknown = step(Contact(Stage.MET), deadline)
    assert unknown.due_at is None
    assert not unknown.overdue


def test_the_thank_you_window_runs_from_the_end_of_the_scheduled_meeting():
    # Met 14:00–14:30 New York, logged at 16:00: the 24 hours end at 14:30 the next day.
    contact = Contact(
        Stage.MET,
        meeting_at=ny(2026, 12, 10, 14, 0),
        meeting_minutes=30,
        met_at=ny(2026, 12, 10, 16),
    )
    assert step(contact, ny(2026, 12, 10, 17)).due_at == ny(2026, 12, 11, 14, 30)
    # Without a length, the default 20 minutes.
    default = Contact(Stage.MET, meeting_at=ny(2026, 12, 10, 14, 0), met_at=ny(2026, 12, 10, 16))
    assert step(default, ny(2026, 12, 10, 17)).due_at == ny(2026, 12, 11, 14, 20)


def test_a_meeting_logged_before_its_scheduled_time_counts_from_the_log():
    contact = Contact(
        Stage.MET, meeting_at=ny(2026, 12, 10, 14, 0), meeting_minutes=30, met_at=ny(2026, 12, 9, 9)
    )
    assert step(contact, ny(2026, 12, 9, 10)).due_at == ny(2026, 12, 10, 9, 0)


def test_meeting_end_and_thank_you_deadline():
    start = ny(2026, 12, 10, 14, 0)
    assert meeting_end(start, 45, start + timedelta(hours=2)) == start + timedelta(minutes=45)
    assert meeting_end(start, None, None) == start + timedelta(minutes=20)
    assert meeting_end(None, 30, start) == start
    assert meeting_end(start, 30, start - timedelta(minutes=1)) == start - timedelta(minutes=1)
    assert meeting_end(None, None, None) is None
    assert thank_you_deadline(start, 30, None) is None
    assert thank_you_deadline(start, 30, start) == start + timedelta(hours=24, minutes=30)


def test_thanked_means_report_back_two_weeks_after_the_meeting():
    contact = Contact(Stage.THANKED, met_at=MET_AT, thanked_at=MET_AT + timedelta(hours=3))
    due = date(2026, 12, 24)  # met 10 Dec (14:30 in New York) + 14 days
    on_day = step(contact, ny(2026, 12, 24, 23, 59))
    assert "Report back" in on_day.text
    assert (on_day.due_on, on_day.overdue) == (due, False)
    assert step(contact, ny(2026, 12, 25, 0, 0)).overdue is True
    assert next_step(contact, ny(2026, 12, 20, 9), NEW_YORK, report_back_days=7).overdue is True


def test_thanked_without_a_meeting_date_counts_from_the_thank_you():
    contact = Contact(Stage.THANKED, thanked_at=ny(2026, 12, 1, 10))
    assert step(contact, ny(2026, 12, 2, 9)).due_on == date(2026, 12, 15)
    assert step(Contact(Stage.THANKED), ny(2026, 12, 2, 9)).due_on is None


def test_thanked_and_reported_back_means_keep_in_touch():
    contact = Contact(
        Stage.THANKED, met_at=MET_AT, thanked_at=MET_AT, reported_back_at=ny(2026, 12, 20, 9)
    )
    result = step(contact, ny(2026, 12, 21, 9))
    assert "Keep in touch" in result.text
    assert result.due_on == date(2026, 12, 20) + timedelta(days=120)


def test_keeping_in_touch_every_120_days_after_the_latest_touch():
    last = ny(2027, 1, 5, 9)
    contact = Contact(
        Stage.KEEPING_IN_TOUCH, reported_back_at=ny(2026, 12, 20, 9), kept_in_touch_at=last
    )
    due = date(2027, 5, 5)
    assert date(2027, 1, 5) + timedelta(days=120) == due
    on_day = step(contact, ny(2027, 5, 5, 12))
    assert (on_day.due_on, on_day.overdue) == (due, False)
    assert step(contact, ny(2027, 5, 6, 0)).overdue is True
    assert last_touch(contact) == last
    only_report = Contact(Stage.KEEPING_IN_TOUCH, reported_back_at=ny(2026, 12, 20, 9))
    assert step(only_report, ny(2027, 1, 1)).due_on == date(2027, 4, 19)
    assert step(Contact(Stage.KEEPING_IN_TOUCH), ny(2027, 1, 1)).due_on is None


def test_touches_closer_than_90_days_are_too_soon():
    previous = ny(2027, 1, 1, 9)
    assert touch_too_soon(None, previous) is False
    assert touch_too_soon(previous, previous + timedelta(days=89)) is True
    assert touch_too_soon(previous, previous + timedelta(days=90)) is False
    assert touch_too_soon(previous, previous - timedelta(days=10)) is True


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        next_step(Contact(Stage.PLANNED), datetime(2026, 12, 1), NEW_YORK)  # noqa: DTZ001


def test_due_instant_orders_dates_and_instants_together():
    by_date = NextStep("x", due_on=date(2026, 12, 3))
    assert by_date.due_instant(NEW_YORK) == ny(2026, 12, 3, 0, 0)
    assert NextStep("x", due_at=MET_AT).due_instant(NEW_YORK) == MET_AT
    assert NextStep("x").due_instant(NEW_YORK) is None


def test_funnel_counts_current_stages_and_how_far_each_contact_got():
    rows = funnel(
        [
            (Stage.PLANNED, None),
            (Stage.REQUESTED, None),
            (Stage.MET, None),
            (Stage.CLOSED, Stage.REQUESTED),
            (Stage.CLOSED, None),
        ]
    )
    table = {row.stage: (row.current, row.reached) for row in rows}
    assert [row.stage for row in rows][-1] is Stage.CLOSED
    assert table[Stage.PLANNED] == (1, 5)
    assert table[Stage.REQUESTED] == (1, 3)
    assert table[Stage.REPLIED] == (0, 1)
    assert table[Stage.MET] == (1, 1)
    assert table[Stage.THANKED] == (0, 0)
    assert table[Stage.CLOSED] == (2, None)


@pytest.mark.parametrize("local_now", [ny(2026, 11, 30, 10, 0), ny(2026, 12, 4, 10, 0)])
def test_a_later_person_with_a_colleague_talking_is_told_to_move_on_not_try_another(
    local_now: datetime,
):
    """One 3B rule with the reminder: someone else at the employer replied, so no one else
    is needed there: before and after the 3B day."""
    later = dataclasses.replace(REQUESTED, asked_before="Dana")
    result = next_step(later, local_now, NEW_YORK, talking_with="Dana")
    assert result is not None
    assert "you're already talking with Dana at Acme" in result.text
    assert "move on to the next employer in your top five" in result.text
    assert "try another person" not in result.text


def test_the_talking_colleague_is_the_first_open_one_who_replied():
    assert talking_colleague([_Staged(Stage.REQUESTED), _Staged(Stage.CLOSED)]) is None
    talking = _Staged(Stage.SCHEDULED)
    assert talking_colleague([_Staged(Stage.PLANNED), talking, _Staged(Stage.MET)]) is talking


@dataclass(frozen=True)
class _Staged:
    stage: Stage
