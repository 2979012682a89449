"""A contact's question list: ordered, at most ``MAX_QUESTIONS``, of which at most ``MAX_STARS``
starred (both checked by the caller). Listed in the student's order (TIARA order unless they
moved questions): a star marks a question where it stands; only the 1-hour reminder puts the
starred ones first (:mod:`bot.storage.delivery`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.domain.limits import MAX_QUESTIONS as MAX_QUESTIONS
from bot.domain.limits import MAX_STARS as MAX_STARS
from bot.storage.database import Source, Transaction, query_all
from bot.storage.timestamps import from_db, to_db

_COLUMNS = "id, contact_id, position, category, bank_id, text, starred_at"
_ORDER = "ORDER BY position, id"


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    contact_id: int
    position: int
    category: str  # a TIARA category or "own"
    bank_id: str | None
    text: str
    starred_at: datetime | None = None
    """When the student starred it (None: not starred)."""

    @property
    def starred(self) -> bool:
        return self.starred_at is not None


def _question(row: aiosqlite.Row) -> Question:
    return Question(
        row["id"],
        row["contact_id"],
        row["position"],
        row["category"],
        row["bank_id"],
        row["text"],
        from_db(row["starred_at"]),
    )


async def list_questions(source: Source, contact_id: int) -> list[Question]:
    """The contact's questions in the student's order."""
    rows = await query_all(
        source,
        f"SELECT {_COLUMNS} FROM contact_questions WHERE contact_id = ? {_ORDER}",
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
    async with tx.execute(
        "INSERT INTO contact_questions (contact_id, position, category, bank_id, text)"
        " VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM contact_questions"
        " WHERE contact_id = ?1), ?2, ?3, ?4) RETURNING id",
        (contact_id, category, bank_id, text),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def take_question(tx: Transaction, contact_id: int, question_id: int) -> Question | None:
    """Remove one question of this contact and return it (None if it isn't theirs or is gone);
    the others keep their order."""
    async with tx.execute(
        f"DELETE FROM contact_questions WHERE id = ? AND contact_id = ? RETURNING {_COLUMNS}",
        (question_id, contact_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _question(row)


async def set_starred(
    tx: Transaction, contact_id: int, question_id: int, starred_at: datetime | None
) -> Question | None:
    """Star (at ``starred_at``) or unstar (None) one question of this contact and return it
    as it now is; None if it isn't theirs or is gone."""
    async with tx.execute(
        "UPDATE contact_questions SET starred_at = ? WHERE id = ? AND contact_id = ?"
        f" RETURNING {_COLUMNS}",
        (None if starred_at is None else to_db(starred_at), question_id, contact_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _question(row)
