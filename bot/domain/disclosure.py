"""The disclosure rule for staff figures: what a figure about students may show, decided here
and only here (embeds, CSV files, the chart and the weekly summary all go through it).

The threat: a staff member with Manage Server who controls up to :data:`CONTROLLED` accounts
(their own and four more) that log whatever they like, and who wants one real student's figures.
The rule uses the usual small-cell techniques for student data (minimum cell size, rounding,
complementary suppression, coarse order statistics, no overlapping windows that differ by a few
students):

1. **Minimum cell size.** A figure is a *cell*: the records behind it (one per contact, nudge or
   student), each with the student it belongs to. A cell is shown only if at least
   :data:`MIN_STUDENTS` (10) distinct students are in it, so at least 5 of them are students the
   attacker does not control.
2. **Windows.** A period starts at a week or month start in the server's zone (or is all time)
   and runs to now. Two periods differ by the records between their starts, so a cell is shown
   for a period only if that difference, against every wider period whose cell is shown, holds
   no student or at least 10 (:func:`releasable`; the widest period wins).
3. **Rounding.** Counts are rounded to the nearest :data:`ROUND_TO` (5), deterministically (the
   same data always gives the same figure; nothing random to average away).
4. **Complementary suppression.** In a table with a total (:func:`table`), the hidden cells
   together form one more cell ("the rest") that must pass the rule too; if it does not, the
   smallest shown cells join it until it does (or everything is hidden). The total shown is the
   sum of the parts as shown.
5. **Nested counts** (a funnel, "eligible → done"; :func:`nested`): each shown step and the
   records between it and the previous shown step both pass; rounded steps never grow.
6. **Medians** (:func:`median`): over per-student medians (each student counts once), only for
   cells of 10 students, rounded to whole days.
7. **Percentages** (:func:`share`): only from two shown counts, computed from them as shown.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MIN_STUDENTS = 10
ROUND_TO = 5
CONTROLLED = 5
"""Accounts the threat model gives the attacker: their own and four more."""


@dataclass(frozen=True, slots=True)
class Record:
    """One thing a figure counts. ``at`` puts it in periods (None: as of now, in every period);
    ``value`` is what a median is taken of; ``item`` tells apart records of one student (the
    contact's or nudge's id), so nested cells can be compared."""

    student: int
    at: datetime | None = None
    value: float = 1.0
    item: int = 0


Cell = tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` (None: all time) to now; ``starts`` are every start staff could pick (the
    week and month starts up to now), for the differencing check."""

    start: datetime | None
    starts: tuple[datetime, ...] = ()

    def holds(self, record: Record) -> bool:
        return record.at is None or self.start is None or record.at >= self.start


ALL_TIME = Period(None)


def inside(cell: Iterable[Record], period: Period) -> list[Record]:
    return [record for record in cell if period.holds(record)]


def students(records: Iterable[Record]) -> int:
    return len({record.student for record in records})


def _at_least(records: Iterable[Record], enough: int = MIN_STUDENTS) -> int:
    """Distinct students among ``records``, counting no further than ``enough``."""
    seen: set[int] = set()
    for record in records:
        seen.add(record.student)
        if len(seen) >= enough:
            break
    return len(seen)


def _moment(record: Record) -> datetime:
    assert record.at is not None
    return record.at


def _admitted(cell: Sequence[Record], period: Period) -> bool:
    """Rule 2. The periods staff could pick are taken from the widest (all time) to the
    narrowest; each is admitted if its cell holds 10 students and the records between its start
    and the last admitted one's hold none or at least 10. (Checking against the last admitted
    start is enough: the records back to any earlier admitted one are those plus records already
    checked.) A figure is shown only for an admitted period, so no two shown periods differ by
    fewer than 10 students."""
    timed = sorted((r for r in cell if r.at is not None), key=_moment)
    moments = [_moment(r) for r in timed]
    untimed = [r for r in cell if r.at is None]
    candidates: list[datetime | None] = [None]
    if period.start is not None:
        candidates += sorted(s for s in period.starts if s < period.start)
        candidates.append(period.start)
    latest: int | None = None  # index into ``moments`` of the last admitted start
    admitted = False
    for candidate in candidates:
        begin = 0 if candidate is None else bisect_left(moments, candidate)
        admitted = _at_least([*untimed, *timed[begin:]]) >= MIN_STUDENTS
        if admitted and latest is not None:
            between = _at_least(timed[latest:begin])
            admitted = between == 0 or between >= MIN_STUDENTS
        if admitted:
            latest = begin
    return admitted


def releasable(cell: Sequence[Record], period: Period = ALL_TIME) -> bool:
    """Whether a figure drawn from ``cell`` in ``period`` may be shown (rules 1 and 2)."""
    if students(inside(cell, period)) < MIN_STUDENTS:
        return False
    return _admitted(cell, period)


