"""Snoozing a nudge: when the same reminder may come back.

Pure: an explicit aware ``now`` in, aware UTC instants out. A snooze never carries a reminder
past the moment it is about:

* a **meeting reminder** (prepare, confirm, top questions) is about the meeting. It may come
  back only while the planner still sends that reminder (at least
  :data:`~bot.domain.nudge_plan.MEETING_LEAD` before the start, top questions strictly before
  it), outside quiet hours (the dispatcher would hold it there, past the meeting), and at least
  :data:`MIN_SNOOZE` from now. The student picks one of the times that fit
  (:func:`snooze_choices`): "In 1 hour" while that is still early enough, "The day before",
  "This evening" (a confirmation stays on the day before), "15 minutes before"… There may be
  none left.
* a **thank-you reminder** is about the 24 hours after the meeting: while they last, the choices
  end at least :data:`THANK_YOU_LEAD` before they are up. Once they are, there is nothing left
  to miss (a late thank-you still beats none) and it comes back a day later like the rest.
* a reminder counted in **business days** (:data:`BUSINESS_DAY_KINDS`) comes back at 09:00 on
  the student's next business day: nothing to pass.
* **any other** comes back at the same local time the next day, moved past quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.business_days import HolidayCalendar, next_business_day
from bot.domain.next_step import thank_you_deadline
from bot.domain.nudge_kinds import MEETING_KINDS, NudgeKind, StudentPrefs
from bot.domain.nudge_plan import MEETING_LEAD, meeting_reminder_time, nudge_time_on
from bot.domain.quiet_hours import defer_past_quiet_hours, is_quiet, wall_clock_instant

BUSINESS_DAY_KINDS = frozenset(
    {
        NudgeKind.SECOND_CONTACT,
        NudgeKind.FOLLOW_UP,
        NudgeKind.CLOSE_NO_REPLY,
        NudgeKind.REFERRALS,
        NudgeKind.SCHEDULE,
        NudgeKind.SCHEDULE_AGAIN,
        NudgeKind.TELL_REFERRER,
    }
)
"""Kinds that count business days: snoozing them skips weekends and the server's holidays."""

THANK_YOU_KINDS = frozenset({NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN})

DEADLINE_KINDS = MEETING_KINDS | THANK_YOU_KINDS
"""Kinds about a moment that a snooze must not pass: the student picks from
:func:`snooze_choices` instead of getting the one default."""

CONFIRM_EVENING = time(18, 0)
"""The latest a snoozed confirmation comes back: 18:00 on the day it was due (the day before)."""
MIN_SNOOZE = timedelta(minutes=5)
"""A snooze shorter than this is not worth offering."""
THANK_YOU_LEAD = timedelta(hours=1)
"""A snoozed thank-you reminder comes back at least this long before the 24 hours are up, so
there is still time to write the note."""
MAX_CHOICES = 4
"""Times offered at once (a fifth button goes back to the reminder's own buttons)."""
_DISTINCT = timedelta(minutes=10)
"""Two candidate times closer than this are one choice (the earlier, listed first, stays)."""
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SnoozeChoice:
    """One time a reminder may come back: a short key (it travels in a button's custom_id),
    what it is called, and the instant (aware UTC)."""

    key: str
    label: str
    until: datetime


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _same_time_next_day(now: datetime, zone: ZoneInfo) -> datetime:
    """The same local wall time on the next local day (23 or 25 hours across a DST change)."""
    local = now.astimezone(zone)
    return wall_clock_instant(local.date() + _ONE_DAY, local.time(), zone)


def default_snooze(
    kind: NudgeKind,
    now: datetime,
    prefs: StudentPrefs | None,
    holidays: HolidayCalendar = None,
) -> SnoozeChoice:
    """The one time a reminder with nothing to pass comes back: 09:00 on the next business day
    for :data:`BUSINESS_DAY_KINDS`, else the same local time tomorrow past quiet hours. Without
    the student's preferences (no time zone yet) simply 24 hours later."""
    _require_aware(now, "now")
    if prefs is None:
        return SnoozeChoice("day", "Tomorrow", (now + _ONE_DAY).astimezone(UTC))
    if kind in BUSINESS_DAY_KINDS:
        today = now.astimezone(prefs.zone).date()
        day = next_business_day(today, holidays)
        return SnoozeChoice("bday", "Next business day", nudge_time_on(day, prefs))
    tomorrow = _same_time_next_day(now, prefs.zone)
    return SnoozeChoice("day", "Tomorrow", defer_past_quiet_hours(tomorrow, prefs))


def snooze_until(
    kind: NudgeKind,
    now: datetime,
    prefs: StudentPrefs | None,
    holidays: HolidayCalendar = None,
) -> datetime:
    """When a reminder with nothing to pass, snoozed at ``now``, comes back
    (:func:`default_snooze`)."""
    return default_snooze(kind, now, prefs, holidays).until


def snooze_deadline(
    kind: NudgeKind,
    *,
    meeting_at: datetime | None,
    met_at: datetime | None,
    meeting_minutes: int | None = None,
) -> datetime | None:
    """The moment a reminder is about, which no snooze may pass: the meeting's start for a
    meeting reminder, the end of the 24 hours after the meeting ended for a thank-you reminder
    (:func:`~bot.domain.next_step.thank_you_deadline`); None for the rest (or when that moment
    is unknown)."""
    if kind in MEETING_KINDS:
        return meeting_at
    if kind in THANK_YOU_KINDS:
        return thank_you_deadline(meeting_at, meeting_minutes, met_at)
    return None


