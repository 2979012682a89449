from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.domain.nudge_plan import (
    KEEP_WARM_DAYS,
    MEETING_KINDS,
    THANK_YOU_KINDS,
    ContactState,
    NudgeKind,
    PlannedNudge,
    StudentPrefs,
    is_stale,
    meeting_reminder_time,
    nudge_time_on,
    plan_contact_nudges,
    plan_digest,
)
from bot.domain.three_b_seven import outreach_dates

NY = ZoneInfo("America/New_York")
PREFS = StudentPrefs(zone=NY)  # quiet 21:00–08:00, digest on Monday
NO_QUIET = StudentPrefs(zone=NY, quiet_start=time(0, 0), quiet_end=time(0, 0))
US_2026 = holidays.country_holidays("US", years=2026)

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tuesday 12:00 in New York
MEETING = datetime(2026, 12, 10, 15, 0, tzinfo=NY)  # Thursday 15:00 EST = 20:00 UTC
MET = datetime(2026, 12, 11, 15, 0, tzinfo=NY)  # Friday 15:00 EST = 20:00 UTC


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def _state(stage: str = "planned", **changes: object) -> ContactState:
    base = ContactState(
        stage=stage,
        requested_at=None,
        second_contact_on=None,
        follow_up_on=None,
        followed_up_at=None,
        meeting_at=None,
        met_at=None,
        thanked_at=None,
        reported_back_at=None,
        kept_in_touch_at=None,
        reply_class=None,
        prepare_done=False,
        open_referrals=0,
        nudges_stopped=False,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _plan(
    state: ContactState,
    now: datetime = NOW,
    prefs: StudentPrefs = PREFS,
    **options: object,
) -> dict[NudgeKind, PlannedNudge]:
    planned = plan_contact_nudges(state, prefs, now, **options)  # type: ignore[arg-type]
    by_kind = {nudge.kind: nudge for nudge in planned}
    assert len(by_kind) == len(planned), "one occurrence per kind"
    for nudge in planned:
        assert nudge.due_at.tzinfo is UTC
        assert nudge.planned_for.tzinfo is UTC
        pulled_earlier_kinds = MEETING_KINDS | THANK_YOU_KINDS
        assert nudge.due_at >= nudge.planned_for or nudge.kind in pulled_earlier_kinds
    return by_kind


def _due(state: ContactState, kind: NudgeKind, now: datetime = NOW, **kw: object) -> datetime:
    return _plan(state, now, **kw)[kind].due_at  # type: ignore[arg-type]


# --- request sent, no reply (3B7) -------------------------------------------------------


def _requested(sent_at: datetime, holidays_: object = None, **changes: object) -> ContactState:
    dates = outreach_dates(sent_at, NY, holidays_)  # type: ignore[arg-type]
    return _state(
        "requested",
        requested_at=sent_at,
        second_contact_on=dates.second_contact_on,
        follow_up_on=dates.follow_up_on,
        **changes,
    )


FRIDAY_AFTERNOON = _ny(2026, 11, 27, 14, 30)


def test_friday_afternoon_send_nudges_on_thursday_and_next_wednesday_at_nine() -> None:
    plan = _plan(_requested(FRIDAY_AFTERNOON), now=FRIDAY_AFTERNOON)
    assert set(plan) == {NudgeKind.SECOND_CONTACT, NudgeKind.FOLLOW_UP}
    # Counting starts Monday 11-30: day 3 is Thursday 12-03, day 7 Wednesday 12-09, 09:00 EST.
    assert plan[NudgeKind.SECOND_CONTACT].due_at == _utc(2026, 12, 3, 14, 0)
    assert plan[NudgeKind.FOLLOW_UP].due_at == _utc(2026, 12, 9, 14, 0)
    assert plan[NudgeKind.SECOND_CONTACT].planned_for == _utc(2026, 12, 3, 14, 0)


def test_outreach_dates_with_a_holiday_calendar_flow_through() -> None:
    # Sent Friday 11-20 morning: day 0 that Friday; Thanksgiving (11-26) is skipped.
    state = _requested(_ny(2026, 11, 20, 10, 0), US_2026)
    plan = _plan(state, now=_ny(2026, 11, 20, 10, 0))
    assert plan[NudgeKind.SECOND_CONTACT].due_at == _utc(2026, 11, 25, 14, 0)
    assert plan[NudgeKind.FOLLOW_UP].due_at == _utc(2026, 12, 2, 14, 0)


def test_overdue_no_reply_nudges_stay_planned_at_their_own_time() -> None:
    much_later = _utc(2027, 1, 15, 12, 0)
    plan = _plan(_requested(FRIDAY_AFTERNOON), now=much_later)
    assert plan[NudgeKind.SECOND_CONTACT].due_at == _utc(2026, 12, 3, 14, 0)
    assert plan[NudgeKind.FOLLOW_UP].due_at == _utc(2026, 12, 9, 14, 0)


def test_business_day_nudges_wait_past_quiet_hours_covering_nine() -> None:
    late_riser = StudentPrefs(zone=NY, quiet_start=time(22, 0), quiet_end=time(10, 0))
    plan = _plan(_requested(FRIDAY_AFTERNOON), prefs=late_riser)
    assert plan[NudgeKind.SECOND_CONTACT].planned_for == _utc(2026, 12, 3, 14, 0)
    assert plan[NudgeKind.SECOND_CONTACT].due_at == _utc(2026, 12, 3, 15, 0)


@pytest.mark.parametrize("stage", ["planned", "replied", "scheduled", "met"])
def test_no_reply_nudges_need_the_requested_stage(stage: str) -> None:
    dates = outreach_dates(FRIDAY_AFTERNOON, NY)
    state = _state(
        stage,
        second_contact_on=dates.second_contact_on,
        follow_up_on=dates.follow_up_on,
        followed_up_at=_ny(2026, 12, 9, 15, 0),
    )
    plan = _plan(state)
    assert not {NudgeKind.SECOND_CONTACT, NudgeKind.FOLLOW_UP, NudgeKind.CLOSE_NO_REPLY} & set(plan)


def test_follow_up_logged_replaces_follow_up_with_close_seven_business_days_later() -> None:
    # Followed up Wednesday 12-09: 10, 11, (weekend), 14, 15, 16, 17, 18 → Friday 12-18.
    state = _requested(FRIDAY_AFTERNOON, followed_up_at=_ny(2026, 12, 9, 15, 0))
    plan = _plan(state)
    assert NudgeKind.FOLLOW_UP not in plan
    assert plan[NudgeKind.CLOSE_NO_REPLY].due_at == _utc(2026, 12, 18, 14, 0)
    assert NudgeKind.SECOND_CONTACT in plan  # its own occurrence, unaffected


def test_close_no_reply_counts_from_the_local_date_of_the_follow_up() -> None:
    # 22:00 EST Wednesday is already Thursday in UTC; the local date (Wednesday) counts.
    state = _requested(FRIDAY_AFTERNOON, followed_up_at=_ny(2026, 12, 9, 22, 0))
    assert _due(state, NudgeKind.CLOSE_NO_REPLY) == _utc(2026, 12, 18, 14, 0)


def test_close_no_reply_skips_holidays_from_a_set() -> None:
    state = _requested(FRIDAY_AFTERNOON, followed_up_at=_ny(2026, 12, 9, 15, 0))
    due = _due(state, NudgeKind.CLOSE_NO_REPLY, holidays={date(2026, 12, 14)})
    assert due == _utc(2026, 12, 21, 14, 0)  # Monday 12-21


def test_close_no_reply_skips_us_holidays() -> None:
    # Followed up Friday 11-20: 23, 24, 25, (Thanksgiving 26), 27, 30, 12-01, 12-02.
    state = _requested(_ny(2026, 11, 9, 10, 0), followed_up_at=_ny(2026, 11, 20, 11, 0))
    assert _due(state, NudgeKind.CLOSE_NO_REPLY, holidays=US_2026) == _utc(2026, 12, 2, 14, 0)
    assert _due(state, NudgeKind.CLOSE_NO_REPLY) == _utc(2026, 12, 1, 14, 0)


# --- meeting scheduled ------------------------------------------------------------------


def _scheduled(meeting_at: datetime = MEETING, **changes: object) -> ContactState:
    return _state("scheduled", meeting_at=meeting_at, **changes)


def test_meeting_reminders_three_days_one_day_and_one_hour_before() -> None:
    plan = _plan(_scheduled())
    assert list(plan) == [NudgeKind.PREPARE, NudgeKind.CONFIRM, NudgeKind.TOP_QUESTIONS]
    assert plan[NudgeKind.PREPARE].due_at == _utc(2026, 12, 7, 20, 0)
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2026, 12, 9, 20, 0)
    assert plan[NudgeKind.TOP_QUESTIONS].due_at == _utc(2026, 12, 10, 19, 0)


