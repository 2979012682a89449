"""The recipe every student action shares: make sure the student exists, write, log one event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.actions.context import ActionContext, StudentKey
from bot.domain.contacts import Stage, StageChangeError, check_stage_change
from bot.errors import UserError
from bot.storage.contacts import ContactRecord
from bot.storage.database import Transaction
from bot.storage.events import append_event
from bot.storage.students import created_so_far, ensure_student, forget_created
from bot.validation import parse_date

OLDEST_LOG = timedelta(days=366)
"""How far back a student may date something they log."""


@asynccontextmanager
async def student_transaction(
    ctx: ActionContext, who: StudentKey, now: datetime
) -> AsyncIterator[Transaction]:
    """One write transaction for ``who``'s action; the student row exists (and is marked
    active) inside it."""
    before = created_so_far()
    try:
        async with ctx.db.transaction() as tx:
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
    await append_event(
        tx,
        guild_id=who.guild_id,
        user_id=who.user_id,
        contact_id=contact_id,
        kind=kind,
        payload=payload,
        at=now,
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
