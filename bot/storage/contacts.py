"""Contacts and their outreach (3B7) dates. Every query is scoped to one student in one server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.contacts import Connection, Stage
from bot.storage.database import Database
from bot.storage.timestamps import date_from_db, from_db, to_db

_COLUMNS = (
    "id, guild_id, user_id, person, organization, role, connection, stage, referred_by,"
    " created_at, updated_at, requested_at, requested_tz, request_time_known, count_from,"
    " second_contact_on, follow_up_on, replied_at, replied_on, reply_class"
)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    id: int
    guild_id: int
    user_id: int
    person: str
    organization: str
    role: str | None
    connection: Connection | None
    stage: Stage
    referred_by: int | None
    created_at: datetime
    updated_at: datetime
    requested_at: datetime | None
    requested_tz: str | None
    request_time_known: bool | None
    count_from: date | None
    second_contact_on: date | None
    follow_up_on: date | None
    replied_at: datetime | None
    replied_on: date | None
    reply_class: str | None

    @property
    def display_name(self) -> str:
        return f"{self.person} ({self.organization})"


def _record(row: aiosqlite.Row) -> ContactRecord:
    return ContactRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        person=row["person"],
        organization=row["organization"],
        role=row["role"],
        connection=Connection(row["connection"]) if row["connection"] else None,
        stage=Stage(row["stage"]),
        referred_by=row["referred_by"],
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        updated_at=from_db(row["updated_at"]),  # type: ignore[arg-type]
        requested_at=from_db(row["requested_at"]),
        requested_tz=row["requested_tz"],
        request_time_known=None
        if row["request_time_known"] is None
        else bool(row["request_time_known"]),
        count_from=date_from_db(row["count_from"]),
        second_contact_on=date_from_db(row["second_contact_on"]),
        follow_up_on=date_from_db(row["follow_up_on"]),
        replied_at=from_db(row["replied_at"]),
        replied_on=date_from_db(row["replied_on"]),
        reply_class=row["reply_class"],
    )


async def add_contact(
    tx: aiosqlite.Connection,
    *,
    guild_id: int,
    user_id: int,
    person: str,
    organization: str,
    role: str | None,
    connection: Connection | None,
    now: datetime,
    referred_by: int | None = None,
) -> int:
    stamp = to_db(now)
    cursor = await tx.execute(
        "INSERT INTO contacts (guild_id, user_id, person, organization, role, connection,"
        " referred_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            user_id,
            person,
            organization,
            role,
            connection.value if connection else None,
            referred_by,
            stamp,
            stamp,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get_contact(
    db: Database, guild_id: int, user_id: int, contact_id: int
) -> ContactRecord | None:
    """The contact, only if it belongs to this student in this server."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM contacts WHERE id = ? AND guild_id = ? AND user_id = ?",
        (contact_id, guild_id, user_id),
    )
    return None if row is None else _record(row)


async def most_recent_contact(db: Database, guild_id: int, user_id: int) -> ContactRecord | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM contacts WHERE guild_id = ? AND user_id = ?"
        " ORDER BY updated_at DESC, id DESC LIMIT 1",
        (guild_id, user_id),
    )
    return None if row is None else _record(row)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_contacts(
    db: Database, guild_id: int, user_id: int, query: str, limit: int = 25
) -> list[ContactRecord]:
    """The student's contacts whose person or organization contains ``query``, most recent first."""
    pattern = _like_pattern(query.strip())
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM contacts WHERE guild_id = ? AND user_id = ?"
        " AND (person LIKE ? ESCAPE '\\' OR organization LIKE ? ESCAPE '\\')"
        " ORDER BY updated_at DESC, id DESC LIMIT ?",
        (guild_id, user_id, pattern, pattern, limit),
    )
    return [_record(row) for row in rows]


async def find_by_name(db: Database, guild_id: int, user_id: int, text: str) -> list[ContactRecord]:
    """Contacts whose person, organization or "person (organization)" equals ``text``."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM contacts WHERE guild_id = ?1 AND user_id = ?2"
        " AND (person = ?3 COLLATE NOCASE OR organization = ?3 COLLATE NOCASE"
        " OR person || ' (' || organization || ')' = ?3 COLLATE NOCASE)",
        (guild_id, user_id, text.strip()),
    )
    return [_record(row) for row in rows]


async def touch_contact(tx: aiosqlite.Connection, contact_id: int, now: datetime) -> None:
    await tx.execute("UPDATE contacts SET updated_at = ? WHERE id = ?", (to_db(now), contact_id))


async def record_request_sent(
    tx: aiosqlite.Connection,
    contact_id: int,
    *,
    sent_at: datetime,
    zone: str,
    time_known: bool,
    count_from: date,
    second_contact_on: date,
    follow_up_on: date,
    now: datetime,
) -> None:
    await tx.execute(
        "UPDATE contacts SET stage = 'requested', requested_at = ?, requested_tz = ?,"
        " request_time_known = ?, count_from = ?, second_contact_on = ?, follow_up_on = ?,"
        " updated_at = ? WHERE id = ?",
        (
            to_db(sent_at),
            zone,
            int(time_known),
            count_from.isoformat(),
            second_contact_on.isoformat(),
            follow_up_on.isoformat(),
            to_db(now),
            contact_id,
        ),
    )


async def record_reply(
    tx: aiosqlite.Connection,
    contact_id: int,
    *,
    replied_at: datetime,
    replied_on: date,
    reply_class: str,
    now: datetime,
) -> None:
    await tx.execute(
        "UPDATE contacts SET stage = 'replied', replied_at = ?, replied_on = ?, reply_class = ?,"
        " updated_at = ? WHERE id = ?",
        (to_db(replied_at), replied_on.isoformat(), reply_class, to_db(now), contact_id),
    )
