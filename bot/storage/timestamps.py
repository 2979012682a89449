"""How instants and dates are written to and read from SQLite text columns."""

from __future__ import annotations

from datetime import UTC, date, datetime


def to_db(instant: datetime) -> str:
    """An aware instant as fixed-width ISO-8601 UTC text, so text order is time order."""
    if instant.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def date_from_db(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
