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
from bot.domain.business_days import business_days_after
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
    # The server's delay later, moved to a business day (+30 days is a Saturday).
    assert due.date() == business_days_after((met + timedelta(days=days)).date(), 0)

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


# --- issue 10: empty digests, names read at delivery ------------------------------------------


async def _digest_due(s: Setup) -> datetime:
    value = await s.db.fetch_value(
        "SELECT due_at FROM nudges WHERE kind = 'digest' AND status = 'pending'"
    )
    return datetime.fromisoformat(value)


async def test_an_empty_digest_is_skipped_not_sent_and_next_weeks_is_planned(setup: Setup):
    s = setup
    await _contact(s)  # a planned contact: nothing due, nothing stalled
    async with s.db.transaction() as tx:
        await s.planner.replan_digest(tx, GUILD, ALICE, START)
    due = await _digest_due(s)
    assert due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00 London
    s.clock.set(due)
    report = await s.dispatcher.dispatch_due()
    assert (report.sent, report.skipped) == (0, 1)
    assert s.client.texts(ALICE) == []
    assert s.client.opened == []  # not even a DM channel
    rows = await s.db.fetch_all(
        "SELECT occurrence, status, last_error, sent_at FROM nudges WHERE kind = 'digest'"
        " ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        ("2026-W49", "skipped", "nothing due and nothing stalled", None),
        ("2026-W50", "pending", None, None),
    ]
    assert await _digest_due(s) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert s.woken[-1] == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def test_a_digest_with_a_stalled_contact_is_sent(setup: Setup):
    s = setup
    contact = await _contact(s)
    async with s.db.transaction() as tx:
        await tx.execute(
            "UPDATE contacts SET stage = 'replied', replied_at = ?, replied_on = ? WHERE id = ?",
            ("2026-11-24T10:00:00.000000+00:00", "2026-11-24", contact),
        )
        await s.planner.replan_digest(tx, GUILD, ALICE, START)
    s.clock.set(await _digest_due(s))
    report = await s.dispatcher.dispatch_due()
    assert report.sent == 1
    (text,) = s.client.texts(ALICE)
    assert "**Stalled: get these moving again**" in text
    assert "• **Ada** (Acme) replied" in text


async def _referrer_with_referrals(s: Setup) -> tuple[int, int, int]:
    referrer = await _contact(s)
    met = START - timedelta(days=5)
    ids = []
    async with s.db.transaction() as tx:
        await set_stage(tx, referrer, Stage.MET, met, START)
        for person, org in (("Priya Shah", "Fabrikam"), ("Tom Ruiz", "Contoso")):
            ids.append(
                await add_contact(
                    tx,
                    guild_id=GUILD,
                    user_id=ALICE,
                    person=person,
                    organization=org,
                    role=None,
                    connection=Connection.MUTUAL,
                    now=START,
                    referred_by=referrer,
                )
            )
        await s.planner.replan_contact(tx, referrer, START)
    return referrer, ids[0], ids[1]


async def test_the_referrals_reminder_names_them_as_they_are_at_delivery(setup: Setup):
    s = setup
    _, priya, _ = await _referrer_with_referrals(s)
    (occurrence,) = [o for o, status in await _nudges(s, "referrals") if status == "pending"]
    assert "Priya" not in occurrence  # names are not stored with the reminder
    async with s.db.transaction() as tx:  # renamed after it was planned
        await tx.execute("UPDATE contacts SET person = 'Priya Shah-Ng' WHERE id = ?", (priya,))
    s.clock.set(await _due_of(s, "referrals"))
    await s.dispatcher.dispatch_due()
    (text,) = [t for t in s.client.texts(ALICE) if "🤝" in t]
    assert (
        "🤝 **Ada** (Acme) suggested **Priya Shah-Ng** (Fabrikam) and **Tom Ruiz** (Contoso)"
        in (text)
    )


async def test_a_referrals_reminder_with_every_referral_contacted_is_skipped(setup: Setup):
    """Re-planning cancels it when the last referral's request is logged; a request logged
    while the reminder was on its way is caught at delivery."""
    s = setup
    _, priya, tom = await _referrer_with_referrals(s)
    async with s.db.transaction() as tx:  # contacted without re-planning (a race)
        await tx.execute("UPDATE contacts SET stage = 'requested' WHERE id IN (?, ?)", (priya, tom))
    s.clock.set(await _due_of(s, "referrals"))
    report = await s.dispatcher.dispatch_due()
    statuses = dict(await _nudges(s, "referrals"))
    assert list(statuses.values()) == ["skipped"]
    assert report.skipped >= 1
    assert not any("🤝" in t for t in s.client.texts(ALICE))


async def test_tell_referrer_is_planned_on_the_referral_and_names_the_referrer(setup: Setup):
    s = setup
    _, priya, _ = await _referrer_with_referrals(s)
    sent = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday, London
    async with s.db.transaction() as tx:
        await tx.execute(
            "UPDATE contacts SET stage = 'requested', requested_at = ? WHERE id = ?",
            ("2026-11-27T10:00:00.000000+00:00", priya),
        )
        await s.planner.replan_contact(tx, priya, START)
    due = await _due_of(s, "tell_referrer")
    assert due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00 London
    rows = await s.db.fetch_all(
        "SELECT contact_id, occurrence FROM nudges WHERE kind = 'tell_referrer'"
    )
    assert [tuple(r) for r in rows] == [(priya, sent.isoformat())]
    s.clock.set(due)
    await s.dispatcher.dispatch_due()
    (text,) = [t for t in s.client.texts(ALICE) if "📨" in t]
    assert "📨 Let **Ada** (Acme) know you reached out to **Priya Shah** (Fabrikam)." in text
