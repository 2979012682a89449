"""Students who leave a server: nudges stop at once, data goes after the grace period, and
coming back in time keeps everything. No privileged intent: the bot looks members up by REST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

START = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)


async def student_with_data(world: World, harness: BotHarness):
    emu = world.emulator
    student = world.student("leaver")
    harness.clock.set(START)
    for command, options in (
        ("settings timezone", {"name": "Europe/London"}),
        ("request new", {"person": "Ada", "organization": "Acme"}),
    ):
        await (await emu.slash(student, world.guild, command, options=options)).message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(student, world.guild, "request sent", options={"contact": str(row["id"])})
    await ix.message()
    return student


def rows_about(harness: BotHarness, user) -> dict[str, int]:
    counts = {}
    for table in ("students", "contacts", "events", "nudges"):
        (row,) = query(
            harness.db_path, f"SELECT count(*) AS n FROM {table} WHERE user_id = ?", (user.id,)
        )
        counts[table] = row["n"]
    return counts


async def test_leaving_stops_nudges_now_and_deletes_data_after_the_grace_period(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness)
    assert rows_about(harness, student)["nudges"] > 0
    emu.remove_member(world.guild.id, student.id)

    harness.clock.set(START + timedelta(days=1))
    lookups = emu.count_requests("GET", rf"/guilds/{world.guild.id}/members/{student.id}$")
    _, gone = await bot.membership.sweep()
    assert gone >= 1
    assert (
        emu.count_requests("GET", rf"/guilds/{world.guild.id}/members/{student.id}$") == lookups + 1
    )
    (row,) = query(
        harness.db_path, "SELECT departed_at FROM students WHERE user_id = ?", (student.id,)
    )
    assert row["departed_at"] == "2026-11-28T19:30:00.000000+00:00"
    pending = query(
        harness.db_path,
        "SELECT 1 FROM nudges WHERE user_id = ? AND status = 'pending'",
        (student.id,),
    )
    assert pending == []

    # 29 days gone: kept
    assert await bot.membership.purge_departed(START + timedelta(days=30)) == 0
    assert rows_about(harness, student)["contacts"] == 1
    await bot.membership.purge_departed(START + timedelta(days=31, minutes=1))
    assert rows_about(harness, student) == {"students": 0, "contacts": 0, "events": 0, "nudges": 0}


async def test_coming_back_within_the_grace_period_keeps_everything(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness)
    emu.remove_member(world.guild.id, student.id)
    harness.clock.set(START + timedelta(days=1))
    await bot.membership.sweep()
    emu.add_member(world.guild.id, student.id)
    harness.clock.set(START + timedelta(days=2, minutes=1))
    await bot.membership.sweep()
    (row,) = query(
        harness.db_path, "SELECT departed_at FROM students WHERE user_id = ?", (student.id,)
    )
    assert row["departed_at"] is None
    await bot.membership.purge_departed(START + timedelta(days=60))
    assert rows_about(harness, student)["contacts"] == 1


async def test_a_student_checked_today_is_not_looked_up_again(world: World, harness: BotHarness):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness)
    harness.clock.set(START + timedelta(days=3))
    await bot.membership.sweep()
    lookups = emu.count_requests("GET", rf"/members/{student.id}$")
    harness.clock.set(START + timedelta(days=3, hours=5))
    await bot.membership.sweep()
    assert emu.count_requests("GET", rf"/members/{student.id}$") == lookups


async def test_a_reminder_makes_no_lookup_and_a_refused_one_finds_the_leaver(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    stayer = await student_with_data(world, harness)
    leaver = await student_with_data(world, harness)
    emu.remove_member(world.guild.id, leaver.id)  # shares no server with the bot any more
    harness.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # both 3B7 nudges are due
    await bot.dispatcher.dispatch_due()
    assert ["3 business days" in m.text() for m in emu.dms(stayer.id)].count(True) == 1
    # Days since either was last looked up, yet the stayer's reminder cost no lookup …
    assert emu.count_requests("GET", rf"/members/{stayer.id}$") == 0
    # … and the leaver's, refused by Discord (no shared server), cost one: gone, not "DMs
    # closed", so their reminders are cancelled rather than held.
    assert emu.dms(leaver.id) == []
    assert any(r.method == "POST" and r.status == 403 for r in emu.requests)
    assert emu.count_requests("GET", rf"/members/{leaver.id}$") == 1
    statuses = {
        r["kind"]: r["status"]
        for r in query(
            harness.db_path, "SELECT kind, status FROM nudges WHERE user_id = ?", (leaver.id,)
        )
    }
    assert statuses["second_contact"] == "cancelled"
    assert "pending" not in statuses.values()
    (row,) = query(
        harness.db_path,
        "SELECT departed_at, unreachable_at FROM students WHERE user_id = ?",
        (leaver.id,),
    )
    assert row["departed_at"] is not None
    assert row["unreachable_at"] is None


async def test_a_student_with_closed_dms_is_held_not_taken_for_gone(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness)
    emu.set_dms_closed(student.id)
    harness.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    await bot.dispatcher.dispatch_due()
    assert emu.count_requests("GET", rf"/members/{student.id}$") == 1  # still there
    (row,) = query(
        harness.db_path,
        "SELECT departed_at, unreachable_at FROM students WHERE user_id = ?",
        (student.id,),
    )
    assert row["departed_at"] is None
    assert row["unreachable_at"] is not None


async def test_staff_can_shorten_the_grace_period(world: World, harness: BotHarness):
    emu, bot = world.emulator, harness.bot
    staff = world.student("staff")
    emu.add_member(world.other_guild.id, staff.id, permissions=1 << 5)  # Manage Server
    ix = await emu.slash(staff, world.other_guild, "staff settings", options={"grace-days": 7})
    assert "grace-days" in (await ix.message()).text()
    leaver = world.student("leaver", guilds=(world.other_guild,))
    harness.clock.set(START)
    ix = await emu.slash(
        leaver, world.other_guild, "request new", options={"person": "Ada", "organization": "Acme"}
    )
    await ix.message()
    emu.remove_member(world.other_guild.id, leaver.id)
    harness.clock.set(START + timedelta(days=1))
    await bot.membership.sweep()
    assert await bot.membership.purge_departed(START + timedelta(days=8, minutes=1)) >= 1
    assert rows_about(harness, leaver)["contacts"] == 0


async def test_the_sweep_opens_the_dm_channel_ahead_of_a_first_reminder(
    world: World, harness: BotHarness
):
    emu, bot = world.emulator, harness.bot
    student = await student_with_data(world, harness)
    assert emu.dm_open_calls(student.id) == 0
    harness.clock.set(START + timedelta(days=1))
    await bot.membership.sweep()
    assert emu.dm_open_calls(student.id) == 1  # silently: nothing was sent
    assert emu.dms(student.id) == []
    harness.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # the 3B reminder is due
    await bot.dispatcher.dispatch_due()
    assert "3 business days" in emu.dms(student.id)[-1].text()
    assert emu.dm_open_calls(student.id) == 1  # its one request was the message
