"""Fair delivery end to end (issue 14, finding 2): the real dispatcher, the real bot and the
emulator enforcing Discord's per-channel message limit. One student's backlog of reminders
must not hold up another student's reminder, and pacing one DM channel must never earn a 429.

The emulator's window is shortened (5 messages per 0.5 s instead of per 5 s) and the
dispatcher's channel pace with it, so the test takes seconds; the clock is a ManualClock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.pacing import ChannelPacer
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query
from tests.fair_seed import seed_requested_contacts

HEAVY_SENT = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # Tuesday 09:30 in New York
BYSTANDER_SENT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # Monday 06:30 in Los Angeles
HEAVY_DUE = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # the heavy student's 7B, 09:00 NY
BYSTANDER_DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # the bystander's 3B, 09:00 LA
HEAVY_CONTACTS = 30  # 60 reminders due: more than one claim's worth (50)
WINDOW = 0.5


async def test_a_backlog_does_not_hold_up_another_students_reminder_and_no_429(
    world: World, harness: BotHarness
) -> None:
    emu, bot = world.emulator, harness.bot
    heavy, bystander = world.student("heavy"), world.student("bystander")
    await seed_requested_contacts(
        bot.db,
        bot.planner,
        guild_id=world.guild.id,
        user_id=heavy.id,
        count=HEAVY_CONTACTS,
        sent_at=HEAVY_SENT,
        digest=False,
    )
    await seed_requested_contacts(
        bot.db,
        bot.planner,
        guild_id=world.guild.id,
        user_id=bystander.id,
        count=1,
        sent_at=BYSTANDER_SENT,
        zone="America/Los_Angeles",
        digest=False,
    )
    emu.channel_rate_limit = (5, WINDOW)
    bot.dispatcher.channel_pacer = ChannelPacer(5, WINDOW, slack=0.05)
    try:
        # 09:00 in New York: the heavy student's 60 reminders are due, the bystander's not yet.
        harness.clock.set(HEAVY_DUE)
        run = asyncio.create_task(bot.dispatcher.dispatch_due())
        await emu.wait_for_dm(heavy.id, count=10, timeout=30)
        # Three hours later the bystander's is due, while the backlog is still going out.
        harness.clock.set(BYSTANDER_DUE)
        poke = asyncio.create_task(bot.dispatcher.dispatch_due())
        (reminder,) = await emu.wait_for_dm(bystander.id, count=1, timeout=30)
        sent_before = len(emu.dms(heavy.id))
        assert "Person 0" in reminder.text()
        assert sent_before < HEAVY_CONTACTS  # far from done (before: after 50 of them)
        await asyncio.wait_for(asyncio.gather(run, poke), timeout=60)
    finally:
        emu.channel_rate_limit = None
    heavy_dms = emu.dms(heavy.id)
    assert len(heavy_dms) == 2 * HEAVY_CONTACTS  # every one, exactly once
    rows = query(
        harness.db_path,
        "SELECT status, count(*) AS n FROM nudges WHERE user_id = ? GROUP BY status",
        (heavy.id,),
    )
    assert {r["status"]: r["n"] for r in rows} == {"sent": 2 * HEAVY_CONTACTS}
    assert emu.channel_limited_requests() == []  # paced, never refused
    # each student's reminders in due order: the 3B ones first
    assert all("3 business days" in dm.text() for dm in heavy_dms[:HEAVY_CONTACTS])
