"""What the student wrote right after a meeting: notes and takeaways (1,000 characters each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Source, Transaction, query_one
from bot.storage.timestamps import from_db, to_db

MAX_NOTE = 1000


@dataclass(frozen=True, slots=True)
class InterviewNotes:
    contact_id: int
    notes: str | None
    takeaways: str | None
    logged_at: datetime


async def save_notes(
    tx: Transaction,
    contact_id: int,
    notes: str | None,
    takeaways: str | None,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO interview_notes (contact_id, notes, takeaways, logged_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (contact_id) DO UPDATE SET notes = excluded.notes,"
        " takeaways = excluded.takeaways, logged_at = excluded.logged_at",
        (contact_id, notes, takeaways, to_db(now)),
    )


async def get_notes(source: Source, contact_id: int) -> InterviewNotes | None:
    row = await query_one(
        source,
        "SELECT contact_id, notes, takeaways, logged_at FROM interview_notes WHERE contact_id = ?",
        (contact_id,),
    )
    if row is None:
        return None
    logged_at = from_db(row["logged_at"])
    assert logged_at is not None
    return InterviewNotes(row["contact_id"], row["notes"], row["takeaways"], logged_at)
