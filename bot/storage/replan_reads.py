"""What re-planning a student's contacts reads, a batch of contacts at a time (one query per
kind of fact, not one per contact)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.contacts import CONTACT_SELECT, ContactRecord, contact_from_row
from bot.storage.database import Source, query_all


def _marks(ids: Sequence[int]) -> str:
    return ", ".join("?" for _ in ids)


async def replannable_contact_ids(source: Source, guild_id: int, user_id: int) -> list[int]:
    """The student's contacts in this server whose reminders a settings change can move: those
    that can have reminders (not planned or closed, not stopped) and any that still have a
    pending one. Closed and planned contacts have none, however many there are."""
    rows = await query_all(
        source,
        "SELECT id FROM contacts WHERE guild_id = :guild AND user_id = :user"
        " AND stage NOT IN ('planned', 'closed') AND nudges_stopped = 0"
        " UNION SELECT contact_id FROM nudges WHERE guild_id = :guild AND user_id = :user"
        " AND status = 'pending' AND contact_id IS NOT NULL ORDER BY 1",
        {"guild": guild_id, "user": user_id},
    )
    return [int(row[0]) for row in rows]


async def contacts_by_ids(source: Source, ids: Sequence[int]) -> list[ContactRecord]:
    """These contacts (those that still exist), by id."""
    if not ids:
        return []
    rows = await query_all(
        source,
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE id IN ({_marks(ids)}) ORDER BY id",
        tuple(ids),
    )
    return [contact_from_row(row) for row in rows]


async def ticked_by_contact(source: Source, ids: Sequence[int], phase: str) -> dict[int, set[str]]:
    """Each contact's items ticked by hand in ``phase`` (contacts with none are left out)."""
    if not ids:
        return {}
    rows = await query_all(
        source,
        "SELECT contact_id, item_id FROM checklist_ticks"
        f" WHERE phase = ? AND contact_id IN ({_marks(ids)})",
        (phase, *ids),
    )
    ticked: dict[int, set[str]] = {}
    for row in rows:
        ticked.setdefault(int(row[0]), set()).add(str(row[1]))
    return ticked


async def unrequested_referrals_by_contact(source: Source, ids: Sequence[int]) -> dict[int, int]:
    """For each contact, how many of the contacts it referred are still only planned (contacts
    with none are left out)."""
    if not ids:
        return {}
    rows = await query_all(
        source,
        "SELECT referred_by, count(*) FROM contacts"
        f" WHERE stage = 'planned' AND referred_by IN ({_marks(ids)}) GROUP BY referred_by",
        tuple(ids),
    )
    return {int(row[0]): int(row[1]) for row in rows}
