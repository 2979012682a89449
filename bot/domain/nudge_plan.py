"""Nudge planning: which nudges one contact (or the weekly digest) wants, and when.

Pure: everything takes an explicit aware ``now`` and returns aware UTC instants. The result is
the full set of live occurrences for the current state; the caller syncs the nudges table with
it (cancel what is gone, move what moved, add what is new), so "cancelled when the student
does the thing" is simply the nudge no longer being planned.

Times (``Z`` = the student's zone, quiet hours applied to every ``due_at``):

===============  ==============================================================================
kind             planned for
===============  ==============================================================================
second_contact   09:00 Z on ``second_contact_on``; stage ``requested``, no second person at
                 the employer yet (``second_person_added``)
follow_up        09:00 Z on ``follow_up_on``; stage ``requested``, not yet followed up
close_no_reply   09:00 Z on the 7th business day after the local date of ``followed_up_at``;
                 stage ``requested``
schedule         09:00 Z on the 1st business day after the reply's local date; stage ``replied``
schedule_again   09:00 Z on the 3rd business day after the reply's local date; stage ``replied``
prepare          the meeting minus 3 local days (same wall time); stage ``scheduled``,
                 preparation unfinished
confirm          the meeting minus 1 local day (same wall time); stage ``scheduled``
top_questions    the meeting minus 1 hour; stage ``scheduled``
thank_you        3 h after the meeting ended (:func:`thank_you_times`); stage ``met``, not
                 thanked
thank_you_again  the last call, 20 h after the meeting ended; same condition, only when it
                 comes after ``thank_you``
referrals        09:00 Z on the 3rd business day after ``met_at``'s local date; open referrals
tell_referrer    09:00 Z on the 1st business day after the local date of ``requested_at``; a
                 referral whose request was logged, its referrer not yet told
report_back      09:00 Z on ``met_at``'s local date + ``report_back_days`` (or the next business
                 day after a weekend or holiday); not reported back
keep_warm        09:00 Z on the last touch's local date + 120 days (or the next business day);
                 a booster at ``thanked`` or ``keeping_in_touch``
digest           09:00 Z on the next digest day (:func:`plan_digest`)
===============  ==============================================================================

Nothing is planned for a contact when the student turned nudges off, pressed Stop for it, or
the contact is closed. A wall time that a daylight-saving change skips means the first instant
after the gap; one it repeats means its earlier occurrence.

Late and past nudges (see :class:`PlannedNudge`): a non-meeting nudge keeps its time even when
that time has passed, and the dispatcher delivers it late. A meeting reminder is different:

* if its time has passed, it is due ``now`` (the student scheduled late, or the bot was down);
* if quiet hours would push it past the last useful moment (:data:`MEETING_LEAD`), it goes out
  :data:`~bot.domain.quiet_hours.BEFORE_QUIET` (15 min) before those quiet hours began instead
  (e.g. 20:45 the evening before an 08:00 meeting), or ``now`` if that has passed too;
* if even ``now`` is too late, it is not planned. Once the meeting starts it is stale
  (:func:`is_stale`).

The thank-you reminders must land inside the 24 hours after the meeting ended, so they follow
the same rule without looking at ``now``: when quiet hours would push one past the end of the
window, it goes out :data:`~bot.domain.quiet_hours.BEFORE_QUIET` before those quiet hours
begin instead (see :func:`thank_you_times`).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, timedelta

from bot.domain.business_days import business_days_after
from bot.domain.contacts import Stage
from bot.domain.next_step import (
    REPORT_BACK_AFTER_DAYS,
    THANK_YOU_WITHIN,
    meeting_end,
    reply_day,
)
from bot.domain.nudge_kinds import (
    CONTACT_KINDS,
    KEEP_WARM_DAYS,
    MEETING_KINDS,
    NUDGE_HOUR,
    SCHEDULE_AFTER,
    SCHEDULE_AGAIN_AFTER,
    TELL_REFERRER_AFTER,
    ContactState,
    NudgeKind,
    PlannedNudge,
    StudentPrefs,
)
from bot.domain.quiet_hours import (
    BEFORE_QUIET,
    before_quiet_hours,
    defer_past_quiet_hours,
    wall_clock_instant,
)
from bot.domain.three_b_seven import FOLLOW_UP_AFTER, SECOND_CONTACT_AFTER, ReplyClass

__all__ = [
    "BEFORE_QUIET",
    "CLOSE_AFTER",
    "CONTACT_KINDS",
    "KEEP_WARM_DAYS",
    "MEETING_KINDS",
    "MEETING_LEAD",
    "NUDGE_HOUR",
    "REFERRALS_AFTER",
    "SCHEDULE_AFTER",
    "SCHEDULE_AGAIN_AFTER",
    "TELL_REFERRER_AFTER",
    "THANK_YOU_AFTER",
    "THANK_YOU_KINDS",
    "THANK_YOU_LAST_CALL",
    "THANK_YOU_LEAD",
    "ContactState",
    "NudgeKind",
    "PlannedNudge",
    "StudentPrefs",
    "defer_past_quiet_hours",
    "is_stale",
    "meeting_reminder_time",
    "nudge_time_on",
    "plan_contact_nudges",
    "plan_digest",
    "referrals_time",
    "schedule_times",
    "tell_referrer_time",
    "thank_you_times",
]

CLOSE_AFTER = FOLLOW_UP_AFTER
"""Business days after the follow-up without a reply before closing as no reply."""

REFERRALS_AFTER = SECOND_CONTACT_AFTER
"""Business days after the meeting before nudging about referrals not yet contacted."""

THANK_YOU_AFTER = timedelta(hours=3)
"""From the end of the meeting to the thank-you reminder (the student is home, it's fresh)."""
THANK_YOU_LAST_CALL = timedelta(hours=20)
"""From the end of the meeting to the last call, a few hours before :data:`THANK_YOU_WITHIN`
(24 h) pass."""

THANK_YOU_LEAD = timedelta(hours=1)
"""A thank-you reminder goes out at least this long before the 24 hours pass (else there is
no time left to write it)."""

THANK_YOU_KINDS: frozenset[NudgeKind] = frozenset({NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN})
"""Reminders that may go out before their planned-for time (before quiet hours, to stay inside
the 24 hours)."""

_MEETING_OFFSET: dict[NudgeKind, timedelta] = {
    NudgeKind.PREPARE: timedelta(days=3),  # local calendar days, same wall time
    NudgeKind.CONFIRM: timedelta(days=1),  # local calendar days, same wall time
    NudgeKind.TOP_QUESTIONS: timedelta(hours=1),  # absolute
}

MEETING_LEAD: dict[NudgeKind, timedelta] = {
    NudgeKind.PREPARE: timedelta(hours=1),
    NudgeKind.CONFIRM: timedelta(hours=2),
    NudgeKind.TOP_QUESTIONS: timedelta(0),
}
"""A meeting reminder must go out at least this long before the meeting (top questions:
strictly before it starts); a later one is pointless and is not planned."""

_DST_SLACK = timedelta(hours=2)
"""The most a daylight-saving change shifts a local-day offset (1 h almost everywhere)."""

_KEEP_WARM_STAGES = frozenset({Stage.THANKED, Stage.KEEPING_IN_TOUCH})


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _local_date(instant: datetime, prefs: StudentPrefs) -> date:
    return instant.astimezone(prefs.zone).date()


def _nudge_hour_on(day: date, prefs: StudentPrefs) -> datetime:
    """:data:`NUDGE_HOUR` local on ``day``, before quiet hours (a planned-for time)."""
    return wall_clock_instant(day, NUDGE_HOUR, prefs.zone)


def nudge_time_on(day: date, prefs: StudentPrefs) -> datetime:
    """:data:`NUDGE_HOUR` (09:00) local on ``day``, moved past quiet hours if they cover it;
    aware UTC."""
    return defer_past_quiet_hours(_nudge_hour_on(day, prefs), prefs)


def _on_day(kind: NudgeKind, day: date, prefs: StudentPrefs) -> PlannedNudge:
    planned_for = _nudge_hour_on(day, prefs)
    return PlannedNudge(kind, defer_past_quiet_hours(planned_for, prefs), planned_for)


def meeting_reminder_time(kind: NudgeKind, meeting_at: datetime, prefs: StudentPrefs) -> datetime:
    """The planned-for time of a meeting reminder, before quiet hours and lateness: for
    ``prepare`` and ``confirm`` the same local wall time 3 days / 1 day earlier (so 25 or 23
    hours before across a daylight-saving change), for ``top_questions`` one hour before."""
    if kind not in MEETING_KINDS:
        raise ValueError(f"{kind} is not a meeting reminder")
    _require_aware(meeting_at, "meeting_at")
    offset = _MEETING_OFFSET[kind]
    if kind is NudgeKind.TOP_QUESTIONS:
        return meeting_at.astimezone(UTC) - offset
    local = meeting_at.astimezone(prefs.zone)
    return wall_clock_instant(local.date() - offset, local.time(), prefs.zone)


def _plan_meeting_reminder(
    kind: NudgeKind, meeting_at: datetime, prefs: StudentPrefs, now: datetime
) -> PlannedNudge | None:
    planned_for = meeting_reminder_time(kind, meeting_at, prefs)
    latest = meeting_at.astimezone(UTC) - MEETING_LEAD[kind]

    def useful(due: datetime) -> bool:
        return due <= latest and due < meeting_at

    earliest = max(planned_for, now)
    due = defer_past_quiet_hours(earliest, prefs)
    if not useful(due):
        # Quiet hours would push it too late: send it before they begin instead.
        due = max(before_quiet_hours(earliest, prefs), now)
        if not useful(due):
            return None
    return PlannedNudge(kind, due, planned_for)


def _plan_requested(
    state: ContactState, prefs: StudentPrefs, holidays: Container[date] | None
) -> list[PlannedNudge]:
    planned: list[PlannedNudge] = []
    if state.second_contact_on is not None and not state.second_person_added:
        planned.append(_on_day(NudgeKind.SECOND_CONTACT, state.second_contact_on, prefs))
    if state.followed_up_at is None:
        if state.follow_up_on is not None:
            planned.append(_on_day(NudgeKind.FOLLOW_UP, state.follow_up_on, prefs))
    else:
        day = business_days_after(_local_date(state.followed_up_at, prefs), CLOSE_AFTER, holidays)
        planned.append(_on_day(NudgeKind.CLOSE_NO_REPLY, day, prefs))
    return planned


def schedule_times(
    state: ContactState, prefs: StudentPrefs, holidays: Container[date] | None = None
) -> tuple[PlannedNudge, PlannedNudge] | None:
    """``schedule`` and ``schedule_again``: 09:00 local on the 1st and 3rd business days after
    the reply's local date (None without a logged reply), whatever the stage."""
    replied = reply_day(state.replied_on, state.replied_at, prefs.zone)
    if replied is None:
        return None
    first = business_days_after(replied, SCHEDULE_AFTER, holidays)
    again = business_days_after(replied, SCHEDULE_AGAIN_AFTER, holidays)
    return (
        _on_day(NudgeKind.SCHEDULE, first, prefs),
        _on_day(NudgeKind.SCHEDULE_AGAIN, again, prefs),
    )


def referrals_time(
    state: ContactState, prefs: StudentPrefs, holidays: Container[date] | None = None
) -> PlannedNudge | None:
    """``referrals``: 09:00 local on the 3rd business day after the meeting's local date
    (None until the meeting is logged), whatever the referrals."""
    if state.met_at is None:
        return None
    day = business_days_after(_local_date(state.met_at, prefs), REFERRALS_AFTER, holidays)
    return _on_day(NudgeKind.REFERRALS, day, prefs)


def tell_referrer_time(
    state: ContactState, prefs: StudentPrefs, holidays: Container[date] | None = None
) -> PlannedNudge | None:
    """``tell_referrer``: 09:00 local on the 1st business day after the local date the
    request went out (None until it did), whether or not the contact is a referral."""
    if state.requested_at is None:
        return None
    sent_on = _local_date(state.requested_at, prefs)
    day = business_days_after(sent_on, TELL_REFERRER_AFTER, holidays)
    return _on_day(NudgeKind.TELL_REFERRER, day, prefs)


def _inside_window(
    planned_for: datetime, not_before: datetime, latest: datetime, prefs: StudentPrefs
) -> datetime:
    """``planned_for`` moved past quiet hours, unless that would take it past ``latest`` while
    ``planned_for`` itself is before it: then before those quiet hours begin (but not before
    ``not_before``). A ``planned_for`` already past ``latest`` is only deferred."""
    due = defer_past_quiet_hours(planned_for, prefs)
    if due <= latest or planned_for >= latest:
        return due
    return max(before_quiet_hours(planned_for, prefs), not_before)


def thank_you_times(state: ContactState, prefs: StudentPrefs) -> list[PlannedNudge]:
    """The thank-you reminders for a logged meeting (empty without ``met_at``), whatever the
    stage. The window is the 24 hours after the meeting ended
    (:func:`bot.domain.next_step.meeting_end`):

    * ``thank_you`` is planned for 3 hours after the end, or 3 hours after the meeting was
      logged when that came later (a student who logs it late is not reminded the moment they
      log it); quiet hours move it to the morning, or, if that morning leaves less than
      :data:`THANK_YOU_LEAD` of the window, to :data:`~bot.domain.quiet_hours.BEFORE_QUIET`
      before they begin (never before the end, nor before the meeting was logged);
    * ``thank_you_again``, the last call, is planned for 20 hours after the end with the same
      rule, and only when it is due after ``thank_you``.
    """
    met_at = state.met_at
    if met_at is None:
        return []
    end = meeting_end(state.meeting_at, state.meeting_minutes, met_at)
    assert end is not None
    end = end.astimezone(UTC)
    latest = end + THANK_YOU_WITHIN - THANK_YOU_LEAD
    logged = max(end, met_at.astimezone(UTC))  # nothing is due before the student logs it
    first_for = end + THANK_YOU_AFTER
    if first_for <= met_at:
        first_for = logged + THANK_YOU_AFTER
    first = PlannedNudge(
        NudgeKind.THANK_YOU, _inside_window(first_for, logged, latest, prefs), first_for
    )
    last_for = end + THANK_YOU_LAST_CALL
    last = PlannedNudge(
        NudgeKind.THANK_YOU_AGAIN, _inside_window(last_for, logged, latest, prefs), last_for
    )
    return [first, last] if last.due_at > first.due_at else [first]


def _plan_meeting(state: ContactState, prefs: StudentPrefs, now: datetime) -> list[PlannedNudge]:
    meeting_at = state.meeting_at
    if meeting_at is None or meeting_at <= now:
        return []
    kinds = [NudgeKind.CONFIRM, NudgeKind.TOP_QUESTIONS]
    if not state.prepare_done:
        kinds.insert(0, NudgeKind.PREPARE)
    reminders = (_plan_meeting_reminder(kind, meeting_at, prefs, now) for kind in kinds)
    return [reminder for reminder in reminders if reminder is not None]


def _last_touch(state: ContactState) -> datetime | None:
    touches = [
        t
        for t in (state.kept_in_touch_at, state.reported_back_at, state.thanked_at, state.met_at)
        if t is not None
    ]
    return max(touches, default=None)


def _plan_after_meeting(
    state: ContactState,
    stage: Stage,
    prefs: StudentPrefs,
    holidays: Container[date] | None,
    report_back_days: int,
) -> list[PlannedNudge]:
    planned: list[PlannedNudge] = []
    met_at = state.met_at
    if met_at is not None:
        if stage is Stage.MET and state.thanked_at is None:
            planned += thank_you_times(state, prefs)
        met_on = _local_date(met_at, prefs)
        if state.open_referrals > 0:
            referrals = referrals_time(state, prefs, holidays)
            assert referrals is not None
            planned.append(referrals)
        if state.reported_back_at is None:
            day = business_days_after(met_on + timedelta(days=report_back_days), 0, holidays)
            planned.append(_on_day(NudgeKind.REPORT_BACK, day, prefs))
    last_touch = _last_touch(state)
    if (
        state.reply_class == ReplyClass.BOOSTER
        and stage in _KEEP_WARM_STAGES
        and last_touch is not None
    ):
        day = _local_date(last_touch, prefs) + timedelta(days=KEEP_WARM_DAYS)
        day = business_days_after(day, 0, holidays)  # a weekday, as a note to a professional
        planned.append(_on_day(NudgeKind.KEEP_WARM, day, prefs))
    return planned


def _sorted(planned: list[PlannedNudge]) -> list[PlannedNudge]:
    return sorted(planned, key=lambda n: (n.due_at, n.kind.value))


def plan_contact_nudges(
    state: ContactState,
    prefs: StudentPrefs,
    now: datetime,
    *,
    holidays: Container[date] | None = None,
    report_back_days: int = REPORT_BACK_AFTER_DAYS,
) -> list[PlannedNudge]:
    """Every nudge this contact wants now, sorted by ``due_at`` then kind (see the module
    docstring for the rules). ``holidays`` is the server's calendar (any container of dates)
    for business-day counts. Raises ``ValueError`` for a naive ``now`` or an unknown stage."""
    _require_aware(now, "now")
    if report_back_days < 0:
        raise ValueError(f"report_back_days must be >= 0, got {report_back_days}")
    stage = Stage(state.stage)
    if not prefs.nudges_enabled or state.nudges_stopped or stage is Stage.CLOSED:
        return []
    now = now.astimezone(UTC)
    planned: list[PlannedNudge] = []
    if stage is Stage.REQUESTED:
        planned += _plan_requested(state, prefs, holidays)
    if stage is Stage.REPLIED:
        times = schedule_times(state, prefs, holidays)
        if times is not None:
            planned += times
    if state.referred and state.referrer_told_at is None and stage is not Stage.PLANNED:
        tell = tell_referrer_time(state, prefs, holidays)
        if tell is not None:
            planned.append(tell)
    if stage is Stage.SCHEDULED:
        planned += _plan_meeting(state, prefs, now)
    planned += _plan_after_meeting(state, stage, prefs, holidays, report_back_days)
    return _sorted(planned)


def plan_digest(prefs: StudentPrefs, now: datetime) -> PlannedNudge | None:
    """The next weekly digest whose (quiet-adjusted) ``due_at`` is strictly after ``now``:
    09:00 local on the digest day. None when the digest is off or nudges are disabled. When
    ``now`` is exactly this week's digest time, the next one is a week later."""
    _require_aware(now, "now")
    if prefs.digest_day is None or not prefs.nudges_enabled:
        return None
    if not 0 <= prefs.digest_day <= 6:
        raise ValueError(f"digest_day must be 0..6 or None, got {prefs.digest_day}")
    today = _local_date(now, prefs)
    # From last week's: quiet hours may have pushed it past midnight, still after now.
    first = today + timedelta(days=(prefs.digest_day - today.weekday()) % 7 - 7)
    for weeks in range(4):
        nudge = _on_day(NudgeKind.DIGEST, first + timedelta(weeks=weeks), prefs)
        if nudge.due_at > now:
            return nudge
    raise AssertionError("unreachable: a digest within three weeks is always after now")


def is_stale(
    kind: NudgeKind,
    state: ContactState,
    now: datetime,
    *,
    planned_for: datetime | None = None,
) -> bool:
    """Whether a nudge about to be sent no longer makes sense. Only meeting reminders go
    stale (the others are delivered late, never dropped): once the meeting has started, or
    when it was removed (the contact is no longer at ``scheduled`` or has no meeting time).

    A moved meeting is caught when the caller passes the row's ``planned_for``: the reminder
    is stale if it does not belong to the current meeting time. ``top_questions`` must be
    exactly one hour before it; ``prepare`` and ``confirm`` 3 days / 1 day before give or take
    :data:`_DST_SLACK` (a local-day offset is 23 or 25 hours across a daylight-saving change,
    and this check needs no zone, so it survives the student changing theirs). Re-planning after
    a reschedule normally moves the row first; this is the dispatcher's last check.
    """
    _require_aware(now, "now")
    if kind not in MEETING_KINDS:
        return False
    meeting_at = state.meeting_at
    if state.stage != Stage.SCHEDULED or meeting_at is None or now >= meeting_at:
        return True
    if planned_for is None:
        return False
    _require_aware(planned_for, "planned_for")
    drift = abs((meeting_at - planned_for) - _MEETING_OFFSET[kind])
    slack = timedelta(0) if kind is NudgeKind.TOP_QUESTIONS else _DST_SLACK
    return drift > slack
