"""The emulator's sharding, with real discord.py clients: one session per shard for one token,
each server's events on its shard (``(guild_id >> 22) % shard_count``), events without a
server (DMs, DM buttons) on shard 0, a RESUME per shard, and the IDENTIFYs Discord refuses.

Negative checks ("shard 0 did not get it") are made safe by a sentinel: each gateway session
is ordered, so once a client answered a later event of its own shard, an earlier event routed
to it would have arrived too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import discord
import pytest
import pytest_asyncio

from tests.emulator import DiscordEmulator, EmulatedGuild, EmulatedUser, RunningBot, run_bot
from tests.emulator.gateway import CLOSE_INVALID_SHARD, CLOSE_SHARDING_REQUIRED
from tests.waiting import eventually

WHERE = {"name": "where", "description": "Which shard answers", "type": 1}


@dataclass
class Seen:
    """What one client received."""

    interactions: list[tuple[int | None, int]] = field(default_factory=list)  # (guild, type)
    messages: list[str] = field(default_factory=list)
    joins: list[tuple[int, int]] = field(default_factory=list)  # (guild, member)


async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s before each IDENTIFY after a process's first; no need here."""


def make_client(
    shard_id: int | None, shard_count: int | None, *, auto: bool = False
) -> tuple[discord.Client, Seen]:
    intents = discord.Intents.default()
    intents.members = True
    client: discord.Client
    if auto:
        client = discord.AutoShardedClient(intents=intents, shard_count=shard_count)
        client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    else:
        client = discord.Client(intents=intents, shard_id=shard_id, shard_count=shard_count)
    seen = Seen()
    label = "auto" if auto else f"shard {shard_id}"

    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.interactions.append((interaction.guild_id, interaction.type.value))
        await interaction.response.send_message(label)

    async def on_message(message: discord.Message) -> None:
        seen.messages.append(message.content)

    async def on_member_join(member: discord.Member) -> None:
        seen.joins.append((member.guild.id, member.id))

    for handler in (on_interaction, on_message, on_member_join):
        client.event(handler)
    return client, seen


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(shard_count=2) as emulator:
        emulator.state.bulk_overwrite(None, [dict(WHERE)])
        yield emulator


@dataclass
class World:
    g0: EmulatedGuild
    g0b: EmulatedGuild
    g1: EmulatedGuild
    alice: EmulatedUser


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    w = World(
        g0=emu.add_guild("Shard zero A", shard=0),
        g0b=emu.add_guild("Shard zero B", shard=0),
        g1=emu.add_guild("Shard one", shard=1),
        alice=emu.add_user("alice"),
    )
    for guild in (w.g0, w.g0b, w.g1):
        emu.add_member(guild, w.alice)
    return w


@pytest_asyncio.fixture
async def shards(
    emu: DiscordEmulator, world: World
) -> AsyncIterator[tuple[tuple[discord.Client, Seen], tuple[discord.Client, Seen]]]:
    """Two clients: shard 0 and shard 1 of 2, connected."""
    first, second = make_client(0, 2), make_client(1, 2)
    runners = [RunningBot(emu, first[0]), RunningBot(emu, second[0])]
    for runner in runners:
        await runner.start()
    try:
        yield first, second
    finally:
        for runner in runners:
            await runner.stop()


async def test_guild_ids_can_be_placed_on_a_shard(emu: DiscordEmulator) -> None:
    for shard_id in (0, 1, 1, 0, 1):
        assert emu.add_guild(f"g{shard_id}", shard=shard_id).id >> 22 & 1 == shard_id
    ids = [emu.add_guild("x", shard=(2, 3)).id for _ in range(3)]
    assert [(i >> 22) % 3 for i in ids] == [2, 2, 2]
    assert ids == sorted(set(ids))  # still increasing snowflakes


async def test_each_shard_gets_its_servers_at_ready(shards, world: World, emu: DiscordEmulator):
    (c0, _), (c1, _) = shards
    assert {g.id for g in c0.guilds} == {world.g0.id, world.g0b.id}
    assert {g.id for g in c1.guilds} == {world.g1.id}
    assert sorted(s.shard for s in emu.sessions) == [(0, 2), (1, 2)]
    assert all(s.connection is not None for s in emu.sessions)
    ready0 = emu.session_for_shard(0)
    assert ready0 is not None
    assert '"shard": [0, 2]' in ready0.history[0][1]  # READY carries the shard


