"""Start-up repair with several processes: a nudge claimed for sending records its claimer (the
leader's term), and repair settles a *sending* row only when that claimer no longer leads, so a
live leader's send in flight is never released (and sent twice) by another process. On SQLite
one process owns the file: every row left in *sending* is orphaned, as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.actions.planner import NudgePlanner
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.contacts import Connection, Stage
from bot.domain.nudge_kinds import NudgeStatus
from bot.leadership import Leadership
from bot.membership import MembershipChecker
from bot.nudges.buttons import nudge_view
from bot.nudges.dispatcher import NudgeDispatcher
from bot.pacing import TokenBucket
from bot.storage.contacts import add_contact, set_stage
from bot.storage.database import Database, open_database
from bot.storage.leader_lock import LeaderLock
from bot.storage.nudges import NudgeRow, claim_due, get_nudge, sending_rows
from bot.storage.students import ensure_student, set_dm_channel, update_settings
from tests.conftest import ON_POSTGRES
from tests.nudges.fake_discord import FakeClient, FakeGuild, FakeMessage

GUILD, ALICE = 10, 1
START = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
CONTENT = load_content(Path("data"))
FAST = 0.05
PATIENCE = 10.0
on_postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="several processes need PostgreSQL")


@dataclass
class World:
    db: Database
    clock: ManualClock
    client: FakeClient  # one Discord for every process


def dispatcher(w: World, db: Database, leading: Leadership | None = None) -> NudgeDispatcher:
    """One process's dispatcher on its own database connections (``db``), claiming as
    ``leading`` says (without it: always, as one identity of its own)."""
    planner = NudgePlanner(db, CONTENT, lambda _: None)
    pacer = TokenBucket(1000)
    return NudgeDispatcher(
        db=db,
        clock=w.clock,
        planner=planner,
        client=w.client,  # type: ignore[arg-type]
        membership=MembershipChecker(db, w.clock, pacer, w.client),  # type: ignore[arg-type]
        pacer=pacer,
        wake_at=lambda _: None,
        claimer=None if leading is None else leading.claimer,
    )


@pytest.fixture
async def world(db: Database) -> World:
    return World(db, ManualClock(START), FakeClient(FakeGuild(GUILD, "Career Club", {ALICE})))


@pytest.fixture
async def second_db(db: Database, db_location: Path | str) -> AsyncIterator[Database]:
    """The other process's connections to the same database (PostgreSQL)."""
    other = await open_database(db_location)
    try:
        yield other
    finally:
        await other.close()


async def leader(db_location: Path | str) -> Leadership:
    async def nothing() -> None:
        return None

    leadership = Leadership(
        LeaderLock(str(db_location)),
        on_gained=nothing,
        on_lost=nothing,
        retry_every=FAST,
        check_every=FAST,
    )
    assert await leadership.start()
    return leadership


async def thank_you_due(w: World) -> None:
    """Alice met Ada yesterday: her thank-you reminder is due now."""
    planner = NudgePlanner(w.db, CONTENT, lambda _: None)
    async with w.db.transaction() as tx:
        await ensure_student(tx, GUILD, ALICE, START)
        await update_settings(tx, GUILD, ALICE, START, timezone="Europe/London")
        contact = await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            person="Ada",
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=START,
        )
        await set_stage(tx, contact, Stage.MET, START - timedelta(days=1), START)
        await planner.replan_contact(tx, contact, START)
    due = await w.db.fetch_value(
        "SELECT due_at FROM nudges WHERE kind = 'thank_you' AND status = 'pending'"
    )
    w.clock.set(datetime.fromisoformat(due))


async def claimed_by(w: World, claimer: str) -> NudgeRow:
    """A process claims the reminder for sending (and has not sent it yet)."""
    async with w.db.transaction() as tx:
        (row,) = await claim_due(tx, w.clock.now(), 10, claimer=claimer)
    assert row.claimed_by == claimer
    assert (await status_of(w, row.id)).claimed_by == claimer  # recorded with the claim
    return row


async def status_of(w: World, nudge_id: int) -> NudgeRow:
    row = await get_nudge(w.db, nudge_id)
    assert row is not None
    return row


async def test_a_row_whose_claimer_is_gone_is_put_back_and_sent_once(world: World):
    w = world
    await thank_you_due(w)
    row = await claimed_by(w, "crashed-process:1")  # it died before sending

    restarted = dispatcher(w, w.db)
    assert await restarted.recover_sending() == 1
    back = await status_of(w, row.id)
    assert back.status is NudgeStatus.PENDING
    assert (back.due_at, back.claimed_by) == (row.due_at, None)
    assert back.last_error == "recovered after a restart"

    report = await restarted.dispatch_due()
    assert report.sent == 1
    assert len(w.client.texts(ALICE)) == 1
    sent = await status_of(w, row.id)
    assert sent.status is NudgeStatus.SENT
    assert sent.claimed_by == restarted._claimer()


