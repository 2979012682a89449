"""How staff see a server's checklist: numbered visible items marked reworded or added, hidden
items listed apart (H1, H2, …), the confirmation of each edit, and the choices offered when an
item option is typed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import discord
from discord import app_commands

from bot.actions.staff_checklists import HIDDEN_PREFIX, ChecklistEdited, cut, item_label
from bot.content import PLACEHOLDER
from bot.discord_limits import EMBED_LIMIT, EMBED_TITLE_LIMIT, MAX_CHOICES
from bot.domain.auto_ticks import DONE_BY_TEXT
from bot.storage.checklist_items import MAX_VISIBLE, ServerChecklist, ServerItem
from bot.text import escape_markdown

PHASE_CHOICES = [
    app_commands.Choice(name="1 · making a request", value="request"),
    app_commands.Choice(name="2 · preparing", value="prepare"),
    app_commands.Choice(name="3 · during the interview", value="interview"),
    app_commands.Choice(name="4 · following up", value="followup"),
]
CHOICE_NAME_LIMIT = 100
DONE_BY_CHOICES = [
    app_commands.Choice(name=f"Ticks itself: {words.label}"[:CHOICE_NAME_LIMIT], value=action.value)
    for action, words in DONE_BY_TEXT.items()
]
"""``/staff checklist add done_by:``: the actions an added item can be ticked by."""


def _mark(entry: ServerItem) -> str:
    mark = " · *added*" if entry.custom else " · *reworded*" if entry.reworded else ""
    if entry.item.done_by is not None:
        mark += f" · ticks itself: {DONE_BY_TEXT[entry.item.done_by].label}"
    return mark


def _filler(values: Mapping[str, str]) -> tuple[list[str], Callable[[str], str]]:
    """A function filling placeholders as students see them, and the list of those it
    filled (for the note saying so)."""
    filled: list[str] = []

    def fill(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match[1] not in values:
                return match[0]
            if match[1] not in filled:
                filled.append(match[1])
            return values[match[1]]

        return PLACEHOLDER.sub(one, text)

    return filled, fill


PLACEHOLDER_NOTES = {
    "word_limit": "{value} is this server's outreach-email word limit (`{{word_limit}}` in the "
    "text, so it follows `/staff settings word-limit`); students see it filled in too.",
}


def _lines(
    server: ServerChecklist, values: Mapping[str, str], *, detail: bool, limit: int | None
) -> list[str]:
    filled, fill = _filler(values)
    lines: list[str] = []
    for number, entry in enumerate(server.visible, start=1):
        text = escape_markdown(cut(fill(entry.item.text), limit))
        lines.append(f"**{number}.** {text}{_mark(entry)}")
        if detail and entry.reworded and entry.default is not None:
            lines.append(f"-# default: {escape_markdown(fill(entry.default.text))}")
        if detail and entry.item.why:
            lines.append(f"-# why: {escape_markdown(fill(entry.item.why))}")
    if server.hidden:
        lines += ["", "**Hidden** (students don't see these; their ticks are kept):"]
        for number, entry in enumerate(server.hidden, start=1):
            text = escape_markdown(cut(fill(entry.item.text), limit))
            lines.append(f"**{HIDDEN_PREFIX}{number}.** {text}{_mark(entry)}")
    if filled:
        lines.append("")
    for name in filled:
        note = PLACEHOLDER_NOTES.get(name, "{value} is this server's `{{" + name + "}}`.")
        lines.append(f"-# {note.format(value=values[name])}")
    return lines


def staff_checklist_embed(
    server: ServerChecklist, note: str | None = None, values: Mapping[str, str] | None = None
) -> discord.Embed:
    """The server's checklist for one phase as staff see it; ``values`` fill its placeholders
    (``{word_limit}``) as students see them, with a note saying so."""
    head = [note, ""] if note else []
    body = ""
    for detail, limit in ((True, None), (False, None), (False, 100), (False, 50)):
        body = "\n".join([*head, *_lines(server, values or {}, detail=detail, limit=limit)])
        if len(body) <= EMBED_LIMIT:
            break
    else:
        body = body[: EMBED_LIMIT - 1] + "…"
    embed = discord.Embed(
        title=f"{server.title} · this server's checklist ({server.phase})"[:EMBED_TITLE_LIMIT],
        description=body,
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(
        text=f"{len(server.visible)} of at most {MAX_VISIBLE} items shown to students. Edit with "
        "/staff checklist add, reword, hide, restore or move; ticks are kept by item."
    )
    return embed


def quote(text: str, limit: int = 80) -> str:
    return f"“{escape_markdown(cut(text, limit))}”"


def added_note(edit: ChecklistEdited) -> str:
    note = f"Added item {edit.label}: {quote(edit.text)}."
    entry = edit.checklist.find(edit.item_id)
    if entry is not None and entry.item.done_by is not None:
        note += (
            f" It ticks itself for each student once they log it: "
            f"{DONE_BY_TEXT[entry.item.done_by].label}."
        )
    return note


def reworded_note(edit: ChecklistEdited) -> str:
    return (
        f"Reworded item {edit.label}: {quote(edit.old_text)} → {quote(edit.text)}. "
        "Students keep their ticks on it."
    )


def hidden_note(edit: ChecklistEdited) -> str:
    return (
        f"Hid item {edit.label}: {quote(edit.text)}. Students' ticks on it are kept; "
        "`/staff checklist restore` brings it back."
    )


def restored_note(edit: ChecklistEdited) -> str:
    return f"Restored {quote(edit.text)}, with everyone's ticks on it."


def moved_note(edit: ChecklistEdited, position: int) -> str:
    return f"Moved {quote(edit.text)} to number {position}."


def item_choices(
    server: ServerChecklist, current: str, *, hidden: bool
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the visible (or hidden) items whose number or text matches ``current``."""
    needle = current.strip().lower()
    choices: list[app_commands.Choice[str]] = []
    for entry in server.hidden if hidden else server.visible:
        label = item_label(server, entry)
        if needle and needle not in entry.item.text.lower() and needle != label.lower():
            continue
        name = cut(f"{label}. {entry.item.text}", CHOICE_NAME_LIMIT)
        choices.append(app_commands.Choice(name=name, value=entry.item.id))
        if len(choices) == MAX_CHOICES:
            break
    return choices
