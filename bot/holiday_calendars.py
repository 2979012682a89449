"""A server's public-holiday calendar: a country code the ``holidays`` package knows.

Calendars are built once per country and shared (``holidays`` loads a country's rules on first
use, ~0.1 s, and then fills in years lazily as dates are looked up).
"""

from __future__ import annotations

import re
from functools import cache

import holidays

from bot.domain.business_days import HolidayCalendar

NO_HOLIDAYS = "none"


@cache
def supported_countries() -> frozenset[str]:
    """Every code ``holidays.country_holidays`` accepts (ISO 3166 alpha-2 and alpha-3)."""
    return frozenset(code.upper() for code in holidays.list_supported_countries())


def normalize_country(text: str) -> str | None:
    """The stored form of a country code typed by staff: upper case; None for "none" or empty.

    Raises ``ValueError`` for a code the ``holidays`` package doesn't know.
    """
    code = text.strip().upper()
    if not code or code == NO_HOLIDAYS.upper():
        return None
    if code not in supported_countries():
        raise ValueError(code)
    return code


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    registry = getattr(holidays, "registry", None)
    for class_name, *codes in getattr(registry, "COUNTRIES", {}).values():
        words = " ".join(re.findall(r"[A-Z][a-z]*|[a-z]+", class_name)) or class_name
        for code in codes:
            names[code.upper()] = words
    return names


def country_name(code: str) -> str:
    """A readable name for a code ("US" → "United States"), or the code itself."""
    return _country_names().get(code.upper(), code.upper())


@cache
def holiday_calendar(code: str | None) -> HolidayCalendar:
    """The calendar for ``code`` (None → weekends only). Unknown codes raise ``ValueError``."""
    if code is None:
        return None
    try:
        return holidays.country_holidays(code.upper())
    except NotImplementedError:
        raise ValueError(code) from None
