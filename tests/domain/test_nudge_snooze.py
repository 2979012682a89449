"""Snoozes that fit: the times a reminder may come back, never past what it is about."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.nudge_kinds import MEETING_KINDS, NudgeKind, StudentPrefs
from bot.domain.nudge_plan import MEETING_LEAD
from bot.domain.nudge_snooze import (
    BUSINESS_DAY_KINDS,
    DEADLINE_KINDS,
    MIN_SNOOZE,
    THANK_YOU_LEAD,
    default_snooze,
    local_moment,
    snooze_choices,
    snooze_deadline,
    snooze_until,
)
from bot.domain.quiet_hours import is_quiet

NEW_YORK = ZoneInfo("America/New_York")
PREFS = StudentPrefs(zone=NEW_YORK, quiet_start=time(21, 0), quiet_end=time(8, 0))


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A New York wall time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def choices(kind: NudgeKind, now: datetime, **about: datetime | None) -> list[tuple[str, datetime]]:
    return [(c.key, c.until) for c in snooze_choices(kind, now, PREFS, **about)]


# --- nothing to pass: one default ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        # Friday morning, business-day kinds (the new scheduling and referrer ones too): Monday.
        (NudgeKind.FOLLOW_UP, ny(2026, 12, 4, 10), ny(2026, 12, 7, 9)),
        (NudgeKind.SCHEDULE, ny(2026, 12, 4, 10), ny(2026, 12, 7, 9)),
        (NudgeKind.SCHEDULE_AGAIN, ny(2026, 12, 4, 10), ny(2026, 12, 7, 9)),
        (NudgeKind.TELL_REFERRER, ny(2026, 12, 4, 10), ny(2026, 12, 7, 9)),
        # Other kinds: the same local time tomorrow.
        (NudgeKind.REPORT_BACK, ny(2026, 12, 5, 10), ny(2026, 12, 6, 10)),
        (NudgeKind.DIGEST, ny(2026, 12, 7, 9), ny(2026, 12, 8, 9)),
        # ... moved past quiet hours: Saturday 22:00 → Sunday 22:00 is quiet → Monday 08:00.
        (NudgeKind.KEEP_WARM, ny(2026, 12, 5, 22), ny(2026, 12, 7, 8)),
        # ... across the end of daylight saving (Sunday 1 November 2026): same wall time,
        # 25 hours later, not 24.
        (NudgeKind.REPORT_BACK, ny(2026, 10, 31, 10), ny(2026, 11, 1, 10)),
    ],
)
def test_a_reminder_with_nothing_to_pass_has_one_default(
    kind: NudgeKind, now: datetime, expected: datetime
):
    (only,) = snooze_choices(kind, now, PREFS)
    assert only.until == expected == snooze_until(kind, now, PREFS)
    assert only == default_snooze(kind, now, PREFS)


def test_dst_default_is_25_hours_when_the_clocks_go_back():
    now = ny(2026, 10, 31, 10)
    assert snooze_until(NudgeKind.REPORT_BACK, now, PREFS) - now == timedelta(hours=25)


def test_business_days_skip_the_servers_holidays():
    thursday = ny(2026, 12, 24, 10)
    until = snooze_until(NudgeKind.REFERRALS, thursday, PREFS, {date(2026, 12, 25)})
    assert until == ny(2026, 12, 28, 9)


def test_without_a_time_zone_it_is_simply_a_day_later():
    now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert snooze_until(NudgeKind.FOLLOW_UP, now, None) == now + timedelta(days=1)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        snooze_choices(NudgeKind.CONFIRM, datetime(2026, 12, 5, 3), PREFS)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        local_moment(datetime(2026, 12, 5, 3), NEW_YORK)  # noqa: DTZ001


# --- meeting reminders: choices that end before the meeting -------------------------------------

MEETING = ny(2026, 12, 8, 10)  # Tuesday 10:00 New York


def test_top_questions_an_hour_before_offers_15_and_5_minutes_before():
    assert choices(NudgeKind.TOP_QUESTIONS, MEETING - timedelta(hours=1), meeting_at=MEETING) == [
        ("before15", ny(2026, 12, 8, 9, 45)),
        ("before5", ny(2026, 12, 8, 9, 55)),
    ]


def test_in_1_hour_is_offered_only_while_that_is_still_before_the_meeting():
    early = MEETING - timedelta(hours=2)
    assert choices(NudgeKind.TOP_QUESTIONS, early, meeting_at=MEETING)[0] == (
        "in1h",
        ny(2026, 12, 8, 9),
    )
    late = MEETING - timedelta(minutes=50)
    assert "in1h" not in dict(choices(NudgeKind.TOP_QUESTIONS, late, meeting_at=MEETING))


def test_confirm_the_day_before_offers_later_that_day_only():
    assert choices(NudgeKind.CONFIRM, ny(2026, 12, 7, 10), meeting_at=MEETING) == [
        ("in1h", ny(2026, 12, 7, 11)),
        ("in3h", ny(2026, 12, 7, 13)),
        ("evening", ny(2026, 12, 7, 18)),
    ]
    # On the meeting day itself (a confirmation held there), no "this evening", even for an
    # evening meeting: that would be the old "2 hours before".
    late_meeting = ny(2026, 12, 8, 20)
    held = choices(NudgeKind.CONFIRM, ny(2026, 12, 8, 8), meeting_at=late_meeting)
    assert held == [("in1h", ny(2026, 12, 8, 9)), ("in3h", ny(2026, 12, 8, 11))]
    # After 18:00 the evening has come: an hour later (22:00 is in quiet hours).
    assert choices(NudgeKind.CONFIRM, ny(2026, 12, 7, 19), meeting_at=MEETING) == [
        ("in1h", ny(2026, 12, 7, 20)),
    ]


def test_prepare_three_days_before_offers_tomorrow_and_the_day_before():
    assert choices(NudgeKind.PREPARE, ny(2026, 12, 5, 10), meeting_at=MEETING) == [
        ("in1h", ny(2026, 12, 5, 11)),
        ("in3h", ny(2026, 12, 5, 13)),
        ("tomorrow", ny(2026, 12, 6, 10)),
        ("daybefore", ny(2026, 12, 7, 10)),
    ]


def test_the_day_before_is_a_local_day_across_a_dst_change():
    meeting = ny(2026, 11, 1, 10)  # Sunday 10:00 EST, the day the clocks went back
    found = dict(choices(NudgeKind.PREPARE, ny(2026, 10, 29, 10), meeting_at=meeting))
    assert found["daybefore"] == ny(2026, 10, 31, 10)  # Saturday 10:00 EDT
    assert meeting - found["daybefore"] == timedelta(hours=25)


def test_quiet_hours_leave_no_time_before_an_early_meeting():
    meeting = ny(2026, 12, 8, 7, 30)  # before quiet hours end at 08:00
    sent = ny(2026, 12, 7, 20, 45)  # the reminder went out before quiet hours began
    assert choices(NudgeKind.TOP_QUESTIONS, sent, meeting_at=meeting) == []
    # Confirming needs 2 hours' lead (05:30): "In 1 hour" and "In 3 hours" are quiet.
    assert choices(NudgeKind.CONFIRM, sent, meeting_at=meeting) == []


def test_no_choice_once_the_meeting_has_started_or_without_a_meeting():
    assert choices(NudgeKind.TOP_QUESTIONS, MEETING, meeting_at=MEETING) == []
    assert choices(NudgeKind.CONFIRM, MEETING + timedelta(minutes=1), meeting_at=MEETING) == []
    assert choices(NudgeKind.CONFIRM, MEETING - timedelta(days=1), meeting_at=None) == []


@pytest.mark.parametrize("kind", sorted(MEETING_KINDS))
def test_no_meeting_snooze_passes_the_meeting_or_lands_in_quiet_hours(kind: NudgeKind):
    """Every 10 minutes over the four days before a meeting, in a zone with a DST change."""
    meeting = ny(2026, 11, 2, 9, 30)  # Monday after the clocks went back
    now = meeting - timedelta(days=4)
    while now < meeting:
        offered = snooze_choices(kind, now, PREFS, meeting_at=meeting)
        for choice in offered:
            assert choice.until < meeting
            assert choice.until <= meeting - MEETING_LEAD[kind]
            assert choice.until - now >= MIN_SNOOZE
            assert not is_quiet(choice.until, PREFS)
            assert choice.until.tzinfo is UTC
        assert [c.until for c in offered] == sorted(c.until for c in offered)
        assert len(offered) <= 4
        now += timedelta(minutes=10)


# --- thank-you reminders: inside the 24 hours ----------------------------------------------------

MET = ny(2026, 12, 9, 14, 30)  # Wednesday 14:30 New York; the 24 hours end Thursday 14:30


def test_thank_you_three_hours_after_the_meeting():
    assert choices(NudgeKind.THANK_YOU, MET + timedelta(hours=3), met_at=MET) == [
        ("in1h", ny(2026, 12, 9, 18, 30)),
        ("in3h", ny(2026, 12, 9, 20, 30)),
        ("morning", ny(2026, 12, 10, 9)),
        ("lastcall", ny(2026, 12, 10, 12, 30)),
    ]


def test_thank_you_late_evening_skips_quiet_hours():
    assert choices(NudgeKind.THANK_YOU_AGAIN, ny(2026, 12, 9, 20, 30), met_at=MET) == [
        ("morning", ny(2026, 12, 10, 9)),
        ("lastcall", ny(2026, 12, 10, 12, 30)),
    ]


def test_thank_you_in_its_last_hour_cannot_be_snoozed():
    assert choices(NudgeKind.THANK_YOU, ny(2026, 12, 10, 13, 45), met_at=MET) == []


def test_thank_you_after_the_24_hours_comes_back_tomorrow_like_the_rest():
    late = ny(2026, 12, 11, 10)
    assert choices(NudgeKind.THANK_YOU_AGAIN, late, met_at=MET) == [("day", ny(2026, 12, 12, 10))]


def test_every_thank_you_choice_ends_before_the_window_closes():
    now = MET
    while now < MET + timedelta(hours=24):
        for choice in snooze_choices(NudgeKind.THANK_YOU, now, PREFS, met_at=MET):
            assert choice.until <= MET + timedelta(hours=24) - THANK_YOU_LEAD
            assert not is_quiet(choice.until, PREFS)
        now += timedelta(minutes=10)


def test_the_deadline_of_each_kind():
    assert snooze_deadline(NudgeKind.CONFIRM, meeting_at=MEETING, met_at=None) == MEETING
    assert snooze_deadline(NudgeKind.THANK_YOU, meeting_at=None, met_at=MET) == MET + timedelta(
        hours=24
    )
    for kind in BUSINESS_DAY_KINDS:
        assert snooze_deadline(kind, meeting_at=MEETING, met_at=MET) is None
    assert MEETING_KINDS | {NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN} == DEADLINE_KINDS


def test_local_moment_reads_like_a_person_writes_it():
    assert local_moment(ny(2026, 12, 8, 9), NEW_YORK) == (
        "Tuesday 8 December, 09:00 (America/New_York)"
    )
    assert local_moment(datetime(2026, 12, 8, 14, 5, tzinfo=UTC), None) == (
        "Tuesday 8 December, 14:05 (UTC)"
    )
