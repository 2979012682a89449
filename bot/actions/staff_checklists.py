"""Staff edit their server's checklists: add, reword, hide, restore and move items.

Ticks are stored by item id, so no edit loses a student's progress. An added item may be tied
to an action that ticks it by itself (``done_by``, see :mod:`bot.domain.auto_ticks`). Each edit
is audited (``checklist_item_added`` … ``checklist_item_moved``) in the same transaction;
adding, hiding or restoring a preparation item re-plans the server's reminders after the commit
("preparation finished" depends on its items).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.actions.context import ActionContext
from bot.actions.staff import StaffKey, record_audit
from bot.content import PHASES
from bot.domain.auto_ticks import DoneBy
from bot.errors import UserError
from bot.storage.checklist_items import (
    MAX_CUSTOM,
    ServerChecklist,
    ServerItem,
    insert_custom_item,
    item_edits,
    save_edit,
    save_order,
    server_checklist,
)
from bot.storage.checklist_items import MAX_VISIBLE as MAX_VISIBLE
from bot.storage.guild_settings import server_settings
from bot.storage.locks import lock_guild
from bot.text import escape_markdown
from bot.validation import clean_optional_text, clean_text

MAX_ITEM_TEXT = 200
HIDDEN_PREFIX = "H"
REPLANNING_PHASE = "prepare"
"""The phase whose items reminders depend on ("finish preparing" stops once all are ticked)."""


def edit_may_replan(phase: str) -> bool:
    """Whether adding, hiding or restoring an item of ``phase`` re-plans the server's
    reminders (which takes a moment)."""
    return phase == REPLANNING_PHASE


@dataclass(frozen=True, slots=True)
class ChecklistEdited:
    checklist: ServerChecklist  # the server's checklist after the edit
    item_id: str
    label: str  # the item's number before the edit ("3", "H1"); an added item's new number
    old_text: str  # its text before the edit (an added item's text)
    text: str  # its text now
    values: Mapping[str, str] = field(default_factory=dict)
    """What the placeholders say on this server (``word_limit``), to show them filled in."""


@dataclass(frozen=True, slots=True)
class ChecklistShown:
    checklist: ServerChecklist
    values: Mapping[str, str]  # what the placeholders say on this server (``word_limit``)


async def placeholder_values(ctx: ActionContext, guild_id: int) -> dict[str, str]:
    """What ``{word_limit}`` in a checklist text says on this server, as students see it."""
    settings = await server_settings(ctx.db, guild_id)
    return {"word_limit": str(settings.email_word_limit(ctx.content.email_rules.word_limit))}


def cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


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
            f"There is no item “{escape_markdown(text[:40])}” on the {server.phase} checklist. "
            "Pick one from the list as you type, or give its number as `/staff checklist show` "
            "lists it."
        )
    if entry.hidden and not hidden:
        raise UserError(
            f"“{escape_markdown(cut(entry.item.text, 60))}” is hidden. Restore it first with "
            "`/staff checklist restore`."
        )
    if hidden and not entry.hidden:
        raise UserError(f"“{escape_markdown(cut(entry.item.text, 60))}” isn't hidden.")
    return entry


def moved(server: ServerChecklist, item_id: str, position: int) -> list[str]:
    """Every item id of the phase in its new order, ``item_id`` now the ``position``-th visible
    one; hidden items keep their places relative to the others."""
    rest = [entry for entry in server.items if entry.item.id != item_id]
    target = next(entry for entry in server.items if entry.item.id == item_id)
    visible_rest = [entry for entry in rest if not entry.hidden]
    if position - 1 < len(visible_rest):
        index = rest.index(visible_rest[position - 1])
    else:
        index = len(rest)
    rest.insert(index, target)
    return [entry.item.id for entry in rest]


def _item_text(text: str) -> str:
    """Item text is kept on one line, single-spaced."""
    return " ".join(clean_text(text, "item text", max_length=MAX_ITEM_TEXT).split())


def _why(why: str | None) -> str | None:
    return clean_optional_text(why, "why", max_length=MAX_ITEM_TEXT)


async def staff_checklist(ctx: ActionContext, staff: StaffKey, phase: str) -> ServerChecklist:
    """The server's checklist for ``phase`` as staff see it, hidden items included."""
    if phase not in PHASES:
        raise UserError(f"“{phase[:20]}” isn't a phase; pick one from the list.")
    return await server_checklist(ctx.db, ctx.content, staff.guild_id, phase)


