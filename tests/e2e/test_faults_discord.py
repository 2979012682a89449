"""Discord faults end to end: 5xx outages, 429 storms, a message created behind a 503, and the
gateway dropping and resuming. Nothing the bot confirmed is lost and no nudge goes out twice.
The clock is injected; the only real waits are discord.py's own 0.05 s 429 retries."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.students import update_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query
from tests.emulator import DiscordEmulator, EmulatedInteraction, EmulatedMessage
from tests.emulator.payloads import error_body
from tests.emulator.rest import Call, Reply

FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 in New York
SECOND_CONTACT_AT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday 09:00 New York
DM_SENDS = r"^/channels/\d+/messages$"
DM_OPENS = r"^/users/@me/channels$"
FOLLOWUPS = r"^/webhooks/\d+/[^/]+$"


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(FRIDAY_AFTERNOON)


async def requested_contact(world: World, harness: BotHarness):
    """A student in New York whose request to Ada went out on Friday afternoon: the 3B7
    "contact a second person" nudge is due on Thursday 09:00 (no weekly digest)."""
    emu, bot = world.emulator, harness.bot
    student = world.student("nudged")
    harness.clock.set(FRIDAY_AFTERNOON)
    ix = await emu.slash(
        student, world.guild, "settings timezone", options={"name": "America/New_York"}
    )
    await ix.message()
    now = harness.clock.now()
    async with bot.db.transaction() as tx:
        await update_settings(tx, world.guild.id, student.id, now, digest_day=None)
        await bot.planner.replan_digest(tx, world.guild.id, student.id, now)
    ix = await emu.slash(
        student, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
    )
    await ix.message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(student, world.guild, "request sent", options={"contact": str(row["id"])})
    await ix.message()
    return student


def second_contact_nudge(harness: BotHarness, student) -> sqlite3.Row:
    (row,) = query(
        harness.db_path,
        "SELECT * FROM nudges WHERE user_id = ? AND kind = 'second_contact'",
        (student.id,),
    )
    return row


async def deliver_at(harness: BotHarness, instant: datetime):
    harness.clock.set(instant)
    return await harness.bot.dispatcher.dispatch_due()


async def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll something the emulator is not told about (the database) until it holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def at(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")


# --- Discord answering 5xx ---------------------------------------------------------------------


async def test_a_minute_of_503s_delays_nudges_with_backoff_and_loses_or_repeats_none(
    world: World, harness: BotHarness
):
    emu = world.emulator
    students = [await requested_contact(world, harness) for _ in range(3)]
    t0 = SECOND_CONTACT_AT
    # Discord is down for a minute: opening DMs and sending messages both answer 503.
    outage = [
        emu.fail_next("POST", DM_OPENS, 503, times=10_000),
        emu.fail_next("POST", DM_SENDS, 503, times=10_000),
    ]
    opens_before = emu.count_requests("POST", DM_OPENS)
    # Tried at once, then 15 s later, then 30 s after that: each failure doubles the wait.
    rounds = [(t0, 15), (t0 + timedelta(seconds=15), 45), (t0 + timedelta(seconds=45), 105)]
    for attempt, (instant, next_try) in enumerate(rounds, start=1):
        report = await deliver_at(harness, instant)
        assert (report.sent, report.retried) == (0, 3)
        for student in students:
            row = second_contact_nudge(harness, student)
            assert row["status"] == "pending"
            assert row["attempts"] == attempt
            assert row["due_at"] == at(t0 + timedelta(seconds=next_try))
            assert "503" in row["last_error"]
    assert all(emu.dms(s.id) == [] for s in students)
    assert emu.count_requests("POST", DM_OPENS) - opens_before == 3 * 3  # no retry storm

    # Meanwhile students are answered as usual.
    ix = await emu.slash(students[0], world.guild, "request checklist")
    assert "Ada (Acme)" in (await ix.message()).text()

    for rule in outage:  # Discord is back after a minute
        rule.remaining = 0
    assert (await deliver_at(harness, t0 + timedelta(seconds=60))).sent == 0  # not due yet
    assert (await deliver_at(harness, t0 + timedelta(seconds=105))).sent == 3
    for student in students:
        (dm,) = emu.dms(student.id)
        row = second_contact_nudge(harness, student)
        assert (row["status"], row["message_id"], row["last_error"]) == ("sent", dm.id, None)
    assert (await deliver_at(harness, t0 + timedelta(days=1))).sent == 0
    assert [len(emu.dms(s.id)) for s in students] == [1, 1, 1]


@contextmanager
def created_but_answered_503(emu: DiscordEmulator, times: int = 1) -> Iterator[list[int]]:
    """Discord creates the message, then the answer is lost behind a 503 (an edge timeout).
    discord.py does not retry a 503 itself, so the send fails. Yields the created ids."""
    routes = emu.router.routes
    index = next(
        i
        for i, (method, regex, _, _) in enumerate(routes)
        if method == "POST" and regex.pattern == "^/channels/(?P<channel_id>[^/]+)/messages$"
    )
    method, regex, real, auth = routes[index]
    created: list[int] = []

    async def lossy(call: Call) -> Reply:
        reply = await real(call)
        if len(created) < times and reply.status == 200:
            created.append(int(reply.body["id"]))
            return Reply(503, error_body(0, "503: Service Unavailable"))
        return reply

    routes[index] = (method, regex, lossy, auth)
    try:
        yield created
    finally:
        routes[index] = (method, regex, real, auth)


async def test_a_nudge_created_behind_a_503_is_not_sent_twice(world: World, harness: BotHarness):
    emu = world.emulator
    student = await requested_contact(world, harness)
    with created_but_answered_503(emu) as created:
        report = await deliver_at(harness, SECOND_CONTACT_AT)
        assert (report.sent, report.retried) == (0, 1)  # the bot can't know it went out
        assert len(created) == 1
        # The retry first looks for it in the DM history (the nonce alone only protects for a
        # few minutes), finds it, and marks it sent without a second POST.
        report = await deliver_at(harness, SECOND_CONTACT_AT + timedelta(seconds=15))
    assert report.sent == 1
    (dm,) = emu.dms(student.id)
    assert emu.count_requests("POST", rf"/channels/{dm.channel_id}/messages$") == 1
    assert dm.id == created[0]
    assert second_contact_nudge(harness, student)["message_id"] == dm.id


@pytest.mark.sqlite_only  # the crash is an SQLite trigger
async def test_start_up_recovery_during_an_outage_starts_anyway_and_settles_later(
    world: World, harness: BotHarness
):
    emu = world.emulator
    crashed = await requested_contact(world, harness)
    row = second_contact_nudge(harness, crashed)
    # The DM goes out, then the process dies before marking it sent.
    conn = sqlite3.connect(harness.db_path)
    conn.execute(
        "CREATE TRIGGER lose_mark BEFORE UPDATE OF status ON nudges"
        f" WHEN NEW.status = 'sent' AND NEW.id = {row['id']}"
        " BEGIN SELECT RAISE(ABORT, 'crash before mark'); END"
    )
    conn.commit()
    try:
        await deliver_at(harness, SECOND_CONTACT_AT)
    finally:
        conn.execute("DROP TRIGGER lose_mark")
        conn.commit()
        conn.close()
    assert second_contact_nudge(harness, crashed)["status"] == "sending"
    waiting = await requested_contact(world, harness)  # due too, not yet delivered

    # Discord can't list DM history while the bot starts: it must start all the same.
    outage = emu.fail_next("GET", DM_SENDS, 503, times=10_000)
    await harness.restart()
    report = await deliver_at(harness, SECOND_CONTACT_AT)
    assert report.sent == 1  # the other student's nudge is not held up
    assert len(emu.dms(waiting.id)) == 1
    assert second_contact_nudge(harness, crashed)["status"] == "sending"  # unknown: not resent
    assert len(emu.dms(crashed.id)) == 1

    outage.remaining = 0
    await deliver_at(harness, SECOND_CONTACT_AT + timedelta(minutes=1))
    settled = second_contact_nudge(harness, crashed)
    assert (settled["status"], settled["message_id"]) == ("sent", emu.dms(crashed.id)[0].id)
    assert [len(emu.dms(s.id)) for s in (crashed, waiting)] == [1, 1]


# --- 429 storms --------------------------------------------------------------------------------


async def test_a_429_storm_on_dm_opens_loses_and_repeats_nothing(world: World, harness: BotHarness):
    emu = world.emulator
    students = [await requested_contact(world, harness) for _ in range(5)]
    # More 429s than discord.py's five tries per request: some deliveries give up this round.
    storm = emu.fail_next("POST", DM_OPENS, 429, times=12)
    instant = SECOND_CONTACT_AT
    for _ in range(10):
        await deliver_at(harness, instant)
        if all(second_contact_nudge(harness, s)["status"] == "sent" for s in students):
            break
        instant += timedelta(seconds=2)  # past the 1 s Retry-After
    assert storm.remaining == 0
    for student in students:
        (dm,) = emu.dms(student.id)
        row = second_contact_nudge(harness, student)
        assert (row["status"], row["message_id"]) == ("sent", dm.id)
        assert emu.dm_open_calls(student.id) >= 1


async def test_a_429_storm_that_outlasts_discord_pys_retries_defers_with_retry_after(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = await requested_contact(world, harness)
    emu.fail_next("POST", DM_OPENS, 429, times=5)  # discord.py tries five times, then gives up
    report = await deliver_at(harness, SECOND_CONTACT_AT)
    assert (report.sent, report.retried) == (0, 1)
    row = second_contact_nudge(harness, student)
    assert row["status"] == "pending"
    assert row["due_at"] == at(SECOND_CONTACT_AT + timedelta(seconds=1))  # Retry-After
    assert row["last_error"].startswith("HTTP 429")
    assert (await deliver_at(harness, SECOND_CONTACT_AT + timedelta(seconds=1))).sent == 1
    assert len(emu.dms(student.id)) == 1


async def test_a_429_storm_on_followups_delays_the_closed_dms_notice_but_loses_it_not(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = await requested_contact(world, harness)
    emu.set_dms_closed(student.id)
    await deliver_at(harness, SECOND_CONTACT_AT)  # 403: the student is unreachable
    emu.set_dms_closed(student.id, False)

    def told_at() -> str | None:
        (row,) = query(
            harness.db_path,
            "SELECT unreachable_told_at FROM students WHERE user_id = ?",
            (student.id,),
        )
        return row["unreachable_told_at"]

    # The notice goes out as a followup; five 429s in a row exhaust discord.py's retries.
    storm = emu.fail_next("POST", FOLLOWUPS, 429, times=5)
    first = await emu.slash(student, world.guild, "request checklist")
    assert "Ada (Acme)" in (await first.message()).text()  # the command itself is answered
    await emu.state.wait_for(lambda: storm.remaining == 0, 5, "the followup storm")
    assert first.followups == []
    assert told_at() is None  # not told, so not marked as told

    # A shorter storm: discord.py's own retries get the notice through.
    storm = emu.fail_next("POST", FOLLOWUPS, 429, times=3)
    second = await emu.slash(student, world.guild, "request checklist")
    await second.message()
    await emu.state.wait_for(lambda: second.followups, 5, "the closed-DMs notice")
    assert "direct messages are closed" in second.followups[-1].text()
    await eventually(lambda: told_at() is not None)  # recorded right after it was sent
    assert storm.remaining == 0

    third = await emu.slash(student, world.guild, "request checklist")
    await third.message()
    assert third.followups == []  # told once


async def test_a_429_storm_on_interaction_callbacks_still_answers_every_click(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = world.student("clicker")
    ix = await emu.slash(
        student, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
    )
    checklist = await ix.message()
    callbacks = r"^/interactions/\d+/[^/]+/callback$"
    for button in checklist.buttons()[:3]:
        # Four 429s in a row on the answer: discord.py's fifth try gets through.
        storm = emu.fail_next("POST", callbacks, 429, times=4)
        click = await emu.click(student, checklist, button["custom_id"])
        assert (await click.response(timeout=10)).type == 7
        assert storm.remaining == 0
    assert "3/8" in checklist.text()
    (contact,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ticks = query(
        harness.db_path,
        "SELECT count(*) AS n FROM checklist_ticks WHERE contact_id = ?",
        (contact["id"],),
    )
    assert ticks[0]["n"] == 3


# --- the gateway drops and resumes -------------------------------------------------------------


def sent_while_disconnected(emu: DiscordEmulator, ix: EmulatedInteraction) -> EmulatedInteraction:
    """Queue an interaction on the gateway session while the bot is not connected; the
    emulator replays it when the bot RESUMEs (as Discord does for a resumed session)."""
    session = emu.gateway.active
    assert session is not None
    ix.dispatched_monotonic = time.monotonic()
    session.dispatch("INTERACTION_CREATE", ix.payload)
    return ix


async def test_the_gateway_drops_and_resumes_without_losing_a_click(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = world.student("resumed")
    ix = await emu.slash(
        student, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
    )
    checklist: EmulatedMessage = await ix.message()
    buttons = [b["custom_id"] for b in checklist.buttons()]
    identifies, resumes = emu.identify_count, emu.gateway.resume_count

    await emu.drop_connection()
    assert not emu.gateway.connected.is_set()
    click = sent_while_disconnected(
        emu, emu.builder.component(student.id, checklist, buttons[0], values=None)
    )
    command = sent_while_disconnected(
        emu, emu.builder.slash(student.id, world.guild.id, "request checklist", {}, channel_id=None)
    )
    await emu.wait_until_connected()
    assert (emu.identify_count, emu.gateway.resume_count) == (identifies, resumes + 1)

    assert (await click.response()).type == 7
    assert "1/8" in checklist.text()
    assert "Making a request · Ada (Acme)" in (await command.message()).text()

    # The checklist rendered before the drop still works afterwards.
    again = await emu.click(student, checklist, buttons[1])
    assert (await again.response()).type == 7
    assert "2/8" in checklist.text()
    (contact,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ticks = query(
        harness.db_path,
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ? ORDER BY item_id",
        (contact["id"],),
    )
    assert len(ticks) == 2  # each click handled exactly once
    events = query(
        harness.db_path,
        "SELECT count(*) AS n FROM events WHERE user_id = ? AND kind = 'checklist_ticked'",
        (student.id,),
    )
    assert events[0]["n"] == 2
