"""Checklists: what a contact's checklist for a phase looks like on this server, and ticking."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import CONTACT_GONE
from bot.actions.context import ActionContext, StudentKey
from bot.content import PHASES, Checklist
from bot.errors import UserError
from bot.storage.checklist_items import effective_checklist, server_checklist
from bot.storage.checklists import ticked_items, toggle_tick
from bot.storage.contacts import ContactRecord, get_contact, touch_contact


@dataclass(frozen=True, slots=True)
class ChecklistState:
    """One contact's checklist for one phase, as the server has it, and what is ticked."""

    contact: ContactRecord
    checklist: Checklist
    ticked: frozenset[str]

    @property
    def complete(self) -> bool:
        return all(item.id in self.ticked for item in self.checklist.items)


async def contact_checklist(
    ctx: ActionContext, contact: ContactRecord, phase: str
) -> ChecklistState:
    """The contact's checklist for ``phase`` with the server's staff edits applied."""
    checklist = await effective_checklist(ctx.db, ctx.content, contact.guild_id, phase)
    ticked = await ticked_items(ctx.db, contact.id, phase)
    return ChecklistState(contact, checklist, frozenset(ticked))


async def toggle_item(
    ctx: ActionContext, who: StudentKey, contact_id: int, phase: str, item_id: str
) -> ChecklistState:
    """Tick or untick one item (``checklist_ticked`` / ``checklist_unticked``). A finished
    preparation checklist cancels the "finish preparing" reminder, so ``prepare`` re-plans."""
    if phase not in PHASES:
        raise UserError("That checklist no longer exists.")
    server = await server_checklist(ctx.db, ctx.content, who.guild_id, phase)
    entry = server.find(item_id)
    reopen = f"Open it again with `/{phase} checklist` to see the current one."
    if entry is None:
        raise UserError(f"That item is no longer on this checklist. {reopen}")
    if entry.hidden:
        raise UserError(
            "The server's staff hid that item from this checklist (nothing you ticked is "
            f"lost). {reopen}"
        )
    contact = await get_contact(ctx.db, who.guild_id, who.user_id, contact_id)
    if contact is None:
        raise UserError(CONTACT_GONE)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        ticked = await toggle_tick(tx, contact.id, phase, item_id, now)
        await touch_contact(tx, contact.id, now)
        await log_event(
            tx,
            who,
            "checklist_ticked" if item_id in ticked else "checklist_unticked",
            now,
            contact_id=contact.id,
            payload={"phase": phase, "item": item_id},
        )
        if phase == "prepare":
            await ctx.planner.replan_contact(tx, contact.id, now)
    return ChecklistState(contact, server.checklist(), frozenset(ticked))
