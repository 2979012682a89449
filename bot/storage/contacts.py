"""Contacts and their outreach (3B7) dates. Every query is scoped to one student in one server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.contacts import Connection, Stage
from bot.domain.employers import name_key
from bot.storage.database import Database, Source, Transaction, query_all, query_one
from bot.storage.timestamps import date_from_db, from_db, to_db

CONTACT_COLUMNS = (
    "id, guild_id, user_id, person, organization, role, connection, stage, referred_by,"
    " created_at, updated_at, requested_at, requested_tz, request_time_known, count_from,"
    " second_contact_on, follow_up_on, replied_at, replied_on, reply_class,"
    " meeting_at, meeting_tz, meeting_minutes, scheduled_at, met_at, thanked_at,"
    " reported_back_at, kept_in_touch_at, closed_at, close_reason, stage_before_close,"
    " followed_up_at, nudges_stopped, referrer_told_at, employer_id"
)


def _at_employer(outer: str, condition: str) -> str:
    """The earliest-added other contact (its name) at ``outer``'s employer, of the same student,
    meeting ``condition`` (``o`` is the other contact, ``{outer}`` this one)."""
    return (
        "(SELECT o.person FROM contacts AS o WHERE o.employer_id = {c}.employer_id"
        " AND o.id <> {c}.id AND o.guild_id = {c}.guild_id AND o.user_id = {c}.user_id"
        f" AND {{c}}.requested_at IS NOT NULL AND ({condition}) ORDER BY o.id LIMIT 1)"
    ).format(c=outer)


def derived_columns(outer: str, prefix: str = "") -> str:
    """The columns a contact read adds about the other contacts at its employer (``outer`` is
    the contacts table's name or alias in the query, ``prefix`` goes before each name):

    * ``second_person``: someone there added after this contact's request went out, or whose
      own request went out at the same time or later (closed ones too: reaching out was
      done). This contact's 3B step, "contact a second person there", is then done.
    * ``asked_before``: someone there whose request went out before this one's: this contact
      is itself a second (or later) person there.
    """
    second = _at_employer(
        outer,
        f"o.created_at > {outer}.requested_at OR o.requested_at >= {outer}.requested_at",
    )
    before = _at_employer(outer, f"o.requested_at < {outer}.requested_at")
    return f"{second} AS {prefix}second_person, {before} AS {prefix}asked_before"


CONTACT_SELECT = f"{CONTACT_COLUMNS}, {derived_columns('contacts')}"
"""What every contact read selects (``FROM contacts``, not aliased)."""

# Stage → the column that records when the contact reached it (set when the stage is logged).
STAGE_TIMESTAMP = {
    Stage.REQUESTED: "requested_at",
    Stage.REPLIED: "replied_at",
    Stage.SCHEDULED: "scheduled_at",
    Stage.MET: "met_at",
    Stage.THANKED: "thanked_at",
    Stage.KEEPING_IN_TOUCH: "kept_in_touch_at",
    Stage.CLOSED: "closed_at",
}


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
    meeting_at: datetime | None = None
    meeting_tz: str | None = None
    meeting_minutes: int | None = None
    scheduled_at: datetime | None = None
    met_at: datetime | None = None
    thanked_at: datetime | None = None
    reported_back_at: datetime | None = None
    kept_in_touch_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    stage_before_close: Stage | None = None
    followed_up_at: datetime | None = None
    nudges_stopped: bool = False
    referrer_told_at: datetime | None = None
    employer_id: int | None = None
    second_person: str | None = None
    """Derived at read (see :func:`derived_columns`): who at the same employer covers this
    contact's 3B step (added, or asked, after this contact's request went out)."""
    asked_before: str | None = None
    """Derived at read: who at the same employer was asked before this contact (this contact
    is a second or later person there)."""

    @property
    def display_name(self) -> str:
        return f"{self.person} ({self.organization})"


def contact_from_row(row: aiosqlite.Row) -> ContactRecord:
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
        meeting_at=from_db(row["meeting_at"]),
        meeting_tz=row["meeting_tz"],
        meeting_minutes=row["meeting_minutes"],
        scheduled_at=from_db(row["scheduled_at"]),
        met_at=from_db(row["met_at"]),
        thanked_at=from_db(row["thanked_at"]),
        reported_back_at=from_db(row["reported_back_at"]),
        kept_in_touch_at=from_db(row["kept_in_touch_at"]),
        closed_at=from_db(row["closed_at"]),
        close_reason=row["close_reason"],
        stage_before_close=Stage(row["stage_before_close"]) if row["stage_before_close"] else None,
        followed_up_at=from_db(row["followed_up_at"]),
        nudges_stopped=bool(row["nudges_stopped"]),
        referrer_told_at=from_db(row["referrer_told_at"]),
        employer_id=row["employer_id"],
        second_person=_optional(row, "second_person"),
        asked_before=_optional(row, "asked_before"),
    )


def _optional(row: aiosqlite.Row, key: str) -> str | None:
    try:
        value = row[key]
    except (IndexError, KeyError):
        return None
    return None if value is None else str(value)


async def add_contact(
    tx: Transaction,
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
    async with tx.execute(
        "INSERT INTO contacts (guild_id, user_id, person, organization, role, connection,"
        " referred_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def get_contact(
    db: Source, guild_id: int, user_id: int, contact_id: int
) -> ContactRecord | None:
    """The contact, only if it belongs to this student in this server."""
    row = await query_one(
        db,
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE id = ? AND guild_id = ? AND user_id = ?",
        (contact_id, guild_id, user_id),
    )
    return None if row is None else contact_from_row(row)


async def get_contact_by_id(db: Source, contact_id: int) -> ContactRecord | None:
    """Any contact by id, whoever owns it: for internal work (planning, delivery), never for a
    student's request (use :func:`get_contact`, which checks the owner)."""
    row = await query_one(db, f"SELECT {CONTACT_SELECT} FROM contacts WHERE id = ?", (contact_id,))
    return None if row is None else contact_from_row(row)


