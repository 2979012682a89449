"""Forms opened from a reminder in a direct message, and the words DM replies share.

A DM has no server, so a reply that sends the student to a slash command names the server it
works in (:func:`where`). The forms carry the nudge id in their custom_id and are rebuilt if
submitted after a restart (:func:`register_dm_forms`). How the reminder looks once a form is
done belongs to the reminder's buttons (:mod:`bot.nudges.buttons`), which hand each form a
``finish`` callback: this layer does not know those buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.actions.dm_steps import (
    ScheduledFromReminder,
    SecondPersonAdded,
    add_second_person,
    schedule_from_reminder,
)
from bot.actions.prepare import MAX_MEETING_MINUTES, MIN_MEETING_MINUTES
from bot.discord_limits import MODAL_TITLE_LIMIT
from bot.domain.contacts import MAX_NAME
from bot.errors import UserError
from bot.storage.nudges import NudgeRow
from bot.text import escape_markdown, long_date
from bot.ui.guarded import GuardedModal, context_of, parse_id
from bot.ui.meeting import minutes_text, when
from bot.ui.modal_rescue import modal_custom_id, register_modal

FORM_TIMEOUT = 1800  # seconds a form stays open in this process (a restart rebuilds it anyway)

FormFinish = Callable[[discord.Interaction, NudgeRow, str, bool], Awaitable[None]]
"""Answers a submitted form: ``(interaction, the reminder, the reply line, whether the reminder
is answered now)``."""


def server_name(interaction: discord.Interaction, guild_id: int) -> str | None:
    guild = interaction.client.get_guild(guild_id)
    return guild.name if guild is not None else None


def where(interaction: discord.Interaction, guild_id: int) -> str:
    """``in **Career Club**``: the server a slash command must be run in (from the client's
    guild cache; ``in your server`` if the bot no longer sees it)."""
    name = server_name(interaction, guild_id)
    return f"in **{escape_markdown(name)}**" if name else "in your server"


def form_title(text: str) -> str:
    return text if len(text) <= MODAL_TITLE_LIMIT else text[: MODAL_TITLE_LIMIT - 1] + "…"


# --- a second person at the same employer -------------------------------------------------


class SecondPersonForm(GuardedModal, title="Add the second person"):
    person: discord.ui.TextInput[SecondPersonForm] = discord.ui.TextInput(
        label="Their name",
        custom_id="person",
        placeholder="e.g. Ben Ortiz",
        min_length=1,
        max_length=MAX_NAME,
    )
    role: discord.ui.TextInput[SecondPersonForm] = discord.ui.TextInput(
        label="Their role (optional)",
        custom_id="role",
        placeholder="e.g. Data analyst",
        required=False,
        max_length=MAX_NAME,
    )

    def __init__(
        self,
        nudge_id: int,
        finish: FormFinish,
        *,
        organization: str | None = None,
        later: bool = False,
        custom_id: str | None = None,
    ) -> None:
        who = "Another person" if later else "A second person"
        super().__init__(
            title=form_title(f"{who} at {organization}")
            if organization
            else "Add the second person",
            timeout=FORM_TIMEOUT,
            custom_id=custom_id or modal_custom_id("second", nudge_id),
        )
        self.nudge_id = nudge_id
        self.finish = finish

    async def on_submit(self, interaction: discord.Interaction) -> None:
        result = await add_second_person(
            context_of(interaction),
            interaction.user.id,
            self.nudge_id,
            self.person.value,
            self.role.value,
        )
        text = second_person_text(result, where(interaction, result.subject.who.guild_id))
        await self.finish(interaction, result.subject.nudge, text, result.answered)


def second_person_text(result: SecondPersonAdded, in_server: str) -> str:
    added = result.added
    name = escape_markdown(added.person)
    org = escape_markdown(result.employer or added.organization)
    first = escape_markdown(result.subject.contact.person)
    lines = [f"Added **{name}** at {org}."]
    if result.covers_first and result.subject.contact.asked_before is None:
        lines.append(
            f"That's your second person there, so the 3-business-day step for {first} is done."
        )
    elif result.covers_first:  # a later person's reminder: never "a second person" again
        lines.append(f"That covers the 3-business-day step for {first}.")
    lines.append(
        f"Write {name} a short request (under 100 words, no job talk, ending with a question), "
        f"send it, then log it with `/request sent` {in_server} so I can follow up for you."
    )
    if result.covers_first and result.follow_up_on is not None:
        lines.append(
            f"If {first} still hasn't replied by {long_date(result.follow_up_on)}, I'll remind "
            "you to send one short follow-up."
        )
    return " ".join(lines)


# --- scheduling -------------------------------------------------------------------------------


class MeetingForm(GuardedModal, title="Schedule the meeting"):
    day: discord.ui.TextInput[MeetingForm] = discord.ui.TextInput(
        label="Date (e.g. Dec 8 or next Tuesday)",
        custom_id="date",
        placeholder="e.g. next Tuesday",
        min_length=1,
        max_length=40,
    )
    at: discord.ui.TextInput[MeetingForm] = discord.ui.TextInput(
        label="Start time (e.g. 3pm or 15:00)",
        custom_id="time",
        placeholder="e.g. 14:30, in your time zone",
        min_length=1,
        max_length=20,
    )
    minutes: discord.ui.TextInput[MeetingForm] = discord.ui.TextInput(
        label="Length in minutes",
        custom_id="minutes",
        placeholder="e.g. 20",
        required=False,
        max_length=3,
    )

    def __init__(
        self,
        nudge_id: int,
        finish: FormFinish,
        *,
        person: str | None = None,
        zone: str | None = None,
        usual_minutes: int | None = None,
        custom_id: str | None = None,
    ) -> None:
        super().__init__(
            title=form_title(f"Meet {person}") if person else "Schedule the meeting",
            timeout=FORM_TIMEOUT,
            custom_id=custom_id or modal_custom_id("meet", nudge_id),
        )
        if zone:
            self.at.placeholder = f"e.g. 14:30, {zone} time"[:100]
        if usual_minutes:
            self.minutes.default = str(usual_minutes)
        self.nudge_id = nudge_id
        self.finish = finish

    async def on_submit(self, interaction: discord.Interaction) -> None:
        result = await schedule_from_reminder(
            context_of(interaction),
            interaction.user.id,
            self.nudge_id,
            self.day.value,
            self.at.value,
            meeting_minutes(self.minutes.value),
        )
        text = scheduled_text(result, where(interaction, result.subject.who.guild_id))
        await self.finish(interaction, result.subject.nudge, text, result.answered)


def meeting_minutes(text: str) -> int | None:
    """The length typed in the form: blank means the usual length."""
    value = text.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise UserError(
            f"Type the length in minutes as a number from {MIN_MEETING_MINUTES} to "
            f"{MAX_MEETING_MINUTES}, e.g. 20. Nothing was saved."
        )
    return int(value)


def scheduled_text(result: ScheduledFromReminder, in_server: str) -> str:
    meeting = result.meeting
    name = escape_markdown(meeting.contact.display_name)
    moved = meeting.previous is not None
    return "\n".join(
        [
            f"{'Moved' if moved else 'Scheduled'}: your meeting with **{name}** is on "
            f"{when(meeting.start)}, for {minutes_text(meeting.minutes)}.",
            f"-# Entered as {long_date(meeting.local_day)} {meeting.local_time:%H:%M} in "
            f"{meeting.zone.key}.",
            "Next: build your questions with `/prepare questions` and work through "
            f"`/prepare checklist`, both {in_server}. I'll remind you to confirm the day "
            "before, time zone included.",
        ]
    )


def register_dm_forms(finish: FormFinish) -> None:
    """Rebuild these forms when one is submitted after a restart, answering with ``finish``."""
    register_modal(
        r"ic:mf:second:(?P<nudge>\d+):[0-9a-f]{8}",
        lambda m: SecondPersonForm(parse_id(m["nudge"]), finish, custom_id=m.string),
    )
    register_modal(
        r"ic:mf:meet:(?P<nudge>\d+):[0-9a-f]{8}",
        lambda m: MeetingForm(parse_id(m["nudge"]), finish, custom_id=m.string),
    )
