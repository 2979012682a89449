"""Buttons, selects, modals (classic and Label-wrapped) and persistent DynamicItems."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.emulator import (
    DiscordEmulator,
    EmulatedGuild,
    EmulatedUser,
    EmulatorError,
    RunningBot,
)


class TicketButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ticket:(?P<id>\d+):close"):
    def __init__(self, ticket_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Close ticket",
                style=discord.ButtonStyle.danger,
                custom_id=f"ticket:{ticket_id}:close",
            )
        )
        self.ticket_id = ticket_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> TicketButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(
            content=f"Ticket {self.ticket_id} closed", view=None
        )


class NoteModal(discord.ui.Modal, title="Add a note"):
    note = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"Note: {self.note.value}", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    topic = discord.ui.TextInput(label="Topic", custom_id="topic")
    details = discord.ui.TextInput(
        label="Details", custom_id="details", style=discord.TextStyle.paragraph, required=False
    )

    def __init__(self) -> None:
        super().__init__(custom_id="feedback_modal")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks: {self.topic.value} / {self.details.value or '-'}", ephemeral=True
        )


class ProfileModal(discord.ui.Modal, title="Profile"):
    def __init__(self) -> None:
        super().__init__(custom_id="profile_modal")
        self.name = discord.ui.TextInput(custom_id="name")
        self.track = discord.ui.Select(
            custom_id="track",
            options=[discord.SelectOption(label=t, value=t.lower()) for t in ("Tech", "Finance")],
        )
        self.add_item(discord.ui.Label(text="Your name", component=self.name))
        self.add_item(discord.ui.Label(text="Track", component=self.track))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"{self.name.value} picked {','.join(self.track.values)}"
        )


class Panel(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(
        label="Approve", custom_id="panel:approve", style=discord.ButtonStyle.success
    )
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="Approved", view=self)

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Snoozed")

    @discord.ui.button(label="Note", custom_id="panel:note")
    async def note(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(NoteModal())

    @discord.ui.select(
        custom_id="panel:pick",
        max_values=2,
        options=[discord.SelectOption(label=x.upper(), value=x) for x in "abc"],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {'+'.join(select.values)}", ephemeral=True)


class WhoView(discord.ui.View):
    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="who", max_values=2)
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect) -> None:
        names = sorted(f"{type(u).__name__}:{u.name}" for u in select.values)
        await interaction.response.send_message(" ".join(names))


def make_bot(guild_id: int) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    guild = discord.Object(id=guild_id)

    @bot.tree.command(name="panel", description="Panel")
    @app_commands.guilds(guild)
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pending", view=Panel())

    @bot.tree.command(name="secret", description="Ephemeral panel")
    @app_commands.guilds(guild)
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Only you", view=Panel(), ephemeral=True)

    @bot.tree.command(name="ticket", description="Ticket")
    @app_commands.guilds(guild)
    async def ticket(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(TicketButton(42))
        await interaction.response.send_message("Ticket 42 open", view=view)

    @bot.tree.command(name="feedback", description="Feedback")
    @app_commands.guilds(guild)
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @bot.tree.command(name="profile", description="Profile")
    @app_commands.guilds(guild)
    async def profile(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ProfileModal())

    @bot.tree.command(name="who", description="Pick people")
    @app_commands.guilds(guild)
    async def who(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Who?", view=WhoView())

    async def setup_hook() -> None:
        bot.add_dynamic_items(TicketButton)
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@dataclass
class World:
    emu: DiscordEmulator
    guild: EmulatedGuild
    alice: EmulatedUser
    bob: EmulatedUser
    runner: RunningBot[commands.Bot]

    async def restart(self) -> None:
        await self.runner.stop()
        self.runner = RunningBot(self.emu, make_bot(self.guild.id))
        await self.runner.start()


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Career Club")
        alice, bob = emu.add_user("alice"), emu.add_user("bob")
        emu.add_member(guild.id, alice.id)
        emu.add_member(guild.id, bob.id)
        runner = RunningBot(emu, make_bot(guild.id))
        await runner.start()
        state = World(emu, guild, alice, bob, runner)
        yield state
        await state.runner.stop()


async def test_button_updates_message_in_place(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "panel")).message()
    assert [b["label"] for b in msg.buttons()] == ["Approve", "Later", "Note"]
    ix = await emu.click(world.bob, msg, msg.button(label="Approve")["custom_id"])
    assert (await ix.response()).type == 7
    updated = await ix.message()
    assert updated is msg
    assert msg.content == "Approved"
    assert msg.button(label="Approve")["disabled"] is True
    assert msg.edits[-1].before["content"] == "Pending"
    with pytest.raises(EmulatorError, match="disabled"):
        await emu.click(world.bob, msg, "panel:approve")


async def test_deferred_update_then_edit_original(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "panel")).message()
    ix = await emu.click(world.alice, msg.id, "panel:later")
    assert (await ix.response()).type == 6
    assert (await ix.message()) is msg
    assert msg.content == "Snoozed"


async def test_select_menu(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "panel")).message()
    assert msg.selects()[0]["custom_id"] == "panel:pick"
    ix = await emu.select(world.alice, msg, "panel:pick", values=["a", "c"])
    reply = await ix.message()
    assert reply.content == "picked a+c"
    assert reply.ephemeral
    with pytest.raises(EmulatorError, match="not an option"):
        await emu.select(world.alice, msg, "panel:pick", values=["z"])


async def test_user_select_resolves_members(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "who")).message()
    ix = await emu.select(world.alice, msg, "who", values=[world.alice, world.bob.id])
    assert (await ix.message()).content == "Member:alice Member:bob"
    assert set(ix.payload["data"]["resolved"]["members"]) == {
        str(world.alice.id),
        str(world.bob.id),
    }


async def test_modal_round_trip_classic(world: World) -> None:
    emu = world.emu
    ix = await emu.slash(world.alice, world.guild, "feedback")
    assert (await ix.response()).type == 9
    assert ix.modal is not None
    assert ix.modal["custom_id"] == "feedback_modal"
    with pytest.raises(EmulatorError, match="required"):
        await emu.submit_modal(world.alice, ix, {"details": "no topic"})
    submit = await emu.submit_modal(world.alice, ix, {"topic": "Mentors"})
    assert (await submit.message()).content == "Thanks: Mentors / -"


async def test_modal_round_trip_label_components(world: World) -> None:
    emu = world.emu
    ix = await emu.slash(world.alice, world.guild, "profile")
    await ix.response()
    assert ix.modal is not None
    assert [c["type"] for c in ix.modal["components"]] == [18, 18]
    submit = await emu.submit_modal(world.alice, ix, {"name": "Ada", "track": ["tech"]})
    assert (await submit.message()).content == "Ada picked tech"


async def test_modal_from_button_updates_source_message(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "panel")).message()
    opener = await emu.click(world.alice, msg, "panel:note")
    submit = await emu.submit_modal(world.alice, opener, {"note": "call Ada"})
    assert (await submit.response()).type == 7
    assert (await submit.message()) is msg
    assert msg.content == "Note: call Ada"
    assert msg.components == []


async def test_ephemeral_message_only_clickable_by_its_user(world: World) -> None:
    emu = world.emu
    msg = await (await emu.slash(world.alice, world.guild, "secret")).message()
    assert msg.ephemeral
    with pytest.raises(EmulatorError, match="only visible"):
        await emu.click(world.bob, msg, "panel:approve")
    forged = await emu.click(world.bob, msg, "panel:later", strict=False)
    assert (await forged.message()).content == "Snoozed"
    ix = await emu.click(world.alice, msg, "panel:approve")
    assert (await ix.message()).content == "Approved"
    assert msg.ephemeral


async def test_dynamic_item_survives_restart_but_plain_view_does_not(world: World) -> None:
    emu = world.emu
    ticket = await (await emu.slash(world.alice, world.guild, "ticket")).message()
    panel = await (await emu.slash(world.alice, world.guild, "panel")).message()
    await world.restart()
    ix = await emu.click(
        world.alice, ticket, ticket.button(custom_id_prefix="ticket:")["custom_id"]
    )
    assert (await ix.response()).type == 7
    assert ticket.content == "Ticket 42 closed"
    assert ticket.buttons() == []
    stale = await emu.click(world.alice, panel, "panel:approve")
    with pytest.raises(TimeoutError):
        await stale.response(timeout=0.3)
