"""``/privacy delete``'s confirmation: a red "Yes, delete my data" button and "Cancel", both
owner-only and alive after restarts (the owner's id travels in the custom_id)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actions.privacy import delete_data
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, student_of

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


def deletion_warning(counts: dict[str, int]) -> str:
    return (
        "⚠️ **Delete everything InfoCoach stores about you in this server?**\n"
        f"That is: {describe_counts(counts)}.\n"
        "This can't be undone. If you want a copy, run `/privacy export` first. "
        "Your data in other servers is not affected."
    )


def confirmation_view(owner_id: int) -> discord.ui.View:
    view = dynamic_view()
    view.add_item(DeleteDataConfirm(owner_id=owner_id))
    view.add_item(DeleteDataCancel(owner_id=owner_id))
    return view


class DeleteDataConfirm(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:del:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, delete my data",
                style=discord.ButtonStyle.danger,
                custom_id=f"ic:del:{owner_id}",
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteDataConfirm:
        return cls(owner_id=int(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        counts = await delete_data(context_of(interaction), student_of(interaction))
        if counts:
            content = (
                f"🗑️ Deleted everything InfoCoach stored about you in this server: "
                f"{describe_counts(counts)}. Your data in other servers is untouched. "
                "If you use a command here again, I'll start afresh."
            )
        else:
            content = "There was nothing stored about you in this server; nothing to delete."
        await interaction.response.edit_message(content=content, embed=None, view=None)


class DeleteDataCancel(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:keep:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ic:keep:{owner_id}",
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteDataCancel:
        return cls(owner_id=int(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted. Your data is as it was.", embed=None, view=None
        )
