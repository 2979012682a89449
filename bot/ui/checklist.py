"""Interactive checklists: one numbered button per item, ticked in place, alive after restarts."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actions.checklists import contact_checklist, toggle_item
from bot.actions.context import ActionContext
from bot.content import Checklist
from bot.discord_limits import EMBED_LIMIT
from bot.storage.contacts import ContactRecord
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, student_of
from bot.ui.progress_bar import progress_bar

TICKED = "✅"
UNTICKED = "⬜"


def _lines(checklist: Checklist, ticked: set[str], *, with_why: bool, cut: int | None) -> list[str]:
    lines: list[str] = []
    for number, item in enumerate(checklist.items, start=1):
        text = item.text if cut is None or len(item.text) <= cut else item.text[: cut - 1] + "…"
        mark = TICKED if item.id in ticked else UNTICKED
        lines.append(f"{mark} **{number}.** {escape_markdown(text)}")
        if with_why and item.why:
            lines.append(f"-# {escape_markdown(item.why)}")
    return lines


def checklist_description(checklist: Checklist, ticked: set[str]) -> str:
    """Progress bar and items, shortened (why-lines first, then item text) to fit an embed."""
    done = sum(1 for item in checklist.items if item.id in ticked)
    head = progress_bar(done, len(checklist.items))
    for with_why, cut in ((True, None), (False, None), (False, 120), (False, 60)):
        body = "\n".join([head, "", *_lines(checklist, ticked, with_why=with_why, cut=cut)])
        if len(body) <= EMBED_LIMIT:
            return body
    return body[: EMBED_LIMIT - 1] + "…"


def render_checklist(
    checklist: Checklist, ticked: set[str], contact: ContactRecord
) -> tuple[discord.Embed, discord.ui.View]:
    title = f"{checklist.title} · {contact.person} ({contact.organization})"
    embed = discord.Embed(
        title=title[:256],
        description=checklist_description(checklist, ticked),
        colour=discord.Colour.green()
        if all(item.id in ticked for item in checklist.items)
        else discord.Colour.blurple(),
    )
    embed.set_footer(text="Tap a number to tick or untick it. Only you can see this.")
    view = dynamic_view()
    for number, item in enumerate(checklist.items, start=1):
        view.add_item(
            ChecklistTick(
                owner_id=contact.user_id,
                contact_id=contact.id,
                phase=checklist.phase,
                item_id=item.id,
                number=number,
                ticked=item.id in ticked,
            )
        )
    return embed, view


async def show_checklist(
    ctx: ActionContext, contact: ContactRecord, phase: str
) -> tuple[discord.Embed, discord.ui.View]:
    """The contact's checklist for ``phase`` as this server has it (staff edits applied)."""
    state = await contact_checklist(ctx, contact, phase)
    return render_checklist(state.checklist, set(state.ticked), contact)


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
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(number),
                style=discord.ButtonStyle.success if ticked else discord.ButtonStyle.secondary,
                custom_id=f"ic:ck:{owner_id}:{contact_id}:{phase}:{item_id}",
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
            owner_id=int(match["owner"]),
            contact_id=int(match["contact"]),
            phase=match["phase"],
            item_id=match["item"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        state = await toggle_item(
            context_of(interaction),
            student_of(interaction),
            self.contact_id,
            self.phase,
            self.item_id,
        )
        embed, view = render_checklist(state.checklist, set(state.ticked), state.contact)
        await interaction.response.edit_message(embed=embed, view=view)