def _meeting_candidates(
    kind: NudgeKind, now: datetime, meeting_at: datetime, prefs: StudentPrefs | None
) -> list[SnoozeChoice]:
    candidates = [
        SnoozeChoice("in1h", "In 1 hour", now + timedelta(hours=1)),
        SnoozeChoice("in3h", "In 3 hours", now + timedelta(hours=3)),
    ]
    if kind is NudgeKind.PREPARE and prefs is not None:
        candidates += [
            SnoozeChoice("tomorrow", "Tomorrow, same time", _same_time_next_day(now, prefs.zone)),
            SnoozeChoice(
                "daybefore",
                "The day before",
                meeting_reminder_time(NudgeKind.CONFIRM, meeting_at, prefs),
            ),
        ]
    if kind is NudgeKind.CONFIRM and prefs is not None:
        # Confirming is a day-before step: the latest choice is this evening, not the
        # meeting day (a confirmation two hours before is no longer one).
        local = now.astimezone(prefs.zone)
        meeting_day = meeting_at.astimezone(prefs.zone).date()
        if local.time() < CONFIRM_EVENING and local.date() < meeting_day:
            evening = wall_clock_instant(local.date(), CONFIRM_EVENING, prefs.zone)
            candidates.append(SnoozeChoice("evening", "This evening", evening))
    if kind is NudgeKind.TOP_QUESTIONS:
        candidates += [
            SnoozeChoice("before15", "15 minutes before", meeting_at - timedelta(minutes=15)),
            SnoozeChoice("before5", "5 minutes before", meeting_at - timedelta(minutes=5)),
        ]
    return candidates


def _thank_you_candidates(
    now: datetime, deadline: datetime, prefs: StudentPrefs | None
) -> list[SnoozeChoice]:
    candidates = [
        SnoozeChoice("in1h", "In 1 hour", now + timedelta(hours=1)),
        SnoozeChoice("in3h", "In 3 hours", now + timedelta(hours=3)),
        SnoozeChoice(
            "lastcall", "2 hours before the 24 hours are up", deadline - timedelta(hours=2)
        ),
    ]
    if prefs is not None:
        tomorrow = now.astimezone(prefs.zone).date() + _ONE_DAY
        morning = nudge_time_on(tomorrow, prefs)
        candidates.append(SnoozeChoice("morning", "Tomorrow morning", morning))
    return candidates


def _fitting(
    candidates: list[SnoozeChoice],
    now: datetime,
    prefs: StudentPrefs | None,
    *,
    latest: datetime,
    before: datetime,
) -> tuple[SnoozeChoice, ...]:
    """The candidates that come back in time (from :data:`MIN_SNOOZE` after ``now`` up to
    ``latest``, strictly before ``before``) and outside quiet hours, soonest first, near
    duplicates merged, at most :data:`MAX_CHOICES`."""
    kept: list[SnoozeChoice] = []
    for choice in sorted(candidates, key=lambda c: c.until):
        until = choice.until.astimezone(UTC)
        if until - now < MIN_SNOOZE or until > latest or until >= before:
            continue
        if prefs is not None and is_quiet(until, prefs):
            continue
        if kept and until - kept[-1].until < _DISTINCT:
            continue
        kept.append(SnoozeChoice(choice.key, choice.label, until))
    return tuple(kept[:MAX_CHOICES])


def snooze_choices(
    kind: NudgeKind,
    now: datetime,
    prefs: StudentPrefs | None,
    holidays: HolidayCalendar = None,
    *,
    meeting_at: datetime | None = None,
    met_at: datetime | None = None,
    meeting_minutes: int | None = None,
) -> tuple[SnoozeChoice, ...]:
    """The times a reminder snoozed at ``now`` may come back, soonest first (see the module
    docstring). A reminder with nothing to pass has exactly one (:func:`default_snooze`); a
    meeting or thank-you reminder has those that end in time, possibly none (the meeting is
    too close, or every fitting time falls in quiet hours): then it cannot be snoozed."""
    _require_aware(now, "now")
    now = now.astimezone(UTC)
    if kind in MEETING_KINDS:
        if meeting_at is None or meeting_at <= now:
            return ()
        return _fitting(
            _meeting_candidates(kind, now, meeting_at, prefs),
            now,
            prefs,
            latest=meeting_at - MEETING_LEAD[kind],
            before=meeting_at,
        )
    deadline = snooze_deadline(
        kind, meeting_at=meeting_at, met_at=met_at, meeting_minutes=meeting_minutes
    )
    if kind in THANK_YOU_KINDS and deadline is not None and now < deadline:
        return _fitting(
            _thank_you_candidates(now, deadline, prefs),
            now,
            prefs,
            latest=deadline - THANK_YOU_LEAD,
            before=deadline,
        )
    return (default_snooze(kind, now, prefs, holidays),)


def local_moment(instant: datetime, zone: ZoneInfo | None) -> str:
    """``Tuesday 8 December, 09:00 (America/New_York)``: an instant as the student reads it
    (in UTC when they have no time zone yet)."""
    _require_aware(instant, "instant")
    shown = zone or ZoneInfo("UTC")
    local = instant.astimezone(shown)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} ({shown.key})"
