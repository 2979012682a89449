"""Wall-clock times in a student's zone (parsing what students type lives in
:mod:`bot.domain.typed_dates`): turning a local date and time into an
instant, with daylight-saving gaps refused and repeated hours resolved to the first one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """The local time is skipped by a daylight-saving change (02:30 on a spring-forward day)."""


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware instant for ``day`` at ``at`` in ``zone``.

    A time inside a spring-forward gap does not exist: raises :class:`NonexistentLocalTime`.
    A time that happens twice (fall-back) means its first occurrence (``fold=0``).
    """
    candidate = datetime.combine(day, at, tzinfo=zone)
    round_trip = candidate.astimezone(UTC).astimezone(zone)
    if (round_trip.date(), round_trip.time()) != (day, at):
        raise NonexistentLocalTime(f"{day} {at:%H:%M} does not exist in {zone.key}")
    return candidate


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local wall-clock time falls in quiet hours ``[start, end)``; they may cross
    midnight (21:00–08:00). Equal start and end mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end
