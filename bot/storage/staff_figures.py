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
from bot.domain.nudge_kinds import meeting_occurrence
from bot.storage.contacts import (
    CONTACT_SELECT,
    STAGE_TIMESTAMP,
    ContactRecord,
    contact_from_row,
    derived_columns,
)
from bot.storage.database import Source, query_all
from bot.storage.timestamps import from_db

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
        "SELECT referred_by, count(*), count(CASE WHEN stage = 'planned' THEN 1 END),"
        " count(referrer_told_at),"
        " count(CASE WHEN requested_at IS NOT NULL AND referrer_told_at IS NULL THEN 1 END)"
        " FROM contacts WHERE guild_id = ? AND referred_by IS NOT NULL GROUP BY referred_by",
        guild_id,
    )
    last_check = await _by_id(
        source,
        "SELECT user_id, max(at) FROM events WHERE guild_id = ? AND kind = 'email_checked'"
        " GROUP BY user_id",
        guild_id,
    )
    confirmed = {
        (row[0], row[1])
        for row in await query_all(
            source,
            "SELECT contact_id, occurrence FROM nudges WHERE guild_id = ? AND kind = 'confirm'"
            " AND action = 'done'",
            (guild_id,),
        )
    }
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
            second_contact=row["second_person"] is not None,
            followed_up=row["followed_up_at"] is not None,
            confirmed=(row["id"], meeting_occurrence(from_db(row["meeting_at"]))) in confirmed,
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
        f" reply_class, meeting_at, reported_back_at, followed_up_at, {columns},"
        f" {derived_columns('contacts')} FROM contacts WHERE guild_id = ?",
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


@dataclass(frozen=True, slots=True)
class StudentRow:
    user_id: int
    timezone: str | None
    sharing: bool


async def server_students(source: Source, guild_id: int) -> list[StudentRow]:
    """The server's students (those who ever used the bot here)."""
    rows = await query_all(
        source,
        "SELECT user_id, timezone, share_with_staff FROM students WHERE guild_id = ?"
        " ORDER BY user_id",
        (guild_id,),
    )
    return [StudentRow(row[0], row[1], bool(row[2])) for row in rows]


async def latest_events(source: Source, guild_id: int) -> dict[int, datetime]:
    """Each student's latest event in the server."""
    rows = await query_all(
        source,
        "SELECT user_id, max(at) FROM events WHERE guild_id = ? GROUP BY user_id",
        (guild_id,),
    )
    found: dict[int, datetime] = {}
    for row in rows:
        at = from_db(row[1])
        if at is not None:
            found[row[0]] = at
    return found


@dataclass(frozen=True, slots=True)
class SentNudgeRow:
    user_id: int
    kind: str
    sent_at: datetime
    action: str | None


async def sent_nudges(source: Source, guild_id: int) -> list[SentNudgeRow]:
    """Every nudge the server's students were sent. A digest with nothing in it is never sent:
    the dispatcher ends it as ``skipped`` (reason "nothing due and nothing stalled"), so it is
    not among these."""
    rows = await query_all(
        source,
        "SELECT user_id, kind, sent_at, action FROM nudges"
        " WHERE guild_id = ? AND status = 'sent' AND sent_at IS NOT NULL ORDER BY id",
        (guild_id,),
    )
    found: list[SentNudgeRow] = []
    for row in rows:
        at = from_db(row[2])
        if at is not None:
            found.append(SentNudgeRow(row[0], row[1], at, row[3]))
    return found


async def undeliverable_nudges(source: Source, guild_id: int) -> list[tuple[int, datetime]]:
    """``(student, when)`` of each nudge that could not be delivered (DMs closed)."""
    rows = await query_all(
        source,
        "SELECT user_id, updated_at FROM nudges WHERE guild_id = ? AND status = 'undeliverable'",
        (guild_id,),
    )
    return [(row[0], at) for row in rows if (at := from_db(row[1])) is not None]


async def open_contacts(source: Source, guild_id: int) -> list[ContactRecord]:
    """Every contact in the server that is not closed (what the stall rules read)."""
    rows = await query_all(
        source,
        f"SELECT {CONTACT_SELECT} FROM contacts WHERE guild_id = ? AND stage != 'closed'"
        " ORDER BY user_id, id",
        (guild_id,),
    )
    return [contact_from_row(row) for row in rows]
