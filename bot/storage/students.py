"""Students, scoped by server: one row per (server, member) who has used the bot, with their
own settings (time zone, quiet hours, nudges, digest day)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import aiosqlite

from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.engine import is_postgres
from bot.storage.timestamps import from_db, to_db

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Student:
    guild_id: int
    user_id: int
    timezone: str | None
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    nudges_enabled: bool = True
    digest_day: int | None = 0  # 0 = Monday … 6 = Sunday; None = off
    dm_channel_id: int | None = None
    unreachable_at: datetime | None = None
    unreachable_told_at: datetime | None = None
    share_with_staff: bool = False  # opted in to show their stages to this server's staff


_COLUMNS = (
    "guild_id, user_id, timezone, quiet_start, quiet_end, nudges_enabled, digest_day,"
    " dm_channel_id, unreachable_at, unreachable_told_at, share_with_staff"
)
SETTING_COLUMNS = frozenset(
    {"timezone", "quiet_start", "quiet_end", "nudges_enabled", "digest_day", "share_with_staff"}
)


_CREATED: ContextVar[frozenset[tuple[int, int]]] = ContextVar(
    "students_created_in_this_task", default=frozenset()
)
"""The (server, member) rows :func:`ensure_student` created in the running task. The
pointer to ``/start`` after a student's first command reads it (the command's completion
listener runs in a task copied from the command's), so that pointer needs no write of its own
after the command has answered."""


def created_so_far() -> frozenset[tuple[int, int]]:
    """The rows noted as created in this task so far (to restore if the transaction fails)."""
    return _CREATED.get()


def forget_created(before: frozenset[tuple[int, int]]) -> None:
    """The transaction that created rows rolled back: they were not created after all."""
    _CREATED.set(before)


async def ensure_student(tx: Transaction, guild_id: int, user_id: int, now: datetime) -> None:
    """Create the student row if missing and mark them active now. A new row is noted as
    pointed to ``/start`` (the pointer follows this first command; see
    :func:`created_in_this_task`)."""
    stamp = to_db(now)
    values = (guild_id, user_id, stamp, stamp, stamp)
    if is_postgres(tx):
        # One round trip: insert or mark active. ``xmax = 0`` holds only for a row version this
        # statement inserted (the conflict path leaves its row lock in xmax).
        async with tx.execute(_INSERT + _PG_UPSERT, values) as cursor:
            row = await cursor.fetchone()
        created = row is not None and bool(row["created"])
    else:  # SQLite's RETURNING can't tell an insert from an update: two statements (no trip)
        cursor = await tx.execute(_INSERT + " ON CONFLICT (guild_id, user_id) DO NOTHING", values)
        created = cursor.rowcount == 1
        if not created:
            await tx.execute(
                "UPDATE students SET last_active_at = ? WHERE guild_id = ? AND user_id = ?",
                (stamp, guild_id, user_id),
            )
    if created:
        _CREATED.set(_CREATED.get() | {(guild_id, user_id)})


_INSERT = (
    "INSERT INTO students (guild_id, user_id, created_at, last_active_at, start_pointed_at)"
    " VALUES (?, ?, ?, ?, ?)"
)
_PG_UPSERT = (
    " ON CONFLICT (guild_id, user_id) DO UPDATE SET last_active_at = excluded.last_active_at"
    " RETURNING (xmax = 0) AS created"
)


def student_from_row(
    row: aiosqlite.Row, *, guild_id: int | None = None, user_id: int | None = None
) -> Student:
    """A student from a row with the students table's columns (``guild_id``/``user_id`` given
    when the query did not select them)."""
    return Student(
        guild_id=row["guild_id"] if guild_id is None else guild_id,
        user_id=row["user_id"] if user_id is None else user_id,
        timezone=row["timezone"],
        quiet_start=time.fromisoformat(row["quiet_start"]),
        quiet_end=time.fromisoformat(row["quiet_end"]),
        nudges_enabled=bool(row["nudges_enabled"]),
        digest_day=row["digest_day"],
        dm_channel_id=row["dm_channel_id"],
        unreachable_at=from_db(row["unreachable_at"]),
        unreachable_told_at=from_db(row["unreachable_told_at"]),
        share_with_staff=bool(row["share_with_staff"]),
    )


async def get_student(db: Source, guild_id: int, user_id: int) -> Student | None:
    row = await query_one(
        db,
        f"SELECT {_COLUMNS} FROM students WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else student_from_row(row)


async def update_settings(
    tx: Transaction, guild_id: int, user_id: int, now: datetime, **values: Any
) -> None:
    """Set some of the student's settings (``timezone``, ``quiet_start``, ``quiet_end``,
    ``nudges_enabled``, ``digest_day``, ``share_with_staff``), creating the student row if
    missing; times are written as HH:MM."""
    _check_settings(values)
    await ensure_student(tx, guild_id, user_id, now)
    await write_settings(tx, guild_id, user_id, **values)


async def write_settings(tx: Transaction, guild_id: int, user_id: int, **values: object) -> None:
    """Like :func:`update_settings`, for a transaction that has already ensured the student
    (``bot.actions.common.student_transaction``)."""
    _check_settings(values)
    encoded = {key: _encode(value) for key, value in values.items()}
    assignments = ", ".join(f"{key} = :{key}" for key in encoded)
    await tx.execute(
        f"UPDATE students SET {assignments} WHERE guild_id = :guild_id AND user_id = :user_id",
        {**encoded, "guild_id": guild_id, "user_id": user_id},
    )


def _encode(value: object) -> object:
    """Times as HH:MM; booleans as the 0/1 the INTEGER columns hold (on both engines)."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return int(value)
    return value


