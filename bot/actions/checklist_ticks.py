"""What counts as done on a contact's checklist: the student's own ticks plus the items that the
contact's logged actions tick by themselves (derived from the record, never stored).

The checklist actions (:mod:`bot.actions.checklists`) and the planner ("is the preparation
finished?") both read it, so it imports neither: the planner sits under every action.
"""

from __future__ import annotations

from collections.abc import Set

from bot.content import Checklist, Content
from bot.domain.auto_ticks import done_actions
from bot.storage.checklist_items import effective_checklist
from bot.storage.checklists import tick_facts
from bot.storage.contacts import ContactRecord
from bot.storage.database import Source

PREPARE = "prepare"


async def derived_ticks(
    source: Source, contact: ContactRecord, checklist: Checklist
) -> frozenset[str]:
    """The ids of the checklist's items that the contact's logged actions tick (no query when
    no item is tied to an action)."""
    tied = [item for item in checklist.items if item.done_by is not None]
    if not tied:
        return frozenset()
    done = done_actions(await tick_facts(source, contact))
    return frozenset(item.id for item in tied if item.done_by in done)


async def preparation_finished(
    source: Source,
    content: Content,
    contact: ContactRecord,
    ticked: Set[str],
    *,
    checklist: Checklist | None = None,
) -> bool:
    """Whether every preparation item that can be done before the meeting day is done, by hand
    (``ticked``) or by a logged action; day-of items (``before_meeting = false``: confirming
    the day before, arriving early) don't count. ``checklist``: the server's preparation
    checklist, when the caller has read it already."""
    if checklist is None:
        checklist = await effective_checklist(source, content, contact.guild_id, PREPARE)
    needed = [item for item in checklist.items if item.before_meeting and item.id not in ticked]
    if not needed:
        return True
    auto = await derived_ticks(source, contact, Checklist(PREPARE, checklist.title, tuple(needed)))
    return all(item.id in auto for item in needed)
