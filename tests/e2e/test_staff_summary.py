"""The weekly staff summary: posted to the staff's channel once per week, with the chart."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.staff_summary import send_weekly_staff_summaries
from bot.storage.guild_settings import update_server_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness


async def test_the_summary_goes_to_the_channel_once_a_week(world: World, harness: BotHarness):
    emu, bot = world.emulator, harness.bot
    channel_id = world.guild.general_channel_id
    async with bot.db.transaction() as tx:
        await update_server_settings(
            tx, world.guild.id, harness.clock.now(), digest_channel_id=channel_id
        )
    before = len(emu.channel_messages(channel_id))

    harness.clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=UTC))  # Monday, before 09:00 UTC
    assert await send_weekly_staff_summaries(bot.actions, bot, bot.pacer) == 0

    harness.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert await send_weekly_staff_summaries(bot.actions, bot, bot.pacer) == 1
    (summary,) = emu.channel_messages(channel_id)[before:]
    assert "Weekly InfoCoach summary" in summary.text()
    assert "fewer than 5" in summary.text()  # an empty server reveals no small numbers
    (chart,) = summary.attachments
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n")

    harness.clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))  # later the same week
    assert await send_weekly_staff_summaries(bot.actions, bot, bot.pacer) == 0
    harness.clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))  # the next Monday
    assert await send_weekly_staff_summaries(bot.actions, bot, bot.pacer) == 1
    assert len(emu.channel_messages(channel_id)) == before + 2
    assert all(not m.ephemeral for m in emu.channel_messages(channel_id)[before:])
