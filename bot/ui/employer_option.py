"""The ``employer`` option of ``/employers …`` (autocompletes over the student's own employers in
this server), and the organization suggestions of ``/request new``."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.actions.context import StudentKey
from bot.actions.employers import Suggestion, resolve_employer, suggest_employers
from bot.discord_limits import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.domain.contacts import MAX_NAME
from bot.storage.employers import EmployerRecord
from bot.ui.guarded import context_of, student_of

TOP_FIVE = " · top five"
DONE = " · done"


def choice_name(suggestion: Suggestion) -> str:
    employer = suggestion.employer
    tail = TOP_FIVE if suggestion.active else DONE if employer.done else ""
    room = CHOICE_NAME_LIMIT - len(tail)
    name = employer.name if len(employer.name) <= room else employer.name[: room - 1] + "…"
    return name + tail


async def _suggestions(interaction: discord.Interaction, typed: str) -> list[Suggestion]:
    if interaction.guild_id is None:
        return []
    who = StudentKey(interaction.guild_id, interaction.user.id)
    return await suggest_employers(context_of(interaction), who, typed, MAX_CHOICES)


class EmployerTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> EmployerRecord:
        """The invoking student's employer in this server that the value names (an id from
        autocomplete, or the name typed out)."""
        return await resolve_employer(context_of(interaction), student_of(interaction), str(value))

    async def autocomplete(  # type: ignore[override]  # discord.py's stub allows numbers too
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=choice_name(s), value=str(s.employer.id))
            for s in await _suggestions(interaction, str(value))
        ]


EmployerOption = app_commands.Transform[EmployerRecord, EmployerTransformer]


async def organization_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """``/request new``'s organization: the student's employers (the top five first) whose name
    contains what they typed; the value is the name, so a new name simply stays as typed."""
    return [
        app_commands.Choice(name=choice_name(s), value=s.employer.name)
        for s in await _suggestions(interaction, current)
        if len(s.employer.name) <= MAX_NAME
    ]