async def test_a_row_whose_claimer_is_gone_after_sending_is_marked_sent_not_sent_again(
    world: World,
):
    w = world
    await thank_you_due(w)
    row = await claimed_by(w, "crashed-process:1")
    # It sent the DM, then died before marking the row: the DM carries the nudge's buttons.
    channel = ALICE + 5_000
    async with w.db.transaction() as tx:
        await set_dm_channel(tx, ALICE, channel)
    w.client.dms[channel] = [
        FakeMessage(777, "reminder", [SimpleNamespace(children=list(nudge_view(row).children))])
    ]

    restarted = dispatcher(w, w.db)
    assert await restarted.recover_sending() == 1
    settled = await status_of(w, row.id)
    assert (settled.status, settled.message_id) == (NudgeStatus.SENT, 777)
    assert (await restarted.dispatch_due()).sent == 0
    assert len(w.client.dms[channel]) == 1


@on_postgres_only
async def test_a_live_leaders_row_in_flight_is_left_alone_until_its_claimer_is_gone(
    world: World, second_db: Database, db_location: str
):
    w = world
    await thank_you_due(w)
    first = await leader(db_location)
    try:
        claimer = first.claimer()
        assert claimer is not None
        row = await claimed_by(w, claimer)  # the leader is sending it right now

        other = dispatcher(w, second_db)  # another process, starting up
        assert [r.id for r in await sending_rows(second_db)] == []
        assert await other.recover_sending() == 0
        assert (await other.dispatch_due()).sent == 0
        still = await status_of(w, row.id)
        assert (still.status, still.claimed_by) == (NudgeStatus.SENDING, claimer)
        assert w.client.texts(ALICE) == []
        # The leader itself, with none of its deliveries in flight, counts it as its own.
        assert [r.id for r in await sending_rows(w.db, own_claimer=claimer)] == [row.id]

        await first.close()  # the leader goes (its lock with it) before it sent
        assert [r.id for r in await sending_rows(second_db)] == [row.id]
        assert await other.recover_sending() == 1
        back = await status_of(w, row.id)
        assert (back.status, back.claimed_by) == (NudgeStatus.PENDING, None)
        assert (await other.dispatch_due()).sent == 1
        assert len(w.client.texts(ALICE)) == 1
    finally:
        await first.close()


@on_postgres_only
async def test_a_leader_killed_mid_send_is_repaired_by_the_next_leader_exactly_once(
    world: World, second_db: Database, db_location: str
):
    w = world
    await thank_you_due(w)
    lock = LeaderLock(db_location)
    first = Leadership(lock, on_gained=_nothing, on_lost=_nothing, check_every=FAST)
    second = Leadership(
        LeaderLock(db_location), on_gained=_nothing, on_lost=_nothing, retry_every=FAST
    )
    run: asyncio.Task[object] | None = None
    try:
        assert await first.start()
        assert not await second.start()
        old = dispatcher(w, w.db, first)
        new = dispatcher(w, second_db, second)
        # The follower neither claims nor repairs.
        assert (await new.dispatch_due()).sent == 0
        assert await new.recover_sending() == 0
        assert (await _thank_you(w)).status is NudgeStatus.PENDING
        claimer = first.claimer()

        async def killed_while_sending() -> None:  # the leader's session dies mid-send
            assert await w.db.fetch_value("SELECT pg_terminate_backend(?)", (lock.backend_pid,))
            await asyncio.Event().wait()  # and the send never finishes

        w.client.before_send = killed_while_sending
        run = asyncio.create_task(old.dispatch_due())
        await asyncio.wait_for(first.wait_until(False), PATIENCE)  # it noticed, stopped leading
        run.cancel()  # as the alarm's shutdown cancels a dispatch run in progress
        await asyncio.gather(run, return_exceptions=True)
        w.client.before_send = None
        stuck = await _thank_you(w)
        assert (stuck.status, stuck.claimed_by) == (NudgeStatus.SENDING, claimer)

        await asyncio.wait_for(second.wait_until(True), PATIENCE)
        assert await new.recover_sending() == 1  # the next leader's start-up repair
        assert (await new.dispatch_due()).sent == 1
        assert len(w.client.texts(ALICE)) == 1
        assert (await old.dispatch_due()).sent == 0  # the old leader follows now
        assert (await new.dispatch_due()).sent == 0
        assert len(w.client.texts(ALICE)) == 1
    finally:
        if run is not None:
            run.cancel()
        await first.close()
        await second.close()


async def _nothing() -> None:
    return None


async def _thank_you(w: World) -> NudgeRow:
    nudge_id = await w.db.fetch_value("SELECT id FROM nudges WHERE kind = 'thank_you'")
    return await status_of(w, nudge_id)