async def most_recent_contact(db: Database, guild_id: int, user_id: int) -> ContactRecord | None:
    row = await db.fetch_one(
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE guild_id = ? AND user_id = ?"
        " ORDER BY updated_at DESC, id DESC LIMIT 1",
        (guild_id, user_id),
    )
    return None if row is None else contact_from_row(row)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_contacts(
    db: Database, guild_id: int, user_id: int, query: str, limit: int = 25
) -> list[ContactRecord]:
    """The student's contacts whose person or organization contains ``query`` (any case),
    most recent first. SQL's ``lower()`` folds only ASCII on SQLite (and on a PostgreSQL with
    the C locale), so a query with other letters ("é", "Ł", "Ж") is matched here instead, over
    the student's own contacts."""
    query = query.strip()
    if not query.isascii():
        needle = name_key(query)
        found = [
            c
            for c in await list_contacts(db, guild_id, user_id)
            if needle in name_key(c.person) or needle in name_key(c.organization)
        ]
        return found[:limit]
    pattern = _like_pattern(query)
    rows = await db.fetch_all(
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE guild_id = ? AND user_id = ?"
        " AND (lower(person) LIKE lower(?) ESCAPE '\\'"
        " OR lower(organization) LIKE lower(?) ESCAPE '\\')"
        " ORDER BY updated_at DESC, id DESC LIMIT ?",
        (guild_id, user_id, pattern, pattern, limit),
    )
    return [contact_from_row(row) for row in rows]


async def find_by_name(db: Database, guild_id: int, user_id: int, text: str) -> list[ContactRecord]:
    """Contacts whose person, organization or "person (organization)" equals ``text`` (any
    case; non-ASCII text is compared here, as in :func:`search_contacts`)."""
    text = text.strip()
    if not text.isascii():
        wanted = name_key(text)
        return [
            c
            for c in await list_contacts(db, guild_id, user_id)
            if wanted in {name_key(c.person), name_key(c.organization), name_key(c.display_name)}
        ]
    rows = await db.fetch_all(
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE guild_id = ?1 AND user_id = ?2"
        " AND (lower(person) = lower(?3) OR lower(organization) = lower(?3)"
        " OR lower(person || ' (' || organization || ')') = lower(?3))",
        (guild_id, user_id, text),
    )
    return [contact_from_row(row) for row in rows]