def test_prepare_disappears_once_the_checklist_is_done() -> None:
    plan = _plan(_scheduled(prepare_done=True))
    assert set(plan) == {NudgeKind.CONFIRM, NudgeKind.TOP_QUESTIONS}


@pytest.mark.parametrize("stage", ["replied", "met", "thanked"])
def test_meeting_reminders_need_the_scheduled_stage(stage: str) -> None:
    assert not MEETING_KINDS & set(_plan(_state(stage, meeting_at=MEETING)))


def test_no_meeting_reminders_without_a_meeting_or_once_it_started() -> None:
    assert _plan(_state("scheduled")) == {}
    assert _plan(_scheduled(), now=MEETING) == {}
    assert _plan(_scheduled(), now=MEETING + timedelta(minutes=5)) == {}


def test_late_scheduling_makes_prepare_due_now() -> None:
    now = _ny(2026, 12, 8, 12, 0)  # the meeting is two days and three hours away
    plan = _plan(_scheduled(), now=now)
    assert plan[NudgeKind.PREPARE].due_at == now
    assert plan[NudgeKind.PREPARE].planned_for == _utc(2026, 12, 7, 20, 0)  # stable occurrence
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2026, 12, 9, 20, 0)


def test_late_reminder_planned_in_quiet_hours_waits_for_the_morning() -> None:
    now = _ny(2026, 12, 8, 23, 0)
    assert _due(_scheduled(), NudgeKind.PREPARE, now) == _utc(2026, 12, 9, 13, 0)  # 08:00


