"""The components of ``/start`` (time zone, first employer or contact, check an email) and the
one-time pointer to ``/start`` after a student's first command. All of them work after a
restart: each is a DynamicItem whose custom_id carries its owner."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.actions.context import StudentKey
from bot.actions.onboarding import start_pointer_due
from bot.actions.settings import set_timezone
from bot.ui.dynamic_view import dynamic_view
from bot.ui.email_check import EmailDraftModal
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, parse_id, student_of
from bot.ui.timezone_picker import COMMON_ZONES, local_time_line

log = logging.getLogger(__name__)

START_POINTER = (
    "👋 New here? `/start` shows how InfoCoach works in five steps, with buttons to set your "
    "time zone and add your first employer. Words like 3B7 or TIARA: `/help`."
)
NO_POINTER_AFTER = frozenset({"start", "help", "staff"})
"""Commands after which no pointer is shown: the two it points to, and staff work."""

FIRST_EMPLOYER_TEXT = (
    "**Start your LAMP list**: about 40 employers you would like to work for "
    "(`/help topic:lamp` explains the scores).\n"
    "• One at a time: `/employers add`, e.g. name: *Northwind Health*. Add its scores now or "
    "later with `/employers score`.\n"
    "• Many at once: `/employers import`, then paste one employer per line.\n"
    "• Already know someone? `/request new` with their name and where they work adds them as "
    "a contact, and their employer to your list.\n"
    "Then `/employers list` shows your top five ⭐: write to people there first."
)
TIMEZONE_SET_NEXT = (
    "Next: press **2. Add your first employer or contact** under the welcome, or `/employers add`."
)


async def point_to_start_once(interaction: discord.Interaction, command: object) -> None:
    """After a student's command (not /start, /help or /staff) in a server: the first time, a
    private followup pointing to ``/start``. Nothing after a form (Discord allows no followup
    to a form): the pointer waits for their next command."""
    if interaction.guild_id is None:
        return
    name = str(getattr(command, "qualified_name", "")).split(" ", 1)[0]
    if name in NO_POINTER_AFTER:
        return
    if interaction.response.type not in (
        discord.InteractionResponseType.channel_message,
        discord.InteractionResponseType.deferred_channel_message,
    ):
        return
    who = StudentKey(interaction.guild_id, interaction.user.id)
    if not await start_pointer_due(context_of(interaction), who):
        return
    try:
        await interaction.followup.send(START_POINTER, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not show the /start pointer for interaction %s", interaction.id)


def start_view(owner_id: int, timezone: str | None) -> discord.ui.View:
    """The time-zone menu and the two first-step buttons under the welcome."""
    view = dynamic_view()
    view.add_item(StartTimezoneSelect(owner_id=owner_id, current=timezone))
    view.add_item(FirstEmployerButton(owner_id=owner_id))
    view.add_item(CheckEmailButton(owner_id=owner_id))
    return view


class StartTimezoneSelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"ic:start:tz:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int, current: str | None = None) -> None:
        placeholder = (
            f"Change your time zone (now {current})"[:150]
            if current
            else "1. Choose your time zone"
        )
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:start:tz:{owner_id}",
                placeholder=placeholder,
                options=[
                    discord.SelectOption(label=label, value=zone, description=zone)
                    for zone, label in COMMON_ZONES
                ],
                row=0,
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartTimezoneSelect:
        return cls(owner_id=parse_id(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        result = await set_timezone(
            context_of(interaction), student_of(interaction), self.item.values[0]
        )
        await interaction.response.send_message(
            f"{local_time_line(result.zone, result.now)}\n{TIMEZONE_SET_NEXT}", ephemeral=True
        )


class FirstEmployerButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:start:first:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label="2. Add your first employer or contact",
                custom_id=f"ic:start:first:{owner_id}",
                row=1,
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FirstEmployerButton:
        return cls(owner_id=parse_id(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        student_of(interaction)  # a private error in direct messages
        await interaction.response.send_message(FIRST_EMPLOYER_TEXT, ephemeral=True)


class CheckEmailButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:start:email:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label="3. Check an outreach email",
                custom_id=f"ic:start:email:{owner_id}",
                row=1,
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CheckEmailButton:
        return cls(owner_id=parse_id(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        student_of(interaction)  # a private error outside a server
        await interaction.response.send_modal(EmailDraftModal())
