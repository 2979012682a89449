"""The nudges table's two core operations against a real migrated database, no Discord:
``sync_nudges`` (the planner's rows kept in step) and ``claim_due`` (the dispatcher's claim)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.contacts import Connection
from bot.domain.nudge_kinds import NudgeStatus
from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.engine import engine_of
from bot.storage.nudges import (
    CLAIM_DUE_SQL,
    CLAIM_DUE_SQL_PG,
    NEXT_DUE_SQL,
    NudgeRow,
    Wanted,
    cancel_student_nudges,
    claim_due,
    finish,
    get_nudge,
    mark_sent,
    next_due_at,
    release,
    snooze,
    sync_nudges,
)
from bot.storage.students import ensure_student

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 10, 1, 2
KINDS = ("second_contact", "follow_up")


async def _contact(db: Database, user: int = ALICE) -> int:
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, NOW)
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=user,
            person="Ada",
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=NOW,
        )


async def _sync(
    db: Database,
    contact_id: int | None,
    *wanted: Wanted,
    kinds: tuple[str, ...] = KINDS,
    user: int = ALICE,
) -> None:
    async with db.transaction() as tx:
        await sync_nudges(
            tx,
            guild_id=GUILD,
            user_id=user,
            contact_id=contact_id,
            wanted=list(wanted),
            kinds=kinds,
            now=NOW,
        )


async def _rows(db: Database, where: str = "1 = 1", params: tuple[Any, ...] = ()) -> list[Any]:
    return await db.fetch_all(
        "SELECT id, kind, occurrence, status, planned_at, due_at, attempts FROM nudges"
        f" WHERE {where} ORDER BY id",
        params,
    )


def _at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def _db_time(instant: datetime) -> str:
    return instant.isoformat(timespec="microseconds")


async def _claim(db: Database, now: datetime, limit: int = 100) -> list[NudgeRow]:
    async with db.transaction() as tx:
        return await claim_due(tx, now, limit)


# -- sync_nudges --------------------------------------------------------------------------------


async def test_sync_adds_each_wanted_occurrence_as_a_pending_row(db: Database):
    contact = await _contact(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(1)))
    (row,) = await _rows(db)
    assert (row["kind"], row["occurrence"], row["status"], row["attempts"]) == (
        "second_contact",
        "2026-12-02",
        "pending",
        0,
    )
    assert row["planned_at"] == row["due_at"] == _db_time(_at(1))
    nudge = await get_nudge(db, row["id"])
    assert nudge is not None
    assert nudge.status is NudgeStatus.PENDING


@pytest.mark.parametrize("ending", ["sent", "skipped", "sending"])
async def test_an_occurrence_delivered_or_in_flight_is_never_planned_again(
    db: Database, ending: str
):
    contact = await _contact(db)
    wanted = Wanted("second_contact", "2026-12-02", _at(1))
    await _sync(db, contact, wanted)
    (claimed,) = await _claim(db, _at(1))
    async with db.transaction() as tx:
        if ending == "sent":
            await mark_sent(tx, claimed.id, 555, _at(1))
        elif ending == "skipped":
            await finish(tx, claimed.id, NudgeStatus.SKIPPED, "stale", _at(1))
    # Re-planned later, even at another time (a new time zone, quiet hours): still one row.
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(5)))
    rows = await _rows(db)
    assert [(r["id"], r["status"]) for r in rows] == [(claimed.id, ending)]


@pytest.mark.parametrize("ending", ["cancelled", "undeliverable"])
async def test_a_cancelled_or_undeliverable_occurrence_is_planned_again_when_wanted(
    db: Database, ending: str
):
    contact = await _contact(db)
    wanted = Wanted("follow_up", "2026-12-08", _at(2))
    await _sync(db, contact, wanted)
    if ending == "cancelled":
        await _sync(db, contact)  # no longer wanted
    else:
        (claimed,) = await _claim(db, _at(2))
        async with db.transaction() as tx:
            await finish(tx, claimed.id, NudgeStatus.UNDELIVERABLE, "403 50007", _at(2))
    assert [r["status"] for r in await _rows(db)] == [ending]

    await _sync(db, contact, wanted)
    rows = await _rows(db)
    assert [(r["occurrence"], r["status"]) for r in rows] == [
        ("2026-12-08", ending),
        ("2026-12-08", "pending"),
    ]
    assert rows[1]["due_at"] == _db_time(_at(2))


async def test_a_new_time_for_the_same_occurrence_moves_the_row_in_place(db: Database):
    contact = await _contact(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(1)))
    (before,) = await _rows(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(3)))
    (after,) = await _rows(db)
    assert after["id"] == before["id"]
    assert after["planned_at"] == after["due_at"] == _db_time(_at(3))


async def test_a_new_occurrence_replaces_the_pending_one_in_place(db: Database):
    contact = await _contact(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(1)))
    await _sync(db, contact, Wanted("second_contact", "2026-12-03", _at(25)))
    (row,) = await _rows(db)
    assert (row["occurrence"], row["status"]) == ("2026-12-03", "pending")
    assert row["planned_at"] == row["due_at"] == _db_time(_at(25))


async def test_a_retried_row_keeps_its_own_time(db: Database):
    contact = await _contact(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(1)))
    (claimed,) = await _claim(db, _at(1))
    async with db.transaction() as tx:  # a 429: back to pending, retry in 10 minutes
        await release(tx, claimed.id, _at(1.25), "HTTP 429", _at(1))
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(2)))
    (row,) = await _rows(db)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["due_at"] == _db_time(_at(1.25))


async def test_a_snoozed_row_keeps_its_own_time(db: Database):
    contact = await _contact(db)
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(1)))
    (claimed,) = await _claim(db, _at(1))
    async with db.transaction() as tx:
        await mark_sent(tx, claimed.id, 555, _at(1))
    sent = await get_nudge(db, claimed.id)
    assert sent is not None
    async with db.transaction() as tx:
        assert await snooze(tx, sent, _at(24), _at(1))
    await _sync(db, contact, Wanted("second_contact", "2026-12-02", _at(30)))
    rows = await _rows(db)
    assert [(r["status"], r["due_at"]) for r in rows] == [
        ("sent", _db_time(_at(1))),
        ("pending", _db_time(_at(24))),
    ]


async def test_only_the_given_kinds_are_cancelled_when_unwanted(db: Database):
    contact = await _contact(db)
    await _sync(
        db,
        contact,
        Wanted("second_contact", "2026-12-02", _at(1)),
        Wanted("follow_up", "2026-12-08", _at(2)),
        Wanted("confirm", "meeting", _at(3)),
        kinds=(*KINDS, "confirm"),
    )
    await _sync(db, contact, Wanted("follow_up", "2026-12-08", _at(2)))  # kinds: 3B7 only
    assert {r["kind"]: r["status"] for r in await _rows(db)} == {
        "second_contact": "cancelled",
        "follow_up": "pending",
        "confirm": "pending",  # not among the kinds synced: untouched
    }


async def test_the_digest_rows_belong_to_one_student_and_no_contact(db: Database):
    alices = await _contact(db, ALICE)
    await _contact(db, BOB)
    await _sync(db, alices, Wanted("second_contact", "2026-12-02", _at(1)))
    for user in (ALICE, BOB):
        await _sync(db, None, Wanted("digest", "2026-W49", _at(50)), kinds=("digest",), user=user)
    await _sync(db, None, kinds=("digest",), user=ALICE)  # Alice turned her digest off
    rows = await db.fetch_all("SELECT user_id, kind, status FROM nudges ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (ALICE, "second_contact", "pending"),
        (ALICE, "digest", "cancelled"),
        (BOB, "digest", "pending"),
    ]


async def test_a_kind_being_sent_is_left_to_the_dispatcher(db: Database):
    """Regression: re-planning a contact while one of its nudges was in flight (or stuck in
    *sending* after a crash) tried to add a second live row of that kind and failed the
    student's whole action on the unique index."""
    contact = await _contact(db)
    await _sync(db, contact, Wanted("confirm", "meeting-1", _at(1)), kinds=("confirm",))
    (claimed,) = await _claim(db, _at(1))

    # The meeting moves while the reminder is on its way: no error, nothing changes yet.
    await _sync(db, contact, Wanted("confirm", "meeting-2", _at(30)), kinds=("confirm",))
    await _sync(db, contact, kinds=("confirm",))  # not wanted at all: not cancelled either
    assert [(r["occurrence"], r["status"]) for r in await _rows(db)] == [("meeting-1", "sending")]

    async with db.transaction() as tx:  # the dispatcher settles it, then re-plans
        await mark_sent(tx, claimed.id, 555, _at(1))
    await _sync(db, contact, Wanted("confirm", "meeting-2", _at(30)), kinds=("confirm",))
    assert [(r["occurrence"], r["status"]) for r in await _rows(db)] == [
        ("meeting-1", "sent"),
        ("meeting-2", "pending"),
    ]


