"""The weekly staff summary: posted to the staff's channel once per week, on Mondays at 09:00
in the server's zone (across a daylight-saving change), without pinging anyone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.staff_summary import send_weekly_staff_summaries
from bot.storage.guild_settings import update_server_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness


async def _post(harness: BotHarness, at: datetime) -> int:
    bot = harness.bot
    harness.clock.set(at)
    return await send_weekly_staff_summaries(bot.actions, bot, bot.pacer)


async def test_the_summary_goes_to_the_channel_once_a_week(world: World, harness: BotHarness):
    emu, bot = world.emulator, harness.bot
    channel_id = world.guild.general_channel_id
    async with bot.db.transaction() as tx:
        await update_server_settings(
            tx, world.guild.id, harness.clock.now(), digest_channel_id=channel_id
        )
    before = len(emu.channel_messages(channel_id))

    assert await _post(harness, datetime(2026, 11, 30, 8, 59, tzinfo=UTC)) == 0  # UTC: 08:59
    assert await _post(harness, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == 1
    (summary,) = emu.channel_messages(channel_id)[before:]
    text = summary.text()
    assert "Weekly InfoCoach summary (week 2026-W49)" in text
    assert "Since Monday 23 November 2026" in text
    assert "so far: figures appear from 10." in text  # said once, no wall of hidden figures
    assert "fewer than 5" not in text
    assert not summary.attachments  # nothing to chart
    assert await _post(harness, datetime(2026, 12, 2, 12, 0, tzinfo=UTC)) == 0  # same week
    assert await _post(harness, datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == 1  # next Monday
    assert len(emu.channel_messages(channel_id)) == before + 2
    assert all(not m.ephemeral for m in emu.channel_messages(channel_id)[before:])


async def test_the_summary_posts_at_nine_in_the_servers_zone_across_a_dst_change(
    world: World, harness: BotHarness
):
    """New York leaves daylight saving time on Sunday 1 November 2026: Monday 09:00 there is
    13:00 UTC on 26 October and 14:00 UTC on 2 November."""
    emu, bot = world.emulator, harness.bot
    channel_id = world.guild.general_channel_id
    harness.clock.set(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    admin = emu.add_user(name="dean")
    emu.add_member(world.guild.id, admin.id, permissions=1 << 5)
    ix = await emu.slash(
        admin, world.guild, "staff settings", options={"timezone": "America/New_York"}
    )
    assert "America/New_York" in (await ix.message()).text()
    async with bot.db.transaction() as tx:
        await update_server_settings(
            tx, world.guild.id, harness.clock.now(), digest_channel_id=channel_id
        )
    before = len(emu.channel_messages(channel_id))

    assert await _post(harness, datetime(2026, 10, 26, 12, 59, tzinfo=UTC)) == 0  # 08:59 EDT
    assert await _post(harness, datetime(2026, 10, 26, 13, 0, tzinfo=UTC)) == 1  # 09:00 EDT
    assert await _post(harness, datetime(2026, 11, 2, 13, 0, tzinfo=UTC)) == 0  # 08:00 EST
    assert await _post(harness, datetime(2026, 11, 2, 13, 59, tzinfo=UTC)) == 0
    assert await _post(harness, datetime(2026, 11, 2, 14, 0, tzinfo=UTC)) == 1  # 09:00 EST
    first, second = emu.channel_messages(channel_id)[before:]
    assert "Since Monday 19 October 2026" in first.text()
    assert "(America/New_York)" in first.text()
    assert "Since Monday 26 October 2026" in second.text()
