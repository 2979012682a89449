"""Command registration: only when the tree changed, to the dev server when one is set."""

from __future__ import annotations

from tests.conftest import DbLocations
from tests.dbquery import execute
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query


async def test_dev_guild_gets_the_commands_and_a_changed_tree_is_synced_again(
    world: World, db_locations: DbLocations
):
    emu = world.emulator
    location = db_locations.new("dev")
    runner = BotHarness(emu, location, dev_guild_id=world.other_guild.id)
    await runner.start()
    try:
        assert emu.sync_calls(world.other_guild.id) == 1
        names = {c["name"] for c in emu.commands(world.other_guild.id)}
        assert {"request", "settings"} <= names

        await runner.restart()
        assert emu.sync_calls(world.other_guild.id) == 1  # unchanged: not registered again

        # An older release registered a different tree: its stored hash no longer matches.
        (row,) = query(runner.db_path, "SELECT key FROM app_meta WHERE key LIKE 'command_hash:%'")
        assert row["key"].endswith(f"guild:{world.other_guild.id}")
        execute(runner.db_path, "UPDATE app_meta SET value = 'from-an-older-release'")
        await runner.restart()
        assert emu.sync_calls(world.other_guild.id) == 2
    finally:
        await runner.stop()
        db_locations.dispose(location)