async def test_leaving_the_server_cancels_only_that_servers_pending_nudges(db: Database):
    contact = await _contact(db)
    await _sync(
        db,
        contact,
        Wanted("second_contact", "2026-12-02", _at(1)),
        Wanted("follow_up", "2026-12-08", _at(2)),
    )
    await _claim(db, _at(1))  # second_contact is in flight
    async with db.transaction() as tx:
        assert await cancel_student_nudges(tx, GUILD, ALICE, "left the server", _at(1)) == 1
        assert await cancel_student_nudges(tx, GUILD + 1, ALICE, "left", _at(1)) == 0
    rows = await db.fetch_all("SELECT kind, status, last_error FROM nudges ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("second_contact", "sending", None),
        ("follow_up", "cancelled", "left the server"),
    ]


# -- claim_due ----------------------------------------------------------------------------------


async def _many(db: Database, dues: list[float]) -> list[int]:
    """One contact per due time (hours from NOW); returns the nudge ids in that order."""
    ids = []
    for hours in dues:
        contact = await _contact(db)
        await _sync(db, contact, Wanted("second_contact", f"d{hours}", _at(hours)))
        ids.append((await _rows(db, "contact_id = ?", (contact,)))[0]["id"])
    return ids


async def test_claim_takes_the_due_rows_earliest_first_up_to_the_limit(db: Database):
    ids = await _many(db, [3, 1, 2, 1, 9])  # two at hour 1: by id
    claimed = await _claim(db, _at(5), limit=3)
    assert [c.id for c in claimed] == [ids[1], ids[3], ids[2]]
    assert all(c.status is NudgeStatus.SENDING for c in claimed)
    assert all(c.attempts == 1 and c.claimed_at == _at(5) for c in claimed)

    assert [c.id for c in await _claim(db, _at(5))] == [ids[0]]  # the rest that is due
    assert await _claim(db, _at(5)) == []  # hour 9 is not due yet
    statuses = {r["id"]: r["status"] for r in await _rows(db)}
    assert statuses == {
        ids[0]: "sending",
        ids[1]: "sending",
        ids[2]: "sending",
        ids[3]: "sending",
        ids[4]: "pending",
    }


