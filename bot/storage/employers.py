"""Employers (the LAMP list) and the link from contacts to them. Every query is scoped to one
student in one server; the link columns of ``contacts`` are read and written here too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.domain.contacts import Stage
from bot.domain.employers import ContactAtEmployer, Scores, Standing
from bot.storage.contacts import derived_columns
from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.timestamps import date_from_db, from_db, to_db

EMPLOYER_COLUMNS = (
    "id, guild_id, user_id, name, alumni, motivation, posting, note, pinned, done_at,"
    " created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class EmployerRecord:
    id: int
    guild_id: int
    user_id: int
    name: str
    scores: Scores
    note: str | None
    pinned: bool
    done_at: datetime | None  # when the student said they are done there
    created_at: datetime
    updated_at: datetime

    @property
    def done(self) -> bool:
        return self.done_at is not None


def employer_from_row(row: aiosqlite.Row) -> EmployerRecord:
    return EmployerRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        name=row["name"],
        scores=Scores(
            alumni=None if row["alumni"] is None else bool(row["alumni"]),
            motivation=row["motivation"],
            posting=row["posting"],
        ),
        note=row["note"],
        pinned=bool(row["pinned"]),
        done_at=from_db(row["done_at"]),
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        updated_at=from_db(row["updated_at"]),  # type: ignore[arg-type]
    )


def _alumni(scores: Scores) -> int | None:
    return None if scores.alumni is None else int(scores.alumni)


async def add_employer(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    name: str,
    scores: Scores,
    note: str | None,
    now: datetime,
) -> int:
    stamp = to_db(now)
    async with tx.execute(
        "INSERT INTO employers (guild_id, user_id, name, alumni, motivation, posting, note,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            guild_id,
            user_id,
            name,
            _alumni(scores),
            scores.motivation,
            scores.posting,
            note,
            stamp,
            stamp,
        ),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def list_employers(source: Source, guild_id: int, user_id: int) -> list[EmployerRecord]:
    """The student's employers in this server, oldest first."""
    rows = await query_all(
        source,
        f"SELECT {EMPLOYER_COLUMNS} FROM employers WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (guild_id, user_id),
    )
    return [employer_from_row(row) for row in rows]


async def get_employer(
    source: Source, guild_id: int, user_id: int, employer_id: int
) -> EmployerRecord | None:
    """The employer, only if it belongs to this student in this server."""
    row = await query_one(
        source,
        f"SELECT {EMPLOYER_COLUMNS} FROM employers WHERE id = ? AND guild_id = ? AND user_id = ?",
        (employer_id, guild_id, user_id),
    )
    return None if row is None else employer_from_row(row)


async def set_scores(
    tx: Transaction, employer_id: int, scores: Scores, note: str | None, now: datetime
) -> None:
    await tx.execute(
        "UPDATE employers SET alumni = ?, motivation = ?, posting = ?, note = ?, updated_at = ?"
        " WHERE id = ?",
        (_alumni(scores), scores.motivation, scores.posting, note, to_db(now), employer_id),
    )


async def set_pinned(tx: Transaction, employer_id: int, pinned: bool, now: datetime) -> None:
    await tx.execute(
        "UPDATE employers SET pinned = ?, updated_at = ? WHERE id = ?",
        (int(pinned), to_db(now), employer_id),
    )


async def set_done(
    tx: Transaction, employer_id: int, done_at: datetime | None, now: datetime
) -> None:
    """Mark the employer done (unpinning it: the pin's place goes to the next one), or open it
    again with ``done_at=None``."""
    pin = ", pinned = 0" if done_at is not None else ""
    await tx.execute(
        f"UPDATE employers SET done_at = ?, updated_at = ?{pin} WHERE id = ?",
        (None if done_at is None else to_db(done_at), to_db(now), employer_id),
    )


# --- contacts and their employer ------------------------------------------------------------


async def link_contact(tx: Transaction, contact_id: int, employer_id: int) -> None:
    """The contact works at this employer (both the same student's: the caller checked)."""
    await tx.execute("UPDATE contacts SET employer_id = ? WHERE id = ?", (employer_id, contact_id))


async def contacts_by_employer(
    source: Source, guild_id: int, user_id: int
) -> dict[int, list[ContactAtEmployer]]:
    """The student's contacts that belong to an employer, by employer id, oldest first."""
    rows = await query_all(
        source,
        "SELECT id, employer_id, person, stage, stage_before_close, count_from,"
        " second_contact_on, follow_up_on, followed_up_at,"
        f" {derived_columns('contacts')} FROM contacts"
        " WHERE guild_id = ? AND user_id = ? AND employer_id IS NOT NULL ORDER BY id",
        (guild_id, user_id),
    )
    grouped: dict[int, list[ContactAtEmployer]] = {}
    for row in rows:
        grouped.setdefault(int(row["employer_id"]), []).append(
            ContactAtEmployer(
                id=row["id"],
                person=row["person"],
                stage=Stage(row["stage"]),
                stage_before_close=Stage(row["stage_before_close"])
                if row["stage_before_close"]
                else None,
                count_from=date_from_db(row["count_from"]),
                second_contact_on=date_from_db(row["second_contact_on"]),
                follow_up_on=date_from_db(row["follow_up_on"]),
                followed_up=row["followed_up_at"] is not None,
                second_person=row["second_person"],
            )
        )
    return grouped


# --- staff aggregates (read only) -------------------------------------------------------------


async def server_standings(source: Source, guild_id: int) -> dict[int, list[Standing]]:
    """Every student's employers in the server as the active five reads them, by user id. For
    the staff's aggregate figures only: the user ids are counted, never shown."""
    rows = await query_all(
        source,
        "SELECT e.id, e.user_id, e.name, e.alumni, e.motivation, e.posting, e.pinned,"
        " e.done_at IS NOT NULL AS done, count(c.id) AS contacts,"
        " count(CASE WHEN c.stage <> 'closed' THEN 1 END) AS open_contacts"
        " FROM employers AS e LEFT JOIN contacts AS c ON c.employer_id = e.id"
        " WHERE e.guild_id = ? GROUP BY e.id ORDER BY e.id",
        (guild_id,),
    )
    standings: dict[int, list[Standing]] = {}
    for row in rows:
        standings.setdefault(int(row["user_id"]), []).append(
            Standing(
                id=row["id"],
                name=row["name"],
                scores=Scores(
                    alumni=None if row["alumni"] is None else bool(row["alumni"]),
                    motivation=row["motivation"],
                    posting=row["posting"],
                ),
                pinned=bool(row["pinned"]),
                done=bool(row["done"]),
                contacts=int(row["contacts"]),
                open_contacts=int(row["open_contacts"]),
            )
        )
    return standings
