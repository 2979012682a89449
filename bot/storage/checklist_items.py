"""A server's version of each phase's checklist: the defaults from ``data/`` merged with the
staff's edits (``checklist_items``: reworded, added, hidden, moved items).

Ticks are stored by item id, so rewording or moving an item keeps every student's progress on
it; hiding takes it out of the checklist (and its progress bar) without deleting any tick, and
restoring brings the ticks back. Items added by staff get ids ``s-<n>``, never reused, and may
be tied to an action that ticks them by itself (``done_by``, see :mod:`bot.domain.auto_ticks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.content import Checklist, ChecklistItem, Content
from bot.domain.auto_ticks import DoneBy
from bot.storage.database import Source, Transaction, query_all
from bot.storage.timestamps import to_db

MAX_VISIBLE = 15
"""The most items a phase's checklist shows (three rows of five buttons)."""
MAX_CUSTOM = 30
"""The most items staff may add to one phase over time (hidden ones included)."""
CUSTOM_PREFIX = "s-"
_CUSTOM_NUMBER = re.compile(r"^s-(\d+)$")
_EDIT_FIELDS = frozenset({"text", "why", "hidden", "position", "custom", "done_by"})


@dataclass(frozen=True, slots=True)
class ItemEdit:
    """One row of ``checklist_items``: what a server changed about one item."""

    item_id: str
    text: str | None = None  # None: the default text
    why: str | None = None  # None: the default why
    hidden: bool = False
    position: int | None = None  # None: the default place
    custom: bool = False
    done_by: DoneBy | None = None  # None: the default item's own (an added item: none)


@dataclass(frozen=True, slots=True)
class ServerItem:
    item: ChecklistItem  # as students see it
    default: ChecklistItem | None  # None for an item added by staff
    hidden: bool = False

    @property
    def custom(self) -> bool:
        return self.default is None

    @property
    def reworded(self) -> bool:
        return self.default is not None and (
            self.item.text != self.default.text or self.item.why != self.default.why
        )


@dataclass(frozen=True, slots=True)
class ServerChecklist:
    phase: str
    title: str
    items: tuple[ServerItem, ...]  # every item in order, hidden ones included

    @property
    def visible(self) -> tuple[ServerItem, ...]:
        return tuple(entry for entry in self.items if not entry.hidden)

    @property
    def hidden(self) -> tuple[ServerItem, ...]:
        return tuple(entry for entry in self.items if entry.hidden)

    def find(self, item_id: str) -> ServerItem | None:
        return next((entry for entry in self.items if entry.item.id == item_id), None)

    def checklist(self) -> Checklist:
        """What students see: the visible items, in order."""
        return Checklist(self.phase, self.title, tuple(entry.item for entry in self.visible))


def _custom_number(item_id: str) -> int:
    match = _CUSTOM_NUMBER.match(item_id)
    return int(match[1]) if match else 0


def merge_checklist(default: Checklist, edits: list[ItemEdit]) -> ServerChecklist:
    """The server's checklist from the default one and the server's edits (pure).

    Order: the default items as in ``data/``, then added items oldest first; where edits give
    positions, positioned items are sorted by them and the others keep their default index.
    An edit of a default item that ``data/`` no longer has is ignored.
    """
    by_id = {edit.item_id: edit for edit in edits}
    entries: list[tuple[ServerItem, int | None]] = []
    for item in default.items:
        edit = by_id.get(item.id)
        if edit is None:
            entries.append((ServerItem(item, item), None))
            continue
        shown = ChecklistItem(
            item.id,
            edit.text if edit.text is not None else item.text,
            edit.why if edit.why is not None else item.why,
            edit.done_by if edit.done_by is not None else item.done_by,
            item.before_meeting,
        )
        entries.append((ServerItem(shown, item, edit.hidden), edit.position))
    defaults = {item.id for item in default.items}
    added = sorted(
        (e for e in edits if e.custom and e.text and e.item_id not in defaults),
        key=lambda e: (_custom_number(e.item_id), e.item_id),
    )
    for edit in added:
        assert edit.text is not None
        shown = ChecklistItem(edit.item_id, edit.text, edit.why, edit.done_by)
        entries.append((ServerItem(shown, None, edit.hidden), edit.position))
    positioned = sorted(
        ((pos, index, entry) for index, (entry, pos) in enumerate(entries) if pos is not None),
        key=lambda t: (t[0], t[1]),
    )
    ordered = [entry for _, _, entry in positioned]
    for index, (entry, pos) in enumerate(entries):
        if pos is None:
            ordered.insert(min(index, len(ordered)), entry)
    return ServerChecklist(default.phase, default.title, tuple(ordered))


