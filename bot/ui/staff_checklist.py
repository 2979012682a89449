"""How staff see a server's checklist: numbered visible items marked reworded or added, hidden
items listed apart (H1, H2, …), and the choices offered when an item option is typed."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserError
from bot.storage.checklist_items import MAX_VISIBLE, ServerChecklist, ServerItem
from bot.text import escape_markdown

EMBED_LIMIT = 4096
MAX_CHOICES = 25
HIDDEN_PREFIX = "H"


def _escape(text: str) -> str:
    return escape_markdown(text)


def _cut(text: str, cut: int | None) -> str:
    return text if cut is None or len(text) <= cut else text[: cut - 1] + "…"


def _mark(entry: ServerItem) -> str:
    if entry.custom:
        return " · *added*"
    if entry.reworded:
        return " · *reworded*"
    return ""


def _lines(server: ServerChecklist, *, detail: bool, cut: int | None) -> list[str]:
    lines: list[str] = []
    for number, entry in enumerate(server.visible, start=1):
        lines.append(f"**{number}.** {_escape(_cut(entry.item.text, cut))}{_mark(entry)}")
        if detail and entry.reworded and entry.default is not None:
            lines.append(f"-# default: {_escape(entry.default.text)}")
        if detail and entry.item.why:
            lines.append(f"-# why: {_escape(entry.item.why)}")
    if server.hidden:
        lines += ["", "**Hidden** (students don't see these; their ticks are kept):"]
        for number, entry in enumerate(server.hidden, start=1):
            text = _escape(_cut(entry.item.text, cut))
            lines.append(f"**{HIDDEN_PREFIX}{number}.** {text}{_mark(entry)}")
    return lines


def staff_checklist_embed(server: ServerChecklist, note: str | None = None) -> discord.Embed:
    """The server's checklist for one phase as staff see it."""
    head = [note, ""] if note else []
    body = ""
    for detail, cut in ((True, None), (False, None), (False, 100), (False, 50)):
        body = "\n".join([*head, *_lines(server, detail=detail, cut=cut)])
        if len(body) <= EMBED_LIMIT:
            break
    else:
        body = body[: EMBED_LIMIT - 1] + "…"
    embed = discord.Embed(
        title=f"{server.title} · this server's checklist ({server.phase})"[:256],
        description=body,
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(
        text=f"{len(server.visible)} of at most {MAX_VISIBLE} items shown to students. Edit with "
        "/staff checklist add, reword, hide, restore or move; ticks are kept by item."
    )
    return embed


def item_label(server: ServerChecklist, entry: ServerItem) -> str:
    """ "3" for the third visible item, "H1" for the first hidden one."""
    if entry.hidden:
        return f"{HIDDEN_PREFIX}{server.hidden.index(entry) + 1}"
    return str(server.visible.index(entry) + 1)


def find_item(server: ServerChecklist, raw: str, *, hidden: bool) -> ServerItem:
    """The item named by an autocomplete value (its id) or by its number as shown ("3", "H1").

    ``hidden`` says which list the command works on; an item in the other list is refused
    with a message saying so."""
    text = raw.strip()
    entry = server.find(text)
    if entry is None:
        label = text.upper()
        for candidate in server.items:
            if item_label(server, candidate) == label:
                entry = candidate
                break
    if entry is None:
        raise UserError(
            f"There is no item “{_escape(text[:40])}” on the {server.phase} checklist. Pick one "
            "from the list as you type, or give its number as `/staff checklist show` lists it."
        )
    if entry.hidden and not hidden:
        raise UserError(
            f"“{_escape(_cut(entry.item.text, 60))}” is hidden. Restore it first with "
            "`/staff checklist restore`."
        )
    if hidden and not entry.hidden:
        raise UserError(f"“{_escape(_cut(entry.item.text, 60))}” isn't hidden.")
    return entry


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
        name = f"{label}. {entry.item.text}"
        name = name if len(name) <= 100 else name[:99] + "…"
        choices.append(app_commands.Choice(name=name, value=entry.item.id))
        if len(choices) == MAX_CHOICES:
            break
    return choices
