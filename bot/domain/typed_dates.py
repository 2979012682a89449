"""Dates and times the way people type them, still strict about what they mean.

Dates: ``2027-04-06``, ``April 6``, ``Apr 6 2027``, ``April 6th, 2027``, ``6 Apr``,
``6 April 2027``, ``today``, ``tomorrow``, ``yesterday``, ``Tuesday``, ``next Tuesday``,
``last Tuesday``. A date without a year, or a bare weekday, is the nearest one in the direction
the question looks (``future`` when scheduling, ``past`` when logging what happened). Numeric
dates such as ``4/6`` or ``06.04.2027`` mean 4 June in most of the world and April 6 in the US,
so they are refused with an example instead of guessed.

Times: ``15:00``, ``9:05``, ``3pm``, ``3 pm``, ``3:00 PM``, ``3.30pm``, ``noon``, ``midnight``.

Only ASCII digits count (a full-width or Arabic-Indic digit is refused, as before). Failures raise
:class:`UnreadableInput` whose message names accepted examples.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time, timedelta
from typing import Literal

Direction = Literal["future", "past"]

DATE_EXAMPLES = "2027-04-06, April 6, 6 Apr 2027, tomorrow or next Tuesday"
TIME_EXAMPLES = "15:00, 3pm, 3:30 PM or noon"


class UnreadableInput(ValueError):
    """Text that is not a date or time we accept; the message is meant for the student."""


def _names(full: list[str], abbreviations: list[str]) -> dict[str, int]:
    names: dict[str, int] = {}
    for number, (name, short) in enumerate(zip(full, abbreviations, strict=True)):
        if not name:
            continue
        names[name.lower()] = number
        names[short.lower()] = number
    return names


# English names regardless of the process locale (calendar.month_name follows LC_TIME).
_MONTHS = _names(
    [
        "",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
)
_MONTHS["sept"] = 9
_WEEKDAYS = _names(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
)
_WEEKDAYS.update({"tues": 1, "wednes": 2, "thur": 3, "thurs": 3})

_D = r"[0-9]"
_MONTH = r"(?P<month>[a-z]+)\.?"
_DAY = rf"(?P<day>{_D}{{1,2}})(?:st|nd|rd|th)?"
_YEAR = rf"(?P<year>{_D}{{4}})"
_ISO = re.compile(rf"(?P<year>{_D}{{4}})-(?P<month>{_D}{{2}})-(?P<day>{_D}{{2}})")
_MONTH_FIRST = re.compile(rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?")
_DAY_FIRST = re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?")
_WEEKDAY = re.compile(r"(?:(?P<which>next|last|this|on)\s+)?(?P<weekday>[a-z]+)")
_NUMERIC = re.compile(rf"{_D}{{1,4}}\s*[/.\-]\s*{_D}{{1,2}}(?:\s*[/.\-]\s*{_D}{{1,4}})?\.?")
_RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1}

_H24 = re.compile(rf"(?P<hour>{_D}{{1,2}})\s*[:.h]\s*(?P<minute>{_D}{{2}})")
_H12 = re.compile(
    rf"(?P<hour>{_D}{{1,2}})(?:\s*[:.]\s*(?P<minute>{_D}{{2}}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)"
)
_NAMED_TIMES = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def _clean(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _only_ascii_digits(text: str) -> bool:
    return all(ch in "0123456789" or not ch.isdigit() for ch in text)


def _calendar_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise UnreadableInput(
            f"“{shown}” isn't a real calendar date: check the month and day (e.g. {DATE_EXAMPLES})."
        ) from None


def _without_year(month: int, day: int, today: date, direction: Direction, shown: str) -> date:
    """The nearest ``month``/``day`` from ``today`` in ``direction`` (today itself included).
    29 February goes to the nearest leap year that way."""
    step = 1 if direction == "future" else -1
    for offset in range(0, 9):  # a leap year always comes within 8 years
        year = today.year + step * offset
        if day > calendar.monthrange(year, month)[1]:
            if month == 2 and day == 29:
                continue
            break  # 31 April never exists
        candidate = date(year, month, day)
        if (candidate >= today) if direction == "future" else (candidate <= today):
            return candidate
    return _calendar_date(today.year, month, day, shown)  # raises: no such day


def _weekday(which: str | None, weekday: int, today: date, direction: Direction) -> date:
    ahead = (weekday - today.weekday()) % 7  # 0: today
    if which == "next":
        return today + timedelta(days=ahead or 7)
    if which == "last":
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if direction == "future":
        return today + timedelta(days=ahead)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def read_date(text: str, today: date, direction: Direction = "future") -> date:
    """The date ``text`` means, seen from the student's local ``today``."""
    shown = " ".join(text.strip().split())[:40]
    value = _clean(text)
    if not value:
        raise UnreadableInput(f"A blank isn't a date I can read. Try e.g. {DATE_EXAMPLES}.")
    if not _only_ascii_digits(value):
        raise UnreadableInput(
            f"“{shown}” isn't a date I can read: please type it with the digits 0–9, "
            f"e.g. {DATE_EXAMPLES}."
        )
    if value in _RELATIVE:
        return today + timedelta(days=_RELATIVE[value])
    if match := _ISO.fullmatch(value):
        return _calendar_date(int(match["year"]), int(match["month"]), int(match["day"]), shown)
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        match = pattern.fullmatch(value)
        if match and match["month"] in _MONTHS:
            month, day = _MONTHS[match["month"]], int(match["day"])
            if match["year"]:
                return _calendar_date(int(match["year"]), month, day, shown)
            if not 1 <= day <= 31:
                return _calendar_date(today.year, month, day, shown)  # raises
            return _without_year(month, day, today, direction, shown)
    match = _WEEKDAY.fullmatch(value)
    if match and match["weekday"] in _WEEKDAYS:
        return _weekday(match["which"], _WEEKDAYS[match["weekday"]], today, direction)
    if _NUMERIC.fullmatch(value):
        raise UnreadableInput(
            f"“{shown}” isn't a date I can read safely: numbers alone mean month/day in some "
            f"countries and day/month in others. Write the month as a word or use "
            f"year-month-day, e.g. {DATE_EXAMPLES}."
        )
    raise UnreadableInput(f"“{shown}” isn't a date I can read. Try e.g. {DATE_EXAMPLES}.")


def read_time(text: str) -> time:
    """The wall-clock time ``text`` means (minutes precision)."""
    shown = " ".join(text.strip().split())[:20]
    value = _clean(text)
    if not value:
        raise UnreadableInput(f"A blank isn't a time I can read. Try e.g. {TIME_EXAMPLES}.")
    if not _only_ascii_digits(value):
        raise UnreadableInput(
            f"“{shown}” isn't a time I can read: please type it with the digits 0–9, "
            f"e.g. {TIME_EXAMPLES}."
        )
    if value in _NAMED_TIMES:
        return _NAMED_TIMES[value]
    if match := _H12.fullmatch(value):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise UnreadableInput(
                f"“{shown}” isn't a time I can read: with am/pm the hour is 1 to 12 "
                f"(e.g. {TIME_EXAMPLES})."
            )
        pm = match["half"].startswith("p")
        return time(hour % 12 + (12 if pm else 0), minute)
    if match := _H24.fullmatch(value):
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise UnreadableInput(
                f"“{shown}” isn't a time I can read: hours go 0–23 and minutes 0–59 "
                f"(e.g. {TIME_EXAMPLES})."
            )
        return time(hour, minute)
    raise UnreadableInput(f"“{shown}” isn't a time I can read. Try e.g. {TIME_EXAMPLES}.")
