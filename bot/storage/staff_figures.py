"""The reads behind the server statistics for staff: read-only, scoped to one server. User ids
are read only so the statistics can count distinct students; they never reach a staff view."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from bot.domain.auto_ticks import DoneBy, TickFacts, done_actions
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
    done: frozenset[DoneBy] = frozenset()
    """The actions the contact's record shows as done: they tick the checklist items tied to
    them (``done_by``) as the student's checklist shows them (:mod:`bot.domain.auto_ticks`)."""


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


async def _by_id(source: Source, sql: str, guild_id: int) -> dict[int, aiosqlite.Row]:
    return {row[0]: row for row in await query_all(source, sql, (guild_id,))}


async def _server_done_actions(
    source: Source, guild_id: int, rows: list[aiosqlite.Row]
) -> dict[int, frozenset[DoneBy]]:
    """Each contact's :func:`done_actions`, from the same facts as
    :func:`bot.storage.checklists.tick_facts` reads for one contact, in three server-wide
    queries instead of one per contact."""
    questions = await _by_id(
        source,
        "SELECT q.contact_id, count(*) FROM contact_questions AS q"
        " JOIN contacts AS c ON c.id = q.contact_id WHERE c.guild_id = ? GROUP BY q.contact_id",
        guild_id,
    )
    referrals = await _by_id(
        source,
        "SELECT referred_by, count(*), coalesce(sum(stage = 'planned'), 0),"
        " coalesce(sum(referrer_told_at IS NOT NULL), 0),"
        " coalesce(sum(requested_at IS NOT NULL AND referrer_told_at IS NULL), 0)"
        " FROM contacts WHERE guild_id = ? AND referred_by IS NOT NULL GROUP BY referred_by",
        guild_id,
    )
    last_check = await _by_id(
        source,
        "SELECT user_id, max(at) FROM events WHERE guild_id = ? AND kind = 'email_checked'"
        " GROUP BY user_id",
        guild_id,
    )
    done: dict[int, frozenset[DoneBy]] = {}
    for row in rows:
        referral = referrals.get(row["id"])
        checked = last_check.get(row["user_id"])
        facts = TickFacts(
            stage=Stage(row["stage"]),
            stage_before_close=Stage(row["stage_before_close"])
            if row["stage_before_close"]
            else None,
            requested=row["requested_at"] is not None,
            replied=row["replied_at"] is not None,
            scheduled=row["meeting_at"] is not None,
            met=row["met_at"] is not None,
            thanked=row["thanked_at"] is not None,
            reported_back=row["reported_back_at"] is not None,
            kept_in_touch=row["kept_in_touch_at"] is not None,
            # Any check since the contact was added counts (the checker names no contact).
            email_checked=checked is not None and checked[1] >= row["created_at"],
            questions=int(questions[row["id"]][1]) if row["id"] in questions else 0,
            referrals=int(referral[1]) if referral else 0,
            referrals_planned=int(referral[2]) if referral else 0,
            referrals_told=int(referral[3]) if referral else 0,
            referrals_untold=int(referral[4]) if referral else 0,
        )
        done[row["id"]] = done_actions(facts)
    return done


async def server_contacts(source: Source, guild_id: int) -> list[ContactRow]:
    """Every contact in the server with its checklist ticks, the stored ones and the actions
    that tick items by themselves (the period is applied later)."""
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
        "SELECT id, user_id, stage, stage_before_close, created_at, updated_at, closed_at,"
        f" reply_class, meeting_at, reported_back_at, {columns} FROM contacts WHERE guild_id = ?",
        (guild_id,),
    )
    done = await _server_done_actions(source, guild_id, rows)
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
                done=done[row["id"]],
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
