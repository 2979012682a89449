"""One emulator and one bot per test module; each test acts as its own students."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

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
    request: pytest.FixtureRequest, world: World, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotHarness]:
    """The bot for this module. A module sets ``DELIVER_NUDGES = True`` to run the real alarm."""
    db_path: Path = tmp_path_factory.mktemp("bot") / "infocoach.sqlite3"
    deliver = getattr(request.module, "DELIVER_NUDGES", False)
    runner = BotHarness(world.emulator, db_path, deliver_nudges=deliver)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
