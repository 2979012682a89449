"""Settings changes re-plan a student's contacts in bounded batches after the change commits
(issue 14, finding 1), on a real database (SQLite or PostgreSQL) through the real actions: every
reminder moves, other students' writes go in between, and a pass stopped half-way is finished
later without a reminder lost or doubled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import REPLAN_BATCH, NudgePlanner
from bot.actions.reachability import mark_told
from bot.actions.settings import set_nudges, set_quiet_hours
from bot.clock import ManualClock
from bot.content import Content
from bot.domain.limits import MAX_OPEN_CONTACTS
from bot.storage.database import Database, Transaction, open_database
from bot.storage.students import (
    clear_replan_pending,
    ensure_student,
    mark_replan_pending,
    pending_replans,
    write_settings,
)
from tests.fair_seed import seed_requested_contacts

SENT = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # Tuesday, 09:30 in New York
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(SENT + timedelta(minutes=5))


class Wakes:
    """The planner's after-commit alarm calls, and what happened between them."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.first = asyncio.Event()

    def __call__(self, due: datetime) -> None:
        self.log.append("batch")
        self.first.set()


class Commits:
    """How many write transactions ``db`` has committed so far. SQLite's writer counts its
    COMMITs itself (``writer.batches``); on PostgreSQL, where every transaction is its own
    COMMIT, each ``db.transaction()`` (the real one, which ``db.write`` also goes through) that
    ends without an error is counted."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pg_commits = 0
        if db.engine == "postgres":
            real = db.transaction

            @asynccontextmanager
            async def counted() -> AsyncIterator[Transaction]:
                async with real() as tx:
                    yield tx
                self.pg_commits += 1

            def transaction() -> AbstractAsyncContextManager[Transaction]:
                return counted()

            db.transaction = transaction  # type: ignore[method-assign]

    def __int__(self) -> int:
        if self.db.engine == "postgres":
            return self.pg_commits
        return int(self.db.writer.batches)  # type: ignore[attr-defined]


@pytest.fixture
async def setup(
    db_location: Path | str, content: Content, clock: ManualClock
) -> AsyncIterator[tuple[ActionContext, Wakes]]:
    db = await open_database(db_location)
    wakes = Wakes()
    ctx = ActionContext(db, clock, content, NudgePlanner(db, content, wakes))
    try:
        yield ctx, wakes
    finally:
        await db.close()


async def pending(db: Database, who: StudentKey) -> list[tuple[int, str, str, str]]:
    rows = await db.fetch_all(
        "SELECT contact_id, kind, occurrence, due_at FROM nudges WHERE guild_id = ?"
        " AND user_id = ? AND status = 'pending' AND contact_id IS NOT NULL ORDER BY 1, 2",
        (who.guild_id, who.user_id),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def replan_mark(db: Database, who: StudentKey) -> int | None:
    value = await db.fetch_value(
        "SELECT replan_pending FROM students WHERE guild_id = ? AND user_id = ?",
        (who.guild_id, who.user_id),
    )
    """The pending mark (None when nothing is pending: never marked, or cleared, which keeps
    the mark negated)."""
    return None if value is None or int(value) <= 0 else int(value)


async def test_a_settings_change_moves_every_reminder_in_batches_while_others_write(
    setup: tuple[ActionContext, Wakes],
) -> None:
    ctx, wakes = setup
    ids = await seed_requested_contacts(
        ctx.db, ctx.planner, guild_id=10, user_id=1, count=MAX_OPEN_CONTACTS, sent_at=SENT
    )
    before = await pending(ctx.db, ALICE)
    assert len(before) == 2 * len(ids)  # the 3B and 7B reminders of each contact
    assert {due[11:16] for *_, due in before} == {"14:00"}  # 09:00 in New York
    wakes.log.clear()
    wakes.first.clear()
    commits = Commits(ctx.db)
    commits_before = int(commits)

    bystander_done: list[bool] = []

    async def bystander() -> None:
        await wakes.first.wait()  # once the first batch has committed
        await mark_told(ctx, BOB)
        wakes.log.append("bystander")
        bystander_done.append(True)

    _, settings = await asyncio.gather(bystander(), set_quiet_hours(ctx, ALICE, "21:00", "10:30"))
    assert settings.quiet_end == time(10, 30)
    after = await pending(ctx.db, ALICE)
    # Every reminder moved past the new quiet hours (10:30 in New York), none added or lost.
    assert [(c, k, o) for c, k, o, _ in after] == [(c, k, o) for c, k, o, _ in before]
    assert {due[11:16] for *_, due in after} == {"15:30"}
    # One transaction per batch of contacts (plus the settings and the last one), and the
    # bystander's write went in between them, not after the whole pass.
    assert int(commits) - commits_before >= len(ids) // REPLAN_BATCH + 2
    assert bystander_done
    assert wakes.log.index("bystander") < len(wakes.log) - 1
    assert await replan_mark(ctx.db, ALICE) is None


async def test_a_pass_stopped_half_way_is_finished_later_nothing_lost_or_doubled(
    setup: tuple[ActionContext, Wakes], content: Content, clock: ManualClock
) -> None:
    ctx, _ = setup
    ids = await seed_requested_contacts(
        ctx.db, ctx.planner, guild_id=10, user_id=1, count=120, sent_at=SENT
    )
    # One 3B reminder went out already: it must never be planned again.
    sent_contact = ids[-1]
    async with ctx.db.transaction() as tx:
        await tx.execute(
            "UPDATE nudges SET status = 'sent' WHERE contact_id = ? AND kind = 'second_contact'",
            (sent_contact,),
        )
    # The settings change commits with its mark, then the process stops after one batch.
    now = clock.now()
    async with ctx.db.transaction() as tx:
        await write_settings(tx, 10, 1, quiet_end=time(10, 30))
        mark = await ctx.planner.mark_student(tx, 10, 1, now)
    async with ctx.db.transaction() as tx:
        await ctx.planner._replan_batch(tx, 10, 1, ids[:REPLAN_BATCH], now)
    half = await pending(ctx.db, ALICE)
    assert {due[11:16] for *_, due in half} == {"14:00", "15:30"}
    assert await replan_mark(ctx.db, ALICE) == mark

    restarted = NudgePlanner(ctx.db, content, lambda due: None)  # a new process
    assert await restarted.finish_pending_replans(clock.now()) == 1
    after = await pending(ctx.db, ALICE)
    assert {due[11:16] for *_, due in after} == {"15:30"}
    assert len(after) == 2 * len(ids) - 1
    assert (sent_contact, "second_contact") not in {(c, k) for c, k, _, _ in after}
    assert await replan_mark(ctx.db, ALICE) is None
    # Running it again changes nothing: planning is idempotent.
    async with ctx.db.transaction() as tx:
        await restarted.replan_student(tx, 10, 1, clock.now())
    assert await pending(ctx.db, ALICE) == after
    assert await restarted.finish_pending_replans(clock.now()) == 0


async def test_an_older_pass_leaves_a_newer_changes_mark(
    setup: tuple[ActionContext, Wakes], clock: ManualClock
) -> None:
    ctx, _ = setup
    await seed_requested_contacts(
        ctx.db, ctx.planner, guild_id=10, user_id=1, count=3, sent_at=SENT
    )
    now = clock.now()
    async with ctx.db.transaction() as tx:
        first = await ctx.planner.mark_student(tx, 10, 1, now)
    async with ctx.db.transaction() as tx:
        second = await ctx.planner.mark_student(tx, 10, 1, now)
    assert second > first
    assert await ctx.planner.replan_student_in_batches(10, 1, first, now)
    assert await replan_mark(ctx.db, ALICE) == second
    assert await ctx.planner.replan_student_in_batches(10, 1, second, now)
    assert await replan_mark(ctx.db, ALICE) is None


async def test_reminders_off_cancels_every_pending_one_and_on_plans_them_again(
    setup: tuple[ActionContext, Wakes],
) -> None:
    ctx, _ = setup
    ids = await seed_requested_contacts(
        ctx.db, ctx.planner, guild_id=10, user_id=1, count=2 * REPLAN_BATCH + 7, sent_at=SENT
    )
    await set_nudges(ctx, ALICE, False)
    assert await pending(ctx.db, ALICE) == []
    await set_nudges(ctx, ALICE, True)
    assert len(await pending(ctx.db, ALICE)) == 2 * len(ids)


async def test_an_older_pass_ending_late_never_clears_a_newer_mark(
    setup: tuple[ActionContext, Wakes],
) -> None:
    """A marks 1, B marks 2 and finishes first, C marks again: C's mark must not be 1 again,
    or A's late clear would wipe it and a crash during C's pass would leave nothing to finish."""
    ctx, _ = setup
    who = StudentKey(guild_id=ALICE.guild_id, user_id=7)
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, SENT)
        a = await mark_replan_pending(tx, who.guild_id, who.user_id)
        b = await mark_replan_pending(tx, who.guild_id, who.user_id)
        assert await clear_replan_pending(tx, who.guild_id, who.user_id, b)
        c = await mark_replan_pending(tx, who.guild_id, who.user_id)
        assert c not in (a, b)
        assert not await clear_replan_pending(tx, who.guild_id, who.user_id, a)  # A, late
    assert await replan_mark(ctx.db, who) == c
    assert (who.guild_id, 7, c) in await pending_replans(ctx.db)
