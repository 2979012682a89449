"""The recipe every student action shares: make sure the student exists, write, log one event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.actions.context import ActionContext, StudentKey
from bot.domain.contacts import Stage, StageChangeError, check_stage_change
from bot.domain.limits import EMAIL_CHECKS_PER_DAY, MAX_TICK_EVENTS_PER_DAY
from bot.errors import UserError
from bot.storage.contacts import ContactRecord
from bot.storage.database import Transaction
from bot.storage.events import (
    append_event,
    count_events_since,
    item_event_since,
    latest_event_since,
    replace_event,
)
from bot.storage.locks import lock_student
from bot.storage.students import created_so_far, ensure_student, forget_created
from bot.validation import parse_date

OLDEST_LOG = timedelta(days=366)
"""How far back a student may date something they log."""
TICK_KINDS = ("checklist_ticked", "checklist_unticked")
EMAIL_CHECKED = "email_checked"


@asynccontextmanager
async def student_transaction(
    ctx: ActionContext, who: StudentKey, now: datetime
) -> AsyncIterator[Transaction]:
    """One write transaction for ``who``'s action; the student row exists (and is marked
    active) inside it."""
    before = created_so_far()
    try:
        async with ctx.db.transaction() as tx:
            await lock_student(tx, who.guild_id, who.user_id)  # PostgreSQL: one at a time
            await ensure_student(tx, who.guild_id, who.user_id, now)
            yield tx
    except BaseException:
        forget_created(before)  # a rolled-back first command is not the first one
        raise


async def log_event(
    tx: Transaction,
    who: StudentKey,
    kind: str,
    now: datetime,
    *,
    contact_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Log one event. Journey events are always appended; the low-value ones are kept bounded
    per student, server and UTC day (see :mod:`bot.domain.limits`): a checklist item's ticks
    and unticks are one row holding the latest (``toggles`` counts them), email checks past
    :data:`EMAIL_CHECKS_PER_DAY` replace the day's latest one (``checks`` counts them), and
    past :data:`MAX_TICK_EVENTS_PER_DAY` ticks are not logged (the tick itself is saved)."""
    if kind in TICK_KINDS and contact_id is not None and payload is not None:
        await _log_tick(tx, who, kind, now, contact_id, payload)
    elif kind == EMAIL_CHECKED:
        await _log_email_check(tx, who, now, payload or {})
    else:
        await _append(tx, who, kind, now, contact_id, payload)


async def _append(
    tx: Transaction,
    who: StudentKey,
    kind: str,
    now: datetime,
    contact_id: int | None,
    payload: dict[str, Any] | None,
) -> None:
    await append_event(
        tx,
        guild_id=who.guild_id,
        user_id=who.user_id,
        contact_id=contact_id,
        kind=kind,
        payload=payload,
        at=now,
    )


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)


async def _log_tick(
    tx: Transaction,
    who: StudentKey,
    kind: str,
    now: datetime,
    contact_id: int,
    payload: dict[str, Any],
) -> None:
    since = _day_start(now)
    earlier = await item_event_since(
        tx,
        guild_id=who.guild_id,
        user_id=who.user_id,
        contact_id=contact_id,
        kinds=TICK_KINDS,
        phase=str(payload.get("phase")),
        item=str(payload.get("item")),
        since=since,
    )
    if earlier is not None:
        toggles = int(earlier.payload.get("toggles", 1)) + 1
        await replace_event(
            tx, earlier.id, kind=kind, payload={**payload, "toggles": toggles}, at=now
        )
        return
    logged = await count_events_since(
        tx, guild_id=who.guild_id, user_id=who.user_id, kinds=TICK_KINDS, since=since
    )
    if logged < MAX_TICK_EVENTS_PER_DAY:
        await _append(tx, who, kind, now, contact_id, payload)


async def _log_email_check(
    tx: Transaction, who: StudentKey, now: datetime, payload: dict[str, Any]
) -> None:
    since = _day_start(now)
    logged = await count_events_since(
        tx, guild_id=who.guild_id, user_id=who.user_id, kinds=(EMAIL_CHECKED,), since=since
    )
    if logged < EMAIL_CHECKS_PER_DAY:
        await _append(tx, who, EMAIL_CHECKED, now, None, payload)
        return
    latest = await latest_event_since(
        tx, guild_id=who.guild_id, user_id=who.user_id, kind=EMAIL_CHECKED, since=since
    )
    assert latest is not None  # the count above found some
    checks = int(latest.payload.get("checks", 1)) + 1
    at: datetime | None = now
    if not latest.payload.get("failed") and payload.get("failed"):
        # A failed check never replaces a passing one (kept as it was, counted): that one
        # ticked "run your draft through the checker" on the contacts waiting then.
        payload, at = latest.payload, None
    await replace_event(
        tx, latest.id, kind=EMAIL_CHECKED, payload={**payload, "checks": checks}, at=at
    )


def stage_guard(contact: ContactRecord, new: Stage) -> None:
    """Refuse a stage change the method does not allow, in words the student understands."""
    try:
        check_stage_change(contact.stage, new)
    except StageChangeError as exc:
        raise UserError(str(exc)) from None


def check_log_date(raw: str | None, zone: ZoneInfo, now: datetime, what: str) -> date:
    """The local day something happened: today by default; never in the future, at most a year
    back."""
    today = now.astimezone(zone).date()
    if raw is None:
        return today
    day = parse_date(raw, today=today, direction="past")
    if day > today:
        raise UserError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} in {zone.key}). "
            f"Log {what} once it has happened."
        )
    if today - day > OLDEST_LOG:
        raise UserError(f"{day.isoformat()} is more than a year ago; please check the year.")
    return day
