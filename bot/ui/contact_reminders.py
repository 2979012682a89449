"""The way back after **Stop for this contact**: the **Turn reminders back on** button that
``/progress contact`` shows for a stopped contact (the DM's Stop reply carries its own, see
:mod:`bot.nudges.buttons`), and what turning them back on says."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actions.contact_reminders import RemindersResumed, resume_contact_reminders
from bot.storage.contacts import ContactRecord
from bot.text import escape_markdown
from bot.ui.contact_history import STOPPED_LINE
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, parse_id, student_of

RESUME_LABEL = "Turn reminders back on"
RESUMED_LINE = "🔔 **Reminders back on for this contact.**"


def resumed_text(resumed: RemindersResumed) -> str:
    """What turning one contact's reminders back on says."""
    name = escape_markdown(resumed.contact.display_name)
    if resumed.all_off:
        return (
            f"🔔 Reminders for **{name}** are back on, but your reminders are off for every "
            "contact: `/settings nudges enabled:True` turns them all on."
        )
    if resumed.next_due is None:
        return (
            f"🔔 Reminders for **{name}** are back on. Nothing is due for where it stands now: "
            "I'll remind you when the next step comes (`/progress` shows it)."
        )
    return (
        f"🔔 Reminders for **{name}** are back on. I'll remind you of the next step "
        f"{discord.utils.format_dt(resumed.next_due, 'R')}."
    )


def reminders_off_line(contact: ContactRecord, coming: str) -> str | None:
    """The warning a reply about a stopped contact carries, naming the reminders that will
    not come (``coming``, e.g. "confirm, 1-hour or thank-you"): None while they are on."""
    if not contact.nudges_stopped:
        return None
    return (
        f"🔕 Reminders are off for this contact (you pressed Stop), so no {coming} reminders "
        "will come. Turn them back on from `/progress` (pick this contact): one button."
    )


def reminders_view(contact_id: int, stopped: bool) -> discord.ui.View | None:
    """The button under a stopped contact's story (None when its reminders are on)."""
    if not stopped:
        return None
    view = dynamic_view()
    view.add_item(RemindersOnButton(contact_id))
    return view


class RemindersOnButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:rmon:(?P<contact>\d+)",
):
    def __init__(self, contact_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label=RESUME_LABEL,
                custom_id=f"ic:rmon:{contact_id}",
            )
        )
        self.contact_id = contact_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RemindersOnButton:
        return cls(parse_id(match["contact"]))

    async def run(self, interaction: discord.Interaction) -> None:
        resumed = await resume_contact_reminders(
            context_of(interaction), student_of(interaction), self.contact_id
        )
        message = interaction.message
        embeds = message.embeds if message is not None else []
        if embeds and embeds[0].description and STOPPED_LINE in embeds[0].description:
            embed = embeds[0].copy()
            embed.description = (embed.description or "").replace(STOPPED_LINE, RESUMED_LINE)
            await interaction.response.edit_message(
                content=resumed_text(resumed), embed=embed, view=None
            )
            return
        await interaction.response.send_message(resumed_text(resumed), ephemeral=True)