def test_prepare_is_skipped_in_the_last_hour_and_confirm_in_the_last_two() -> None:
    plan = _plan(_scheduled(), now=MEETING - timedelta(hours=3))
    assert {k: n.due_at for k, n in plan.items()} == {
        NudgeKind.PREPARE: MEETING - timedelta(hours=3),
        NudgeKind.CONFIRM: MEETING - timedelta(hours=3),
        NudgeKind.TOP_QUESTIONS: MEETING - timedelta(hours=1),
    }
    plan = _plan(_scheduled(), now=MEETING - timedelta(minutes=90))
    assert set(plan) == {NudgeKind.PREPARE, NudgeKind.TOP_QUESTIONS}
    plan = _plan(_scheduled(), now=MEETING - timedelta(hours=1))  # the boundary still counts
    assert set(plan) == {NudgeKind.PREPARE, NudgeKind.TOP_QUESTIONS}
    now = MEETING - timedelta(minutes=50)
    plan = _plan(_scheduled(), now=now)
    assert set(plan) == {NudgeKind.TOP_QUESTIONS}
    assert plan[NudgeKind.TOP_QUESTIONS].due_at == now


def test_meeting_reminders_never_due_before_now_nor_after_the_start() -> None:
    long_nights = StudentPrefs(zone=NY, quiet_start=time(20, 0), quiet_end=time(10, 0))
    for minutes in range(0, 4 * 24 * 60, 37):
        now = MEETING - timedelta(minutes=minutes)
        for nudge in plan_contact_nudges(_scheduled(), long_nights, now):
            assert now <= nudge.due_at < MEETING


def test_top_questions_before_an_early_meeting_is_pulled_to_the_evening_before() -> None:
    meeting = _ny(2026, 12, 10, 8, 0)  # 1 h before is 07:00, quiet until 08:00 = the start
    plan = _plan(_scheduled(meeting))
    assert plan[NudgeKind.TOP_QUESTIONS].planned_for == _utc(2026, 12, 10, 12, 0)
    assert plan[NudgeKind.TOP_QUESTIONS].due_at == _ny(2026, 12, 9, 20, 45)


def test_top_questions_deferred_when_the_end_of_quiet_hours_is_still_before_the_meeting() -> None:
    meeting = _ny(2026, 12, 10, 8, 30)
    assert _due(_scheduled(meeting), NudgeKind.TOP_QUESTIONS) == _ny(2026, 12, 10, 8, 0)


def test_pulled_earlier_reminder_already_past_is_due_now() -> None:
    meeting = _ny(2026, 12, 10, 8, 0)
    now = _ny(2026, 12, 9, 22, 0)  # scheduled late at night, in quiet hours
    plan = _plan(_scheduled(meeting), now=now)
    assert {k: n.due_at for k, n in plan.items()} == {
        NudgeKind.PREPARE: now,
        NudgeKind.CONFIRM: now,
        NudgeKind.TOP_QUESTIONS: now,
    }


def test_confirm_is_the_same_wall_time_a_day_before_across_fall_back() -> None:
    meeting = _ny(2026, 11, 1, 10, 0)  # Sunday 10:00 EST = 15:00 UTC
    plan = _plan(_scheduled(meeting), now=_utc(2026, 10, 20, 12, 0), prefs=NO_QUIET)
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2026, 10, 31, 14, 0)  # 10:00 EDT, 25 h before
    assert plan[NudgeKind.PREPARE].due_at == _utc(2026, 10, 29, 14, 0)
    assert plan[NudgeKind.TOP_QUESTIONS].due_at == _utc(2026, 11, 1, 14, 0)  # 09:00 EST


def test_confirm_is_the_same_wall_time_a_day_before_across_spring_forward() -> None:
    meeting = _ny(2027, 3, 14, 10, 0)  # Sunday 10:00 EDT = 14:00 UTC
    plan = _plan(_scheduled(meeting), now=_utc(2027, 3, 1, 12, 0), prefs=NO_QUIET)
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2027, 3, 13, 15, 0)  # 10:00 EST, 23 h before
    assert plan[NudgeKind.TOP_QUESTIONS].due_at == _utc(2027, 3, 14, 13, 0)


def test_confirm_wall_time_skipped_by_spring_forward_is_the_first_instant_after() -> None:
    meeting = _ny(2027, 3, 15, 2, 30)  # a day later 02:30 exists; on 03-14 it does not
    plan = _plan(_scheduled(meeting), now=_utc(2027, 3, 1, 12, 0), prefs=NO_QUIET)
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2027, 3, 14, 7, 0)  # 03:00 EDT
    # With the usual quiet hours it then waits for 08:00 EDT that morning.
    plan = _plan(_scheduled(meeting), now=_utc(2027, 3, 1, 12, 0))
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2027, 3, 14, 12, 0)


def test_confirm_wall_time_repeated_by_fall_back_is_the_earlier_one() -> None:
    meeting = _ny(2026, 11, 2, 1, 30)  # 01:30 EST = 06:30 UTC
    plan = _plan(_scheduled(meeting), now=_utc(2026, 10, 20, 12, 0), prefs=NO_QUIET)
    assert plan[NudgeKind.CONFIRM].due_at == _utc(2026, 11, 1, 5, 30)  # 01:30 EDT


def test_meeting_reminder_time_refuses_other_kinds() -> None:
    with pytest.raises(ValueError, match="meeting reminder"):
        meeting_reminder_time(NudgeKind.THANK_YOU, MEETING, PREFS)


