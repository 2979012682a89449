"""Login, READY, gateway plumbing, command sync bookkeeping and REST odds and ends."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord.ext import commands

from tests.emulator import DiscordEmulator, EmulatedGuild, RunningBot, run_bot
from tests.emulator.runner import FAST_GUILD_READY_TIMEOUT


def make_bot(guild_id: int, *, sync_when_changed: bool) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    guild = discord.Object(id=guild_id)

    @bot.tree.command(name="hello", description="Say hello")
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    @bot.tree.command(name="status", description="Global status")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    bot.tree.copy_global_to(guild=guild)
    bot.tree.remove_command("status", guild=guild)

    async def setup_hook() -> None:
        local = [c.to_dict(bot.tree) for c in bot.tree.get_commands(guild=guild)]
        if sync_when_changed:
            remote = await bot.tree.fetch_commands(guild=guild)
            same = {c.name: c.description for c in remote} == {
                c["name"]: c["description"] for c in local
            }
            if same:
                return
        await bot.tree.sync(guild=guild)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest_asyncio.fixture(scope="module")
async def emu() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def guild(emu: DiscordEmulator) -> EmulatedGuild:
    return emu.add_guild("Career Club")


async def test_login_ready_and_sync(emu: DiscordEmulator, guild: EmulatedGuild) -> None:
    bot = make_bot(guild.id, sync_when_changed=False)
    async with run_bot(emu, bot):
        # on_ready came without discord.py's 2-second wait after the last GUILD_CREATE
        assert bot._connection.guild_ready_timeout <= FAST_GUILD_READY_TIMEOUT
        paths = [(r.method, r.path) for r in emu.requests]
        assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
        assert ("GET", "/gateway/bot") not in paths
        assert bot.user is not None
        assert bot.user.id == emu.bot_user.id
        assert bot.application_id == emu.application_id
        dguild = bot.get_guild(guild.id)
        assert dguild is not None
        assert dguild.name == "Career Club"
        assert dguild.me is not None
        assert dguild.get_channel(guild.general_channel_id) is not None
        assert dguild.default_role.id == guild.id
        assert emu.last_identify is not None
        assert emu.last_identify["intents"] == discord.Intents.default().value
        connection = emu.gateway.active.connection  # type: ignore[union-attr]
        assert connection is not None
        # discord.py asks for zstd-stream when `zstandard` imports, else zlib-stream.
        expected = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert connection.encoder.compress == expected

    assert emu.sync_calls(guild.id) == 1
    assert emu.sync_calls() == 1
    assert [c["name"] for c in emu.commands(guild.id)] == ["hello"]
    assert [c["name"] for c in emu.commands()] == ["hello", "status"]
    assert all(c["id"].isdigit() and c["guild_id"] == str(guild.id) for c in emu.commands(guild.id))


async def test_unchanged_restart_does_not_resync(
    emu: DiscordEmulator, guild: EmulatedGuild
) -> None:
    ids_before = [c["id"] for c in emu.commands(guild.id)]
    async with run_bot(emu, make_bot(guild.id, sync_when_changed=True)):
        pass
    assert emu.sync_calls(guild.id) == 1
    assert emu.count_requests("GET", rf"/guilds/{guild.id}/commands$") == 1
    # A plain re-sync keeps the command ids (Discord matches by name and type).
    async with run_bot(emu, make_bot(guild.id, sync_when_changed=False)):
        pass
    assert emu.sync_calls(guild.id) == 2
    assert [c["id"] for c in emu.commands(guild.id)] == ids_before
    assert emu.identify_count == 3


async def test_slash_reaches_restarted_bot(emu: DiscordEmulator, guild: EmulatedGuild) -> None:
    alice = emu.add_user("alice")
    emu.add_member(guild.id, alice.id)
    async with run_bot(emu, make_bot(guild.id, sync_when_changed=True)):
        ix = await emu.slash(alice, guild, "hello")
        assert (await ix.message()).content == "hi"
        dm_ix = await emu.slash(alice, None, "status")
        msg = await dm_ix.message()
        assert msg.channel_id == emu.dm_channel_id(alice)
        assert msg.content == "ok"
    with pytest.raises(Exception, match="no bot is connected"):
        await emu.slash(alice, guild, "hello")


async def test_unknown_route_is_loud(emu: DiscordEmulator, guild: EmulatedGuild) -> None:
    async with run_bot(emu, make_bot(guild.id, sync_when_changed=True)) as bot:
        with pytest.raises(discord.NotFound) as info:
            await bot.http.request(discord.http.Route("GET", "/nothing/{x}", x=1))
        assert "emulator: unknown route GET /nothing/1" in str(info.value)
        assert "GET /nothing/1" in emu.unknown_routes
        with pytest.raises(discord.NotFound) as member_info:
            await bot.get_guild(guild.id).fetch_member(123)  # type: ignore[union-attr]
        assert member_info.value.code == 10007


async def test_resume_after_server_drop(emu: DiscordEmulator, guild: EmulatedGuild) -> None:
    alice = emu.add_user("resumer")
    emu.add_member(guild.id, alice.id)
    async with run_bot(emu, make_bot(guild.id, sync_when_changed=True)) as bot:
        resumed = bot.wait_for("resumed", timeout=5)
        await emu.drop_connection()
        await resumed
        assert emu.gateway.resume_count == 1
        ix = await emu.slash(alice, guild, "hello")
        assert (await ix.message()).content == "hi"


async def test_strict_auth_rejects_wrong_token() -> None:
    async with DiscordEmulator(strict_auth=True) as strict:
        strict.install()
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
        await bot.close()
        runner = RunningBot(
            strict, commands.Bot(command_prefix="!", intents=discord.Intents.none())
        )
        await runner.start()
        await runner.stop()


@pytest.mark.parametrize("compress", [None, "zlib-stream"])
async def test_raw_gateway_protocol(compress: str | None) -> None:
    """HELLO → IDENTIFY → READY/GUILD_CREATE with sequence numbers; heartbeat ACK."""
    async with DiscordEmulator() as raw_emu, aiohttp.ClientSession() as session:
        raw_emu.add_guild("One")
        raw_emu.add_guild("Two")
        url = raw_emu.gateway_url + "?v=10&encoding=json"
        if compress:
            url += f"&compress={compress}"
        inflater = zlib.decompressobj()
        async with session.ws_connect(url) as ws:

            async def receive() -> dict:
                msg = await ws.receive(timeout=5)
                if compress:
                    assert msg.type == aiohttp.WSMsgType.BINARY
                    assert msg.data.endswith(b"\x00\x00\xff\xff")
                    return json.loads(inflater.decompress(msg.data))
                assert msg.type == aiohttp.WSMsgType.TEXT
                return json.loads(msg.data)

            hello = await receive()
            assert hello["op"] == 10
            assert hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await receive())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": raw_emu.token, "intents": 1}})
            ready = await receive()
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["resume_gateway_url"] == raw_emu.gateway_url
            assert len(ready["d"]["guilds"]) == 2
            creates = [await receive(), await receive()]
            assert [(c["t"], c["s"]) for c in creates] == [("GUILD_CREATE", 2), ("GUILD_CREATE", 3)]
            await raw_emu.wait_until_connected(timeout=5)


async def test_unsupported_compression_is_refused() -> None:
    async with DiscordEmulator() as raw_emu, aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(raw_emu.gateway_url + "?v=10&compress=gzip-stream")