async def show_checklist(ctx: ActionContext, staff: StaffKey, phase: str) -> ChecklistShown:
    """The server's checklist for ``phase`` with what its placeholders say here."""
    server = await staff_checklist(ctx, staff, phase)
    return ChecklistShown(server, await placeholder_values(ctx, staff.guild_id))


async def _save(
    ctx: ActionContext,
    staff: StaffKey,
    phase: str,
    action: str,
    detail: dict[str, Any],
    edits: list[tuple[str, dict[str, Any]]],
    *,
    order: list[str] | None = None,
    replan: bool = False,
) -> ServerChecklist:
    """Write item edits (and/or a new order) with the audit entry; when the preparation
    checklist's items changed, re-plan the server's reminders after the commit."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        await lock_guild(tx, staff.guild_id)
        for item_id, fields in edits:
            await save_edit(tx, staff.guild_id, phase, item_id, now, **fields)
        if order is not None:
            await save_order(tx, staff.guild_id, phase, order, now)
        await record_audit(tx, staff, action, now, {"phase": phase, **detail})
    if replan and edit_may_replan(phase):
        await ctx.planner.replan_guild(staff.guild_id, now)
    return await server_checklist(ctx.db, ctx.content, staff.guild_id, phase)


def check_done_by(value: str | None) -> DoneBy | None:
    """The action an added item is tied to (None: ticked by hand only)."""
    if value is None:
        return None
    try:
        return DoneBy(value)
    except ValueError:
        raise UserError(
            f"“{escape_markdown(value[:40])}” isn't an action the bot logs; pick one from the "
            "list, or leave it out. Nothing was changed."
        ) from None


async def add_item(
    ctx: ActionContext,
    staff: StaffKey,
    phase: str,
    text: str,
    why: str | None = None,
    done_by: str | None = None,
) -> ChecklistEdited:
    """Add an item at the end of the phase's visible items (``checklist_item_added``); with
    ``done_by``, the action that ticks it by itself for every student who logged it."""
    item_text = _item_text(text)
    item_why = _why(why)
    action = check_done_by(done_by)
    await staff_checklist(ctx, staff, phase)  # may they (a UserError before anything)
    reserved = frozenset(item.id for item in ctx.content.checklists[phase].items)
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        await lock_guild(tx, staff.guild_id)
        # Read under the server's lock, in the writing transaction: two staff members adding
        # at once get two items, never one id that the second overwrites.
        server = await server_checklist(tx, ctx.content, staff.guild_id, phase)
        if len(server.visible) >= MAX_VISIBLE:
            raise UserError(
                f"The {phase} checklist already shows {MAX_VISIBLE} items, the most it "
                "can. Hide one first (`/staff checklist hide`). Nothing was changed."
            )
        edits = await item_edits(tx, staff.guild_id, phase)
        if sum(1 for edit in edits if edit.custom) >= MAX_CUSTOM:
            raise UserError(
                f"This server has added {MAX_CUSTOM} items to the {phase} checklist over "
                "time, the most it may. Reword or restore one of them instead."
            )
        item_id = await insert_custom_item(
            tx,
            staff.guild_id,
            phase,
            now,
            reserved=reserved,
            text=item_text,
            why=item_why,
            hidden=False,
            done_by=action,
        )
        detail: dict[str, Any] = {"item": item_id, "text": item_text}
        if action is not None:
            detail["done_by"] = action.value
        await record_audit(tx, staff, "checklist_item_added", now, {"phase": phase, **detail})
    if edit_may_replan(phase):
        await ctx.planner.replan_guild(staff.guild_id, now)
    after = await server_checklist(ctx.db, ctx.content, staff.guild_id, phase)
    label = str(len(server.visible) + 1)
    values = await placeholder_values(ctx, staff.guild_id)
    return ChecklistEdited(after, item_id, label, item_text, item_text, values)


async def reword_item(
    ctx: ActionContext,
    staff: StaffKey,
    phase: str,
    item: str,
    text: str,
    why: str | None = None,
) -> ChecklistEdited:
    """Change a visible item's text (and its why, if given); ticks stay
    (``checklist_item_reworded``). Text equal to the default goes back to following it."""
    item_text = _item_text(text)
    item_why = _why(why)
    server = await staff_checklist(ctx, staff, phase)
    entry = find_item(server, item, hidden=False)
    fields: dict[str, Any] = {
        "text": None if entry.default and entry.default.text == item_text else item_text
    }
    if item_why is not None:
        fields["why"] = None if entry.default and entry.default.why == item_why else item_why
    after = await _save(
        ctx,
        staff,
        phase,
        "checklist_item_reworded",
        {"item": entry.item.id, "old_text": entry.item.text, "text": item_text},
        [(entry.item.id, fields)],
    )
    label = item_label(server, entry)
    values = await placeholder_values(ctx, staff.guild_id)
    return ChecklistEdited(after, entry.item.id, label, entry.item.text, item_text, values)


async def hide_item(ctx: ActionContext, staff: StaffKey, phase: str, item: str) -> ChecklistEdited:
    """Hide a visible item from students; their ticks stay (``checklist_item_hidden``)."""
    server = await staff_checklist(ctx, staff, phase)
    entry = find_item(server, item, hidden=False)
    if len(server.visible) <= 1:
        raise UserError("A checklist needs at least one item; this is the last one.")
    after = await _save(
        ctx,
        staff,
        phase,
        "checklist_item_hidden",
        {"item": entry.item.id, "text": entry.item.text},
        [(entry.item.id, {"hidden": True})],
        replan=True,
    )
    label = item_label(server, entry)
    values = await placeholder_values(ctx, staff.guild_id)
    return ChecklistEdited(after, entry.item.id, label, entry.item.text, entry.item.text, values)


async def restore_item(
    ctx: ActionContext, staff: StaffKey, phase: str, item: str
) -> ChecklistEdited:
    """Show a hidden item again, with everyone's ticks (``checklist_item_restored``)."""
    server = await staff_checklist(ctx, staff, phase)
    entry = find_item(server, item, hidden=True)
    if len(server.visible) >= MAX_VISIBLE:
        raise UserError(
            f"The {phase} checklist already shows {MAX_VISIBLE} items, the most it "
            "can. Hide one first. Nothing was changed."
        )
    after = await _save(
        ctx,
        staff,
        phase,
        "checklist_item_restored",
        {"item": entry.item.id, "text": entry.item.text},
        [(entry.item.id, {"hidden": False})],
        replan=True,
    )
    label = item_label(server, entry)
    values = await placeholder_values(ctx, staff.guild_id)
    return ChecklistEdited(after, entry.item.id, label, entry.item.text, entry.item.text, values)


async def move_item(
    ctx: ActionContext, staff: StaffKey, phase: str, item: str, position: int
) -> ChecklistEdited:
    """Make a visible item the ``position``-th one (``checklist_item_moved``); every item of
    the phase is pinned to its new place."""
    server = await staff_checklist(ctx, staff, phase)
    entry = find_item(server, item, hidden=False)
    visible = len(server.visible)
    if not 1 <= position <= visible:
        raise UserError(
            f"The {phase} checklist shows {visible} items, so the position must be "
            f"from 1 to {visible}. Nothing was changed."
        )
    old = server.visible.index(entry) + 1
    after = await _save(
        ctx,
        staff,
        phase,
        "checklist_item_moved",
        {"item": entry.item.id, "text": entry.item.text, "from": old, "to": position},
        [],
        order=moved(server, entry.item.id, position),
    )
    values = await placeholder_values(ctx, staff.guild_id)
    return ChecklistEdited(after, entry.item.id, str(old), entry.item.text, entry.item.text, values)