async def test_a_new_server_member_and_message_go_to_their_shard_only(
    shards, world: World, emu: DiscordEmulator
):
    (c0, seen0), (c1, seen1) = shards
    late = emu.add_guild("Joined later", shard=1)
    emu.add_member(world.g1, emu.add_user("bob"))
    await emu.send_as_user(world.alice, "hello shard one", channel_id=world.g1.general_channel_id)
    await eventually(lambda: seen1.messages == ["hello shard one"], "shard 1's message")
    assert [g for g, _ in seen1.joins] == [world.g1.id]
    assert c1.get_guild(late.id) is not None

    await emu.send_as_user(world.alice, "hello shard zero", channel_id=world.g0.general_channel_id)
    await eventually(lambda: seen0.messages, "shard 0's sentinel message")
    assert seen0.messages == ["hello shard zero"]
    assert seen0.joins == []
    assert c0.get_guild(late.id) is None


async def test_a_guild_interaction_arrives_on_its_shard_only(shards, world: World, emu):
    (_, seen0), (_, seen1) = shards
    ix = await emu.slash(world.alice, world.g1, "where")
    assert (await ix.message()).content == "shard 1"
    sentinel = await emu.slash(world.alice, world.g0b, "where")
    assert (await sentinel.message()).content == "shard 0"
    assert seen1.interactions == [(world.g1.id, 2)]
    assert seen0.interactions == [(world.g0b.id, 2)]


async def test_dm_interactions_and_dms_arrive_on_shard_0_only(shards, world: World, emu):
    (_, seen0), (c1, seen1) = shards
    # Shard 1 sends a DM with a button (any shard may send); the DM's events belong to shard 0.
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Go", custom_id="go"))
    user = await c1.fetch_user(world.alice.id)
    await user.send("pick one", view=view)
    [dm] = await emu.wait_for_dm(world.alice)
    click = await emu.click(world.alice, dm, "go")
    assert (await click.message()).content == "shard 0"
    command = await emu.slash(world.alice, None, "where")
    assert (await command.message()).content == "shard 0"
    assert seen0.interactions == [(None, 3), (None, 2)]
    assert "pick one" in seen0.messages

    sentinel = await emu.slash(world.alice, world.g1, "where")
    assert (await sentinel.message()).content == "shard 1"
    assert seen1.interactions == [(world.g1.id, 2)]
    assert seen1.messages == ["shard 1"]  # its own answer in its server, not the DM


async def test_a_shard_resumes_its_own_session(shards, world: World, emu: DiscordEmulator):
    (_, seen0), (_, seen1) = shards
    s0, s1 = emu.session_for_shard(0), emu.session_for_shard(1)
    assert s0 is not None
    assert s1 is not None
    conn0, resumes = s0.connection, emu.gateway.resume_count
    await emu.drop_connection(shard_id=1)
    missed = emu.builder.slash(world.alice.id, world.g1.id, "where", {}, channel_id=None)
    s1.dispatch("INTERACTION_CREATE", missed.payload)  # queued while shard 1 is away
    await emu.wait_until_shards_connected([0, 1])
    assert (await missed.message()).content == "shard 1"
    assert emu.gateway.resume_count == resumes + 1
    assert emu.session_for_shard(1) is s1  # resumed, not re-identified
    assert s0.connection is conn0  # shard 0 never noticed
    assert seen1.interactions == [(world.g1.id, 2)]
    assert seen0.interactions == []


async def test_an_auto_sharded_client_asks_for_the_shard_count(world: World, emu):
    client, seen = make_client(None, None, auto=True)
    async with run_bot(emu, client):
        assert emu.count_requests("GET", r"^/gateway/bot$") == 1
        assert isinstance(client, discord.AutoShardedClient)
        assert client.shard_count == 2
        assert sorted(s.shard for s in emu.sessions) == [(0, 2), (1, 2)]
        assert {g.id for g in client.guilds} == {world.g0.id, world.g0b.id, world.g1.id}
        for session in emu.sessions:  # each session got only its shard's GUILD_CREATEs
            created = [t for _, t in session.history if '"t": "GUILD_CREATE"' in t]
            expected = [g for g in (world.g0, world.g0b, world.g1) if session.receives(g.id)]
            assert len(created) == len(expected) == (2 if session.shard == (0, 2) else 1)
        ix = await emu.slash(world.alice, world.g1, "where")
        assert (await ix.message()).content == "auto"
        assert seen.interactions == [(world.g1.id, 2)]
    assert emu.sessions == []  # a clean close ended both sessions