# -- storage -----------------------------------------------------------------------------------


def _done_by(value: str | None) -> DoneBy | None:
    """A stored action name; one this version no longer knows ticks nothing (None)."""
    if value is None:
        return None
    try:
        return DoneBy(value)
    except ValueError:
        return None


async def item_edits(source: Source, guild_id: int, phase: str) -> list[ItemEdit]:
    rows = await query_all(
        source,
        "SELECT item_id, text, why, hidden, position, custom, done_by FROM checklist_items"
        " WHERE guild_id = ? AND phase = ?",
        (guild_id, phase),
    )
    return [
        ItemEdit(
            item_id=row["item_id"],
            text=row["text"],
            why=row["why"],
            hidden=bool(row["hidden"]),
            position=row["position"],
            custom=bool(row["custom"]),
            done_by=_done_by(row["done_by"]),
        )
        for row in rows
    ]


async def server_checklist(
    source: Source, content: Content, guild_id: int, phase: str
) -> ServerChecklist:
    """The server's checklist for ``phase``, hidden items and their marks included."""
    return merge_checklist(content.checklists[phase], await item_edits(source, guild_id, phase))


async def effective_checklist(
    source: Source, content: Content, guild_id: int, phase: str
) -> Checklist:
    """The checklist students of this server see for ``phase``: the defaults from ``data/``
    with the staff's rewordings, additions and order, hidden items left out."""
    return (await server_checklist(source, content, guild_id, phase)).checklist()


async def save_edit(
    tx: Transaction,
    guild_id: int,
    phase: str,
    item_id: str,
    now: datetime,
    **fields: Any,
) -> None:
    """Create or update the server's row for one item (only the given fields change)."""
    unknown = set(fields) - _EDIT_FIELDS
    if unknown or not fields:
        raise ValueError(f"unknown or no fields: {sorted(unknown)}")
    values = {
        key: int(v) if isinstance(v, bool) else str(v) if isinstance(v, DoneBy) else v
        for key, v in fields.items()
    }
    row = {**values, "guild_id": guild_id, "phase": phase, "item_id": item_id}
    row["updated_at"] = to_db(now)
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*values, "updated_at"))
    await tx.execute(
        f"INSERT INTO checklist_items ({names}) VALUES ({marks})"
        f" ON CONFLICT (guild_id, phase, item_id) DO UPDATE SET {updates}",
        row,
    )


async def save_order(
    tx: Transaction, guild_id: int, phase: str, order: list[str], now: datetime
) -> None:
    """Pin every item of the phase to its index in ``order`` (hidden items included)."""
    for position, item_id in enumerate(order):
        await save_edit(tx, guild_id, phase, item_id, now, position=position)


async def insert_custom_item(
    tx: Transaction,
    guild_id: int,
    phase: str,
    now: datetime,
    *,
    reserved: frozenset[str] = frozenset(),
    **fields: Any,
) -> str:
    """Add a staff item under the next ``s-<n>`` id, read and written in the caller's
    transaction (which holds the server's lock on PostgreSQL): above every id the phase used
    before and none of ``reserved`` (the default items' ids). A plain INSERT, so an id that
    another writer took meanwhile fails instead of overwriting that item. Returns the id."""
    rows = await query_all(
        tx,
        "SELECT item_id FROM checklist_items WHERE guild_id = ? AND phase = ?",
        (guild_id, phase),
    )
    taken = {str(row[0]) for row in rows} | set(reserved)
    number = max((_custom_number(item_id) for item_id in taken), default=0) + 1
    while f"{CUSTOM_PREFIX}{number}" in taken:
        number += 1
    item_id = f"{CUSTOM_PREFIX}{number}"
    values = {
        key: int(v) if isinstance(v, bool) else str(v) if isinstance(v, DoneBy) else v
        for key, v in {**fields, "custom": True}.items()
    }
    if set(values) - _EDIT_FIELDS:
        raise ValueError(f"unknown fields: {sorted(set(values) - _EDIT_FIELDS)}")
    row = {**values, "guild_id": guild_id, "phase": phase, "item_id": item_id}
    row["updated_at"] = to_db(now)
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    await tx.execute(f"INSERT INTO checklist_items ({names}) VALUES ({marks})", row)
    return item_id
