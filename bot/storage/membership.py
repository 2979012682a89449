"""Whether students are still in their server: when each was last looked up, and since when one
is gone (:mod:`bot.membership` does the looking up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.guild_settings import DEFAULT_DEPARTURE_GRACE_DAYS
from bot.storage.timestamps import from_db, to_db


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """What is known about one student's membership."""

    departed_at: datetime | None
    """When a lookup first found them gone (None: present, as far as is known)."""
    checked_at: datetime | None
    """When they were last looked up (None: never)."""


@dataclass(frozen=True, slots=True)
class Departed:
    guild_id: int
    user_id: int
    departed_at: datetime
    grace_days: int
    """The server's grace period before a departed student's data is deleted."""


async def membership_of(source: Source, guild_id: int, user_id: int) -> MembershipRecord | None:
    """None when the student has no row (never used the bot, or their data was deleted)."""
    row = await query_one(
        source,
        "SELECT departed_at, membership_checked_at FROM students"
        " WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    if row is None:
        return None
    return MembershipRecord(from_db(row[0]), from_db(row[1]))


async def record_present(tx: Transaction, guild_id: int, user_id: int, now: datetime) -> None:
    """A lookup found them in the server (back in time, if they had left)."""
    await tx.execute(
        "UPDATE students SET departed_at = NULL, membership_checked_at = ?"
        " WHERE guild_id = ? AND user_id = ?",
        (to_db(now), guild_id, user_id),
    )


async def record_departed(tx: Transaction, guild_id: int, user_id: int, now: datetime) -> None:
    """A lookup found them gone; the first such lookup's time is kept as when they left."""
    await tx.execute(
        "UPDATE students SET departed_at = coalesce(departed_at, ?),"
        " membership_checked_at = ? WHERE guild_id = ? AND user_id = ?",
        (to_db(now), to_db(now), guild_id, user_id),
    )


async def students_to_check(
    source: Source, checked_before: datetime, limit: int
) -> list[tuple[int, int]]:
    """(guild_id, user_id) of up to ``limit`` students not looked up since ``checked_before``,
    never-checked ones first, then the longest unchecked."""
    rows = await query_all(
        source,
        "SELECT guild_id, user_id FROM students"
        " WHERE membership_checked_at IS NULL OR membership_checked_at < ?"
        " ORDER BY membership_checked_at IS NOT NULL, membership_checked_at LIMIT ?",
        (to_db(checked_before), limit),
    )
    return [(row[0], row[1]) for row in rows]


async def departed_students(source: Source) -> list[Departed]:
    """Every student found gone, with their server's grace period."""
    rows = await query_all(
        source,
        "SELECT s.guild_id, s.user_id, s.departed_at,"
        " coalesce(g.departure_grace_days, ?) AS grace"
        " FROM students s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
        " WHERE s.departed_at IS NOT NULL",
        (DEFAULT_DEPARTURE_GRACE_DAYS,),
    )
    departed: list[Departed] = []
    for guild_id, user_id, departed_at, grace in rows:
        when = from_db(departed_at)
        if when is not None:
            departed.append(Departed(guild_id, user_id, when, grace))
    return departed


async def is_departed(source: Source, guild_id: int, user_id: int) -> bool:
    row = await query_one(
        source,
        "SELECT 1 FROM students WHERE guild_id = ? AND user_id = ? AND departed_at IS NOT NULL",
        (guild_id, user_id),
    )
    return row is not None
