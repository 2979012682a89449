"""A contact's question list: ordered, at most ``MAX_QUESTIONS`` (checked by the caller)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.database import Source, Transaction, query_all

MAX_QUESTIONS = 10


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    contact_id: int
    position: int
    category: str  # a TIARA category or "own"
    bank_id: str | None
    text: str


def _question(row: aiosqlite.Row) -> Question:
    return Question(
        row["id"], row["contact_id"], row["position"], row["category"], row["bank_id"], row["text"]
    )


async def list_questions(source: Source, contact_id: int) -> list[Question]:
    rows = await query_all(
        source,
        "SELECT id, contact_id, position, category, bank_id, text FROM contact_questions"
        " WHERE contact_id = ? ORDER BY position, id",
        (contact_id,),
    )
    return [_question(row) for row in rows]


async def count_questions(tx: Transaction, contact_id: int) -> int:
    async with tx.execute(
        "SELECT count(*) FROM contact_questions WHERE contact_id = ?", (contact_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def add_question(
    tx: Transaction, contact_id: int, category: str, text: str, bank_id: str | None
) -> int:
    """Append at the end of the list; returns the new question's id."""
    cursor = await tx.execute(
        "INSERT INTO contact_questions (contact_id, position, category, bank_id, text)"
        " VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM contact_questions"
        " WHERE contact_id = ?), ?, ?, ?)",
        (contact_id, contact_id, category, bank_id, text),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def take_question(tx: Transaction, contact_id: int, question_id: int) -> Question | None:
    """Remove one question of this contact and return it (None if it isn't theirs or is gone);
    the others keep their order."""
    async with tx.execute(
        "DELETE FROM contact_questions WHERE id = ? AND contact_id = ?"
        " RETURNING id, contact_id, position, category, bank_id, text",
        (question_id, contact_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _question(row)