async def test_claim_skips_rows_that_are_not_pending(db: Database):
    ids = await _many(db, [1, 2, 3])
    first = await _claim(db, _at(1))
    async with db.transaction() as tx:
        await mark_sent(tx, first[0].id, 555, _at(1))
    async with db.transaction() as tx:  # the second one is cancelled (contact closed, say)
        await tx.execute("UPDATE nudges SET status = 'cancelled' WHERE id = ?", (ids[1],))
    assert [c.id for c in await _claim(db, _at(10))] == [ids[2]]


async def test_concurrent_claims_never_take_the_same_row(db: Database):
    ids = await _many(db, [1] * 12)
    batches = await asyncio.gather(*(_claim(db, _at(2), limit=5) for _ in range(4)))
    claimed = [c.id for batch in batches for c in batch]
    assert sorted(claimed) == sorted(ids)  # each exactly once
    # How the 12 split depends on timing on PostgreSQL (a claim skips the rows others hold, so
    # two claims at the end may share the last rows), never beyond each claim's limit.
    assert all(len(b) <= 5 for b in batches)


async def test_a_claim_rolled_back_leaves_the_rows_pending(db: Database):
    await _many(db, [1, 2])
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            assert len(await claim_due(tx, _at(5), 10)) == 2
            raise RuntimeError("the process died before the commit")
    assert [(r["status"], r["attempts"]) for r in await _rows(db)] == [("pending", 0)] * 2


async def test_next_due_is_the_earliest_pending_row(db: Database):
    assert await next_due_at(db) is None
    await _many(db, [4, 2, 3])
    (earliest,) = await _claim(db, _at(2), limit=1)  # sending rows do not count
    assert earliest.due_at == _at(2)
    assert await next_due_at(db) == _at(3)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("sql", [NEXT_DUE_SQL, CLAIM_DUE_SQL], ids=["next_due", "claim"])
async def test_the_hot_queries_use_the_partial_index_on_pending_rows(db: Database, sql: str):
    """The next-due and claim queries must stay fast however many sent rows pile up: SQLite
    has to pick the partial index on pending rows, in due order (no sort step)."""
    await _many(db, [1, 2])
    rows = await db.fetch_all(f"EXPLAIN QUERY PLAN {sql}", {"now": "x", "limit": 1})
    plan = " | ".join(row[3] for row in rows)
    assert "USING INDEX nudges_pending_by_due" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _plan_nodes(child))]


@pytest.mark.parametrize("sql", [NEXT_DUE_SQL, CLAIM_DUE_SQL_PG], ids=["next_due", "claim"])
async def test_postgres_can_use_the_partial_index_on_pending_rows(db: Database, sql: str):
    """PostgreSQL's twin: with sequential scans and sorts priced out (a handful of rows would
    otherwise be scanned), the planner reads pending rows through the partial index in due
    order. Shows the index fits the queries' WHERE and ORDER BY, not which plan wins at scale."""
    if engine_of(db) != "postgres":
        pytest.skip("PostgreSQL's planner")
    await _many(db, [1, 2])
    async with db.transaction() as tx:
        await tx.execute("SET LOCAL enable_seqscan = off")
        await tx.execute("SET LOCAL enable_sort = off")
        params = {"now": "x", "limit": 1} if ":now" in sql else ()
        async with tx.execute(f"EXPLAIN (FORMAT JSON) {sql}", params) as cursor:
            (row,) = await cursor.fetchall()
    plan = row[0]
    (top,) = json.loads(plan) if isinstance(plan, str) else plan
    nodes = _plan_nodes(top["Plan"])
    assert any(n.get("Index Name") == "nudges_pending_by_due" for n in nodes), plan
    assert not any(n["Node Type"] == "Sort" for n in nodes), plan  # no sort of all pending rows
    for node in nodes:  # ties on due_at (ORDER BY due_at, id) may be sorted among themselves
        if node["Node Type"] == "Incremental Sort":
            (presorted,) = node["Presorted Key"]
            assert presorted.endswith(".due_at"), plan
