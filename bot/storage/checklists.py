"""Checklist progress: which items a student ticked, per contact and phase."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage.database import Source, query_all
from bot.storage.timestamps import to_db


async def ticked_items(db: Source, contact_id: int, phase: str) -> set[str]:
    rows = await query_all(
        db,
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = ?",
        (contact_id, phase),
    )
    return {row["item_id"] for row in rows}


async def toggle_tick(
    tx: aiosqlite.Connection, contact_id: int, phase: str, item_id: str, now: datetime
) -> set[str]:
    """Flip one item; returns the phase's ticked items afterwards (read in the same transaction)."""
    cursor = await tx.execute(
        "DELETE FROM checklist_ticks WHERE contact_id = ? AND phase = ? AND item_id = ?",
        (contact_id, phase, item_id),
    )
    if not cursor.rowcount:
        await tx.execute(
            "INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)"
            " VALUES (?, ?, ?, ?)",
            (contact_id, phase, item_id, to_db(now)),
        )
    async with tx.execute(
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = ?",
        (contact_id, phase),
    ) as rows:
        return {row[0] for row in await rows.fetchall()}
