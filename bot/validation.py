"""Checks on what students type: lengths, dates and time zones. Failures raise UserError."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.local_time import NonexistentLocalTime, local_instant
from bot.domain.typed_dates import Direction, UnreadableInput, read_date, read_time
from bot.errors import UserError
from bot.text import escape_markdown

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII digits only, unlike \d
_LINE_BREAKS = frozenset("\t\n\r")


def _quoted(text: str, limit: int) -> str:
    """What the student typed, shortened and escaped, for an error message."""
    return f"“{escape_markdown(text[:limit])}”"


def control_character(text: str) -> str | None:
    """The first control character in ``text`` other than a tab or a line break, if any.

    The one rule for what students type, the same on both engines: such characters are
    invisible, SQLite's text functions stop at a NUL, and PostgreSQL's text cannot hold one at
    all. Typed names and forms that contain one are refused (:func:`clean_text`), so no stored
    name has one; lookups treat them as matching nothing (or strip them, for autocomplete)."""
    return next(
        (ch for ch in text if ch not in _LINE_BREAKS and unicodedata.category(ch) == "Cc"), None
    )


def without_control_characters(text: str) -> str:
    """``text`` with the characters :func:`control_character` finds removed: what an
    autocomplete query searches for."""
    if control_character(text) is None:
        return text
    return "".join(ch for ch in text if ch in _LINE_BREAKS or unicodedata.category(ch) != "Cc")


def clean_text(value: str, field: str, *, max_length: int) -> str:
    """Trim required text and check its length. Stored as typed otherwise: mentions never ping,
    because every message the bot sends has mentions disabled."""
    text = value.strip()
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cf", "Zs", "Cc"})
    if not visible:
        raise UserError(f"The {field} can't be empty.")
    if len(text) > max_length:
        raise UserError(
            f"The {field} is {len(text)} characters long; the most is {max_length}. "
            "Please shorten it."
        )
    # Control characters are invisible; SQLite's text functions stop at a NUL (autocomplete
    # would miss what follows one, and a leading NUL fails the tables' length CHECKs), and
    # PostgreSQL can't store one. Tabs and line breaks are fine.
    control = control_character(text)
    if control is not None:
        raise UserError(
            f"The {field} contains a control character (U+{ord(control):04X}) that can't be "
            "shown. Please type it again without it."
        )
    return text


def clean_optional_text(value: str | None, field: str, *, max_length: int) -> str | None:
    """Like :func:`clean_text`, but blank or missing text is simply absent."""
    if value is None or not value.strip():
        return None
    return clean_text(value, field, max_length=max_length)


def parse_date(
    text: str, field: str = "date", *, today: date | None = None, direction: Direction = "future"
) -> date:
    """A date as people type it (``April 6``, ``6 Apr 2027``, ``tomorrow``, ``next Tuesday``,
    ``2027-04-06``: see :mod:`bot.domain.typed_dates`), seen from the student's local
    ``today``; a date without a year, or a weekday, is the nearest one in ``direction``.
    Without ``today`` only ``YYYY-MM-DD`` is accepted (a fixed report period)."""
    if today is not None:
        try:
            return read_date(text, today, direction)
        except UnreadableInput as refused:
            raise UserError(escape_markdown(str(refused))) from None
    value = text.strip()
    if not _DATE.match(value):
        raise UserError(
            f"{_quoted(value, 40)} isn't a date I can read. Use YYYY-MM-DD, e.g. 2026-03-14."
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{value} isn't a real calendar date. Check the month and day.") from None


@cache
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone name available (the ``tzdata`` package guarantees the list)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(all_timezones())


def parse_timezone(name: str) -> ZoneInfo:
    value = name.strip()
    if value not in _zone_names():
        raise UserError(
            f"{_quoted(value, 60)} isn't a time zone I know. Pick one from the list, "
            "e.g. America/New_York or Europe/Berlin."
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"{_quoted(value, 60)} isn't a time zone I know.") from None


def local_start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def parse_clock_time(text: str) -> time:
    """A time of day as people type it: ``15:00``, ``3pm``, ``3:00 PM``, ``noon``."""
    try:
        return read_time(text)
    except UnreadableInput as refused:
        raise UserError(escape_markdown(str(refused))) from None


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of a local date and time; a time skipped by a DST change is refused."""
    try:
        return local_instant(day, at, zone)
    except NonexistentLocalTime:
        raise UserError(
            f"{day.isoformat()} {at:%H:%M} doesn't exist in {zone.key}: the clocks jump forward "
            "that night. Pick a time outside the skipped hour."
        ) from None
