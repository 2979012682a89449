"""Whether students are still in their server: when each was last looked up, and since when one
is gone (:mod:`bot.membership` does the looking up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.engine import lock_guild
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


@dataclass(frozen=True, slots=True)
class ToCheck:
    """A student the membership sweep looks up: ``dm_channel_id`` is None if the bot never
    opened a DM with them, ``reminder_pending`` whether a reminder of theirs waits."""

    guild_id: int
    user_id: int
    dm_channel_id: int | None
    reminder_pending: bool


async def students_to_check(source: Source, checked_before: datetime, limit: int) -> list[ToCheck]:
    """Up to ``limit`` students not looked up since ``checked_before``: those with the
    soonest pending reminder first (looked up ahead of it), then the never-checked, then the
    longest unchecked."""
    rows = await query_all(
        source,
        "SELECT guild_id, user_id, dm_channel_id, next_due FROM ("
        " SELECT s.guild_id, s.user_id, s.dm_channel_id,"
        "  s.membership_checked_at AS checked_at,"
        "  (SELECT min(n.due_at) FROM nudges n WHERE n.guild_id = s.guild_id"
        "   AND n.user_id = s.user_id AND n.status = 'pending') AS next_due"
        " FROM students s"
        " WHERE s.membership_checked_at IS NULL OR s.membership_checked_at < ?) AS due"
        " ORDER BY next_due IS NULL, next_due, checked_at IS NOT NULL, checked_at LIMIT ?",
        (to_db(checked_before), limit),
    )
    return [ToCheck(row[0], row[1], row[2], row[3] is not None) for row in rows]


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


# --- servers the bot has left -----------------------------------------------------------------


async def record_guild_left(tx: Transaction, guild_id: int, now: datetime) -> bool:
    """The bot is no longer in the server: its grace period starts now (or keeps its start, if
    it had already left). True if this is news."""
    cursor = await tx.execute(
        "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?)"
        " ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db(now)),
    )
    return cursor.rowcount == 1


async def record_guild_present(tx: Transaction, guild_id: int) -> bool:
    """The bot is in the server (again): its grace period ends. True if it had left."""
    cursor = await tx.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))
    return cursor.rowcount == 1


async def guild_left_at(source: Source, guild_id: int) -> datetime | None:
    """When the bot left the server (None: it is there, as far as is known)."""
    row = await query_one(
        source, "SELECT left_at FROM departed_guilds WHERE guild_id = ?", (guild_id,)
    )
    return from_db(row[0]) if row else None


async def record_left_guild_name(tx: Transaction, guild_id: int, name: str) -> None:
    """The name of a server the bot has left, as it was seen leaving (no row: nothing)."""
    await tx.execute(
        "UPDATE departed_guilds SET name = ? WHERE guild_id = ?", (name[:100], guild_id)
    )


async def left_guild_name(source: Source, guild_id: int) -> str | None:
    """The name of a server the bot has left (None: not left, or its name was never seen)."""
    row = await query_one(
        source, "SELECT name FROM departed_guilds WHERE guild_id = ?", (guild_id,)
    )
    return row[0] if row else None


async def departed_guilds(source: Source) -> list[tuple[int, datetime]]:
    """(guild_id, left_at) of every server the bot has left and whose data is still kept."""
    rows = await query_all(source, "SELECT guild_id, left_at FROM departed_guilds")
    found: list[tuple[int, datetime]] = []
    for guild_id, left_at in rows:
        when = from_db(left_at)
        if when is not None:
            found.append((guild_id, when))
    return found


async def guilds_with_data(source: Source) -> set[int]:
    """Every server something is stored about (students, staff settings, checklists, audit)."""
    rows = await query_all(
        source,
        "SELECT guild_id FROM students UNION SELECT guild_id FROM guild_settings"
        " UNION SELECT guild_id FROM checklist_items UNION SELECT guild_id FROM staff_audit",
    )
    return {row[0] for row in rows}


async def students_of_guild(source: Source, guild_id: int) -> list[int]:
    rows = await query_all(
        source, "SELECT user_id FROM students WHERE guild_id = ? ORDER BY user_id", (guild_id,)
    )
    return [row[0] for row in rows]


async def guilds_of_student(source: Source, user_id: int) -> list[int]:
    """The servers where the user has data (a students row), for the DM privacy commands."""
    rows = await query_all(
        source, "SELECT guild_id FROM students WHERE user_id = ? ORDER BY guild_id", (user_id,)
    )
    return [row[0] for row in rows]


async def cancel_guild_nudges(tx: Transaction, guild_id: int, reason: str, now: datetime) -> int:
    """Cancel every pending nudge in the server (the bot left it)."""
    cursor = await tx.execute(
        "UPDATE nudges SET status = 'cancelled', last_error = ?, updated_at = ?"
        " WHERE guild_id = ? AND status = 'pending'",
        (reason[:500], to_db(now), guild_id),
    )
    return cursor.rowcount


GUILD_TABLES = ("guild_settings", "checklist_items", "staff_audit", "departed_guilds")
"""The server-level tables: staff settings, checklist edits, the staff audit log, and the
server's departure record. Deleted with the server's data."""


async def delete_guild_rows(tx: Transaction, guild_id: int) -> int:
    """Delete the server-level rows (students' rows go through
    :func:`bot.storage.privacy.delete_student_data`, one student at a time)."""
    await lock_guild(tx, guild_id)  # PostgreSQL: no staff write of the server meanwhile
    deleted = 0
    for table in GUILD_TABLES:
        cursor = await tx.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        deleted += max(cursor.rowcount, 0)
    return deleted
