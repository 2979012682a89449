"""The SQL behind the server statistics: read-only, scoped to one server. User ids are read only
to count distinct students; they never leave this package."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.domain.contacts import Stage
from bot.staff_stats.figures import STAMPED, ContactFacts, Figure
from bot.storage.contacts import STAGE_TIMESTAMP
from bot.storage.database import Database
from bot.storage.timestamps import from_db, to_db


def _cutoff(start: datetime | None) -> str:
    """The period's start as stored text; "" (before every timestamp) for all time."""
    return "" if start is None else to_db(start)


async def students_active(db: Database, guild_id: int, start: datetime | None) -> Figure:
    """Students with any event in the period."""
    students = await db.fetch_value(
        "SELECT count(DISTINCT user_id) FROM events WHERE guild_id = ? AND at >= ?",
        (guild_id, _cutoff(start)),
    )
    return Figure(students, students)


_STAMP_COLUMNS = {stage: STAGE_TIMESTAMP[stage] for stage in STAMPED}


async def contact_facts(db: Database, guild_id: int) -> list[ContactFacts]:
    """Every contact in the server with its checklist ticks (the period is applied later)."""
    ticks: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in await db.fetch_all(
        "SELECT t.contact_id, t.phase, t.item_id FROM checklist_ticks AS t"
        " JOIN contacts AS c ON c.id = t.contact_id WHERE c.guild_id = ?",
        (guild_id,),
    ):
        ticks[row[0]][row[1]].add(row[2])
    columns = ", ".join(_STAMP_COLUMNS.values())
    rows = await db.fetch_all(
        "SELECT id, user_id, stage, stage_before_close, updated_at, closed_at, reply_class,"
        f" {columns} FROM contacts WHERE guild_id = ?",
        (guild_id,),
    )
    facts: list[ContactFacts] = []
    for row in rows:
        contact_ticks = ticks.get(row["id"], {})
        facts.append(
            ContactFacts(
                user_id=row["user_id"],
                stage=Stage(row["stage"]),
                stage_before_close=Stage(row["stage_before_close"])
                if row["stage_before_close"]
                else None,
                updated_at=from_db(row["updated_at"]),  # type: ignore[arg-type]
                stamps={stage: from_db(row[column]) for stage, column in _STAMP_COLUMNS.items()},
                closed_at=from_db(row["closed_at"]),
                reply_class=row["reply_class"],
                ticks={phase: frozenset(ids) for phase, ids in contact_ticks.items()},
            )
        )
    return facts


# outcome → the nudges it counts. Sent nudges (and what students pressed on them) count in the
# period by when they were sent; undeliverable ones by when they were marked so.
_NUDGE_OUTCOMES = {
    "sent": "status = 'sent' AND sent_at >= :cutoff",
    "acted_on": "status = 'sent' AND sent_at >= :cutoff AND action = 'done'",
    "snoozed": "status = 'sent' AND sent_at >= :cutoff AND action = 'snoozed'",
    "stopped": "status = 'sent' AND sent_at >= :cutoff AND action = 'stopped'",
    "undeliverable": "status = 'undeliverable' AND updated_at >= :cutoff",
}


async def nudge_outcomes(db: Database, guild_id: int, start: datetime | None) -> dict[str, Figure]:
    union = " UNION ALL ".join(
        f"SELECT '{outcome}' AS outcome, user_id FROM nudges"
        f" WHERE guild_id = :guild AND {condition}"
        for outcome, condition in _NUDGE_OUTCOMES.items()
    )
    rows = await db.fetch_all(
        f"SELECT outcome, count(*), count(DISTINCT user_id) FROM ({union}) GROUP BY outcome",
        {"guild": guild_id, "cutoff": _cutoff(start)},
    )
    found = {row[0]: Figure(row[1], row[2]) for row in rows}
    return {outcome: found.get(outcome, Figure(0, 0)) for outcome in _NUDGE_OUTCOMES}
