"""Finding a student's contact by the name typed for it: the same person at the same
organization, case and spaces aside (as employers are matched, :func:`name_key`)."""

from __future__ import annotations

from bot.domain.employers import name_key
from bot.storage.contacts import ContactRecord, get_contact
from bot.storage.database import Source, query_all


async def contacts_named(
    source: Source, guild_id: int, user_id: int, person: str, organization: str
) -> list[ContactRecord]:
    """The student's contacts in this server (closed ones too) named ``person`` at
    ``organization``, compared by :func:`name_key` (case, Unicode width and runs of spaces
    aside, beyond ASCII too, so it is done here rather than with SQL's ``lower()``); oldest
    first."""
    wanted = (name_key(person), name_key(organization))
    rows = await query_all(
        source,
        "SELECT id, person, organization FROM contacts WHERE guild_id = ? AND user_id = ?"
        " ORDER BY id",
        (guild_id, user_id),
    )
    found: list[ContactRecord] = []
    for row in rows:
        if (name_key(row["person"]), name_key(row["organization"])) != wanted:
            continue
        contact = await get_contact(source, guild_id, user_id, row["id"])
        if contact is not None:
            found.append(contact)
    return found
