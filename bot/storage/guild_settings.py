"""A server's settings, kept by its staff: staff role, word limit, meeting length, report-back
delay, holiday calendar, digest channel, time zone. A server without a row uses the
defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.business_days import HolidayCalendar
from bot.domain.email_check import DEFAULT_WORD_LIMIT as DEFAULT_WORD_LIMIT
from bot.domain.next_step import DEFAULT_MEETING_MINUTES as DEFAULT_MEETING_MINUTES
from bot.domain.next_step import REPORT_BACK_AFTER_DAYS
from bot.holiday_calendars import holiday_calendar
from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.timestamps import from_db, to_db

DEFAULT_REPORT_BACK_DAYS = REPORT_BACK_AFTER_DAYS
DEFAULT_DEPARTURE_GRACE_DAYS = 30

RANGES: dict[str, tuple[int, int]] = {
    "word_limit": (50, 200),
    "meeting_minutes": (10, 60),
    "report_back_days": (7, 30),
    "departure_grace_days": (1, 365),
}
"""Allowed values (inclusive) of the numeric settings; the table's CHECKs say the same."""

SETTING_COLUMNS = frozenset(
    {
        "staff_role_id",
        "word_limit",
        "meeting_minutes",
        "report_back_days",
        "holiday_country",
        "digest_channel_id",
        "departure_grace_days",
        "zone",
    }
)
_COLUMNS = "guild_id, " + ", ".join(sorted(SETTING_COLUMNS)) + ", updated_at"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    guild_id: int
    staff_role_id: int | None = None
    word_limit: int = DEFAULT_WORD_LIMIT
    meeting_minutes: int = DEFAULT_MEETING_MINUTES
    report_back_days: int = DEFAULT_REPORT_BACK_DAYS
    holiday_country: str | None = None
    digest_channel_id: int | None = None
    departure_grace_days: int = DEFAULT_DEPARTURE_GRACE_DAYS
    zone: str | None = None  # IANA name; None: UTC
    updated_at: datetime | None = None  # None: staff never changed anything (no row)

    @property
    def stored(self) -> bool:
        return self.updated_at is not None

    def email_word_limit(self, installation_default: int) -> int:
        """The outreach-email word limit: the staff's once they saved settings, else the one in
        ``data/outreach_email.toml``."""
        return self.word_limit if self.stored else installation_default

    @property
    def tz(self) -> ZoneInfo:
        """The server's zone for staff: dates in staff views, periods, the weekly summary."""
        return ZoneInfo(self.zone or "UTC")

    @property
    def holidays(self) -> HolidayCalendar:
        """The public holidays to skip besides weekends (None: weekends only)."""
        return holiday_calendar(self.holiday_country)


async def server_settings(source: Source, guild_id: int) -> ServerSettings:
    """The server's settings; the defaults when staff never changed any."""
    row = await query_one(
        source, f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return ServerSettings(guild_id)
    return ServerSettings(
        guild_id=row["guild_id"],
        staff_role_id=row["staff_role_id"],
        word_limit=row["word_limit"],
        meeting_minutes=row["meeting_minutes"],
        report_back_days=row["report_back_days"],
        holiday_country=row["holiday_country"],
        digest_channel_id=row["digest_channel_id"],
        departure_grace_days=row["departure_grace_days"],
        zone=row["zone"],
        updated_at=from_db(row["updated_at"]),
    )


def check_range(name: str, value: int) -> bool:
    low, high = RANGES[name]
    return low <= value <= high


async def update_server_settings(
    tx: Transaction,
    guild_id: int,
    now: datetime,
    *,
    initial: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    """Set some settings (columns of :data:`SETTING_COLUMNS`; None clears a nullable one).

    ``initial`` gives values for a server's first row only (e.g. the installation's word limit
    from ``data/``), for settings not in ``values``.
    """
    unknown = (set(values) | set(initial or {})) - SETTING_COLUMNS
    if unknown or not values:
        raise ValueError(f"unknown or no settings: {sorted(unknown)}")
    for name, value in values.items():
        if name in RANGES and not check_range(name, value):
            raise ValueError(f"{name}={value} is outside {RANGES[name]}")
    first = {k: v for k, v in (initial or {}).items() if k not in values}
    first = {k: v for k, v in first.items() if k not in RANGES or check_range(k, v)}
    insert = {**first, **values, "guild_id": guild_id, "updated_at": to_db(now)}
    names = ", ".join(insert)
    marks = ", ".join(f":{name}" for name in insert)
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*values, "updated_at"))
    await tx.execute(
        f"INSERT INTO guild_settings ({names}) VALUES ({marks})"
        f" ON CONFLICT (guild_id) DO UPDATE SET {updates}",
        insert,
    )


async def digest_channels(source: Source) -> list[tuple[int, int, str | None]]:
    """``(guild_id, channel_id, zone)`` of every server whose staff chose a channel for the
    weekly summary (zone: its IANA name, None for UTC)."""
    rows = await query_all(
        source,
        "SELECT guild_id, digest_channel_id, zone FROM guild_settings"
        " WHERE digest_channel_id IS NOT NULL ORDER BY guild_id",
    )
    return [(row[0], row[1], row[2]) for row in rows]
