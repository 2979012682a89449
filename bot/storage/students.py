"""Students, scoped by server: one row per (server, member) who has used the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.database import Database
from bot.storage.timestamps import to_db


@dataclass(frozen=True, slots=True)
class Student:
    guild_id: int
    user_id: int
    timezone: str | None


async def ensure_student(
    tx: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime
) -> None:
    """Create the student row if missing and mark them active now."""
    stamp = to_db(now)
    await tx.execute(
        "INSERT INTO students (guild_id, user_id, created_at, last_active_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET last_active_at = excluded.last_active_at",
        (guild_id, user_id, stamp, stamp),
    )


async def get_student(db: Database, guild_id: int, user_id: int) -> Student | None:
    row = await db.fetch_one(
        "SELECT guild_id, user_id, timezone FROM students WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else Student(row["guild_id"], row["user_id"], row["timezone"])


async def set_timezone(
    tx: aiosqlite.Connection, guild_id: int, user_id: int, zone: str, now: datetime
) -> None:
    await ensure_student(tx, guild_id, user_id, now)
    await tx.execute(
        "UPDATE students SET timezone = ? WHERE guild_id = ? AND user_id = ?",
        (zone, guild_id, user_id),
    )
