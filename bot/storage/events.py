"""The event log: one row per thing a student did (stats and a contact's history read it).

Journey events are only ever appended. Low-value events are kept bounded (the policy is in
:mod:`bot.domain.limits`, applied by ``bot.actions.common.log_event``): a checklist item's
ticks and unticks of one day are one row (replaced by the latest), email checks past a daily
count replace the day's latest one, and past a daily cap ticks are not logged at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.database import Source, Transaction, query_one
from bot.storage.engine import POSTGRES, SQLITE, engine_of
from bot.storage.timestamps import to_db


async def append_event(
    tx: Transaction,
    *,
    guild_id: int,
    user_id: int,
    kind: str,
    at: datetime,
    contact_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, contact_id, kind, _json(payload), to_db(at)),
    )


def _json(payload: dict[str, Any] | None) -> str:
    return json.dumps(payload or {}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    id: int
    kind: str
    payload: dict[str, Any]


def _logged(row: aiosqlite.Row | None) -> LoggedEvent | None:
    if row is None:
        return None
    try:
        payload = json.loads(row[2])
    except ValueError:
        payload = {}
    return LoggedEvent(int(row[0]), str(row[1]), payload if isinstance(payload, dict) else {})


async def item_event_since(
    source: Source,
    *,
    guild_id: int,
    user_id: int,
    contact_id: int,
    kinds: tuple[str, ...],
    phase: str,
    item: str,
    since: datetime,
) -> LoggedEvent | None:
    """The latest event of ``kinds`` about one checklist item of a contact since ``since``."""
    marks = ", ".join("?" for _ in kinds)
    field = _JSON_FIELD[engine_of(source)]
    return _logged(
        await query_one(
            source,
            "SELECT id, kind, payload FROM events WHERE guild_id = ? AND user_id = ? AND at >= ?"
            f" AND contact_id = ? AND kind IN ({marks}) AND {field.format(key='phase')} = ?"
            f" AND {field.format(key='item')} = ? ORDER BY at DESC, id DESC LIMIT 1",
            (guild_id, user_id, to_db(since), contact_id, *kinds, phase, item),
        )
    )


_JSON_FIELD = {SQLITE: "json_extract(payload, '$.{key}')", POSTGRES: "(payload::jsonb ->> '{key}')"}
"""A text field of the payload (a TEXT column holding JSON on both engines)."""


async def latest_event_since(
    source: Source, *, guild_id: int, user_id: int, kind: str, since: datetime
) -> LoggedEvent | None:
    """The student's latest event of ``kind`` in this server since ``since``."""
    return _logged(
        await query_one(
            source,
            "SELECT id, kind, payload FROM events WHERE guild_id = ? AND user_id = ? AND at >= ?"
            " AND kind = ? ORDER BY at DESC, id DESC LIMIT 1",
            (guild_id, user_id, to_db(since), kind),
        )
    )


async def count_events_since(
    source: Source, *, guild_id: int, user_id: int, kinds: tuple[str, ...], since: datetime
) -> int:
    """How many of the student's events of ``kinds`` in this server are dated ``since`` or
    later."""
    marks = ", ".join("?" for _ in kinds)
    row = await query_one(
        source,
        "SELECT count(*) FROM events WHERE guild_id = ? AND user_id = ? AND at >= ?"
        f" AND kind IN ({marks})",
        (guild_id, user_id, to_db(since), *kinds),
    )
    return int(row[0]) if row else 0


async def replace_event(
    tx: Transaction, event_id: int, *, kind: str, payload: dict[str, Any], at: datetime | None
) -> None:
    """Make an earlier low-value event say what the latest one says (its kind, payload and
    time; ``at`` None keeps the earlier time): the row stands for both."""
    await tx.execute(
        "UPDATE events SET kind = ?, payload = ?, at = coalesce(?, at) WHERE id = ?",
        (kind, _json(payload), None if at is None else to_db(at), event_id),
    )
