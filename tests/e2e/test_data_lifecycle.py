"""A clean data lifecycle (issue 14, findings 3 and 4): the bot leaving a server starts that
server's grace period (an outage does not); re-added within it, everything is kept and the
reminders come back; after it, everything about the server is deleted. A student can export or
delete their data of a server the bot has left from a DM. A student who leaves and comes back
gets their reminders re-planned."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query
from tests.waiting import eventually

START = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)


async def student_with_data(world: World, harness: BotHarness, guild: Any) -> Any:
    """A student of ``guild`` with a contact whose request is sent (reminders planned)."""
    emu = world.emulator
    student = world.student("lifecycle", guilds=(guild,))
    harness.clock.set(START)
    for command, options in (
        ("settings timezone", {"name": "Europe/London"}),
        ("request new", {"person": "Ada Quixotic", "organization": "Acme"}),
    ):
        await (await emu.slash(student, guild, command, options=options)).message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(student, guild, "request sent", options={"contact": str(row["id"])})
    await ix.message()
    return student


def pending(harness: BotHarness, user: Any) -> int:
    (row,) = query(
        harness.db_path,
        "SELECT count(*) AS n FROM nudges WHERE user_id = ? AND status = 'pending'",
        (user.id,),
    )
    return int(row["n"])


def count(harness: BotHarness, table: str, guild_id: int) -> int:
    (row,) = query(
        harness.db_path, f"SELECT count(*) AS n FROM {table} WHERE guild_id = ?", (guild_id,)
    )
    return int(row["n"])


def left_name(harness: BotHarness, guild_id: int) -> str | None:
    rows = query(
        harness.db_path, "SELECT name FROM departed_guilds WHERE guild_id = ?", (guild_id,)
    )
    return rows[0]["name"] if rows else None


def left_at(harness: BotHarness, guild_id: int) -> str | None:
    rows = query(
        harness.db_path, "SELECT left_at FROM departed_guilds WHERE guild_id = ?", (guild_id,)
    )
    return rows[0]["left_at"] if rows else None


async def test_an_outage_is_not_a_removal(world: World, harness: BotHarness):
    emu = world.emulator
    guild = emu.add_guild("Outage Club")
    student = await student_with_data(world, harness, guild)
    planned = pending(harness, student)
    emu.remove_guild(guild, unavailable=True)
    cached = harness.bot.get_guild(guild.id)
    assert cached is not None
    await eventually(lambda: cached.unavailable, "the outage reached the bot")
    await asyncio.sleep(0.1)  # what a removal would have written by now
    assert left_at(harness, guild.id) is None
    assert pending(harness, student) == planned
    emu.restore_guild(guild)
    await eventually(lambda: not cached.unavailable, "the server is back")
    assert left_at(harness, guild.id) is None


async def test_removal_starts_the_grace_period_and_re_adding_keeps_everything(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    guild = emu.add_guild("Kept Club")
    student = await student_with_data(world, harness, guild)
    assert pending(harness, student) > 0
    harness.clock.set(START + timedelta(days=1))
    emu.remove_guild(guild)  # GUILD_DELETE without "unavailable"
    await eventually(lambda: left_at(harness, guild.id) is not None, "the removal is recorded")
    assert left_at(harness, guild.id) == "2026-11-28T19:30:00.000000+00:00"
    assert pending(harness, student) == 0  # no reminders about a server the bot left
    # The membership check no longer says "unknown" for that server: the student counts as gone.
    assert await bot.membership.check(guild.id, student.id) is False

    # 29 days later: still kept; then the bot is added back.
    assert await bot.membership.purge_departed_guilds(START + timedelta(days=30)) == 0
    harness.clock.set(START + timedelta(days=30))
    emu.restore_guild(guild)
    await eventually(lambda: pending(harness, student) > 0, "the reminders are planned again")
    assert left_at(harness, guild.id) is None
    assert count(harness, "contacts", guild.id) == 1
    assert pending(harness, student) > 0  # reminders planned again
    assert await bot.membership.purge_departed_guilds(START + timedelta(days=90)) == 0
    assert count(harness, "contacts", guild.id) == 1


async def test_after_the_grace_period_everything_about_the_server_is_deleted(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    guild = emu.add_guild("Gone Club")
    staff = world.student("staff", guilds=())
    emu.add_member(guild.id, staff.id, permissions=1 << 5)  # Manage Server
    await (await emu.slash(staff, guild, "staff settings", options={"grace-days": 7})).message()
    students = [await student_with_data(world, harness, guild) for _ in range(2)]
    bystander = await student_with_data(world, harness, world.guild)
    emu.remove_guild(guild)
    await eventually(lambda: left_at(harness, guild.id) is not None, "the removal is recorded")
    left = datetime.fromisoformat(str(left_at(harness, guild.id)))
    grace = timedelta(days=bot.membership.guild_grace_days)
    assert await bot.membership.purge_departed_guilds(left + grace - timedelta(minutes=1)) == 0
    assert count(harness, "students", guild.id) == 2
    assert await bot.membership.purge_departed_guilds(left + grace) == 1
    for table in ("students", "contacts", "events", "nudges", "guild_settings", "staff_audit"):
        assert count(harness, table, guild.id) == 0, table
    assert left_at(harness, guild.id) is None
    assert all(pending(harness, s) == 0 for s in students)
    assert pending(harness, bystander) > 0  # another server: untouched
    # If the bot is added back later, nothing of the old data reappears.
    emu.restore_guild(guild)
    await eventually(lambda: bot.get_guild(guild.id) is not None, "the server is back")
    assert count(harness, "contacts", guild.id) == 0


async def test_a_server_left_while_the_bot_was_offline_is_noticed_at_start_up(
    world: World, harness: BotHarness
):
    emu = world.emulator
    guild = emu.add_guild("Offline Club")
    back = emu.add_guild("Back Club")
    student = await student_with_data(world, harness, guild)
    await student_with_data(world, harness, back)
    emu.remove_guild(back)
    await eventually(lambda: left_at(harness, back.id) is not None, "the removal is recorded")
    assert left_at(harness, back.id) is not None
    await harness.stop()
    emu.remove_guild(guild)  # no bot connected: no GUILD_DELETE, it just isn't there
    emu.restore_guild(back)
    lists = emu.count_requests("GET", r"/users/@me/guilds$")
    await harness.start()
    assert emu.count_requests("GET", r"/users/@me/guilds$") == lists + 1
    assert left_at(harness, guild.id) is not None
    assert left_at(harness, back.id) is None  # re-added while offline: its grace period ends
    assert pending(harness, student) == 0
    # Its name was never seen leaving: its students read its id.
    assert left_name(harness, guild.id) is None
    choices = await emu.autocomplete(student, None, "privacy export", focused="server")
    assert {"name": f"Server {guild.id} (InfoCoach has left it)", "value": str(guild.id)} in (
        choices
    )
    emu.restore_guild(guild)
    await eventually(lambda: left_at(harness, guild.id) is None, "the server is back")


async def test_a_student_exports_and_deletes_their_data_of_a_left_server_from_a_dm(
    world: World, harness: BotHarness
):
    emu = world.emulator
    guild = emu.add_guild("Left Club")
    student = await student_with_data(world, harness, guild)
    await student_with_data_in(world, harness, student, world.other_guild)
    emu.remove_guild(guild)
    await eventually(lambda: left_name(harness, guild.id) is not None, "the name is recorded")
    assert left_name(harness, guild.id) == "Left Club"

    # In a DM, the server option lists the servers they have data in, the left one included,
    # by the name it had when InfoCoach left it.
    choices = await emu.autocomplete(student, None, "privacy export", focused="server")
    names = {c["name"]: c["value"] for c in choices}
    assert names["Left Club (InfoCoach has left it)"] == str(guild.id)
    assert names["Alumni Hub"] == str(world.other_guild.id)

    # Two servers: a DM without the option asks which.
    ix = await emu.slash(student, None, "privacy export")
    assert "pick which one" in (await ix.message()).text()

    ix = await emu.slash(student, None, "privacy export", options={"server": str(guild.id)})
    message = await ix.message()
    assert "about you in **Left Club** (InfoCoach is no longer in it)" in message.text()
    assert str(guild.id) not in message.text()
    (attachment,) = message.attachments
    data = json.loads(attachment.data)
    assert data["export"]["server_id"] == guild.id
    assert [c["person"] for c in data["contacts"]] == ["Ada Quixotic"]
    assert attachment.filename.startswith("infocoach-export-left-club-")

    ix = await emu.slash(student, None, "privacy delete", options={"server": str(guild.id)})
    warning = await ix.message()
    assert "about you in **Left Club** (InfoCoach is no longer in it)?" in warning.text()
    confirm = warning.button(label="Yes, delete my data")
    assert confirm["custom_id"] == f"ic:del:{student.id}:{guild.id}"  # names the server
    done = await (await emu.click(student, warning, confirm["custom_id"])).message()
    assert "Deleted everything InfoCoach stored about you in **Left Club**" in done.text()
    rows = query(
        harness.db_path,
        "SELECT guild_id FROM students WHERE user_id = ? ORDER BY guild_id",
        (student.id,),
    )
    assert [r["guild_id"] for r in rows] == [world.other_guild.id]

    # A server they have no data in is refused, quietly.
    ix = await emu.slash(student, None, "privacy delete", options={"server": str(guild.id)})
    assert "no data about you in that one" in (await ix.message()).text()


async def student_with_data_in(world: World, harness: BotHarness, student: Any, guild: Any):
    emu = world.emulator
    emu.add_member(guild.id, student.id)
    await (
        await emu.slash(
            student, guild, "request new", options={"person": "Bo", "organization": "B"}
        )
    ).message()


async def test_a_returning_student_gets_their_reminders_back(world: World, harness: BotHarness):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness, world.guild)
    planned = pending(harness, student)
    assert planned > 0
    emu.remove_member(world.guild.id, student.id)
    harness.clock.set(START + timedelta(days=1))
    assert await bot.membership.check(world.guild.id, student.id) is False
    assert pending(harness, student) == 0

    # Back, noticed by the daily lookup.
    emu.add_member(world.guild.id, student.id)
    harness.clock.set(START + timedelta(days=2, minutes=1))
    assert await bot.membership.check(world.guild.id, student.id) is True
    assert pending(harness, student) == planned

    # Leaves again, and this time comes back by simply using a command in the server.
    emu.remove_member(world.guild.id, student.id)
    harness.clock.set(START + timedelta(days=3, minutes=2))
    assert await bot.membership.check(world.guild.id, student.id) is False
    assert pending(harness, student) == 0
    emu.add_member(world.guild.id, student.id)
    await (await emu.slash(student, world.guild, "progress")).message()
    await eventually(lambda: pending(harness, student) == planned, "the return is noticed")
    (row,) = query(
        harness.db_path, "SELECT departed_at FROM students WHERE user_id = ?", (student.id,)
    )
    assert row["departed_at"] is None
