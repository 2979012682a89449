"""The reads behind the server statistics for staff: read-only, scoped to one server. User ids
are read only so the statistics can count distinct students; they never reach a staff view."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.contacts import Stage
from bot.storage.contacts import STAGE_TIMESTAMP
from bot.storage.database import Source, query_all, query_one
from bot.storage.timestamps import from_db, to_db

STAMPED_COLUMNS: dict[Stage, str] = {
    stage: column for stage, column in STAGE_TIMESTAMP.items() if stage is not Stage.CLOSED
}
"""The journey stages with a timestamp column (closing has its own field)."""


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One contact as the statistics read it."""

    user_id: int
    stage: Stage
    stage_before_close: Stage | None
    updated_at: datetime
    stamps: Mapping[Stage, datetime | None]  # every stage of STAMPED_COLUMNS
    closed_at: datetime | None
    reply_class: str | None
    ticks: Mapping[str, frozenset[str]] = field(default_factory=dict)  # phase → ticked item ids


@dataclass(frozen=True, slots=True)
class Tally:
    """How many rows, and from how many distinct students."""

    rows: int
    students: int


def _cutoff(start: datetime | None) -> str:
    """The period's start as stored text; "" (before every timestamp) for all time."""
    return "" if start is None else to_db(start)


async def students_with_events(source: Source, guild_id: int, start: datetime | None) -> int:
    """Students with any event in the server since ``start`` (None: ever)."""
    row = await query_one(
        source,
        "SELECT count(DISTINCT user_id) FROM events WHERE guild_id = ? AND at >= ?",
        (guild_id, _cutoff(start)),
    )
    return int(row[0]) if row else 0


async def server_contacts(source: Source, guild_id: int) -> list[ContactRow]:
    """Every contact in the server with its checklist ticks (the period is applied later)."""
    ticks: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in await query_all(
        source,
        "SELECT t.contact_id, t.phase, t.item_id FROM checklist_ticks AS t"
        " JOIN contacts AS c ON c.id = t.contact_id WHERE c.guild_id = ?",
        (guild_id,),
    ):
        ticks[row[0]][row[1]].add(row[2])
    columns = ", ".join(STAMPED_COLUMNS.values())
    rows = await query_all(
        source,
        "SELECT id, user_id, stage, stage_before_close, updated_at, closed_at, reply_class,"
        f" {columns} FROM contacts WHERE guild_id = ?",
        (guild_id,),
    )
    contacts: list[ContactRow] = []
    for row in rows:
        contact_ticks = ticks.get(row["id"], {})
        updated_at = from_db(row["updated_at"])
        assert updated_at is not None  # NOT NULL in the table
        contacts.append(
            ContactRow(
                user_id=row["user_id"],
                stage=Stage(row["stage"]),
                stage_before_close=Stage(row["stage_before_close"])
                if row["stage_before_close"]
                else None,
                updated_at=updated_at,
                stamps={stage: from_db(row[column]) for stage, column in STAMPED_COLUMNS.items()},
                closed_at=from_db(row["closed_at"]),
                reply_class=row["reply_class"],
                ticks={phase: frozenset(ids) for phase, ids in contact_ticks.items()},
            )
        )
    return contacts


# outcome → the nudges it counts. Sent nudges (and what students pressed on them) count in the
# period by when they were sent; skipped ones (an empty weekly digest, a reminder out of date by
# the time it could go out: no DM) and undeliverable ones by when they were marked so.
_NUDGE_OUTCOMES = {
    "sent": "status = 'sent' AND sent_at >= :cutoff",
    "acted_on": "status = 'sent' AND sent_at >= :cutoff AND action = 'done'",
    "snoozed": "status = 'sent' AND sent_at >= :cutoff AND action = 'snoozed'",
    "stopped": "status = 'sent' AND sent_at >= :cutoff AND action = 'stopped'",
    "skipped": "status = 'skipped' AND updated_at >= :cutoff",
    "undeliverable": "status = 'undeliverable' AND updated_at >= :cutoff",
}


async def nudge_outcomes(source: Source, guild_id: int, start: datetime | None) -> dict[str, Tally]:
    """For each outcome (sent, acted_on, snoozed, stopped, skipped, undeliverable), the
    server's nudges with it in the period."""
    union = " UNION ALL ".join(
        f"SELECT '{outcome}' AS outcome, user_id FROM nudges"
        f" WHERE guild_id = :guild AND {condition}"
        for outcome, condition in _NUDGE_OUTCOMES.items()
    )
    rows = await query_all(
        source,
        f"SELECT outcome, count(*), count(DISTINCT user_id) FROM ({union}) GROUP BY outcome",
        {"guild": guild_id, "cutoff": _cutoff(start)},
    )
    found = {row[0]: Tally(row[1], row[2]) for row in rows}
    return {outcome: found.get(outcome, Tally(0, 0)) for outcome in _NUDGE_OUTCOMES}
