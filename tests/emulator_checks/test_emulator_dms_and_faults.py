"""DMs, closed DMs, injected faults (429/403/500), files, history, gateway member events."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import pytest_asyncio
from discord.ext import commands

from tests.emulator import DiscordEmulator, EmulatedGuild, EmulatedUser, EmulatorError, run_bot


class AckButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ack:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Got it", custom_id=f"ack:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AckButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        kind = type(interaction.user).__name__
        await interaction.response.edit_message(
            content=f"Acknowledged {self.n} by {kind}", view=None
        )


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)

    async def setup_hook() -> None:
        bot.add_dynamic_items(AckButton)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@dataclass
class World:
    emu: DiscordEmulator
    guild: EmulatedGuild
    alice: EmulatedUser
    bob: EmulatedUser
    bot: commands.Bot

    def channel(self, channel_id: int | None = None) -> discord.TextChannel:
        found = self.bot.get_channel(channel_id or self.guild.general_channel_id)
        assert isinstance(found, discord.TextChannel)
        return found


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Career Club")
        alice, bob = emu.add_user("alice"), emu.add_user("bob")
        emu.add_member(guild.id, alice.id)
        emu.add_member(guild.id, bob.id)
        async with run_bot(emu, make_bot()) as bot:
            yield World(emu, guild, alice, bob, bot)


async def test_members_intent_gets_full_member_list(world: World) -> None:
    dguild = world.bot.get_guild(world.guild.id)
    assert dguild is not None
    assert dguild.chunked
    assert {m.id for m in dguild.members} >= {world.alice.id, world.bob.id, world.emu.bot_user.id}


async def test_dm_send_and_channel_reuse(world: World) -> None:
    emu = world.emu
    user = await world.bot.fetch_user(world.alice.id)
    await user.send("Welcome!", embed=discord.Embed(title="Getting started"))
    await user.send("Second")
    dms = await emu.wait_for_dm(world.alice.id, count=2)
    assert [m.content for m in dms] == ["Welcome!", "Second"]
    assert "Getting started" in dms[0].text()
    assert emu.dm_open_calls(world.alice.id) == 1


async def test_button_in_dm_is_clickable_by_recipient(world: World) -> None:
    emu = world.emu
    user = await world.bot.fetch_user(world.alice.id)
    view = discord.ui.View(timeout=None)
    view.add_item(AckButton(7))
    sent = await user.send("Reminder: follow up with Ada", view=view)
    dm = emu.message(sent.id)
    assert dm.button(label="Got it")["custom_id"] == "ack:7"
    with pytest.raises(EmulatorError, match="only the DM recipient"):
        await emu.click(world.bob, dm, "ack:7")
    ix = await emu.click(world.alice, dm, "ack:7")
    assert (await ix.message()).content == "Acknowledged 7 by User"
    assert ix.payload["context"] == 1
    assert "member" not in ix.payload


async def test_closed_dms_raise_forbidden_50007(world: World) -> None:
    emu = world.emu
    emu.set_dms_closed(world.bob.id, True)
    user = await world.bot.fetch_user(world.bob.id)
    with pytest.raises(discord.Forbidden) as info:
        await user.send("hi")
    assert info.value.code == 50007
    assert info.value.status == 403
    assert emu.dms(world.bob.id) == []
    emu.set_dms_closed(world.bob.id, False)
    await user.send("hi again")
    assert [m.content for m in emu.dms(world.bob.id)] == ["hi again"]


async def test_injected_429_is_retried_by_discord_py(world: World) -> None:
    emu = world.emu
    channel = world.channel()
    path = rf"^/channels/{channel.id}/messages$"
    rule = emu.fail_next(
        "POST", path, 429, {"message": "slow", "retry_after": 0.05, "global": False}
    )
    before = emu.count_requests("POST", path)
    sent = await channel.send("after a rate limit")
    assert rule.hits == 1
    assert rule.remaining == 0
    attempts = [r for r in emu.requests if r.method == "POST" and r.path == path.strip("^$")]
    assert [(r.status, r.injected) for r in attempts[before:]] == [(429, True), (200, False)]
    assert emu.message(sent.id).content == "after a rate limit"


async def test_injected_403_and_500(world: World) -> None:
    emu = world.emu
    channel = world.channel()
    emu.fail_next("POST", r"/messages$", 403, {"code": 50007, "message": "Cannot send"})
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("nope")
    assert info.value.code == 50007
    emu.fail_next("POST", r"/messages$", 500)
    sent = await channel.send("after a 500")  # discord.py sleeps 1 s, then retries
    assert emu.message(sent.id).content == "after a 500"


async def test_multipart_files_and_attachment_download(world: World) -> None:
    emu = world.emu
    files = [
        discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="data.csv"),
        discord.File(io.BytesIO(b"\x89PNG fake"), filename="chart.png", description="Chart"),
    ]
    sent = await world.channel().send("report", files=files, embed=discord.Embed(title="R"))
    stored = emu.message(sent.id)
    assert [(a.filename, a.data) for a in stored.attachments] == [
        ("data.csv", b"a,b\n1,2\n"),
        ("chart.png", b"\x89PNG fake"),
    ]
    assert stored.attachments[1].description == "Chart"
    assert await sent.attachments[0].read() == b"a,b\n1,2\n"
    edited = await sent.edit(content="report v2", attachments=[sent.attachments[1]])
    assert [a.filename for a in edited.attachments] == ["chart.png"]
    assert [a.filename for a in stored.attachments] == ["chart.png"]


async def test_history_edit_delete_and_nonce(world: World) -> None:
    emu = world.emu
    created = world.bot.wait_for("guild_channel_create", timeout=5)  # listener registered now
    channel_model = emu.add_channel(world.guild.id, "log")
    assert (await created).id == channel_model.id
    channel = world.channel(channel_model.id)
    first = await channel.send("one")
    second = await channel.send("two", nonce="n-1")
    again = await channel.send("two", nonce="n-1")  # enforce_nonce → same message back
    assert again.id == second.id
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["two", "one"]
    await first.edit(content="one (edited)", allowed_mentions=discord.AllowedMentions.none())
    stored = emu.message(first.id)
    assert stored.content == "one (edited)"
    assert stored.edits[0].before["content"] == "one"
    assert stored.allowed_mentions == {"parse": []}
    await second.delete()
    assert [m.content for m in emu.channel_messages(channel.id)] == ["one (edited)"]
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("")
    assert info.value.code == 50006
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035


async def test_user_message_reaches_on_message(world: World) -> None:
    waiter = world.bot.wait_for("message", check=lambda m: m.author.id == world.alice.id, timeout=5)
    sent = await world.emu.send_as_user(world.alice, "hello bot")
    message = await waiter
    assert message.id == sent.id
    assert message.content == "hello bot"
    assert isinstance(message.channel, discord.DMChannel)


async def test_member_role_update_is_pushed(world: World) -> None:
    emu = world.emu
    role = emu.add_role(world.guild.id, "Mentor")
    waiter = world.bot.wait_for("member_update", timeout=5)
    emu.set_member_roles(world.guild.id, world.alice.id, [role.id])
    _before, after = await waiter
    assert [r.name for r in after.roles if not r.is_default()] == ["Mentor"]
    member = await world.bot.get_guild(world.guild.id).fetch_member(world.alice.id)  # type: ignore[union-attr]
    assert [r.id for r in member.roles if not r.is_default()] == [role.id]
    await member.remove_roles(discord.Object(id=role.id))
    assert emu.guild(world.guild.id).members[world.alice.id].roles == []
