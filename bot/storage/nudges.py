"""The nudges table: planned rows kept in step with the planner, and the dispatcher's
claim → send → mark cycle. Every status change is one UPDATE guarded by the expected status."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.nudge_kinds import ENDED_WITHOUT_SENDING, NudgeStatus
from bot.storage.database import Database, Params, Source, Transaction, query_one
from bot.storage.engine import is_postgres
from bot.storage.leader_lock import live_claimers
from bot.storage.timestamps import from_db, to_db

# A sent (or sending, or skipped) occurrence is never planned again; a cancelled or
# undeliverable one may be, when it becomes wanted or deliverable again.
_DELIVERED = (NudgeStatus.SENT, NudgeStatus.SENDING, NudgeStatus.SKIPPED)


@dataclass(frozen=True, slots=True)
class NudgeRow:
    id: int
    guild_id: int
    user_id: int
    contact_id: int | None
    kind: str
    occurrence: str
    planned_at: datetime
    due_at: datetime
    status: NudgeStatus
    attempts: int
    last_error: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    message_id: int | None
    action: str | None
    snoozed_from: int | None = None
    claimed_by: str | None = None
    """Who claimed it for sending (a leader's term, see :mod:`bot.leadership`); kept once
    sent, cleared when released."""


_COLUMNS = ", ".join(f.name for f in fields(NudgeRow))


@dataclass(frozen=True, slots=True)
class Wanted:
    """One nudge occurrence the planner wants: its kind, what it is about (stable across time
    zone and quiet-hour changes), and when it may go out."""

    kind: str
    occurrence: str
    due_at: datetime


def _row(row: aiosqlite.Row) -> NudgeRow:
    values: dict[str, Any] = dict(zip(_COLUMNS.split(", "), tuple(row), strict=True))
    for key in ("planned_at", "due_at", "claimed_at", "sent_at"):
        values[key] = from_db(values[key])
    values["status"] = NudgeStatus(values["status"])
    return NudgeRow(**values)


async def _fetch(tx: Transaction, sql: str, params: Params) -> list[NudgeRow]:
    async with tx.execute(sql, params) as cursor:
        return [_row(r) for r in await cursor.fetchall()]


async def sync_nudges(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    contact_id: int | None,
    wanted: list[Wanted],
    kinds: Iterable[str],
    now: datetime,
    live_rows: list[NudgeRow] | None = None,
) -> None:
    """Make the live rows of ``kinds`` for this contact (or the student's digest, when
    ``contact_id`` is None) match ``wanted``: cancel what is no longer wanted, move what the
    planner moved, add what is new, and never re-add an occurrence already delivered.

    A kind whose row the dispatcher holds (*sending*) is left alone: only one live row per
    kind may exist, and that row is the dispatcher's until it settles it (which re-plans the
    contact if what it was about changed meanwhile).

    ``live_rows``: this owner's pending and sending rows of ``kinds``, when the caller read
    them already for many contacts at once (:func:`live_rows_of_contacts`)."""
    kinds = list(kinds)
    owner = (
        "contact_id = ?"
        if contact_id is not None
        else "contact_id IS NULL AND guild_id = ? AND user_id = ?"
    )
    owner_params: tuple[int, ...] = (contact_id,) if contact_id is not None else (guild_id, user_id)
    marks = ",".join("?" * len(kinds))
    rows = (
        live_rows
        if live_rows is not None
        else await _fetch(
            tx,
            f"SELECT {_COLUMNS} FROM nudges WHERE {owner} AND kind IN ({marks})"
            " AND status IN (?, ?)",
            (*owner_params, *kinds, NudgeStatus.PENDING, NudgeStatus.SENDING),
        )
    )
    live = {r.kind: r for r in rows if r.status is NudgeStatus.PENDING}
    in_flight = {r.kind for r in rows if r.status is NudgeStatus.SENDING}
    stamp = to_db(now)
    wanted_kinds = {w.kind for w in wanted}
    for kind, unwanted in live.items():
        if kind not in wanted_kinds:
            await tx.execute(
                "UPDATE nudges SET status = 'cancelled', updated_at = ? WHERE id = ?"
                " AND status = 'pending'",
                (stamp, unwanted.id),
            )
    for want in wanted:
        if want.kind in in_flight:
            continue
        row = live.get(want.kind)
        if row is not None:
            if row.occurrence != want.occurrence:
                await tx.execute(
                    # created_at: when this plan was made (see bot/storage/nudge_timing.py)
                    "UPDATE nudges SET occurrence = :occurrence, planned_at = :due,"
                    " due_at = :due, created_at = :now, updated_at = :now"
                    " WHERE id = :id AND status = 'pending'",
                    {
                        "occurrence": want.occurrence,
                        "due": to_db(want.due_at),
                        "now": stamp,
                        "id": row.id,
                    },
                )
            elif row.due_at != want.due_at and row.snoozed_from is None and row.attempts == 0:
                # Same occurrence, new time (quiet hours or time zone changed); a snoozed or
                # retried row keeps its own time.
                await tx.execute(
                    "UPDATE nudges SET planned_at = :due, due_at = :due, created_at = :now,"
                    " updated_at = :now WHERE id = :id AND status = 'pending'",
                    {"due": to_db(want.due_at), "now": stamp, "id": row.id},
                )
            continue
        async with tx.execute(
            f"SELECT 1 FROM nudges WHERE {owner} AND kind = ? AND occurrence = ?"
            " AND status IN (?, ?, ?) LIMIT 1",
            (*owner_params, want.kind, want.occurrence, *_DELIVERED),
        ) as cursor:
            if await cursor.fetchone():
                continue
        await tx.execute(
            "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            # A live row of this kind that another planner added since the read above (only
            # possible on PostgreSQL, several writers) was planned from the same facts: keep it.
            " ON CONFLICT DO NOTHING",
            (
                guild_id,
                user_id,
                contact_id,
                want.kind,
                want.occurrence,
                to_db(want.due_at),
                to_db(want.due_at),
                stamp,
                stamp,
            ),
        )


# The two hot queries name 'pending' literally, so SQLite always matches them to the partial
# index nudges_pending_by_due (a bound parameter would leave that to the planner's mood).
NEXT_DUE_SQL = "SELECT due_at FROM nudges WHERE status = 'pending' ORDER BY due_at LIMIT 1"
CLAIM_DUE_SQL = (
    "UPDATE nudges SET status = 'sending', claimed_at = :now, attempts = attempts + 1,"
    " updated_at = :now WHERE id IN (SELECT id FROM nudges WHERE status = 'pending'"
    f" AND due_at <= :now ORDER BY due_at, id LIMIT :limit) RETURNING {_COLUMNS}"
)
# PostgreSQL: several dispatchers may claim at once (READ COMMITTED). Each takes only rows no
# other claim holds (SKIP LOCKED), and the outer status check drops a row another claim moved
# to 'sending' between this statement's snapshot and its lock, so no row is claimed twice.
# The pick is a MATERIALIZED CTE so it runs once: as an `IN (subquery)` the planner may put it
# on the inner side of a nested loop and rescan it per row, and each rescan skips the rows this
# statement already updated and locks the next ones, claiming more than :limit rows.
CLAIM_DUE_SQL_PG = (
    "WITH picked AS MATERIALIZED (SELECT id FROM nudges WHERE status = 'pending'"
    " AND due_at <= :now ORDER BY due_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " UPDATE nudges SET status = 'sending', claimed_at = :now, attempts = attempts + 1,"
    " updated_at = :now WHERE status = 'pending' AND id IN (SELECT id FROM picked)"
    f" RETURNING {_COLUMNS}"
)


# Round robin over students: each user's due rows are numbered in due order (turn 1 = their
# earliest), and rows are claimed turn by turn, so with a backlog every user with something due
# gets their first reminder out before anyone gets a second. Users in :skip (their DM channel is
# busy or must wait) are left for a later claim.
CLAIM_FAIR_SQL = (
    "UPDATE nudges SET status = 'sending', claimed_at = :now, claimed_by = :claimer,"
    " attempts = attempts + 1, updated_at = :now"
    " WHERE id IN (SELECT id FROM (SELECT id, due_at, row_number() OVER"
    " (PARTITION BY user_id ORDER BY due_at, id) AS turn FROM nudges WHERE status = 'pending'"
    " AND due_at <= :now AND user_id NOT IN (SELECT value FROM json_each(:skip))) AS due"
    " WHERE turn <= :per_user ORDER BY turn, due_at, id LIMIT :limit)"
    f" RETURNING {_COLUMNS}"
)
# PostgreSQL: the same turns; the picked rows are then locked, skipping any another claim
# holds (a window function and FOR UPDATE cannot share a query level), and re-checked as
# still pending, as in CLAIM_DUE_SQL_PG.
CLAIM_FAIR_SQL_PG = (
    "WITH due AS (SELECT id, due_at, row_number() OVER (PARTITION BY user_id"
    " ORDER BY due_at, id) AS turn FROM nudges WHERE status = 'pending' AND due_at <= :now"
    " AND user_id NOT IN (SELECT CAST(value AS bigint)"
    " FROM jsonb_array_elements_text(CAST(:skip AS jsonb)))),"
    " picked AS (SELECT id FROM nudges WHERE status = 'pending' AND id IN (SELECT id FROM due"
    " WHERE turn <= :per_user ORDER BY turn, due_at, id LIMIT :limit) FOR UPDATE SKIP LOCKED)"
    " UPDATE nudges SET status = 'sending', claimed_at = :now, claimed_by = :claimer,"
    " attempts = attempts + 1, updated_at = :now"
    " WHERE status = 'pending' AND id IN (SELECT id FROM picked)"
    f" RETURNING {_COLUMNS}"
)


async def claim_due_fair(
    tx: Transaction,
    now: datetime,
    limit: int,
    *,
    per_user: int,
    skip_users: Iterable[int] = (),
    claimer: str | None = None,
) -> list[NudgeRow]:
    """Like :func:`claim_due`, but fair between students: at most ``per_user`` rows of any one
    user, taken round robin (every user's earliest due row before anyone's second), none of
    ``skip_users``. Returned earliest due first (ties by id); each user's in their order.
    ``claimer`` is recorded on the rows (see :func:`sending_rows`)."""
    rows = await _fetch(
        tx,
        CLAIM_FAIR_SQL_PG if is_postgres(tx) else CLAIM_FAIR_SQL,
        {
            "now": to_db(now),
            "limit": limit,
            "per_user": per_user,
            "skip": json.dumps(sorted(set(skip_users))),
            "claimer": claimer,
        },
    )
    return sorted(rows, key=lambda r: (r.due_at, r.id))


async def next_due_at(db: Database) -> datetime | None:
    """The earliest due time among pending nudges (the alarm's next wake-up)."""
    return from_db(await db.fetch_value(NEXT_DUE_SQL))


async def claim_due(
    tx: Transaction, now: datetime, limit: int, *, claimer: str | None = None
) -> list[NudgeRow]:
    """Move up to ``limit`` due pending rows to *sending* in one statement and return them,
    earliest due first (ties by id). ``claimer`` is recorded on them in the same transaction
    (a second statement: the dispatcher's own claim, :func:`claim_due_fair`, does it in one)."""
    sql = CLAIM_DUE_SQL_PG if is_postgres(tx) else CLAIM_DUE_SQL
    rows = await _fetch(tx, sql, {"now": to_db(now), "limit": limit})
    if claimer is not None and rows:
        await tx.execute(
            f"UPDATE nudges SET claimed_by = ? WHERE id IN ({','.join('?' * len(rows))})"
            " AND status = 'sending'",
            (claimer, *(r.id for r in rows)),
        )
        rows = [replace(r, claimed_by=claimer) for r in rows]
    return sorted(rows, key=lambda r: (r.due_at, r.id))


async def mark_sent(tx: Transaction, nudge_id: int, message_id: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE nudges SET status = 'sent', sent_at = ?, message_id = ?, last_error = NULL,"
        " updated_at = ? WHERE id = ? AND status = 'sending'",
        (to_db(now), message_id, to_db(now), nudge_id),
    )


async def release(
    tx: Transaction, nudge_id: int, retry_at: datetime, error: str, now: datetime
) -> None:
    """Back to *pending* to be tried again at ``retry_at`` (a 429, a 5xx, a timeout)."""
    await tx.execute(
        "UPDATE nudges SET status = 'pending', due_at = ?, last_error = ?, claimed_at = NULL,"
        " claimed_by = NULL, updated_at = ? WHERE id = ? AND status = 'sending'",
        (to_db(retry_at), error[:500], to_db(now), nudge_id),
    )


async def finish(
    tx: Transaction, nudge_id: int, status: NudgeStatus, reason: str, now: datetime
) -> None:
    """End a claimed nudge without sending it: *skipped*, *cancelled* or *undeliverable*."""
    if status not in ENDED_WITHOUT_SENDING:
        raise ValueError(f"a nudge cannot end as {status!r} without being sent")
    await tx.execute(
        "UPDATE nudges SET status = ?, last_error = ?, updated_at = ? WHERE id = ?"
        " AND status IN ('sending', 'pending')",
        (status, reason[:500], to_db(now), nudge_id),
    )


async def sending_rows(db: Database, *, own_claimer: str | None = None) -> list[NudgeRow]:
    """Rows left between claim and mark with nobody to finish them (checked against Discord
    by start-up repair): on SQLite every *sending* row (one process; called when none of its
    deliveries is in flight). On PostgreSQL several processes share the table: a row claimed
    by a leader that still holds its lock (:func:`bot.storage.leader_lock.live_claimers`) is
    that leader's, in flight, and left out, unless its claimer is ``own_claimer`` (the
    caller's own term, with none of its deliveries in flight). Rows without a claimer (claimed
    before claimers were recorded) are included."""
    rows = [
        _row(r)
        for r in await db.fetch_all(
            f"SELECT {_COLUMNS} FROM nudges WHERE status = 'sending' ORDER BY claimed_at, id"
        )
    ]
    others = {r.claimed_by for r in rows if r.claimed_by and r.claimed_by != own_claimer}
    live = await live_claimers(db, others)
    return [r for r in rows if r.claimed_by not in live]


async def get_nudge(db: Database, nudge_id: int) -> NudgeRow | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM nudges WHERE id = ?", (nudge_id,))
    return None if row is None else _row(row)


async def record_action(tx: Transaction, nudge_id: int, action: str, now: datetime) -> bool:
    """Remember what the student pressed on a sent nudge (first press wins)."""
    cursor = await tx.execute(
        "UPDATE nudges SET action = ?, acted_at = ?, updated_at = ? WHERE id = ?"
        " AND action IS NULL",
        (action, to_db(now), to_db(now), nudge_id),
    )
    return cursor.rowcount > 0


async def next_nudge_per_contact(
    db: Database, guild_id: int, user_id: int
) -> dict[int, tuple[str, datetime]]:
    """For each of the student's contacts with a live nudge: the soonest one's kind and time."""
    rows = await db.fetch_all(
        "SELECT contact_id, kind, due_at FROM (SELECT contact_id, kind, due_at, row_number()"
        " OVER (PARTITION BY contact_id ORDER BY due_at, id) AS soonest FROM nudges"
        " WHERE guild_id = ? AND user_id = ? AND status = 'pending' AND contact_id IS NOT NULL)"
        " AS live WHERE soonest = 1",
        (guild_id, user_id),
    )
    return {r[0]: (r[1], from_db(r[2])) for r in rows}  # type: ignore[misc]


async def hold_for_unreachable(tx: Transaction, user_id: int, error: str, now: datetime) -> int:
    """The user's DMs are closed: mark every live nudge of theirs (all servers) undeliverable
    and the student rows unreachable. Returns how many nudges were held."""
    stamp = to_db(now)
    await tx.execute(
        "UPDATE students SET unreachable_at = ?, unreachable_told_at = NULL"
        " WHERE user_id = ? AND unreachable_at IS NULL",
        (stamp, user_id),
    )
    cursor = await tx.execute(
        "UPDATE nudges SET status = 'undeliverable', last_error = ?, updated_at = ?"
        " WHERE user_id = ? AND status IN ('pending', 'sending')",
        (error[:500], stamp, user_id),
    )
    return cursor.rowcount


async def snooze(tx: Transaction, sent: NudgeRow, until: datetime, now: datetime) -> bool:
    """Plan the same occurrence again at ``until`` (unless a live row of that kind exists)."""
    cursor = await tx.execute(
        "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence,"
        " planned_at, due_at, snoozed_from, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            sent.guild_id,
            sent.user_id,
            sent.contact_id,
            sent.kind,
            sent.occurrence,
            to_db(until),
            to_db(until),
            sent.id,
            to_db(now),
            to_db(now),
        ),
    )
    return cursor.rowcount > 0


