"""Checklist progress: which items a student ticked, per contact and phase, and what the
contact's automatic ticks are derived from."""

from __future__ import annotations

from datetime import datetime

from bot.domain.auto_ticks import TickFacts
from bot.domain.nudge_kinds import meeting_occurrence
from bot.storage.contacts import ContactRecord
from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.engine import POSTGRES, SQLITE, engine_of, is_postgres
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
    if is_postgres(tx):
        return await _toggle_tick_pg(tx, contact_id, phase, item_id, now)
    key = (contact_id, phase, item_id)
    while True:
        cursor = await tx.execute(
            _ADD + " ON CONFLICT (contact_id, phase, item_id) DO NOTHING", (*key, to_db(now))
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


_ADD = "INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at) VALUES (?, ?, ?, ?)"

# PostgreSQL: each step and the read of the phase's ticks in one statement (one round trip;
# SQLite has no INSERT or DELETE inside WITH, and no round trips to save). The statement's
# SELECT sees the table as it was when the statement began: without the row it inserts, with
# the row it deletes; ``changed`` marks the row the step changed.
_PG_ADD = (
    "WITH step AS (INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)"
    " VALUES (:contact, :phase, :item, :now)"
    " ON CONFLICT (contact_id, phase, item_id) DO NOTHING RETURNING item_id)"
)
_PG_REMOVE = (
    "WITH step AS (DELETE FROM checklist_ticks"
    " WHERE contact_id = :contact AND phase = :phase AND item_id = :item RETURNING item_id)"
)
_PG_STEP_AND_READ = (
    " SELECT item_id, 1 AS changed FROM step"
    " UNION ALL SELECT item_id, 0 FROM checklist_ticks"
    " WHERE contact_id = :contact AND phase = :phase"
)


async def _toggle_tick_pg(
    tx: Transaction, contact_id: int, phase: str, item_id: str, now: datetime
) -> set[str]:
    params = {"contact": contact_id, "phase": phase, "item": item_id, "now": to_db(now)}
    while True:
        for step, adds in ((_PG_ADD, True), (_PG_REMOVE, False)):
            async with tx.execute(step + _PG_STEP_AND_READ, params) as cursor:
                rows = list(await cursor.fetchall())
            if any(row["changed"] for row in rows):
                ticked = {row["item_id"] for row in rows}
                return ticked if adds else ticked - {item_id}


_NOTHING_FAILED = {
    SQLITE: "json_array_length(e.payload, '$.failed') = 0",
    POSTGRES: "jsonb_array_length(e.payload::jsonb -> 'failed') = 0",
}
"""An ``email_checked`` event (alias ``e``) whose draft passed every rule: its payload lists
the rules that failed (a hint is not a failure), and the list is empty."""

_EMAIL_CHECKED = (
    " EXISTS (SELECT 1 FROM events AS e WHERE e.guild_id = :guild AND e.user_id = :user"
    "  AND e.kind = 'email_checked' AND e.at >= :since AND {passed}"
    "  AND NOT EXISTS (SELECT 1 FROM events AS s WHERE s.guild_id = :guild"
    "   AND s.user_id = :user AND s.contact_id = :id AND s.kind = 'request_sent'"
    "   AND s.at < e.at)) AS email_checked,"
)
"""Whether a draft passed the checker while this contact was waiting for its request: checked
no earlier than the contact was added, and no later than its request was first logged."""


async def tick_facts(source: Source, contact: ContactRecord) -> TickFacts:
    """What the contact's automatic ticks are derived from: its record, plus one query for its
    question list, its referrals and whether a draft passed the email checker between adding
    the contact and logging its request (the checker stores no draft and names no contact, so
    a passing check in that time counts for every contact waiting then; a failed one for
    none)."""
    row = await query_one(
        source,
        "SELECT"
        " (SELECT count(*) FROM contact_questions WHERE contact_id = :id) AS questions,"
        + _EMAIL_CHECKED.format(passed=_NOTHING_FAILED[engine_of(source)])
        + " count(r.id) AS referrals,"
        " count(CASE WHEN r.stage = 'planned' THEN 1 END) AS planned,"
        " count(r.referrer_told_at) AS told,"
        " count(CASE WHEN r.requested_at IS NOT NULL AND r.referrer_told_at IS NULL THEN 1 END)"
        " AS untold,"
        " EXISTS (SELECT 1 FROM nudges WHERE contact_id = :id AND kind = 'confirm'"
        "  AND occurrence = :meeting AND action = 'done') AS confirmed"
        " FROM contacts AS r WHERE r.referred_by = :id",
        {
            "id": contact.id,
            "guild": contact.guild_id,
            "user": contact.user_id,
            "since": to_db(contact.created_at),
            "meeting": meeting_occurrence(contact.meeting_at),
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
        second_contact=contact.second_person is not None,
        followed_up=contact.followed_up_at is not None,
        confirmed=bool(row["confirmed"]),
    )
