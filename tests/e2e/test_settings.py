"""/settings end to end: each setting is stored, shown by /settings show, and bad input changes
nothing."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query


async def settings_command(world: World, user, sub: str, guild=None, **options):
    ix = await world.emulator.slash(
        user, guild or world.guild, f"settings {sub}", options=options or None
    )
    message = await ix.message()
    assert message.ephemeral, message
    return message


def student_row(harness: BotHarness, user, guild):
    rows = query(
        harness.db_path,
        "SELECT * FROM students WHERE guild_id = ? AND user_id = ?",
        (guild.id, user.id),
    )
    return rows[0] if rows else None


def events_of(harness: BotHarness, user, kind: str) -> list[dict]:
    rows = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = ? ORDER BY id",
        (user.id, kind),
    )
    return [json.loads(row["payload"]) for row in rows]


async def test_show_for_a_new_student_shows_defaults_and_creates_nothing(
    world: World, harness: BotHarness
):
    newcomer = world.student("newcomer")
    before = database_snapshot(harness.db_path)
    text = (await settings_command(world, newcomer, "show")).text()
    assert "not set — use `/settings timezone`" in text
    assert "21:00–08:00" in text
    assert "Reminders (nudges)\non" in text
    assert "Mondays" in text
    assert "Shared with staff\nno" in text
    assert database_snapshot(harness.db_path) == before


async def test_quiet_hours_are_stored_and_shown(world: World, harness: BotHarness):
    alice = world.student("alice")
    reply = await settings_command(world, alice, "quiet-hours", start="22:30", end="7:15")
    assert "22:30–07:15" in reply.text()
    assert "/settings timezone" in reply.text()  # no zone yet: says why it matters
    row = student_row(harness, alice, world.guild)
    assert (row["quiet_start"], row["quiet_end"]) == ("22:30", "07:15")
    assert events_of(harness, alice, "quiet_hours_set") == [{"start": "22:30", "end": "07:15"}]

    # Same-day quiet hours are fine too.
    await settings_command(world, alice, "quiet-hours", start="12:00", end="13:00")
    row = student_row(harness, alice, world.guild)
    assert (row["quiet_start"], row["quiet_end"]) == ("12:00", "13:00")
    assert "12:00–13:00" in (await settings_command(world, alice, "show")).text()


@pytest.mark.parametrize(
    ("start", "end", "needle"),
    [
        ("24:00", "08:00", "isn't a time I can read"),
        ("21:00", "8", "isn't a time I can read"),
        ("21:60", "08:00", "isn't a time I can read"),
        ("tonight", "08:00", "3pm"),
        ("21:00", "21:00", "/settings nudges"),
    ],
)
async def test_bad_quiet_hours_are_refused_and_change_nothing(
    world: World, harness: BotHarness, start, end, needle
):
    alice = world.student("alice")
    await settings_command(world, alice, "quiet-hours", start="22:00", end="06:00")
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "settings quiet-hours", options={"start": start, "end": end}
    )
    message = await ix.message()
    assert message.ephemeral
    assert needle in message.text()
    assert database_snapshot(harness.db_path) == before
    assert "22:00–06:00" in (await settings_command(world, alice, "show")).text()


async def test_nudges_toggle_is_stored_and_shown(world: World, harness: BotHarness):
    alice = world.student("alice")
    reply = await settings_command(world, alice, "nudges", enabled=False)
    assert "off" in reply.text()
    assert student_row(harness, alice, world.guild)["nudges_enabled"] == 0
    assert "Reminders (nudges)\noff" in (await settings_command(world, alice, "show")).text()

    await settings_command(world, alice, "nudges", enabled=True)
    assert student_row(harness, alice, world.guild)["nudges_enabled"] == 1
    assert "Reminders (nudges)\non" in (await settings_command(world, alice, "show")).text()
    assert events_of(harness, alice, "nudges_toggled") == [{"enabled": False}, {"enabled": True}]


async def test_digest_day_is_stored_and_shown(world: World, harness: BotHarness):
    alice = world.student("alice")
    reply = await settings_command(world, alice, "digest", day="thursday")
    assert "Thursdays" in reply.text()
    assert student_row(harness, alice, world.guild)["digest_day"] == 3
    assert "Weekly digest\nThursdays" in (await settings_command(world, alice, "show")).text()

    await settings_command(world, alice, "digest", day="sunday")
    assert student_row(harness, alice, world.guild)["digest_day"] == 6

    await settings_command(world, alice, "digest", day="off")
    assert student_row(harness, alice, world.guild)["digest_day"] is None
    assert "Weekly digest\noff" in (await settings_command(world, alice, "show")).text()
    assert events_of(harness, alice, "digest_day_set") == [{"day": 3}, {"day": 6}, {"day": None}]


async def test_digest_day_outside_the_choices_is_refused(world: World, harness: BotHarness):
    alice = world.student("alice")
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "settings digest", options={"day": "someday"}, strict=False
    )
    message = await ix.message()
    assert message.ephemeral
    assert "isn't a valid value" in message.text()
    assert database_snapshot(harness.db_path) == before


async def test_show_reflects_every_setting_and_is_per_server(world: World, harness: BotHarness):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    await settings_command(world, alice, "timezone", name="Europe/Berlin")
    await settings_command(world, alice, "quiet-hours", start="23:00", end="06:30")
    await settings_command(world, alice, "nudges", enabled=False)
    await settings_command(world, alice, "digest", day="friday")

    text = (await settings_command(world, alice, "show")).text()
    # The harness clock is 2026-11-25 15:00 UTC: 16:00 on a Wednesday in Berlin.
    assert "Europe/Berlin (it's 16:00 on Wednesday there now)" in text
    assert "23:00–06:30 (overnight)" in text
    assert "Reminders (nudges)\noff" in text
    assert "Weekly digest\nFridays" in text

    elsewhere = (await settings_command(world, alice, "show", guild=world.other_guild)).text()
    assert "not set" in elsewhere
    assert "21:00–08:00" in elsewhere
    assert student_row(harness, alice, world.other_guild) is None


async def test_settings_survive_a_restart(world: World, harness: BotHarness):
    alice = world.student("alice")
    await settings_command(world, alice, "quiet-hours", start="20:00", end="09:00")
    await harness.restart()
    assert "20:00–09:00" in (await settings_command(world, alice, "show")).text()


async def test_reminders_follow_the_settings(world: World, harness: BotHarness):
    """Each settings change re-plans the student's nudges (here the weekly digest, 09:00 local)."""
    alice = world.student("alice")

    def pending() -> list[str]:
        rows = query(
            harness.db_path,
            "SELECT due_at FROM nudges WHERE user_id = ? AND status = 'pending' ORDER BY due_at",
            (alice.id,),
        )
        return [row["due_at"] for row in rows]

    await settings_command(world, alice, "timezone", name="America/New_York")
    assert pending() == ["2026-11-30T14:00:00.000000+00:00"]  # Monday, the default
    await settings_command(world, alice, "digest", day="thursday")
    assert pending() == ["2026-11-26T14:00:00.000000+00:00"]
    await settings_command(world, alice, "quiet-hours", start="08:00", end="10:00")
    assert pending() == ["2026-11-26T15:00:00.000000+00:00"]  # waits for the end of quiet hours
    await settings_command(world, alice, "nudges", enabled=False)
    assert pending() == []
    await settings_command(world, alice, "nudges", enabled=True)
    assert pending() == ["2026-11-26T15:00:00.000000+00:00"]
    await settings_command(world, alice, "digest", day="off")
    assert pending() == []