# --- meeting logged ---------------------------------------------------------------------


def _met(
    end: datetime, *, minutes: int = 30, logged_after: timedelta = timedelta(minutes=30)
) -> ContactState:
    """Met from ``end - minutes`` to ``end`` as scheduled, logged ``logged_after`` the end."""
    start = end - timedelta(minutes=minutes)
    return _state("met", meeting_at=start, meeting_minutes=minutes, met_at=end + logged_after)


def _thank_yous(
    state: ContactState, prefs: StudentPrefs = PREFS
) -> list[tuple[NudgeKind, datetime, datetime]]:
    planned = plan_contact_nudges(state, prefs, NOW)
    return [(n.kind, n.due_at, n.planned_for) for n in planned if n.kind in THANK_YOU_KINDS]


def test_thank_you_three_hours_after_the_meeting_ends_and_a_last_call_at_twenty() -> None:
    # Thursday 15:00–15:30 New York, logged at 16:00: 18:30 the same day, 11:30 Friday.
    end = _ny(2026, 12, 10, 15, 30)
    assert _thank_yous(_met(end)) == [
        (NudgeKind.THANK_YOU, _utc(2026, 12, 10, 23, 30), _utc(2026, 12, 10, 23, 30)),
        (NudgeKind.THANK_YOU_AGAIN, _utc(2026, 12, 11, 16, 30), _utc(2026, 12, 11, 16, 30)),
    ]


def test_thank_you_uses_the_default_length_and_else_the_moment_the_meeting_was_logged() -> None:
    # No length stored: 20 minutes.
    state = dataclasses.replace(_met(_ny(2026, 12, 10, 15, 30)), meeting_minutes=None)
    assert _thank_yous(state)[0][1] == _ny(2026, 12, 10, 18, 20)
    # No meeting time (or one after the log): from the log.
    assert _thank_yous(_state("met", met_at=MET))[:2] == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 11, 18, 0), _ny(2026, 12, 11, 18, 0)),
        (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 12, 11, 0), _ny(2026, 12, 12, 11, 0)),
    ]
    early_log = _state("met", meeting_at=MET + timedelta(hours=2), met_at=MET)
    assert _thank_yous(early_log)[0][1] == _ny(2026, 12, 11, 18, 0)


def test_thank_you_in_quiet_hours_waits_for_the_morning_still_inside_24_hours() -> None:
    # 19:00–19:20, logged 19:30: 22:20 is quiet, so 08:00; the last call 15:20 the next day.
    end = _ny(2026, 12, 10, 19, 20)
    assert _thank_yous(_met(end, minutes=20, logged_after=timedelta(minutes=10))) == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 11, 8, 0), _ny(2026, 12, 10, 22, 20)),
        (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 11, 15, 20), _ny(2026, 12, 11, 15, 20)),
    ]


def test_an_early_meetings_last_call_goes_out_before_quiet_hours_instead() -> None:
    # 07:00–07:30: the last call (03:30 the next night) would wait until 08:00, after the 24
    # hours end at 07:30, so it goes out at 20:45 the evening before, before quiet hours.
    end = _ny(2026, 12, 10, 7, 30)
    assert _thank_yous(_met(end)) == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 10, 10, 30), _ny(2026, 12, 10, 10, 30)),
        (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 10, 20, 45), _ny(2026, 12, 11, 3, 30)),
    ]


def test_the_last_call_needs_an_hour_before_the_window_closes() -> None:
    # Ends 09:00: the morning (08:00) leaves exactly the hour. Ends 08:30: only 30 minutes,
    # so the evening before quiet hours instead.
    on_time = _thank_yous(_met(_ny(2026, 12, 10, 9, 0)))
    assert on_time[1][:2] == (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 11, 8, 0))
    pulled = _thank_yous(_met(_ny(2026, 12, 10, 8, 30)))
    assert pulled[1][:2] == (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 10, 20, 45))


def test_when_the_next_morning_is_past_the_window_the_thank_you_comes_before_quiet_hours() -> None:
    # Free only 17:00–19:00. Met 16:00–16:30 (logged 16:40): 19:30 is quiet until 17:00 the
    # next day, after the 24 hours end at 16:30, so it comes at 18:45 today. The last call
    # (12:30 tomorrow, quiet) would come back to the same 18:45: it is not planned.
    prefs = StudentPrefs(zone=NY, quiet_start=time(19, 0), quiet_end=time(17, 0))
    state = _met(_ny(2026, 12, 10, 16, 30), logged_after=timedelta(minutes=10))
    assert _thank_yous(state, prefs) == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 10, 18, 45), _ny(2026, 12, 10, 19, 30)),
    ]


def test_a_meeting_logged_late_gets_its_thank_you_three_hours_after_the_log() -> None:
    # Ended 15:30, logged at 19:00 (after 18:30): 22:00 is quiet, so 08:00; the last call at
    # 11:30 still comes after it.
    state = _met(_ny(2026, 12, 10, 15, 30), logged_after=timedelta(hours=3, minutes=30))
    assert _thank_yous(state) == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 11, 8, 0), _ny(2026, 12, 10, 22, 0)),
        (NudgeKind.THANK_YOU_AGAIN, _ny(2026, 12, 11, 11, 30), _ny(2026, 12, 11, 11, 30)),
    ]
    # Logged the next day at 13:00: one reminder at 16:00, after the 24 hours (no last call).
    next_day = _met(_ny(2026, 12, 10, 15, 30), logged_after=timedelta(hours=21, minutes=30))
    assert _thank_yous(next_day) == [
        (NudgeKind.THANK_YOU, _ny(2026, 12, 11, 16, 0), _ny(2026, 12, 11, 16, 0)),
    ]


