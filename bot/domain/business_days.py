"""Business-day arithmetic for the 3B7 routine.

A business day is a Monday-to-Friday date that is not in the optional holiday
calendar. A calendar is any container of dates (``day in calendar``), so a
``holidays.HolidayBase`` instance (e.g. ``holidays.country_holidays("US")``), a
``set[date]`` or ``None`` (weekends only) all work.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta
from typing import TypeAlias
from zoneinfo import ZoneInfo

HolidayCalendar: TypeAlias = Container[date] | None
"""Public holidays to skip besides weekends; ``None`` means weekends only."""

NOON = time(12, 0)
"""A request sent at or after this local time counts from the next business day."""

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


def is_business_day(day: date, holidays: HolidayCalendar = None) -> bool:
    """Return True if ``day`` is Monday to Friday and not a holiday."""
    if day.weekday() >= _SATURDAY:
        return False
    return holidays is None or day not in holidays


def next_business_day(day: date, holidays: HolidayCalendar = None) -> date:
    """Return the first business day strictly after ``day``."""
    candidate = day + _ONE_DAY
    while not is_business_day(candidate, holidays):
        candidate += _ONE_DAY
    return candidate


def business_days_after(start: date, n: int, holidays: HolidayCalendar = None) -> date:
    """Return the ``n``-th business day after ``start``.

    * ``n == 0``: ``start`` itself if it is a business day, else the next one (the
      same roll-forward as a request's day 0);
    * ``n >= 1``: the ``n``-th business day strictly after ``start``, whether or not
      ``start`` is a business day, i.e. the earliest ``d`` with
      ``business_days_between(start, d) == n``. From a Saturday, ``n=0`` and ``n=1``
      are both the Monday.

    Raises ``ValueError`` for a negative ``n``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return start if is_business_day(start, holidays) else next_business_day(start, holidays)
    current = start
    for _ in range(n):
        current = next_business_day(current, holidays)
    return current


def business_days_between(start: date, end: date, holidays: HolidayCalendar = None) -> int:
    """Count the business days in the half-open interval ``(start, end]``.

    ``start`` itself is never counted; ``end`` is counted if it is a business day.
    Returns 0 when ``end <= start`` (the interval is empty).
    """
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if is_business_day(day, holidays):
            count += 1
        day += _ONE_DAY
    return count


def counting_start(
    sent_at: datetime,
    zone: ZoneInfo,
    holidays: HolidayCalendar = None,
    *,
    time_known: bool = True,
) -> date:
    """Return the local day from which the 3B7 count starts (day 0).

    ``sent_at`` is converted to ``zone`` (the student's time zone). Day 0 is that
    local date if it is a business day and, when ``time_known``, the local time is
    before 12:00 (12:00 sharp already counts as afternoon). Otherwise day 0 is the
    next business day. With ``time_known=False`` (the student logged only a date)
    any time on a business day counts that same day.

    Raises ``ValueError`` if ``sent_at`` is naive.
    """
    if sent_at.tzinfo is None or sent_at.utcoffset() is None:
        raise ValueError("sent_at must be timezone-aware")
    local = sent_at.astimezone(zone)
    day = local.date()
    if is_business_day(day, holidays) and (not time_known or local.time() < NOON):
        return day
    return next_business_day(day, holidays)
