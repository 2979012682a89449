"""When a nudge row came to be: read only for a reminder delivered late, to tell a bot that was
offline at the reminder's time from a reminder planned only after its time had passed."""

from __future__ import annotations

from bot.storage.database import Source, query_one
from bot.storage.timestamps import from_db


async def planned_after_its_time(source: Source, nudge_id: int) -> bool:
    """Whether the row was planned after the time it is planned for (``created_at`` is when
    its current plan was made: :func:`bot.storage.nudges.sync_nudges` resets it when it moves
    a row): re-planned once the student turned reminders back on (or pressed Stop and came
    back, or reopened their DMs), or logged a step with a past date. Such a reminder was never
    waiting for a bot that was offline. False for an unknown row."""
    row = await query_one(
        source, "SELECT created_at, planned_at FROM nudges WHERE id = ?", (nudge_id,)
    )
    if row is None:
        return False
    created, planned = from_db(row[0]), from_db(row[1])
    return created is not None and planned is not None and created > planned
