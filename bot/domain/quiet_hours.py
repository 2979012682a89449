"""Quiet hours and wall-clock instants that must exist: where a nudge goes when its time falls
inside the student's quiet hours, with daylight-saving changes handled.

Quiet hours are local wall-clock ``[start, end)`` (see
:func:`bot.domain.local_time.in_quiet_hours`): whether an instant is quiet depends only on its
local wall-clock time, so on a fall-back day the repeated hour is judged twice, once per pass.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.local_time import NonexistentLocalTime, in_quiet_hours, local_instant
from bot.domain.nudge_kinds import StudentPrefs

BEFORE_QUIET = timedelta(minutes=15)
"""A meeting reminder that quiet hours would push too late goes out this long before they
begin instead (see :func:`before_quiet_hours`)."""

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_MAX_DEFERRALS = 4


def _require_aware(instant: datetime, name: str = "instant") -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock reading of ``instant`` in ``zone``, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def occurrences(day: date, at: time, zone: ZoneInfo) -> list[datetime]:
    """Every instant (UTC, ascending) whose wall clock in ``zone`` reads ``day`` ``at``:
    none in a spring-forward gap, two in a fall-back repeated hour, otherwise one."""
    try:
        first = local_instant(day, at, zone)
    except NonexistentLocalTime:
        return []
    second = first.replace(fold=1)
    found = {first.astimezone(UTC), second.astimezone(UTC)}
    return sorted(found)


def _gap_end(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first instant whose wall clock reads at or after ``day`` ``at``, when that wall
    time itself is skipped by a spring-forward change: the moment of the change."""
    target = datetime.combine(day, at)
    # In a gap, fold=0 reads the time with the offset before the change and fold=1 with the
    # one after; the change lies between the two readings.
    readings = [
        datetime.combine(day, at, tzinfo=zone).replace(fold=fold).astimezone(UTC) for fold in (0, 1)
    ]
    low, high = min(readings), max(readings)  # _wall(low) < target <= _wall(high)
    while high - low > _ONE_SECOND:
        middle = low + (high - low) // 2
        if _wall(middle, zone) >= target:
            high = middle
        else:
            low = middle
    # Offset changes happen on whole seconds: the change is ``high`` without its fraction.
    exact = high.replace(microsecond=0)
    return exact if _wall(exact, zone) >= target else high


def wall_clock_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) for local ``day`` ``at`` in ``zone``, never refusing:

    * a repeated time (fall-back) means its **earlier** occurrence;
    * a skipped time (spring-forward gap) means the first instant after the gap: with New
      York's 02:00→03:00 change, 02:30 gives 03:00 EDT.
    """
    found = occurrences(day, at, zone)
    return found[0] if found else _gap_end(day, at, zone)


def _first_at_or_after(day: date, at: time, zone: ZoneInfo, not_before: datetime) -> datetime:
    """Like :func:`wall_clock_instant`, but of a repeated time the first occurrence that is
    not before ``not_before`` (the later one when we are already in the second pass)."""
    found = occurrences(day, at, zone)
    if not found:
        return _gap_end(day, at, zone)
    for candidate in found:
        if candidate >= not_before:
            return candidate
    return found[-1]


def is_quiet(instant: datetime, prefs: StudentPrefs) -> bool:
    """Whether ``instant`` falls in the student's quiet hours (by its local wall clock)."""
    _require_aware(instant)
    local = instant.astimezone(prefs.zone).time()
    return in_quiet_hours(local, prefs.quiet_start, prefs.quiet_end)


def _quiet_start_day(local: datetime, prefs: StudentPrefs) -> date:
    """The local date on which the quiet period containing ``local`` began."""
    crosses_midnight = prefs.quiet_start > prefs.quiet_end
    if crosses_midnight and local.time() < prefs.quiet_end:
        return local.date() - _ONE_DAY
    return local.date()


def defer_past_quiet_hours(instant: datetime, prefs: StudentPrefs) -> datetime:
    """``instant`` (as UTC) if it is outside quiet hours, else the end of the quiet period it
    falls in: ``quiet_end`` local on the right day (the same morning, or the next one for a
    period that began this evening).

    Daylight saving: if ``quiet_end`` is skipped that day (a 02:30 end on a spring-forward day
    whose 02:00–03:00 does not exist), the first instant after the gap (03:00); if it happens
    twice (fall-back), its **earlier** occurrence, unless ``instant`` is already past that one
    (it lies in the second pass of the repeated hour), then the later one. The result is
    never before ``instant``.
    """
    _require_aware(instant)
    utc = instant.astimezone(UTC)
    # The end of one quiet period can fall in the next when a daylight-saving change skips the
    # free time between them (or a whole day: Apia on 2011-12-30), so defer again from there.
    for _ in range(_MAX_DEFERRALS):
        if not is_quiet(utc, prefs):
            break
        local = utc.astimezone(prefs.zone)
        start_day = _quiet_start_day(local, prefs)
        end_day = start_day + _ONE_DAY if prefs.quiet_start > prefs.quiet_end else start_day
        utc = max(utc, _first_at_or_after(end_day, prefs.quiet_end, prefs.zone, utc))
    return utc


def before_quiet_hours(instant: datetime, prefs: StudentPrefs) -> datetime:
    """For an ``instant`` inside quiet hours: :data:`BEFORE_QUIET` before the quiet period it
    falls in began (e.g. 20:45 the evening before, for 21:00–08:00). A ``quiet_start`` skipped
    or repeated by daylight saving is read as :func:`wall_clock_instant` does. When quiet hours
    leave less than that free (21:00–20:50), the moment the previous quiet period ended (20:50);
    if a daylight-saving change skipped all of that free time, ``instant`` itself. Outside quiet
    hours, ``instant`` itself (as UTC)."""
    _require_aware(instant)
    utc = instant.astimezone(UTC)
    if not is_quiet(utc, prefs):
        return utc
    start_day = _quiet_start_day(utc.astimezone(prefs.zone), prefs)
    began = wall_clock_instant(start_day, prefs.quiet_start, prefs.zone)
    return min(defer_past_quiet_hours(min(began, utc) - BEFORE_QUIET, prefs), utc)