async def touch_contact(tx: Transaction, contact_id: int, now: datetime) -> None:
    await tx.execute("UPDATE contacts SET updated_at = ? WHERE id = ?", (to_db(now), contact_id))


async def record_request_sent(
    tx: Transaction,
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
    tx: Transaction,
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


async def list_contacts(db: Database, guild_id: int, user_id: int) -> list[ContactRecord]:
    """All of the student's contacts in this server, most recently active first."""
    rows = await db.fetch_all(
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE guild_id = ? AND user_id = ?"
        " ORDER BY updated_at DESC, id DESC",
        (guild_id, user_id),
    )
    return [contact_from_row(row) for row in rows]


async def referrals_of(db: Database, contact_id: int) -> list[ContactRecord]:
    """Contacts that ``contact_id`` referred the student to, oldest first."""
    rows = await db.fetch_all(
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE referred_by = ? ORDER BY id", (contact_id,)
    )
    return [contact_from_row(row) for row in rows]


async def set_stage(
    tx: Transaction, contact_id: int, stage: Stage, at: datetime, now: datetime
) -> None:
    """Move to ``stage`` and stamp its timestamp column with ``at`` (when it happened).

    The caller checks the move with :func:`bot.domain.contacts.check_stage_change` first.
    """
    column = STAGE_TIMESTAMP.get(stage)
    stamp = f", {column} = :at" if column else ""
    await tx.execute(
        f"UPDATE contacts SET stage = :stage, updated_at = :now{stamp} WHERE id = :id",
        {"stage": stage.value, "now": to_db(now), "at": to_db(at), "id": contact_id},
    )


async def set_meeting(
    tx: Transaction,
    contact_id: int,
    *,
    meeting_at: datetime,
    zone: str,
    minutes: int,
    now: datetime,
) -> None:
    """Schedule (or reschedule) the meeting; the contact moves to *scheduled* if it was earlier."""
    await tx.execute(
        "UPDATE contacts SET meeting_at = ?, meeting_tz = ?, meeting_minutes = ?,"
        " scheduled_at = ?, updated_at = ?,"
        " stage = CASE WHEN stage IN ('planned', 'requested', 'replied') THEN 'scheduled'"
        " ELSE stage END WHERE id = ?",
        (to_db(meeting_at), zone, minutes, to_db(now), to_db(now), contact_id),
    )


async def mark_reported_back(tx: Transaction, contact_id: int, at: datetime, now: datetime) -> None:
    await tx.execute(
        "UPDATE contacts SET reported_back_at = ?, updated_at = ? WHERE id = ?",
        (to_db(at), to_db(now), contact_id),
    )


async def close_contact(
    tx: Transaction, contact_id: int, reason: str, at: datetime, now: datetime
) -> None:
    """Close, remembering the stage to return to on reopening. A closed contact with no
    reply to a request makes the contact a curmudgeon."""
    await tx.execute(
        "UPDATE contacts SET stage_before_close = stage, stage = 'closed', close_reason = ?,"
        " closed_at = ?, updated_at = ?,"
        " reply_class = CASE WHEN ? = 'no_reply' AND stage = 'requested' THEN 'curmudgeon'"
        " ELSE reply_class END WHERE id = ? AND stage != 'closed'",
        (reason, to_db(at), to_db(now), reason, contact_id),
    )


async def reopen_contact(tx: Transaction, contact_id: int, now: datetime) -> Stage:
    """Return a closed contact to the stage it had; returns that stage. One statement (the
    stage it had is read and written together)."""
    async with tx.execute(
        "UPDATE contacts SET stage = coalesce(stage_before_close, 'planned'),"
        " stage_before_close = NULL, close_reason = NULL, closed_at = NULL, updated_at = ?,"
        " reply_class = CASE WHEN reply_class = 'curmudgeon' THEN NULL ELSE reply_class END"
        " WHERE id = ? AND stage = 'closed' RETURNING stage",
        (to_db(now), contact_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise ValueError(f"contact {contact_id} is not closed")
    return Stage(row[0])


async def mark_followed_up(tx: Transaction, contact_id: int, at: datetime, now: datetime) -> None:
    """The student sent the one 3B7 follow-up (starts the final 7-business-day wait)."""
    await tx.execute(
        "UPDATE contacts SET followed_up_at = ?, updated_at = ? WHERE id = ?",
        (to_db(at), to_db(now), contact_id),
    )


async def mark_referrer_told(tx: Transaction, contact_id: int, at: datetime, now: datetime) -> None:
    """The student told the person who referred this contact that they reached out."""
    await tx.execute(
        "UPDATE contacts SET referrer_told_at = ?, updated_at = ? WHERE id = ?",
        (to_db(at), to_db(now), contact_id),
    )


async def link_referrer(tx: Transaction, contact_id: int, referrer_id: int, now: datetime) -> bool:
    """Mark a contact the student already had as suggested by ``referrer_id`` (a meeting named
    them), unless something already links it. True if it was linked."""
    cursor = await tx.execute(
        "UPDATE contacts SET referred_by = ?, updated_at = ? WHERE id = ? AND referred_by IS NULL"
        " AND id <> ?",
        (referrer_id, to_db(now), contact_id, referrer_id),
    )
    return bool(cursor.rowcount)


async def set_nudges_stopped(
    tx: Transaction, contact_id: int, stopped: bool, now: datetime
) -> None:
    await tx.execute(
        "UPDATE contacts SET nudges_stopped = ?, updated_at = ? WHERE id = ?",
        (int(stopped), to_db(now), contact_id),
    )


async def resume_stopped_contacts(
    tx: Transaction, guild_id: int, user_id: int, now: datetime
) -> None:
    """Undo Stop on every contact of the student in this server."""
    await tx.execute(
        "UPDATE contacts SET nudges_stopped = 0, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ? AND nudges_stopped = 1",
        (to_db(now), guild_id, user_id),
    )


async def count_unrequested_referrals(source: Source, contact_id: int) -> int:
    """How many of the contacts this contact referred are still only planned."""
    row = await query_one(
        source,
        "SELECT count(*) FROM contacts WHERE referred_by = ? AND stage = 'planned'",
        (contact_id,),
    )
    return int(row[0]) if row else 0


async def replannable_contacts(source: Source, guild_id: int) -> list[tuple[int, int]]:
    """(contact id, user id) of the server's contacts that can have reminders: not planned or
    closed, not stopped, of students with a time zone and reminders on."""
    rows = await query_all(
        source,
        "SELECT c.id, c.user_id FROM contacts AS c JOIN students AS s"
        " ON s.guild_id = c.guild_id AND s.user_id = c.user_id"
        " WHERE c.guild_id = ? AND c.stage NOT IN ('planned', 'closed')"
        " AND c.nudges_stopped = 0 AND s.timezone IS NOT NULL AND s.nudges_enabled = 1"
        " ORDER BY c.user_id, c.id",
        (guild_id,),
    )
    return [(int(row[0]), int(row[1])) for row in rows]


async def colleagues_of(source: Source, contact: ContactRecord) -> list[ContactRecord]:
    """The student's other contacts at ``contact``'s employer, oldest first (none when it has
    no employer)."""
    if contact.employer_id is None:
        return []
    rows = await query_all(
        source,
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE employer_id = ? AND guild_id = ?"
        " AND user_id = ? AND id <> ? ORDER BY id",
        (contact.employer_id, contact.guild_id, contact.user_id, contact.id),
    )
    return [contact_from_row(row) for row in rows]


async def colleague_ids(source: Source, contact_id: int) -> list[int]:
    """The ids of the other contacts of the same student at this contact's employer."""
    rows = await query_all(
        source,
        "SELECT o.id FROM contacts AS c JOIN contacts AS o ON o.employer_id = c.employer_id"
        " AND o.guild_id = c.guild_id AND o.user_id = c.user_id AND o.id <> c.id"
        " WHERE c.id = ? ORDER BY o.id",
        (contact_id,),
    )
    return [int(row[0]) for row in rows]