async def test_gateway_bot_answers_the_configured_count(emu: DiscordEmulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emu.api_url}/gateway/bot", headers={"Authorization": f"Bot {emu.token}"}) as r,
    ):
        data = await r.json()
    assert data["shards"] == 2
    assert data["url"] == emu.gateway_url
    assert data["session_start_limit"]["max_concurrency"] == 1


async def refused(emu: DiscordEmulator, client: discord.Client) -> int:
    runner = RunningBot(emu, client)
    with pytest.raises(discord.ConnectionClosed) as caught:
        await runner.start()
    await client.close()
    return caught.value.code


async def test_a_duplicate_shard_id_is_refused_and_the_holder_keeps_working(
    shards, world: World, emu: DiscordEmulator
):
    (_, seen0), _ = shards
    duplicate, seen_dup = make_client(0, 2)
    assert await refused(emu, duplicate) == CLOSE_INVALID_SHARD
    assert emu.refused_identifies == [([0, 2], CLOSE_INVALID_SHARD)]
    assert len(emu.sessions) == 2
    ix = await emu.slash(world.alice, world.g0, "where")
    assert (await ix.message()).content == "shard 0"
    assert seen0.interactions == [(world.g0.id, 2)]
    assert seen_dup.interactions == []


@pytest.mark.parametrize(
    ("shard", "code"),
    [((1, 3), CLOSE_INVALID_SHARD), ((None, None), CLOSE_SHARDING_REQUIRED)],
    ids=["another-count", "unsharded"],
)
async def test_an_inconsistent_identify_is_refused(
    shard: tuple[int | None, int | None], code: int, emu: DiscordEmulator
):
    client, _ = make_client(*shard)
    assert await refused(emu, client) == code
    assert emu.sessions == []


async def test_live_shards_refuse_another_count_even_when_none_is_configured() -> None:
    async with DiscordEmulator() as free:
        first, _ = make_client(0, 3)
        runner = RunningBot(free, first)
        await runner.start()
        try:
            assert await refused(free, make_client(1, 2)[0]) == CLOSE_INVALID_SHARD
            assert await refused(free, make_client(None, None)[0]) == CLOSE_SHARDING_REQUIRED
            assert [s.shard for s in free.sessions] == [(0, 3)]
        finally:
            await runner.stop()


async def test_unsharded_clients_still_get_everything() -> None:
    async with DiscordEmulator() as plain:
        guilds = [plain.add_guild(f"g{i}", shard=(i % 2, 2)) for i in range(3)]
        user = plain.add_user("carol")
        plain.state.bulk_overwrite(None, [dict(WHERE)])
        client, seen = make_client(None, None)
        async with run_bot(plain, client):
            assert {g.id for g in client.guilds} == {g.id for g in guilds}
            assert [s.shard for s in plain.sessions] == [None]
            for guild in guilds:
                plain.add_member(guild, user)
                ix = await plain.slash(user, guild, "where")
                assert (await ix.message()).content == "shard None"
            dm = await plain.slash(user, None, "where")
            assert (await dm.message()).content == "shard None"
            assert len(seen.interactions) == 4


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], ["0", 2], [0]], ids=str)
async def test_a_malformed_shard_is_closed_with_4010(shard: list[object], emu) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(emu.gateway_url) as ws:
        assert (await ws.receive(timeout=5)).json()["op"] == 10  # HELLO
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 1, "shard": shard}})
        closed = await ws.receive(timeout=5)
        assert closed.type == aiohttp.WSMsgType.CLOSE
        assert closed.data == CLOSE_INVALID_SHARD
    assert emu.refused_identifies == [(shard, CLOSE_INVALID_SHARD)]
    assert emu.identify_count == 0
