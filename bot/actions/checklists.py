"""Checklists: what a contact's checklist for a phase looks like on this server, and ticking.

An item tied to an action (``done_by``) is ticked by that action: derived from the contact's
record whenever the checklist is read, never written. The student may still tick any item by
hand. Once the action is logged its tick wins: pressing the item then changes nothing (its
button is shown greyed out), so the checklist never says undone what the log says done.

A tick button works in the server and in a direct message (a reminder may carry the
checklist): a DM has no server, so :func:`press_tick` takes it from the contact, which must be
the presser's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from bot.actions.checklist_ticks import derived_ticks
from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import CONTACT_GONE
from bot.actions.context import ActionContext, StudentKey
from bot.content import PHASES, PLACEHOLDER, Checklist
from bot.errors import UserError
from bot.storage.checklist_items import effective_checklist, server_checklist
from bot.storage.checklists import ticked_items, toggle_tick
from bot.storage.contacts import ContactRecord, get_contact, get_contact_by_id, touch_contact
from bot.storage.guild_settings import server_settings


@dataclass(frozen=True, slots=True)
class ChecklistState:
    """One contact's checklist for one phase, as the server has it, and what is ticked."""

    contact: ContactRecord
    checklist: Checklist
    manual: frozenset[str]  # ticked by hand (stored; may include items no longer shown)
    auto: frozenset[str] = frozenset()  # ticked by a logged action (derived)

    @property
    def ticked(self) -> frozenset[str]:
        """Every item shown as done, by hand or by a logged action."""
        return self.manual | self.auto

    @property
    def complete(self) -> bool:
        return all(item.id in self.ticked for item in self.checklist.items)


def fill_placeholders(checklist: Checklist, values: Mapping[str, str]) -> Checklist:
    """The checklist with ``{word_limit}`` and the like filled in; a placeholder without a value
    (only a staff edit can carry one: content loading refuses them) stays as written."""

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)

    items = tuple(
        dataclasses.replace(
            item, text=fill(item.text), why=fill(item.why) if item.why is not None else None
        )
        for item in checklist.items
    )
    return dataclasses.replace(checklist, items=items)


async def _server_checklist_values(ctx: ActionContext, guild_id: int) -> dict[str, str]:
    """What the placeholders of :data:`bot.content.CHECKLIST_PLACEHOLDERS` say on this server."""
    settings = await server_settings(ctx.db, guild_id)
    limit = settings.email_word_limit(ctx.content.email_rules.word_limit)
    return {"word_limit": str(limit)}


async def contact_checklist(
    ctx: ActionContext, contact: ContactRecord, phase: str
) -> ChecklistState:
    """The contact's checklist for ``phase`` with the server's staff edits applied."""
    checklist = fill_placeholders(
        await effective_checklist(ctx.db, ctx.content, contact.guild_id, phase),
        await _server_checklist_values(ctx, contact.guild_id),
    )
    manual = await ticked_items(ctx.db, contact.id, phase)
    auto = await derived_ticks(ctx.db, contact, checklist)
    return ChecklistState(contact, checklist, frozenset(manual), auto)


async def toggle_item(
    ctx: ActionContext, who: StudentKey, contact_id: int, phase: str, item_id: str
) -> ChecklistState:
    """Tick or untick one item (``checklist_ticked`` / ``checklist_unticked``). A finished
    preparation checklist cancels the "finish preparing" reminder, so ``prepare`` re-plans.
    An item a logged action ticked stays ticked: nothing is written and the current checklist
    comes back."""
    if phase not in PHASES:
        raise UserError("That checklist no longer exists.")
    server = await server_checklist(ctx.db, ctx.content, who.guild_id, phase)
    entry = server.find(item_id)
    reopen = f"Open it again with `/{phase} checklist` in the server to see the current one."
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
    checklist = fill_placeholders(
        server.checklist(), await _server_checklist_values(ctx, who.guild_id)
    )
    auto = await derived_ticks(ctx.db, contact, checklist)
    if item_id in auto:
        manual = await ticked_items(ctx.db, contact.id, phase)
        return ChecklistState(contact, checklist, frozenset(manual), auto)
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
    return ChecklistState(contact, checklist, frozenset(ticked), auto)


async def press_tick(
    ctx: ActionContext,
    user_id: int,
    guild_id: int | None,
    contact_id: int,
    phase: str,
    item_id: str,
) -> ChecklistState:
    """A checklist button pressed in a server (``guild_id``) or in a direct message (None):
    the contact says which server, and it must be ``user_id``'s (in that server, if given)."""
    contact = await get_contact_by_id(ctx.db, contact_id)
    if (
        contact is None
        or contact.user_id != user_id
        or (guild_id is not None and contact.guild_id != guild_id)
    ):
        raise UserError(CONTACT_GONE)
    who = StudentKey(contact.guild_id, user_id)
    return await toggle_item(ctx, who, contact_id, phase, item_id)
