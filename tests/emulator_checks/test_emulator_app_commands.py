"""Slash commands end to end: groups, typed options, autocomplete, responses, followups."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.emulator import (
    DiscordEmulator,
    EmulatedGuild,
    EmulatedRole,
    EmulatedUser,
    EmulatorError,
    run_bot,
)

MANAGE_GUILD = 1 << 5
CONTACTS = ["Acme Corp", "Acorn Labs", "Beta Inc"]


@dataclass
class Seen:
    calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    error_seen: asyncio.Event = field(default_factory=asyncio.Event)


def make_bot(guild_id: int, seen: Seen) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    guild = discord.Object(id=guild_id)

    career = app_commands.Group(name="career", description="Career tools")
    request = app_commands.Group(name="request", description="Requests", parent=career)

    @request.command(name="new", description="New request")
    async def request_new(
        interaction: discord.Interaction,
        person: str,
        organization: str,
        connection: Literal["alumni", "friend", "cold"],
        priority: app_commands.Range[int, 1, 5] = 3,
        urgent: bool = False,
        buddy: discord.Member | None = None,
        team: discord.Role | None = None,
        where: discord.TextChannel | None = None,
    ) -> None:
        seen.calls.append(
            {
                "person": person,
                "organization": organization,
                "connection": connection,
                "priority": priority,
                "urgent": urgent,
                "buddy": buddy,
                "team": team,
                "where": where,
                "perms": interaction.permissions,
            }
        )
        await interaction.response.send_message(f"Request for {person} at {organization}")

    @request.command(name="sent", description="Mark as sent")
    async def request_sent(interaction: discord.Interaction, contact: str) -> None:
        await interaction.response.send_message(f"sent {contact}", ephemeral=True)

    @request_sent.autocomplete("contact")
    async def contact_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=c, value=c.lower())
            for c in CONTACTS
            if c.lower().startswith(current.lower())
        ]

    @career.command(name="report", description="Slow report")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(
            embed=discord.Embed(title="Weekly report", description="3 requests sent")
        )
        await interaction.followup.send("More details", ephemeral=True)
        await interaction.followup.send(
            "Public note", file=discord.File(io.BytesIO(b"note body"), filename="note.txt")
        )

    @career.command(name="later", description="Defer then followup only")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.followup.send("done later")

    @bot.tree.command(name="twice", description="Responds twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        try:  # bypass discord.py's local guard to hit the API a second time
            await discord.InteractionResponse(interaction).send_message("second")
        except discord.HTTPException as exc:
            seen.errors.append(exc)
            seen.error_seen.set()

    @bot.tree.command(name="admin", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin ok", ephemeral=True)

    @bot.tree.command(name="upload", description="Sends a file")
    async def upload(interaction: discord.Interaction) -> None:
        file = discord.File(io.BytesIO(b"name,org\nAda,Acme\n"), filename="export.csv")
        await interaction.response.send_message(
            "here", file=file, allowed_mentions=discord.AllowedMentions.none()
        )

    @bot.tree.command(name="oops", description="Deletes its own response")
    async def oops(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("temporary")
        await interaction.delete_original_response()

    @bot.tree.command(name="sleepy", description="Answers too late")
    async def sleepy(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)  # simulated slow work before the first response
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            seen.errors.append(exc)
            seen.error_seen.set()

    @bot.tree.command(name="silent", description="Never answers")
    async def silent(interaction: discord.Interaction) -> None:
        return None

    bot.tree.add_command(career, guild=guild)
    for name in ("twice", "admin", "upload", "silent", "oops", "sleepy"):
        cmd = bot.tree.get_command(name)
        assert cmd is not None
        bot.tree.add_command(cmd, guild=guild, override=True)

    async def setup_hook() -> None:
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@dataclass
class World:
    emu: DiscordEmulator
    guild: EmulatedGuild
    alice: EmulatedUser
    bob: EmulatedUser
    staff: EmulatedRole
    bot: commands.Bot
    seen: Seen


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Career Club")
        staff = emu.add_role(guild.id, "Staff", permissions=MANAGE_GUILD)
        alice = emu.add_user("alice")
        bob = emu.add_user("bob")
        emu.add_member(guild.id, alice.id)
        emu.add_member(guild.id, bob.id, roles=[staff])
        seen = Seen()
        async with run_bot(emu, make_bot(guild.id, seen)) as bot:
            yield World(emu, guild, alice, bob, staff, bot, seen)


async def test_subcommand_group_with_typed_options(world: World) -> None:
    emu, guild = world.emu, world.guild
    channel = emu.add_channel(guild.id, "requests")
    ix = await emu.slash(
        world.alice,
        guild,
        "career request new",
        options={
            "person": "Ada",
            "organization": "Acme",
            "connection": "alumni",
            "priority": 5,
            "urgent": True,
            "buddy": world.bob,
            "team": world.staff,
            "where": channel,
        },
    )
    response = await ix.response()
    assert response.type == 4
    msg = await ix.message()
    assert msg.content == "Request for Ada at Acme"
    assert not msg.ephemeral
    assert msg.channel_id == guild.general_channel_id
    assert ix.response_time is not None
    assert ix.response_time < 3
    call = world.seen.calls[-1]
    assert (call["priority"], call["urgent"], call["connection"]) == (5, True, "alumni")
    assert isinstance(call["buddy"], discord.Member)
    assert call["buddy"].id == world.bob.id
    assert isinstance(call["team"], discord.Role)
    assert call["team"].name == "Staff"
    assert call["where"].id == channel.id
    assert not call["perms"].manage_guild


async def test_slash_errors_are_explicit(world: World) -> None:
    emu = world.emu
    with pytest.raises(EmulatorError, match="no subcommand 'old'"):
        await emu.slash(world.alice, world.guild, "career request old")
    with pytest.raises(EmulatorError, match="is a group"):
        await emu.slash(world.alice, world.guild, "career request")
    with pytest.raises(EmulatorError, match="not one of the choices"):
        await emu.slash(
            world.alice,
            world.guild,
            "career request new",
            options={"person": "A", "organization": "B", "connection": "enemy"},
        )
    with pytest.raises(EmulatorError, match="requires option 'organization'"):
        await emu.slash(
            world.alice, world.guild, "career request new", {"person": "A", "connection": "cold"}
        )
    with pytest.raises(EmulatorError, match="outside"):
        await emu.slash(
            world.alice,
            world.guild,
            "career request new",
            {"person": "A", "organization": "B", "connection": "cold", "priority": 9},
        )
    bypass = await emu.slash(
        world.alice,
        world.guild,
        "career request new",
        {"person": "A", "organization": "B", "connection": "cold", "priority": 9},
        strict=False,
    )
    (group,) = bypass.payload["data"]["options"]
    (sub,) = group["options"]
    assert {o["name"]: o["value"] for o in sub["options"]}["priority"] == 9
    with pytest.raises(EmulatorError, match="not registered"):
        await emu.slash(world.alice, world.guild, "nope")


async def test_autocomplete_returns_choices(world: World) -> None:
    choices = await world.emu.autocomplete(
        world.alice,
        world.guild,
        "career request sent",
        options={"contact": "Ac"},
        focused="contact",
    )
    assert choices == [
        {"name": "Acme Corp", "value": "acme corp"},
        {"name": "Acorn Labs", "value": "acorn labs"},
    ]


async def test_ephemeral_response(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "career request sent", {"contact": "x"})
    msg = await ix.message()
    assert msg.ephemeral
    assert msg.flags & 64
    assert msg.content == "sent x"
    public = world.emu.channel_messages(world.guild.general_channel_id, include_ephemeral=False)
    assert msg not in public


async def test_deferred_edit_original_and_followups(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "career report")
    assert (await ix.response()).type == 5
    msg = await ix.message()
    assert msg.ephemeral
    assert not msg.loading
    assert msg.embeds[0]["title"] == "Weekly report"
    assert "3 requests sent" in msg.text()
    await world.emu.state.wait_for(lambda: len(ix.followups) == 2, 5, "two followups")
    details, note = ix.followups
    assert details.ephemeral
    assert details.content == "More details"
    assert not note.ephemeral
    assert note.content == "Public note"
    assert [(a.filename, a.data) for a in note.attachments] == [("note.txt", b"note body")]
    assert len(msg.edits) == 1
    assert msg.edits[0].before["flags"] & 128


async def test_defer_then_followup_replaces_thinking_message(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "career later")
    msg = await ix.message()
    assert msg is ix.original
    assert msg.content == "done later"
    assert not msg.loading
    assert ix.followups == [msg]


async def test_second_response_is_rejected_with_40060(world: World) -> None:
    world.seen.error_seen.clear()
    ix = await world.emu.slash(world.alice, world.guild, "twice")
    assert (await ix.message()).content == "first"
    await asyncio.wait_for(world.seen.error_seen.wait(), 5)
    error = world.seen.errors[-1]
    assert isinstance(error, discord.HTTPException)
    assert error.status == 400
    assert error.code == 40060


async def test_default_member_permissions_are_enforced(world: World) -> None:
    with pytest.raises(EmulatorError, match="hidden from 'alice'"):
        await world.emu.slash(world.alice, world.guild, "admin")
    ix = await world.emu.slash(world.bob, world.guild, "admin")
    assert (await ix.message()).content == "admin ok"


async def test_response_with_file_is_multipart(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "upload")
    msg = await ix.message()
    assert msg.content == "here"
    assert [(a.filename, a.data) for a in msg.attachments] == [
        ("export.csv", b"name,org\nAda,Acme\n")
    ]
    assert msg.allowed_mentions == {"parse": []}


async def test_unanswered_interaction_times_out_clearly(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "silent")
    with pytest.raises(TimeoutError, match="did not answer interaction"):
        await ix.response(timeout=0.2)


async def test_delete_original_response(world: World) -> None:
    ix = await world.emu.slash(world.alice, world.guild, "oops")
    msg = await ix.message()
    await world.emu.state.wait_for(lambda: msg.deleted, 5, "the response to be deleted")
    assert msg not in world.emu.channel_messages(world.guild.general_channel_id)


async def test_three_second_rule_can_be_enforced(world: World) -> None:
    emu, seen = world.emu, world.seen
    seen.error_seen.clear()
    emu.interaction_timeout = 0.1
    try:
        ix = await emu.slash(world.alice, world.guild, "sleepy")
        await asyncio.wait_for(seen.error_seen.wait(), 5)
    finally:
        emu.interaction_timeout = None
    error = seen.errors[-1]
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert not ix.responded
