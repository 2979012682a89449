"""The ``contact`` option: autocompletes over the student's own contacts in this server."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserError
from bot.storage.contacts import ContactRecord, find_by_name, get_contact, search_contacts
from bot.text import escape_markdown
from bot.ui.guarded import bot_of, guild_id_of

MAX_CHOICES = 25
NOT_FOUND = (
    "I couldn't find that contact among yours in this server. "
    "Pick one from the list as you type, or add it with `/request new`."
)


def choice_name(contact: ContactRecord) -> str:
    name = f"{contact.person} — {contact.organization} · {contact.stage.label}"
    return name if len(name) <= 100 else name[:99] + "…"


async def resolve_contact(interaction: discord.Interaction, value: str) -> ContactRecord:
    """Turn the option's value (a contact id from autocomplete, or typed text) into a contact
    that belongs to the invoking student in this server."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    text = value.strip()
    if text.isdigit() and len(text) <= 18:
        contact = await get_contact(bot.db, guild_id, interaction.user.id, int(text))
        if contact is not None:
            return contact
    matches = await find_by_name(bot.db, guild_id, interaction.user.id, text)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError(
            f"Several of your contacts match “{escape_markdown(text[:60])}”. "
            "Pick one from the list as you type."
        )
    raise UserError(NOT_FOUND)


class ContactTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> ContactRecord:
        return await resolve_contact(interaction, str(value))

    async def autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        contacts = await search_contacts(
            bot_of(interaction).db, interaction.guild_id, interaction.user.id, value, MAX_CHOICES
        )
        return [app_commands.Choice(name=choice_name(c), value=str(c.id)) for c in contacts]


ContactOption = app_commands.Transform[ContactRecord, ContactTransformer]