def test_thank_you_hours_are_real_hours_across_daylight_saving_changes() -> None:
    # Fall back (1 Nov 2026, 02:00 EDT → 01:00 EST): ended Saturday 19:00 EDT (23:00 UTC);
    # 22:00 is quiet → Sunday 08:00 EST; the last call 20 real hours later is 14:00 EST.
    fall = _met(_ny(2026, 10, 31, 19, 0))
    assert [due for _, due, _ in _thank_yous(fall)] == [
        _utc(2026, 11, 1, 13, 0),
        _utc(2026, 11, 1, 19, 0),
    ]
    # Spring forward (8 Mar 2026, 02:00 EST → 03:00 EDT): ended Saturday 23:30 EST; the first
    # waits for 08:00 EDT, the last call is 20 real hours later, 20:30 EDT.
    spring = _met(_ny(2026, 3, 7, 23, 30))
    assert [due for _, due, _ in _thank_yous(spring)] == [
        _utc(2026, 3, 8, 12, 0),
        _utc(2026, 3, 9, 0, 30),
    ]


@pytest.mark.parametrize(
    "state",
    [
        _state("met", met_at=MET, thanked_at=MET + timedelta(hours=3)),
        _state("thanked", met_at=MET, thanked_at=MET + timedelta(hours=3)),
        _state("thanked", met_at=MET),  # thanked logged without a time
        _state("keeping_in_touch", met_at=MET),
    ],
)
def test_no_thank_you_nudges_once_thanked(state: ContactState) -> None:
    plan = _plan(state)
    assert NudgeKind.THANK_YOU not in plan
    assert NudgeKind.THANK_YOU_AGAIN not in plan


def test_referrals_three_business_days_after_the_meeting() -> None:
    # Met Friday 12-11: 14, 15, 16 → Wednesday 12-16 09:00 EST.
    plan = _plan(_state("met", met_at=MET, open_referrals=2))
    assert plan[NudgeKind.REFERRALS].due_at == _utc(2026, 12, 16, 14, 0)
    assert _due(
        _state("met", met_at=MET, open_referrals=2),
        NudgeKind.REFERRALS,
        holidays={date(2026, 12, 15)},
    ) == _utc(2026, 12, 17, 14, 0)


def test_referrals_count_from_the_local_date_of_the_meeting() -> None:
    late = _ny(2026, 12, 11, 22, 0)  # Saturday 03:00 UTC, still Friday in New York
    assert _due(_state("met", met_at=late, open_referrals=1), NudgeKind.REFERRALS) == _utc(
        2026, 12, 16, 14, 0
    )


def test_referrals_skip_us_holidays() -> None:
    # Met Tuesday 11-24: 25, (Thanksgiving 26), 27, 30 → Monday 11-30.
    state = _state("met", met_at=_ny(2026, 11, 24, 11, 0), open_referrals=1)
    assert _due(state, NudgeKind.REFERRALS, holidays=US_2026) == _utc(2026, 11, 30, 14, 0)


def test_no_referrals_nudge_when_all_are_contacted_or_no_meeting_logged() -> None:
    assert NudgeKind.REFERRALS not in _plan(_state("met", met_at=MET))
    assert NudgeKind.REFERRALS not in _plan(_state("scheduled", open_referrals=3))


def test_report_back_after_fourteen_days_at_nine() -> None:
    plan = _plan(_state("thanked", met_at=MET, thanked_at=MET + timedelta(hours=5)))
    assert plan[NudgeKind.REPORT_BACK].due_at == _utc(2026, 12, 25, 14, 0)
    state = _state("met", met_at=MET)
    assert _due(state, NudgeKind.REPORT_BACK, report_back_days=7) == _utc(2026, 12, 18, 14, 0)


def test_report_back_on_a_weekend_or_holiday_waits_for_the_next_business_day() -> None:
    state = _state("met", met_at=MET)  # + 15 days is Saturday 12-26; + 14 is Christmas
    assert _due(state, NudgeKind.REPORT_BACK, report_back_days=15) == _utc(2026, 12, 28, 14, 0)
    assert _due(state, NudgeKind.REPORT_BACK, holidays=US_2026) == _utc(2026, 12, 28, 14, 0)


def test_no_report_back_once_reported() -> None:
    state = _state("thanked", met_at=MET, reported_back_at=MET + timedelta(days=10))
    assert NudgeKind.REPORT_BACK not in _plan(state)


# --- keeping in touch -------------------------------------------------------------------


def test_keep_warm_120_days_after_the_last_touch() -> None:
    state = _state(
        "thanked",
        reply_class="booster",
        met_at=MET,
        thanked_at=_ny(2026, 12, 12, 10, 0),
        reported_back_at=_ny(2026, 12, 28, 23, 30),  # local date 12-28 (UTC says 12-29)
    )
    plan = _plan(state)
    assert date(2026, 12, 28) + timedelta(days=KEEP_WARM_DAYS) == date(2027, 4, 27)
    assert plan[NudgeKind.KEEP_WARM].due_at == _utc(2027, 4, 27, 13, 0)  # 09:00 EDT


