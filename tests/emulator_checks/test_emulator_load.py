"""The opt-in load driver: interactions built without sending, sent as one batch of frames
(stamped as each is written), answered and counted without a waiting task per interaction."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.emulator import DiscordEmulator, EmulatedGuild, EmulatedUser, RunningBot
from tests.emulator.load import LoadDriver


class Counter(discord.ui.DynamicItem[discord.ui.Button], template=r"count:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=str(n), custom_id=f"count:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> Counter:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(Counter(self.n + 1))
        await interaction.response.edit_message(content=f"clicked {self.n}", view=view)


def make_bot(guild_id: int) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    guild = discord.Object(id=guild_id)

    @bot.tree.command(name="counter", description="A counter")
    @app_commands.guilds(guild)
    async def counter(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(Counter(0))
        await interaction.response.send_message("count", view=view, ephemeral=True)

    async def setup_hook() -> None:
        bot.add_dynamic_items(Counter)
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@dataclass
class World:
    emu: DiscordEmulator
    guild: EmulatedGuild
    users: list[EmulatedUser]


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Load")
        users = [emu.add_user(f"u{i}") for i in range(20)]
        for user in users:
            emu.add_member(guild.id, user.id)
        runner = RunningBot(emu, make_bot(guild.id))
        await runner.start()
        try:
            yield World(emu, guild, users)
        finally:
            await runner.stop()


async def test_built_interactions_wait_until_sent(world: World) -> None:
    load = LoadDriver(world.emu)
    ix = load.slash(world.users[0], world.guild, "counter")
    assert ix.dispatched_monotonic is None
    assert await load.wait_answered([ix], timeout=0.2) == [ix]  # never sent: never answered
    await load.send([ix]).done
    assert await load.wait_answered([ix], timeout=5) == []
    assert ix.dispatched_monotonic is not None
    assert ix.callback_arrived_monotonic is not None
    assert ix.responded_monotonic is not None
    assert ix.dispatched_monotonic <= ix.callback_arrived_monotonic <= ix.responded_monotonic
    assert ix.response_time == ix.responded_monotonic - ix.dispatched_monotonic
    assert (await ix.message()).content == "count"


async def test_a_batch_of_slashes_then_a_burst_of_clicks(world: World) -> None:
    emu, load = world.emu, LoadDriver(world.emu)
    opened = [load.slash(user, world.guild, "counter") for user in world.users]
    batch = load.send(opened)
    await batch.done
    assert len(batch.sent_at) == len(opened)
    assert batch.sent_at == sorted(batch.sent_at)
    assert [ix.dispatched_monotonic for ix in opened] == batch.sent_at
    assert await load.wait_answered(opened, timeout=10) == []

    messages = [await ix.message() for ix in opened]
    clicks = [
        load.click(user, msg, msg.buttons()[0]["custom_id"])
        for user, msg in zip(world.users, messages, strict=True)
    ]
    await load.send(clicks).done
    assert await load.wait_answered(clicks, timeout=10) == []
    assert {ix.response_type for ix in clicks} == {7}
    assert all(msg.content == "clicked 0" for msg in messages)
    assert load.sent == load.answered == 2 * len(world.users)
    # The regular driver still works alongside (and its interactions are not counted here).
    ix = await emu.click(world.users[0], messages[0], messages[0].buttons()[0]["custom_id"])
    assert (await ix.response()).type == 7
    assert messages[0].content == "clicked 1"
    assert load.answered == 2 * len(world.users)
