"""Checklist progress: which items a student ticked, per contact and phase, and what the
contact's automatic ticks are derived from."""

from __future__ import annotations

from datetime import datetime

from bot.domain.auto_ticks import TickFacts
from bot.storage.contacts import ContactRecord
from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.timestamps import to_db


async def ticked_items(db: Source, contact_id: int, phase: str) -> set[str]:
    rows = await query_all(
        db,
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = ?",
        (contact_id, phase),
    )
    return {row["item_id"] for row in rows}


async def toggle_tick(
    tx: Transaction, contact_id: int, phase: str, item_id: str, now: datetime
) -> set[str]:
    """Flip one item; returns the phase's ticked items afterwards (read in the same transaction).

    Insert if absent, else delete; repeat until one of them changes a row. Each step is one
    statement, so flips at once (PostgreSQL, READ COMMITTED, no lock) never fail on the primary
    key, and none is lost: two flips that both saw the tick both try to delete it, the second
    delete waits for the first and then finds nothing, so that flip goes round again and puts
    the tick back. Every flip changes the row exactly once, so an even number of flips leaves
    the item as it was. On SQLite (one writer) the first round always changes a row."""
    key = (contact_id, phase, item_id)
    while True:
        cursor = await tx.execute(
            "INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (contact_id, phase, item_id) DO NOTHING",
            (*key, to_db(now)),
        )
        if cursor.rowcount:
            break
        cursor = await tx.execute(
            "DELETE FROM checklist_ticks WHERE contact_id = ? AND phase = ? AND item_id = ?", key
        )
        if cursor.rowcount:
            break
    async with tx.execute(
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = ?",
        (contact_id, phase),
    ) as rows:
        return {row[0] for row in await rows.fetchall()}


async def tick_facts(source: Source, contact: ContactRecord) -> TickFacts:
    """What the contact's automatic ticks are derived from: its record, plus one query for its
    question list, its referrals and whether the student checked an email since adding it."""
    row = await query_one(
        source,
        "SELECT"
        " (SELECT count(*) FROM contact_questions WHERE contact_id = :id) AS questions,"
        " EXISTS (SELECT 1 FROM events WHERE guild_id = :guild AND user_id = :user"
        "  AND at >= :since AND kind = 'email_checked') AS email_checked,"
        " count(r.id) AS referrals,"
        " count(CASE WHEN r.stage = 'planned' THEN 1 END) AS planned,"
        " count(r.referrer_told_at) AS told,"
        " count(CASE WHEN r.requested_at IS NOT NULL AND r.referrer_told_at IS NULL THEN 1 END)"
        " AS untold"
        " FROM contacts AS r WHERE r.referred_by = :id",
        {
            "id": contact.id,
            "guild": contact.guild_id,
            "user": contact.user_id,
            "since": to_db(contact.created_at),
        },
    )
    assert row is not None  # an aggregate always returns one row
    return TickFacts(
        stage=contact.stage,
        stage_before_close=contact.stage_before_close,
        requested=contact.requested_at is not None,
        replied=contact.replied_at is not None,
        scheduled=contact.meeting_at is not None,
        met=contact.met_at is not None,
        thanked=contact.thanked_at is not None,
        reported_back=contact.reported_back_at is not None,
        kept_in_touch=contact.kept_in_touch_at is not None,
        email_checked=bool(row["email_checked"]),
        questions=int(row["questions"]),
        referrals=int(row["referrals"]),
        referrals_planned=int(row["planned"]),
        referrals_told=int(row["told"]),
        referrals_untold=int(row["untold"]),
    )