def rounded(count: int) -> int:
    """To the nearest :data:`ROUND_TO`, halves up (12 → 10, 13 → 15)."""
    return ROUND_TO * math.floor(count / ROUND_TO + 0.5)


def count(cell: Sequence[Record], period: Period = ALL_TIME) -> int | None:
    """The cell's records in the period, rounded; None if hidden."""
    if not releasable(cell, period):
        return None
    return rounded(len(inside(cell, period)))


def count_students(cell: Sequence[Record], period: Period = ALL_TIME) -> int | None:
    """How many distinct students are in the cell in the period, rounded; None if hidden."""
    if not releasable(cell, period):
        return None
    return rounded(students(inside(cell, period)))


def median(cell: Sequence[Record], period: Period = ALL_TIME) -> int | None:
    """The median over students of each student's median ``value``, in whole units; None if
    hidden."""
    if not releasable(cell, period):
        return None
    per_student: dict[int, list[float]] = {}
    for record in inside(cell, period):
        per_student.setdefault(record.student, []).append(record.value)
    middle = statistics.median(statistics.median(values) for values in per_student.values())
    return math.floor(middle + 0.5)


def share(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` of two shown counts; None unless both are shown and ``whole`` > 0."""
    if part is None or not whole:
        return None
    return part / whole


@dataclass(frozen=True, slots=True)
class Table:
    """A table's parts as shown (None: hidden), the rest (the hidden parts together; None when
    nothing is hidden, or when the whole table is), and the total (the sum of what is shown)."""

    parts: Mapping[str, int | None]
    rest: int | None
    total: int | None

    @property
    def hidden(self) -> bool:
        return self.total is None


def table(parts: Mapping[str, Sequence[Record]], period: Period = ALL_TIME) -> Table:
    """Rule 4: parts that pass, and the rest together if that passes too (else the smallest
    shown parts join the rest until it does; if even all of them together do not, nothing is
    shown)."""
    shown = {key: cell for key, cell in parts.items() if releasable(cell, period)}
    hidden = [key for key in parts if key not in shown]
    while hidden:
        rest = tuple(record for key in hidden for record in parts[key])
        if not inside(rest, period) or releasable(rest, period):
            break
        if not shown:
            return Table(dict.fromkeys(parts), None, None)
        smallest = min(shown, key=lambda key: len(inside(shown[key], period)))
        del shown[smallest]
        hidden.append(smallest)
    values: dict[str, int | None] = {
        key: rounded(len(inside(shown[key], period))) if key in shown else None for key in parts
    }
    rest_value: int | None = None
    if hidden:
        rest_records = [r for key in hidden for r in inside(parts[key], period)]
        rest_value = rounded(len(rest_records)) if rest_records else 0
    total = sum(v for v in values.values() if v is not None) + (rest_value or 0)
    if not shown and not rest_value:
        return Table(dict.fromkeys(parts), None, None)  # nothing at all: say nothing either
    return Table(values, rest_value, total)


def nested(steps: Sequence[Sequence[Record]], period: Period = ALL_TIME) -> list[int | None]:
    """Rule 5 for cells each inside the one before (a funnel): a step is shown if it passes and
    so do the records between it and the previous shown step. Shown steps never grow."""
    result: list[int | None] = []
    previous: set[Record] | None = None
    for cell in steps:
        records = set(inside(cell, period))
        # An empty step after a shown one is a plain 0 (everyone stopped before it).
        ok = releasable(cell, period) or (not records and previous is not None)
        if ok and previous is not None:
            between = tuple(previous - records)
            ok = not between or releasable(between, period)
        if ok:
            result.append(rounded(len(records)))
            previous = records
        else:
            result.append(None)
    # Rounding is monotone, so nested cells keep their order; guard it all the same.
    last: int | None = None
    for i, value in enumerate(result):
        if value is not None:
            if last is not None and value > last:
                result[i] = last
            last = result[i]
    return result


# -- periods -------------------------------------------------------------------------------------


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (aware, in ``zone``)."""
    return datetime.combine(day, time(0), zone)


def period_starts(first: date, today: date) -> list[date]:
    """Every Monday and every first of a month from the week and month of ``first`` to
    ``today`` (inclusive)."""
    days: set[date] = set()
    monday = first - timedelta(days=first.weekday())
    while monday <= today:
        days.add(monday)
        monday += timedelta(days=7)
    month = date(first.year, first.month, 1)
    while month <= today:
        days.add(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return sorted(days)


def is_period_start(day: date) -> bool:
    return day.weekday() == 0 or day.day == 1
