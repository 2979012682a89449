"""The extra-accounts attack (issue 13): a Manage Server admin and four accounts they control
log known contacts; one real student (Maya) has sharing off. Whatever Maya did, every staff
output must read the same, so subtracting the known accounts' contributions recovers nothing:
her stage counts, her reply delay (the median), across two ``since`` windows, and in any
table where hidden cells could be differenced from shown totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.staff_summary import send_weekly_staff_summaries
from bot.storage.guild_settings import update_server_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness
from tests.e2e.staff_world import Server, latest_contact, new_server

START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # a Monday
LOOK = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday, two weeks later
CONTROLLED = 4  # besides the admin


@dataclass
class Plan:
    """One account's contacts: for each, days until the reply (None: no reply yet)."""

    replies: list[int | None]


KNOWN = [Plan([1, 2, None]), Plan([3]), Plan([None, None]), Plan([2, 2]), Plan([4, None])]
MAYA = {"A": Plan([1, None, 2]), "B": Plan([6, 6, 6, 6, None, None])}


async def log(server: Server, harness: BotHarness, user: Any, plan: Plan, n: int) -> None:
    await server.run(user, "settings timezone", name="America/New_York")
    for j, reply in enumerate(plan.replies):
        harness.clock.set(START + timedelta(hours=n * 7 + j))
        await server.run(user, "request new", person=f"P{n}-{j}", organization=f"Org {j}")
        cid = str(latest_contact(harness, user))
        await server.run(user, "request sent", contact=cid)
        if reply is not None:
            harness.clock.set(START + timedelta(days=reply, hours=n * 7 + j))
            await server.run(user, "request reply", contact=cid)


async def outputs(server: Server, harness: BotHarness) -> dict[str, Any]:
    """Everything staff can read: the embed and chart of /staff stats, the CSV files of
    /staff export, for all time and two windows, and the weekly summary."""
    harness.clock.set(LOOK)
    seen: dict[str, Any] = {}
    for since in (None, "2026-11-02", "2026-11-09", "2026-11-01"):
        options = {"since": since} if since else {}
        stats = await server.staff("stats", **options)
        seen[f"stats {since}"] = (stats.text(), [a.data for a in stats.attachments])
        ix = await server.slash(server.admin, "staff export", **options)
        export = await ix.message()
        seen[f"export {since}"] = {a.filename: a.data for a in export.attachments}
    channel = server.world.guild.general_channel_id
    async with harness.bot.db.transaction() as tx:
        await update_server_settings(tx, server.guild.id, LOOK, digest_channel_id=channel)
    harness.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # Monday 09:00 UTC
    before = len(server.emu.channel_messages(channel))
    bot = harness.bot
    await send_weekly_staff_summaries(bot.actions, bot, bot.pacer)
    posted = server.emu.channel_messages(channel)[before:]
    seen["summary"] = [(m.text(), [a.data for a in m.attachments]) for m in posted]
    # Forget this server's summary so the other world's posts too.
    async with bot.db.transaction() as tx:
        await update_server_settings(tx, server.guild.id, LOOK, digest_channel_id=None)
    return seen


async def world_with_maya(world: World, harness: BotHarness, maya_plan: Plan) -> dict[str, Any]:
    server = new_server(world)
    accounts = [server.admin, *(server.member(f"sock{n}") for n in range(CONTROLLED))]
    for n, (account, plan) in enumerate(zip(accounts, KNOWN, strict=True)):
        await log(server, harness, account, plan, n)
    maya = server.member("maya")
    await log(server, harness, maya, maya_plan, len(accounts))
    await server.run(maya, "privacy share", enabled=False)
    refused = await server.staff("student", member=maya.id)
    assert "hasn't chosen to share" in refused.text()
    return await outputs(server, harness)


async def test_the_extra_accounts_attack_recovers_nothing_about_maya(
    world: World, harness: BotHarness
):
    a = await world_with_maya(world, harness, MAYA["A"])
    b = await world_with_maya(world, harness, MAYA["B"])
    assert a.keys() == b.keys()
    for key in a:
        # Stage counts, the requested → replied median, the funnel, every window and every
        # CSV cell read the same whether Maya has 3 contacts replied in 1-2 days or 6
        # contacts replied in 6 days: nothing about her follows from the outputs.
        assert a[key] == b[key], key
    stats_text, _ = a["stats None"]
    assert "6 students so far: figures appear from 10." in stats_text
    stages = a["export None"]["stages.csv"].decode()
    assert "hidden" in stages
    assert "requested,5" not in stages
    medians = a["export None"]["median_days.csv"].decode()
    assert all(line.endswith("hidden") for line in medians.splitlines()[1:])
    (summary,) = a["summary"]
    assert "Weekly InfoCoach summary" in summary[0]
