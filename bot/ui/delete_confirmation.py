"""``/privacy delete``'s confirmation: a red "Yes, delete my data" button and "Cancel", both
owner-only and alive after restarts (the owner's and the server's ids travel in the
custom_id, so the confirmation also works in a DM, for a server InfoCoach has left)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actions.context import StudentKey
from bot.actions.privacy import delete_data, left_server_name
from bot.errors import UserError
from bot.storage.backup import backups_expire_by
from bot.text import escape_markdown, long_date
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import (
    INVALID_ID,
    STALE_BUTTON,
    GuardedCallback,
    bot_of,
    context_of,
    ensure_owner,
    parse_id,
    student_of,
)

# Table → (singular, plural) in what the student reads; other tables are named as they are.
_LABELS: dict[str, tuple[str, str]] = {
    "students": ("your settings", "your settings"),
    "contacts": ("contact", "contacts"),
    "employers": ("employer", "employers"),
    "checklist_ticks": ("checklist tick", "checklist ticks"),
    "contact_questions": ("prepared question", "prepared questions"),
    "interview_notes": ("set of interview notes", "sets of interview notes"),
    "events": ("activity-log entry", "activity-log entries"),
    "nudges": ("reminder", "reminders"),
}
_ORDER = tuple(_LABELS)


async def server_name(interaction: discord.Interaction, guild_id: int) -> str | None:
    """The server's name: as the bot sees it, or for a server it has left, as it was then
    (None: never seen)."""
    guild = interaction.client.get_guild(guild_id)
    if guild is not None:
        return guild.name
    return await left_server_name(context_of(interaction), guild_id)


async def server_label(interaction: discord.Interaction, guild_id: int) -> str:
    """``**Career Club**``; for a server the bot has left, ``**Career Club** (InfoCoach is no
    longer in it)``, or its id when its name was never seen."""
    name = await server_name(interaction, guild_id)
    server = f"**{escape_markdown(name)}**" if name else f"the server with id {guild_id}"
    if interaction.client.get_guild(guild_id) is not None:
        return server
    return f"{server} (InfoCoach is no longer in it)"


def describe_counts(counts: dict[str, int]) -> str:
    """``{"contacts": 3, "events": 12}`` → "3 contacts, 12 activity-log entries"."""
    parts: list[str] = []
    for table in sorted(counts, key=lambda t: (_ORDER.index(t) if t in _ORDER else 99, t)):
        number = counts[table]
        if number <= 0:
            continue
        if table == "students":
            parts.append("your settings")
            continue
        singular, plural = _LABELS.get(table, (f"{table} row", f"{table} rows"))
        parts.append(f"{number} {singular if number == 1 else plural}")
    return ", ".join(parts) if parts else "nothing"


def deletion_warning(
    counts: dict[str, int], where: str = "in this server", backups: str = ""
) -> str:
    """The question before a delete; ``backups`` (:func:`backups_note`) says how long nightly
    backups keep copies, so the student decides knowing it."""
    return (
        f"⚠️ **Delete everything InfoCoach stores about you {where}?**\n"
        f"That is: {describe_counts(counts)}.\n"
        "This can't be undone. If you want a copy, run `/privacy export` first. "
        "Your data in other servers is not affected." + backups
    )


def confirmation_view(owner_id: int, guild_id: int) -> discord.ui.View:
    """The two buttons; both name the server (so the delete works from a DM too, and a button
    can never act on another server than the one its warning named)."""
    view = dynamic_view()
    view.add_item(DeleteDataConfirm(owner_id=owner_id, guild_id=guild_id))
    view.add_item(DeleteDataCancel(owner_id=owner_id, guild_id=guild_id))
    return view


def backups_note(interaction: discord.Interaction) -> str:
    """What the student should know about copies, before they confirm and after: nightly
    backups keep it until replaced (empty when the bot makes no backups: none configured, or
    PostgreSQL, where the bot writes none)."""
    settings = bot_of(interaction).settings
    if settings.backup_dir is None or context_of(interaction).db.engine != "sqlite":
        return ""  # no backups here (on PostgreSQL the bot makes none: pg_dump is the operator's)
    until = backups_expire_by(context_of(interaction).clock.now(), settings.backup_keep)
    return (
        f" Copies in this installation's nightly backups are gone when those backups expire, "
        f"by {long_date(until.date())} ({settings.backup_keep} days); if an older backup is "
        "ever restored, your data is deleted again when InfoCoach starts."
    )


def _target(interaction: discord.Interaction, guild_id: int | None) -> StudentKey:
    """Whose data in which server: the clicking student's (the owner check comes first) in the
    server named in the button, or for a button from an older version, the server it is
    clicked in."""
    if guild_id is None:
        return student_of(interaction)
    if guild_id == INVALID_ID:
        raise UserError(STALE_BUTTON)
    return StudentKey(guild_id, interaction.user.id)


class DeleteDataConfirm(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:del:(?P<owner>[0-9]+)(?::(?P<guild>[0-9]+))?",
):
    def __init__(self, *, owner_id: int, guild_id: int | None) -> None:
        suffix = "" if guild_id is None else f":{guild_id}"
        super().__init__(
            discord.ui.Button(
                label="Yes, delete my data",
                style=discord.ButtonStyle.danger,
                custom_id=f"ic:del:{owner_id}{suffix}",
            )
        )
        self.owner_id = owner_id
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteDataConfirm:
        guild = match["guild"]
        return cls(owner_id=parse_id(match["owner"]), guild_id=parse_id(guild) if guild else None)

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        who = _target(interaction, self.guild_id)
        here = interaction.guild_id == who.guild_id
        where = "in this server" if here else f"in {await server_label(interaction, who.guild_id)}"
        counts = await delete_data(context_of(interaction), who)
        if counts:
            content = (
                f"🗑️ Deleted everything InfoCoach stored about you {where}: "
                f"{describe_counts(counts)}. Your data in other servers is untouched. "
                "If you use a command there again, I'll start afresh." + backups_note(interaction)
            )
        else:
            content = f"There was nothing stored about you {where}; nothing to delete."
        await interaction.response.edit_message(content=content, embed=None, view=None)


class DeleteDataCancel(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:keep:(?P<owner>[0-9]+)(?::(?P<guild>[0-9]+))?",
):
    def __init__(self, *, owner_id: int, guild_id: int | None) -> None:
        suffix = "" if guild_id is None else f":{guild_id}"
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ic:keep:{owner_id}{suffix}",
            )
        )
        self.owner_id = owner_id
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteDataCancel:
        guild = match["guild"]
        return cls(owner_id=parse_id(match["owner"]), guild_id=parse_id(guild) if guild else None)

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted. Your data is as it was.", embed=None, view=None
        )
