"""One emulator and one bot per test module; each test acts as its own students."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import DbLocations
from tests.e2e.harness import BotHarness
from tests.emulator import DiscordEmulator

_names = itertools.count(1)


@dataclass
class World:
    emulator: DiscordEmulator
    guild: Any
    other_guild: Any

    def student(self, name: str = "student", *, guilds: tuple[Any, ...] | None = None) -> Any:
        """A new user who is a member of the main server (or of ``guilds``)."""
        user = self.emulator.add_user(name=f"{name}{next(_names)}")
        for guild in guilds or (self.guild,):
            self.emulator.add_member(guild.id, user.id)
        return user


@pytest_asyncio.fixture(scope="module")
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emu = DiscordEmulator()
    await emu.start()
    emu.install()
    try:
        yield emu
    finally:
        emu.uninstall()
        await emu.stop()


@pytest_asyncio.fixture(scope="module")
async def world(emulator: DiscordEmulator) -> World:
    return World(
        emulator,
        emulator.add_guild(name="Career Club"),
        emulator.add_guild(name="Alumni Hub"),
    )


@pytest_asyncio.fixture(scope="module")
async def harness(
    request: pytest.FixtureRequest, world: World, db_locations: DbLocations
) -> AsyncIterator[BotHarness]:
    """The bot for this module (on a fresh database of the engine under test). A module sets
    ``DELIVER_NUDGES = True`` to run the real alarm."""
    location = db_locations.new("infocoach")
    deliver = getattr(request.module, "DELIVER_NUDGES", False)
    runner = BotHarness(world.emulator, location, deliver_nudges=deliver)
    try:
        await runner.start()
        yield runner
    finally:
        await runner.stop()
        db_locations.dispose(location)
