"""The real bot on PostgreSQL while another process holds the leader's lock: it serves
interactions only (no alarm, no command registration), and takes over the leader's work as soon
as the lock is free; a bot whose lock connection is cut stops leading at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import StudentKey
from bot.actions.request import log_request_sent
from bot.actions.settings import set_timezone
from bot.app import create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.storage.leader_lock import LeaderLock
from bot.storage.wakeups import WakeupChannel
from tests.conftest import ON_POSTGRES, DbLocations
from tests.e2e.conftest import World
from tests.emulator.runner import RunningBot
from tests.waiting import eventually

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="several processes need PostgreSQL")
PATIENCE = 10.0


async def test_a_follower_bot_serves_only_then_takes_over_when_the_lock_is_free(
    world: World, db_locations: DbLocations
):
    emu = world.emulator
    location = db_locations.new("leader")
    assert isinstance(location, str)
    other_process = LeaderLock(location)
    assert await other_process.try_acquire("other-process:1")
    bot = create_bot(
        Settings(discord_token=emu.token, database_url=location),
        clock=ManualClock(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)),
        deliver_nudges=True,
    )
    await bot.open_storage()
    bot.leadership.retry_every = bot.leadership.check_every = 0.05
    running = RunningBot(emu, bot)
    synced_before = emu.sync_calls()
    try:
        await running.start()
        await asyncio.wait_for(bot.nudges_started.wait(), PATIENCE)
        assert not bot.leadership.is_leader
        assert not bot.alarm.running  # no delivery, no timed jobs here
        assert emu.sync_calls() == synced_before  # the leader registers the commands

        await other_process.release()  # the leader went away
        await asyncio.wait_for(bot.leadership.wait_until(True), PATIENCE)
        assert bot.alarm.running
        assert {job.id for job in bot.alarm.scheduler.get_jobs()} >= {
            "nudge-sweep",
            "membership",
            "staff-summary",
        }
        assert emu.sync_calls() == synced_before + 1

        lock_pid = await bot.db.fetch_value(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'infocoach'"
            " AND datname = current_database()"
        )
        assert await bot.db.fetch_value("SELECT pg_terminate_backend(?)", (lock_pid,))
        await asyncio.wait_for(bot.leadership.wait_until(False), PATIENCE)
        assert not bot.alarm.running  # stopped at once
        await asyncio.wait_for(bot.leadership.wait_until(True), PATIENCE)  # nobody else: again
        assert bot.alarm.running
    finally:
        await running.stop()
        await other_process.release()
        db_locations.dispose(location)


async def test_nudges_a_follower_plans_wake_the_leaders_alarm_at_once(
    world: World, db_locations: DbLocations
):
    """A follower announces each nudge it plans (after the commit); the leader's listener moves
    its alarm to it at once instead of at the next one-minute sweep."""
    emu = world.emulator
    location = db_locations.new("wakeups")
    assert isinstance(location, str)
    other_process = LeaderLock(location)
    assert await other_process.try_acquire("other-process:1")
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
    bot = create_bot(
        Settings(discord_token=emu.token, database_url=location),
        clock=ManualClock(now),
        deliver_nudges=True,
    )
    await bot.open_storage()
    bot.leadership.retry_every = bot.leadership.check_every = 0.05
    running = RunningBot(emu, bot)
    leader_side = WakeupChannel(bot.db, location)
    heard: list[datetime | None] = []
    try:
        await running.start()
        await asyncio.wait_for(bot.nudges_started.wait(), PATIENCE)
        assert not bot.leadership.is_leader
        leader_side.listen(heard.append)  # the other process, leading, listens
        await eventually(lambda: heard == [None], "the listener connected", PATIENCE)

        who = StudentKey(guild_id=world.guild.id, user_id=world.student().id)
        await set_timezone(bot.actions, who, "America/New_York")  # plans the digest too
        contact = await add_new_contact(bot.actions, who, NewContact("Ada Lovelace", "Acme"))
        await log_request_sent(bot.actions, who, contact.id)  # plans the 3B reminder
        due = await bot.db.fetch_value(
            "SELECT min(due_at) FROM nudges WHERE status = 'pending' AND contact_id = ?",
            (contact.id,),
        )
        planned = datetime.fromisoformat(due)
        await eventually(lambda: planned in heard, "the follower told the leader", PATIENCE)

        await leader_side.close()
        await other_process.release()  # now this bot leads, and listens
        await asyncio.wait_for(bot.leadership.wait_until(True), PATIENCE)
        assert bot.wakeups is not None
        await eventually(
            lambda: bot.wakeups is not None and bot.wakeups.listening, "listening", PATIENCE
        )
        soon = now.replace(hour=16)
        await WakeupChannel(bot.db, location).publish(soon)  # a follower planned one
        await eventually(lambda: bot.alarm.armed_for == soon, "the leader's alarm moved", PATIENCE)
    finally:
        await leader_side.close()
        await running.stop()
        await other_process.release()
        db_locations.dispose(location)
