"""The dispatcher with a real migrated database, the real planner and content, and a stand-in
Discord client (tests/nudges/fake_discord.py); the e2e suite covers the real client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions.planner import NudgePlanner
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.contacts import Connection, Stage
from bot.domain.nudge_kinds import NudgeStatus
from bot.membership import MembershipChecker
from bot.nudges.dispatcher import NudgeDispatcher
from bot.pacing import TokenBucket
from bot.storage.contacts import add_contact, set_meeting, set_stage
from bot.storage.database import Database
from bot.storage.guild_settings import update_server_settings
from bot.storage.students import ensure_student, update_settings
from tests.nudges.fake_discord import FakeClient, FakeGuild

GUILD, ALICE = 10, 1
START = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
CONTENT = load_content(Path("data"))


@dataclass
class Setup:
    db: Database
    clock: ManualClock
    client: FakeClient
    planner: NudgePlanner
    dispatcher: NudgeDispatcher
    woken: list[datetime]


@pytest.fixture
async def setup(db: Database) -> Setup:
    clock = ManualClock(START)
    client = FakeClient(FakeGuild(GUILD, "Career Club", {ALICE}))
    woken: list[datetime] = []
    planner = NudgePlanner(db, CONTENT, woken.append)
    pacer = TokenBucket(1000)
    dispatcher = NudgeDispatcher(
        db=db,
        clock=clock,
        planner=planner,
        client=client,  # type: ignore[arg-type]
        membership=MembershipChecker(db, clock, pacer, client),  # type: ignore[arg-type]
        pacer=pacer,
        wake_at=woken.append,
    )
    return Setup(db, clock, client, planner, dispatcher, woken)


async def _contact(s: Setup) -> int:
    async with s.db.transaction() as tx:
        await ensure_student(tx, GUILD, ALICE, START)
        await update_settings(tx, GUILD, ALICE, START, timezone="Europe/London")
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ALICE,
            person="Ada",
            organization="Acme",
            role=None,
            connection=Connection.ALUMNI,
            now=START,
        )


async def _nudges(s: Setup, kind: str) -> list[tuple[str, str]]:
    rows = await s.db.fetch_all(
        "SELECT occurrence, status FROM nudges WHERE kind = ? ORDER BY id", (kind,)
    )
    return [(r[0], r[1]) for r in rows]


async def _due_of(s: Setup, kind: str) -> datetime:
    value = await s.db.fetch_value(
        "SELECT due_at FROM nudges WHERE kind = ? AND status = 'pending'", (kind,)
    )
    return datetime.fromisoformat(value)


@pytest.mark.parametrize(
    ("days", "said"),
    [(7, "About a week since"), (14, "About two weeks since"), (30, "About a month since")],
)
async def test_the_report_back_nudge_says_the_servers_delay(setup: Setup, days: int, said: str):
    s = setup
    contact = await _contact(s)
    met = START - timedelta(days=1)
    async with s.db.transaction() as tx:
        await set_stage(tx, contact, Stage.MET, met, START)
        await set_stage(tx, contact, Stage.THANKED, met + timedelta(hours=3), START)
        if days != 14:
            await update_server_settings(tx, GUILD, START, report_back_days=days)
        await s.planner.replan_contact(tx, contact, START)
    due = await _due_of(s, "report_back")
    assert due.date() == (met + timedelta(days=days)).date()

    s.clock.set(due)
    report = await s.dispatcher.dispatch_due()
    assert report.sent == 1
    (text,) = s.client.texts(ALICE)
    assert f"📣 {said} you met **Ada** (Acme)." in text
    assert text.startswith("-# InfoCoach · Career Club\n")
    assert await _nudges(s, "report_back") == [(met.isoformat(), "sent")]


async def test_a_meeting_moved_while_its_reminders_were_in_flight_gets_new_ones(setup: Setup):
    """Regression: re-planning while reminders were being sent failed the student's action
    (a second live row of the same kind); now it leaves those rows to the dispatcher, which
    plans the moved meeting's reminders once the old ones are settled."""
    s = setup
    contact = await _contact(s)
    first = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    moved = first + timedelta(days=7)
    async with s.db.transaction() as tx:
        await set_meeting(
            tx, contact, meeting_at=first, zone="Europe/London", minutes=20, now=START
        )
        await s.planner.replan_contact(tx, contact, START)

    async def student_reschedules() -> None:  # while the first DM is on its way
        s.client.before_send = None
        async with s.db.transaction() as tx:
            await set_meeting(
                tx, contact, meeting_at=moved, zone="Europe/London", minutes=20, now=s.clock.now()
            )
            await s.planner.replan_contact(tx, contact, s.clock.now())

    s.client.before_send = student_reschedules
    s.clock.set(await _due_of(s, "confirm"))  # prepare (3 days before) and confirm are due
    report = await s.dispatcher.dispatch_due()

    assert report.sent == 2
    old, new = first.isoformat(), moved.isoformat()
    assert await _nudges(s, "prepare") == [(old, "sent"), (new, "pending")]
    assert await _nudges(s, "confirm") == [(old, "sent"), (new, "pending")]
    assert await _nudges(s, "top_questions") == [(new, "pending")]  # moved in place
    assert await _due_of(s, "confirm") == moved - timedelta(days=1)


async def test_a_retry_rings_the_alarm_and_keeps_the_nudge(setup: Setup):
    s = setup
    contact = await _contact(s)
    async with s.db.transaction() as tx:
        await set_stage(tx, contact, Stage.MET, START - timedelta(days=1), START)
        await s.planner.replan_contact(tx, contact, START)
    s.clock.set(await _due_of(s, "thank_you"))

    async def discord_is_down() -> None:
        raise TimeoutError("no answer")

    s.client.before_send = discord_is_down
    s.woken.clear()
    report = await s.dispatcher.dispatch_due()
    assert (report.sent, report.retried) == (0, 1)
    assert s.woken == [s.clock.now() + timedelta(seconds=15)]
    row = await s.db.fetch_one(
        "SELECT status, attempts, last_error FROM nudges WHERE kind = 'thank_you'"
    )
    assert row is not None
    assert (row[0], row[1]) == (NudgeStatus.PENDING, 1)
    assert row[2].startswith("uncertain: TimeoutError")