async def cancel_student_nudges(
    tx: Transaction, guild_id: int, user_id: int, reason: str, now: datetime
) -> int:
    """Cancel every pending nudge of the student in this server (they left it). Returns how
    many were cancelled."""
    cursor = await tx.execute(
        "UPDATE nudges SET status = 'cancelled', last_error = ?, updated_at = ?"
        " WHERE guild_id = ? AND user_id = ? AND status = 'pending'",
        (reason[:500], to_db(now), guild_id, user_id),
    )
    return cursor.rowcount


async def _earliest(source: Source, where: str, params: tuple[int, ...]) -> datetime | None:
    row = await query_one(
        source, f"SELECT min(due_at) FROM nudges WHERE {where} AND status = 'pending'", params
    )
    return from_db(row[0]) if row and row[0] else None


async def earliest_pending_for_contact(source: Source, contact_id: int) -> datetime | None:
    return await _earliest(source, "contact_id = ?", (contact_id,))


async def earliest_pending_in_guild(source: Source, guild_id: int) -> datetime | None:
    return await _earliest(source, "guild_id = ?", (guild_id,))


async def earliest_pending_digest(source: Source, guild_id: int, user_id: int) -> datetime | None:
    return await _earliest(
        source, "contact_id IS NULL AND guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


async def earliest_pending_for_student(
    source: Source, guild_id: int, user_id: int
) -> datetime | None:
    """The student's soonest pending nudge in this server (contacts and digest)."""
    return await _earliest(source, "guild_id = ? AND user_id = ?", (guild_id, user_id))


async def live_rows_of_contacts(
    tx: Transaction, contact_ids: Iterable[int], kinds: Iterable[str]
) -> dict[int, list[NudgeRow]]:
    """The pending and sending rows of ``kinds`` of each of these contacts (for
    :func:`sync_nudges` over a batch of contacts, one query instead of one each)."""
    ids, wanted_kinds = list(contact_ids), list(kinds)
    found: dict[int, list[NudgeRow]] = {contact_id: [] for contact_id in ids}
    if not ids:
        return found
    rows = await _fetch(
        tx,
        f"SELECT {_COLUMNS} FROM nudges WHERE contact_id IN ({','.join('?' * len(ids))})"
        f" AND kind IN ({','.join('?' * len(wanted_kinds))}) AND status IN (?, ?)",
        (*ids, *wanted_kinds, NudgeStatus.PENDING, NudgeStatus.SENDING),
    )
    for row in rows:
        assert row.contact_id is not None
        found[row.contact_id].append(row)
    return found
