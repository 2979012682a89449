"""The ``contact`` option: autocompletes over the student's own contacts in this server."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.actions.contact_lookup import resolve_contact, suggest_contacts
from bot.actions.context import StudentKey
from bot.discord_limits import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.storage.contacts import ContactRecord
from bot.ui.guarded import context_of, student_of

"""Characters in an autocomplete choice's name."""


def choice_name(contact: ContactRecord) -> str:
    name = f"{contact.person} — {contact.organization} · {contact.stage.label}"
    return name if len(name) <= CHOICE_NAME_LIMIT else name[: CHOICE_NAME_LIMIT - 1] + "…"


class ContactTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> ContactRecord:
        """The invoking student's contact in this server that the value names (a contact id
        from autocomplete, or typed text)."""
        return await resolve_contact(context_of(interaction), student_of(interaction), str(value))

    async def autocomplete(  # type: ignore[override]  # discord.py's stub allows numbers too
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        who = StudentKey(interaction.guild_id, interaction.user.id)
        contacts = await suggest_contacts(context_of(interaction), who, value, MAX_CHOICES)
        return [app_commands.Choice(name=choice_name(c), value=str(c.id)) for c in contacts]


ContactOption = app_commands.Transform[ContactRecord, ContactTransformer]
