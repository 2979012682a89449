"""Interactive checklists: one numbered button per item, ticked in place, alive after restarts,
in the server and in direct messages. An item a logged action ticked says so, and its button is
greyed out (the action's tick wins over a manual untick)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.actions.checklists import ChecklistState, contact_checklist, press_tick
from bot.actions.context import ActionContext
from bot.content import ChecklistItem, GlossaryEntry
from bot.discord_limits import EMBED_LIMIT
from bot.domain.auto_ticks import DONE_BY_TEXT
from bot.glossary_links import GlossaryLinker
from bot.storage.contacts import ContactRecord
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, parse_id
from bot.ui.progress_bar import progress_bar

TICKED = "✅"
UNTICKED = "⬜"


def _hint(item: ChecklistItem, auto: frozenset[str]) -> str:
    """What ticks an item tied to an action: " · ticks itself when you log it with …", or
    " · ticked automatically when you logged it with …" once it did."""
    if item.done_by is None:
        return ""
    words = DONE_BY_TEXT[item.done_by]
    return f" · {words.done if item.id in auto else words.todo}"


def _lines(
    state: ChecklistState,
    glossary: Sequence[GlossaryEntry],
    *,
    with_why: bool,
    cut: int | None,
) -> list[str]:
    """The item lines; the first mention of a glossary term points to its /help topic."""
    lines: list[str] = []
    ticked = state.ticked
    linker = GlossaryLinker(glossary)
    for number, item in enumerate(state.checklist.items, start=1):
        text = item.text if cut is None or len(item.text) <= cut else item.text[: cut - 1] + "…"
        mark = TICKED if item.id in ticked else UNTICKED
        shown = linker.link(escape_markdown(text))
        lines.append(f"{mark} **{number}.** {shown}{_hint(item, state.auto)}")
        if with_why and item.why:
            lines.append(f"-# {linker.link(escape_markdown(item.why))}")
    return lines


def checklist_description(state: ChecklistState, glossary: Sequence[GlossaryEntry] = ()) -> str:
    """Progress bar and items, shortened (why-lines first, then item text) to fit an embed."""
    items = state.checklist.items
    done = sum(1 for item in items if item.id in state.ticked)
    head = progress_bar(done, len(items))
    for with_why, cut in ((True, None), (False, None), (False, 120), (False, 60)):
        body = "\n".join([head, "", *_lines(state, glossary, with_why=with_why, cut=cut)])
        if len(body) <= EMBED_LIMIT:
            return body
    return body[: EMBED_LIMIT - 1] + "…"


def render_checklist(
    state: ChecklistState, glossary: Sequence[GlossaryEntry] = ()
) -> tuple[discord.Embed, discord.ui.View]:
    """The checklist embed and its tick buttons; with ``glossary``, the first mention of each
    term points to its /help topic."""
    checklist, contact = state.checklist, state.contact
    title = (  # titles render markdown too
        f"{checklist.title} · {escape_markdown(contact.person)} "
        f"({escape_markdown(contact.organization)})"
    )
    embed = discord.Embed(
        title=title[:256],
        description=checklist_description(state, glossary),
        colour=discord.Colour.green() if state.complete else discord.Colour.blurple(),
    )
    footer = "Tap a number to tick or untick it. Only you can see this."
    if state.auto & {item.id for item in checklist.items}:
        footer += " Greyed-out numbers were ticked by what you logged."
    embed.set_footer(text=footer)
    view = dynamic_view()
    for number, item in enumerate(checklist.items, start=1):
        view.add_item(
            ChecklistTick(
                owner_id=contact.user_id,
                contact_id=contact.id,
                phase=checklist.phase,
                item_id=item.id,
                number=number,
                ticked=item.id in state.ticked,
                automatic=item.id in state.auto,
            )
        )
    return embed, view


async def show_checklist(
    ctx: ActionContext, contact: ContactRecord, phase: str
) -> tuple[discord.Embed, discord.ui.View]:
    """The contact's checklist for ``phase`` as this server has it (staff edits applied)."""
    return render_checklist(await contact_checklist(ctx, contact, phase), ctx.content.glossary)


class ChecklistTick(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:ck:(?P<owner>\d+):(?P<contact>\d+):(?P<phase>[a-z]+):(?P<item>[a-z0-9-]+)",
):
    def __init__(
        self,
        *,
        owner_id: int,
        contact_id: int,
        phase: str,
        item_id: str,
        number: int = 0,
        ticked: bool = False,
        automatic: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(number),
                style=discord.ButtonStyle.success if ticked else discord.ButtonStyle.secondary,
                custom_id=f"ic:ck:{owner_id}:{contact_id}:{phase}:{item_id}",
                disabled=automatic,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.phase = phase
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChecklistTick:
        return cls(
            owner_id=parse_id(match["owner"]),
            contact_id=parse_id(match["contact"]),
            phase=match["phase"],
            item_id=match["item"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        """In a server or a DM (no server there: the contact names it)."""
        ensure_owner(interaction, self.owner_id)
        state = await press_tick(
            context_of(interaction),
            interaction.user.id,
            interaction.guild_id,
            self.contact_id,
            self.phase,
            self.item_id,
        )
        embed, view = render_checklist(state, context_of(interaction).content.glossary)
        await interaction.response.edit_message(embed=embed, view=view)
