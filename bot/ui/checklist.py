"""Interactive checklists: one numbered button per item, ticked in place, alive after restarts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.content import PHASES, Checklist
from bot.errors import UserError
from bot.storage.checklist_items import effective_checklist, server_checklist
from bot.storage.checklists import ticked_items, toggle_tick
from bot.storage.contacts import ContactRecord, get_contact, touch_contact
from bot.storage.events import append_event
from bot.storage.students import ensure_student
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, bot_of, ensure_owner, guild_id_of
from bot.ui.markdown import escape_markdown

if TYPE_CHECKING:
    from bot.app import InfoCoachBot
from bot.ui.progress_bar import progress_bar

EMBED_LIMIT = 4096
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
    bot: InfoCoachBot, contact: ContactRecord, phase: str
) -> tuple[discord.Embed, discord.ui.View]:
    """The contact's checklist for ``phase`` as this server has it (staff edits applied)."""
    checklist = await effective_checklist(bot.db, bot.content, contact.guild_id, phase)
    ticked = await ticked_items(bot.db, contact.id, phase)
    return render_checklist(checklist, ticked, contact)


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
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        if self.phase not in PHASES:
            raise UserError("That checklist no longer exists.")
        server = await server_checklist(bot.db, bot.content, guild_id, self.phase)
        entry = server.find(self.item_id)
        reopen = f"Open it again with `/{self.phase} checklist` to see the current one."
        if entry is None:
            raise UserError(f"That item is no longer on this checklist. {reopen}")
        if entry.hidden:
            raise UserError(
                "The server's staff hid that item from this checklist (nothing you ticked is "
                f"lost). {reopen}"
            )
        checklist = server.checklist()
        contact = await get_contact(bot.db, guild_id, self.owner_id, self.contact_id)
        if contact is None:
            raise UserError("That contact no longer exists.")
        now = bot.clock.now()
        async with bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, self.owner_id, now)
            ticked = await toggle_tick(tx, contact.id, self.phase, self.item_id, now)
            await touch_contact(tx, contact.id, now)
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=self.owner_id,
                contact_id=contact.id,
                kind="checklist_ticked" if self.item_id in ticked else "checklist_unticked",
                payload={"phase": self.phase, "item": self.item_id},
                at=now,
            )
            if self.phase == "prepare":  # a finished preparation cancels its reminder
                await bot.planner.replan_contact(tx, contact.id, now)
        embed, view = render_checklist(checklist, ticked, contact)
        await interaction.response.edit_message(embed=embed, view=view)
