"""Reads for a contact's history: its events in order and the contact who referred it.

Every query is scoped to one student in one server, like the rest of storage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.contacts import ContactRecord, get_contact, referrals_of
from bot.storage.database import Database
from bot.storage.timestamps import from_db

NOISY_KINDS = (
    "checklist_ticked",
    "checklist_unticked",
    "question_added",
    "question_removed",
    "thank_you_outlined",
    "draft_shown",
    "question_starred",
    "question_unstarred",
)
"""Kinds left out of a contact's history: they would drown the milestones (the checklists and
the question list are shown on their own)."""


@dataclass(frozen=True, slots=True)
class ContactEvent:
    id: int
    kind: str
    at: datetime
    payload: dict[str, Any]


async def contact_events(
    db: Database,
    guild_id: int,
    user_id: int,
    contact_id: int,
    *,
    skip_kinds: tuple[str, ...] = NOISY_KINDS,
    limit: int = 200,
) -> list[ContactEvent]:
    """The contact's events, oldest first (the newest ``limit``), without ``skip_kinds``."""
    marks = ", ".join("?" for _ in skip_kinds) or "''"
    rows = await db.fetch_all(
        "SELECT id, kind, at, payload FROM ("
        " SELECT id, kind, at, payload FROM events"
        f" WHERE guild_id = ? AND user_id = ? AND contact_id = ? AND kind NOT IN ({marks})"
        " ORDER BY at DESC, id DESC LIMIT ?) AS latest ORDER BY at, id",
        (guild_id, user_id, contact_id, *skip_kinds, limit),
    )
    events: list[ContactEvent] = []
    for row in rows:
        at = from_db(row["at"])
        assert at is not None
        try:
            payload = json.loads(row["payload"])
        except ValueError:
            payload = {}
        events.append(
            ContactEvent(row["id"], row["kind"], at, payload if isinstance(payload, dict) else {})
        )
    return events


async def count_contact_events(
    db: Database,
    guild_id: int,
    user_id: int,
    contact_id: int,
    *,
    skip_kinds: tuple[str, ...] = NOISY_KINDS,
) -> int:
    marks = ", ".join("?" for _ in skip_kinds) or "''"
    value = await db.fetch_value(
        "SELECT count(*) FROM events WHERE guild_id = ? AND user_id = ? AND contact_id = ?"
        f" AND kind NOT IN ({marks})",
        (guild_id, user_id, contact_id, *skip_kinds),
    )
    return int(value or 0)


async def referrer_of(db: Database, contact: ContactRecord) -> ContactRecord | None:
    """The contact who referred the student to ``contact``, if it is still theirs."""
    if contact.referred_by is None:
        return None
    return await get_contact(db, contact.guild_id, contact.user_id, contact.referred_by)


async def referrals_from(db: Database, contact: ContactRecord) -> list[ContactRecord]:
    """The contacts ``contact`` referred the student to (only the same student's, same server)."""
    return [
        r
        for r in await referrals_of(db, contact.id)
        if r.guild_id == contact.guild_id and r.user_id == contact.user_id
    ]