def _check_settings(values: dict[str, object]) -> None:
    unknown = set(values) - SETTING_COLUMNS
    if unknown or not values:
        raise ValueError(f"unknown or no settings: {sorted(unknown)}")


async def set_timezone(
    tx: Transaction, guild_id: int, user_id: int, zone: str, now: datetime
) -> None:
    await update_settings(tx, guild_id, user_id, now, timezone=zone)


async def set_dm_channel(tx: Transaction, user_id: int, channel_id: int) -> None:
    """Remember the user's DM channel (one per user, so every server's row gets it)."""
    await tx.execute(
        "UPDATE students SET dm_channel_id = ? WHERE user_id = ?", (channel_id, user_id)
    )


async def mark_told_unreachable(
    tx: Transaction, guild_id: int, user_id: int, now: datetime
) -> None:
    await tx.execute(
        "UPDATE students SET unreachable_told_at = ? WHERE guild_id = ? AND user_id = ?",
        (to_db(now), guild_id, user_id),
    )


async def clear_unreachable(tx: Transaction, user_id: int) -> None:
    await tx.execute(
        "UPDATE students SET unreachable_at = NULL, unreachable_told_at = NULL WHERE user_id = ?",
        (user_id,),
    )


async def student_exists(source: Source, guild_id: int, user_id: int) -> bool:
    row = await query_one(
        source, "SELECT 1 FROM students WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return row is not None


def created_in_this_task(guild_id: int, user_id: int) -> bool:
    """True if :func:`ensure_student` created this student's row earlier in the running task
    (one interaction's handling): their first stored action in this server."""
    return (guild_id, user_id) in _CREATED.get()


async def guilds_of_user(source: Source, user_id: int) -> list[int]:
    """The servers where this Discord user is a student."""
    rows = await query_all(
        source, "SELECT guild_id FROM students WHERE user_id = ? ORDER BY guild_id", (user_id,)
    )
    return [int(row[0]) for row in rows]


async def count_open_contacts(source: Source, guild_id: int, user_id: int) -> int:
    """The student's contacts in this server that are not closed (what the open-contacts
    limit counts)."""
    row = await query_one(
        source,
        "SELECT count(*) FROM contacts WHERE guild_id = ? AND user_id = ? AND stage <> 'closed'",
        (guild_id, user_id),
    )
    return int(row[0]) if row else 0


async def mark_replan_pending(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Note that the student's contacts must be re-planned; returns the mark (a number that
    grows with each call, so only the latest pass clears it). A cleared mark is kept negated
    (:func:`clear_replan_pending`), so the next mark still grows: an older pass that ends late
    can never clear a newer one."""
    async with tx.execute(
        "UPDATE students SET replan_pending = abs(coalesce(replan_pending, 0)) + 1"
        " WHERE guild_id = ? AND user_id = ? RETURNING replan_pending",
        (guild_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def clear_replan_pending(tx: Transaction, guild_id: int, user_id: int, mark: int) -> bool:
    """The pass started for ``mark`` is done: clear it (negated: nothing pending, and the next
    mark grows from it), unless a newer change marked the student again meanwhile (its own
    pass clears that one)."""
    cursor = await tx.execute(
        "UPDATE students SET replan_pending = -replan_pending"
        " WHERE guild_id = ? AND user_id = ? AND replan_pending = ?",
        (guild_id, user_id, mark),
    )
    return cursor.rowcount > 0


async def pending_replans(source: Source) -> list[tuple[int, int, int]]:
    """(server, user, mark) of every student whose re-planning was not finished."""
    rows = await query_all(
        source,
        "SELECT guild_id, user_id, replan_pending FROM students"
        " WHERE replan_pending > 0 ORDER BY guild_id, user_id",
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]
