"""Finding one of the student's contacts from what they typed: autocomplete suggestions, and
turning the chosen value (an id from autocomplete, or a typed name) into the contact."""

from __future__ import annotations

from bot.actions.context import ActionContext, StudentKey
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, find_by_name, get_contact, search_contacts
from bot.text import escape_markdown
from bot.validation import control_character, without_control_characters

NOT_FOUND = (
    "I couldn't find that contact among yours in this server. "
    "Pick one from the list as you type, or add it with `/request new`."
)
LONGEST_ID = 18
"""Digits in the largest contact id a value may name (more is a name, not an id)."""


async def suggest_contacts(
    ctx: ActionContext, who: StudentKey, typed: str, limit: int
) -> list[ContactRecord]:
    """The student's contacts whose person or organization contains ``typed``, most recently
    active first. Control characters (a NUL ...) are ignored: no stored name has one."""
    query = without_control_characters(typed)
    return await search_contacts(ctx.db, who.guild_id, who.user_id, query, limit)


async def resolve_contact(ctx: ActionContext, who: StudentKey, value: str) -> ContactRecord:
    """The student's contact the value names: its id (what autocomplete sends), or its person,
    organization or "person (organization)" typed out; a private error if none or several."""
    text = value.strip()
    if control_character(text) is not None:
        raise UserError(NOT_FOUND)  # names with one are refused, so none matches (no query)
    if text.isascii() and text.isdigit() and len(text) <= LONGEST_ID:
        contact = await get_contact(ctx.db, who.guild_id, who.user_id, int(text))
        if contact is not None:
            return contact
    matches = await find_by_name(ctx.db, who.guild_id, who.user_id, text)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError(
            f"Several of your contacts match “{escape_markdown(text[:60])}”. "
            "Pick one from the list as you type."
        )
    raise UserError(NOT_FOUND)