def test_keep_warm_restarts_from_the_latest_keep_in_touch() -> None:
    state = _state(
        "keeping_in_touch",
        reply_class="booster",
        met_at=MET,
        thanked_at=_ny(2026, 12, 12, 10, 0),
        reported_back_at=_ny(2026, 12, 28, 10, 0),
        kept_in_touch_at=_ny(2027, 4, 27, 9, 30),
    )
    assert _due(state, NudgeKind.KEEP_WARM) == _utc(2027, 8, 25, 13, 0)


def test_keep_warm_due_on_a_weekend_waits_for_monday() -> None:
    state = _state(
        "keeping_in_touch",
        reply_class="booster",
        met_at=MET,
        thanked_at=_ny(2026, 12, 12, 10, 0),
        reported_back_at=_ny(2026, 12, 28, 10, 0),
        kept_in_touch_at=_ny(2027, 4, 30, 9, 30),  # + 120 days: Saturday 2027-08-28
    )
    assert _due(state, NudgeKind.KEEP_WARM) == _utc(2027, 8, 30, 13, 0)  # Monday 09:00 EDT


@pytest.mark.parametrize(
    "state",
    [
        _state("thanked", reply_class="obligate", met_at=MET, thanked_at=MET),
        _state("thanked", reply_class=None, met_at=MET, thanked_at=MET),
        _state("met", reply_class="booster", met_at=MET),
        _state("thanked", reply_class="booster"),  # no touch recorded at all
    ],
)
def test_keep_warm_only_for_boosters_after_the_thank_you(state: ContactState) -> None:
    assert NudgeKind.KEEP_WARM not in _plan(state)


# --- nothing at all, ordering, determinism ----------------------------------------------


_EVERYTHING = _state(
    "met",
    met_at=MET,
    open_referrals=1,
    reply_class="booster",
)


# --- replied, no meeting: offer times ----------------------------------------------------


def _replied(replied_at: datetime, **changes: object) -> ContactState:
    return _state(
        "replied",
        replied_at=replied_at,
        replied_on=replied_at.astimezone(NY).date(),
        **changes,
    )


def test_replied_gets_offer_times_the_next_business_day_and_again_on_the_third() -> None:
    # Replied Friday 11 December: Monday 14 and Wednesday 16, 09:00 EST.
    plan = _plan(_replied(_ny(2026, 12, 11, 16, 0)))
    assert set(plan) == {NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN}
    assert plan[NudgeKind.SCHEDULE].due_at == _utc(2026, 12, 14, 14, 0)
    assert plan[NudgeKind.SCHEDULE_AGAIN].due_at == _utc(2026, 12, 16, 14, 0)
    assert plan[NudgeKind.SCHEDULE].planned_for == _utc(2026, 12, 14, 14, 0)


def test_offer_times_skips_weekends_and_holidays() -> None:
    # Replied Wednesday 25 November, before Thanksgiving (26th): Friday 27, then 27, 30,
    # 1 December → Tuesday.
    state = _replied(_ny(2026, 11, 25, 11, 0))
    plan = _plan(state, holidays=US_2026)
    assert plan[NudgeKind.SCHEDULE].due_at == _utc(2026, 11, 27, 14, 0)
    assert plan[NudgeKind.SCHEDULE_AGAIN].due_at == _utc(2026, 12, 1, 14, 0)
    # Replied on a Saturday: Monday, then Wednesday.
    weekend = _plan(_replied(_ny(2026, 12, 12, 10, 0)))
    assert weekend[NudgeKind.SCHEDULE].due_at == _utc(2026, 12, 14, 14, 0)
    assert weekend[NudgeKind.SCHEDULE_AGAIN].due_at == _utc(2026, 12, 16, 14, 0)


def test_offer_times_counts_from_the_logged_local_date_of_the_reply() -> None:
    # 23:30 Friday in New York is Saturday in UTC; the stored local date (Friday) counts.
    late = _ny(2026, 12, 11, 23, 30)
    assert _due(_replied(late), NudgeKind.SCHEDULE) == _utc(2026, 12, 14, 14, 0)
    # Without a stored date: the reply's local date in the student's zone.
    unstored = _state("replied", replied_at=late)
    assert _due(unstored, NudgeKind.SCHEDULE) == _utc(2026, 12, 14, 14, 0)
    # Nothing without a reply logged at all.
    assert _plan(_state("replied")) == {}


def test_offer_times_at_nine_local_across_daylight_saving() -> None:
    # Replied Friday 30 October (EDT): Monday 2 November 09:00 is EST (14:00 UTC).
    plan = _plan(_replied(_ny(2026, 10, 30, 12, 0)))
    assert plan[NudgeKind.SCHEDULE].due_at == _utc(2026, 11, 2, 14, 0)
    assert plan[NudgeKind.SCHEDULE_AGAIN].due_at == _utc(2026, 11, 4, 14, 0)
    # Replied Friday 6 March (EST): Monday 9 March 09:00 is EDT (13:00 UTC).
    spring = _plan(_replied(_ny(2026, 3, 6, 12, 0)))
    assert spring[NudgeKind.SCHEDULE].due_at == _utc(2026, 3, 9, 13, 0)


def test_offer_times_waits_past_quiet_hours_covering_nine() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(10, 0))
    plan = _plan(_replied(_ny(2026, 12, 11, 16, 0)), prefs=prefs)
    assert plan[NudgeKind.SCHEDULE].due_at == _ny(2026, 12, 14, 10, 0)
    assert plan[NudgeKind.SCHEDULE].planned_for == _ny(2026, 12, 14, 9, 0)


@pytest.mark.parametrize("stage", ["requested", "scheduled", "met", "thanked", "closed"])
def test_offer_times_only_while_replied(stage: str) -> None:
    plan = _plan(dataclasses.replace(_replied(_ny(2026, 12, 11, 16, 0)), stage=stage))
    assert not {NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN} & set(plan)


# --- a referral's request went out: tell the referrer -------------------------------------


def _referral(sent_at: datetime, holidays_: object = None, **changes: object) -> ContactState:
    return _requested(sent_at, holidays_, referred=True, **changes)


def test_tell_referrer_the_next_business_day_after_the_request() -> None:
    # Sent Friday 27 November afternoon: Monday 30 November 09:00 EST.
    plan = _plan(_referral(FRIDAY_AFTERNOON), now=FRIDAY_AFTERNOON)
    assert plan[NudgeKind.TELL_REFERRER].due_at == _utc(2026, 11, 30, 14, 0)
    # Sent Wednesday 25 November: Thanksgiving is skipped → Friday 27.
    wednesday = _referral(_ny(2026, 11, 25, 10, 0), US_2026)
    assert _due(wednesday, NudgeKind.TELL_REFERRER, holidays=US_2026) == _utc(2026, 11, 27, 14, 0)
    # Sent on a Sunday: Monday.
    sunday = _referral(_ny(2026, 11, 29, 10, 0))
    assert _due(sunday, NudgeKind.TELL_REFERRER) == _utc(2026, 11, 30, 14, 0)


def test_tell_referrer_stays_planned_as_the_referral_moves_on() -> None:
    replied = dataclasses.replace(
        _referral(FRIDAY_AFTERNOON), stage="replied", replied_at=_ny(2026, 11, 30, 10, 0)
    )
    plan = _plan(replied)
    assert plan[NudgeKind.TELL_REFERRER].due_at == _utc(2026, 11, 30, 14, 0)
    assert NudgeKind.SCHEDULE in plan


@pytest.mark.parametrize(
    "state",
    [
        _requested(FRIDAY_AFTERNOON),  # not a referral
        _referral(FRIDAY_AFTERNOON, referrer_told_at=_ny(2026, 11, 28, 10, 0)),  # told
        _state("planned", referred=True),  # not requested yet
        dataclasses.replace(_referral(FRIDAY_AFTERNOON), stage="closed"),
        dataclasses.replace(_referral(FRIDAY_AFTERNOON), nudges_stopped=True),
    ],
)
def test_no_tell_referrer_when_there_is_nothing_to_tell(state: ContactState) -> None:
    assert NudgeKind.TELL_REFERRER not in _plan(state)


def test_everything_planned_for_a_met_contact_is_sorted_by_due_time() -> None:
    planned = plan_contact_nudges(_EVERYTHING, PREFS, NOW)
    assert [n.kind for n in planned] == [
        NudgeKind.THANK_YOU,
        NudgeKind.THANK_YOU_AGAIN,
        NudgeKind.REFERRALS,
        NudgeKind.REPORT_BACK,
    ]
    assert planned == plan_contact_nudges(_EVERYTHING, PREFS, NOW)


def test_equal_due_times_are_ordered_by_kind() -> None:
    # Referrals (3 business days from Friday → Wednesday) and report back (+5 days) coincide.
    planned = plan_contact_nudges(_EVERYTHING, PREFS, NOW, report_back_days=5)
    tail = planned[-2:]
    assert [n.kind for n in tail] == [NudgeKind.REFERRALS, NudgeKind.REPORT_BACK]
    assert tail[0].due_at == tail[1].due_at


def test_non_meeting_plans_do_not_depend_on_now() -> None:
    later = NOW + timedelta(days=400)
    assert plan_contact_nudges(_EVERYTHING, PREFS, NOW) == plan_contact_nudges(
        _EVERYTHING, PREFS, later
    )


@pytest.mark.parametrize(
    ("state", "prefs"),
    [
        (_EVERYTHING, dataclasses.replace(PREFS, nudges_enabled=False)),
        (dataclasses.replace(_EVERYTHING, nudges_stopped=True), PREFS),
        (dataclasses.replace(_EVERYTHING, stage="closed"), PREFS),
        (_requested(FRIDAY_AFTERNOON, nudges_stopped=True), PREFS),
        (_scheduled(), dataclasses.replace(PREFS, nudges_enabled=False)),
        (dataclasses.replace(_requested(FRIDAY_AFTERNOON), stage="closed"), PREFS),
    ],
)
def test_disabled_stopped_or_closed_means_nothing(state: ContactState, prefs: StudentPrefs) -> None:
    assert plan_contact_nudges(state, prefs, NOW) == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_contact_nudges(_EVERYTHING, PREFS, datetime(2026, 12, 1, 12, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="Stage"):
        plan_contact_nudges(_state("lost"), PREFS, NOW)


# --- nudge_time_on ----------------------------------------------------------------------


def test_nudge_time_on_is_nine_local_quiet_adjusted() -> None:
    assert nudge_time_on(date(2026, 12, 3), PREFS) == _utc(2026, 12, 3, 14, 0)
    assert nudge_time_on(date(2027, 3, 15), PREFS) == _utc(2027, 3, 15, 13, 0)  # EDT
    late_riser = StudentPrefs(zone=NY, quiet_start=time(22, 0), quiet_end=time(9, 30))
    assert nudge_time_on(date(2026, 12, 3), late_riser) == _utc(2026, 12, 3, 14, 30)


# --- digest -----------------------------------------------------------------------------


def test_digest_next_monday_at_nine() -> None:
    nudge = plan_digest(PREFS, _ny(2026, 12, 9, 12, 0))  # a Wednesday
    assert nudge == PlannedNudge(
        NudgeKind.DIGEST, _utc(2026, 12, 14, 14, 0), _utc(2026, 12, 14, 14, 0)
    )


def test_digest_later_the_same_day() -> None:
    nudge = plan_digest(PREFS, _ny(2026, 12, 14, 8, 59))
    assert nudge is not None
    assert nudge.due_at == _utc(2026, 12, 14, 14, 0)


def test_digest_exactly_now_means_next_week() -> None:
    nudge = plan_digest(PREFS, _utc(2026, 12, 14, 14, 0))
    assert nudge is not None
    assert nudge.due_at == _utc(2026, 12, 21, 14, 0)


def test_digest_respects_quiet_hours_covering_nine() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(10, 0), digest_day=6)
    nudge = plan_digest(prefs, _ny(2026, 12, 13, 9, 30))  # Sunday, past 09:00, before 10:00
    assert nudge is not None
    assert nudge.planned_for == _ny(2026, 12, 13, 9, 0)
    assert nudge.due_at == _ny(2026, 12, 13, 10, 0)


def test_digest_on_a_spring_forward_sunday() -> None:
    prefs = dataclasses.replace(PREFS, digest_day=6)
    nudge = plan_digest(prefs, _utc(2027, 3, 10, 12, 0))
    assert nudge is not None
    assert nudge.due_at == _utc(2027, 3, 14, 13, 0)  # 09:00 EDT


def test_digest_off_or_nudges_disabled() -> None:
    assert plan_digest(dataclasses.replace(PREFS, digest_day=None), NOW) is None
    assert plan_digest(dataclasses.replace(PREFS, nudges_enabled=False), NOW) is None


# --- staleness --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MEETING_KINDS))
def test_meeting_reminders_go_stale(kind: NudgeKind) -> None:
    state = _scheduled()
    assert not is_stale(kind, state, MEETING - timedelta(minutes=1))
    assert is_stale(kind, state, MEETING)
    assert is_stale(kind, _scheduled(meeting_at=None), NOW)
    assert is_stale(kind, dataclasses.replace(state, stage="met"), NOW)
    assert is_stale(kind, dataclasses.replace(state, stage="closed"), NOW)


@pytest.mark.parametrize("kind", sorted(MEETING_KINDS))
def test_a_reminder_for_a_moved_meeting_is_stale(kind: NudgeKind) -> None:
    planned_for = meeting_reminder_time(kind, MEETING, PREFS)
    assert not is_stale(kind, _scheduled(), NOW, planned_for=planned_for)
    moved = _scheduled(MEETING + timedelta(days=2))
    assert is_stale(kind, moved, NOW, planned_for=planned_for)


def test_a_local_day_offset_across_dst_is_not_mistaken_for_a_move() -> None:
    meeting = _ny(2026, 11, 1, 10, 0)
    planned_for = meeting_reminder_time(NudgeKind.CONFIRM, meeting, PREFS)
    assert meeting - planned_for == timedelta(hours=25)
    assert not is_stale(
        NudgeKind.CONFIRM, _scheduled(meeting), _utc(2026, 10, 31, 14, 0), planned_for=planned_for
    )


@pytest.mark.parametrize("kind", sorted(set(NudgeKind) - MEETING_KINDS))
def test_other_nudges_are_never_stale(kind: NudgeKind) -> None:
    assert not is_stale(kind, _state("closed"), NOW + timedelta(days=999))


# --- issue 11: a second person at the employer -----------------------------------------------


def test_no_second_contact_nudge_once_a_second_person_is_at_the_employer() -> None:
    """The 3B step is done when someone else there was added (or asked) after the request:
    only the 7B follow-up stays planned, at its own time."""
    plan = _plan(_requested(FRIDAY_AFTERNOON, second_person_added=True), now=FRIDAY_AFTERNOON)
    assert set(plan) == {NudgeKind.FOLLOW_UP}
    assert plan[NudgeKind.FOLLOW_UP].due_at == _utc(2026, 12, 9, 14, 0)
    alone = _plan(_requested(FRIDAY_AFTERNOON, second_person_added=False), now=FRIDAY_AFTERNOON)
    assert alone[NudgeKind.SECOND_CONTACT].due_at == _utc(2026, 12, 3, 14, 0)
