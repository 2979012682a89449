"""Done, Snooze and Stop on a nudge DM.

A direct message has no server, so each response starts from the nudge row: it must belong to
the user who pressed (``who`` is that user in the nudge's server), and only the first press
counts. "Done" on a reminder about a follow-up step records that step with the same checks,
writes and event as the slash command (``/followup thanked`` and Done on a thank-you reminder
both log ``thanked``), alongside the ``nudge_done`` event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.actions import followup
from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import student_prefs
from bot.domain.contacts import Stage
from bot.domain.nudge_kinds import NudgeKind
from bot.domain.nudge_snooze import snooze_until
from bot.errors import NOT_YOURS, UserError
from bot.storage.contacts import ContactRecord, set_nudges_stopped
from bot.storage.database import Transaction
from bot.storage.guild_settings import server_settings
from bot.storage.nudges import NudgeRow, get_nudge, record_action, snooze
from bot.storage.students import get_student, update_settings

GONE = "This reminder no longer exists (its data may have been deleted)."
HANDLED = "This reminder was already handled."

STEP_EVENTS: dict[NudgeKind, str] = {
    NudgeKind.FOLLOW_UP: "follow_up_sent",
    NudgeKind.CLOSE_NO_REPLY: "closed",
    NudgeKind.THANK_YOU: "thanked",
    NudgeKind.THANK_YOU_AGAIN: "thanked",
    NudgeKind.REPORT_BACK: "reported_back",
    NudgeKind.KEEP_WARM: "kept_in_touch",
}
"""The follow-up step Done records for a reminder of this kind (the slash command's event).
The other kinds ask for things the bot does not track, so Done only notes the press."""

_Record = Callable[[Transaction], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class NudgeDone:
    nudge: NudgeRow
    kind: NudgeKind
    step: str | None
    """The follow-up event logged with it (see :data:`STEP_EVENTS`); None when there was no
    step to record or it had been logged already."""


@dataclass(frozen=True, slots=True)
class NudgeSnoozed:
    nudge: NudgeRow
    kind: NudgeKind
    until: datetime


@dataclass(frozen=True, slots=True)
class NudgeStopped:
    nudge: NudgeRow
    kind: NudgeKind
    digest: bool
    """True when the weekly digest was turned off, False when one contact's reminders were."""


async def _own_nudge(
    ctx: ActionContext, user_id: int, nudge_id: int
) -> tuple[NudgeRow, StudentKey]:
    """The nudge, if ``user_id`` may still answer it, and who that is (in the nudge's server)."""
    row = await get_nudge(ctx.db, nudge_id)
    if row is None:
        raise UserError(GONE)
    if row.user_id != user_id:
        raise UserError(NOT_YOURS)
    if row.action is not None:
        raise UserError(f"You already {row.action} this reminder.")
    return row, StudentKey(row.guild_id, row.user_id)


async def _claim(tx: Transaction, row: NudgeRow, action: str, now: datetime) -> None:
    """Record the press (the first one wins: a second, concurrent one changes nothing)."""
    if not await record_action(tx, row.id, action, now):
        raise UserError(HANDLED)


async def _finish(
    ctx: ActionContext, tx: Transaction, who: StudentKey, row: NudgeRow, kind: str, now: datetime
) -> None:
    """Log ``nudge_<kind>`` and re-plan what the nudge is about (its contact or the digest)."""
    await log_event(tx, who, kind, now, contact_id=row.contact_id, payload={"nudge": row.kind})
    if row.contact_id is not None:
        await ctx.planner.replan_contact(tx, row.contact_id, now)
    else:
        await ctx.planner.replan_digest(tx, row.guild_id, row.user_id, now)


async def _contact_of(ctx: ActionContext, who: StudentKey, row: NudgeRow) -> ContactRecord | None:
    if row.contact_id is None:
        return None
    try:
        return await owned_contact(ctx, who, row.contact_id)
    except UserError:
        raise UserError(GONE) from None


async def _done_step(
    ctx: ActionContext,
    who: StudentKey,
    kind: NudgeKind,
    contact: ContactRecord,
    now: datetime,
) -> _Record | None:
    """Check the follow-up step Done stands for (today, like the slash command without a
    date) and return how to record it; None when there is none or it is logged already."""
    if kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        if contact.stage.rank >= Stage.THANKED.rank:
            return None
        thanked = await followup.check_thanked(ctx, who, contact, None, now)
        return lambda tx: followup.record_thanked(tx, thanked, now)
    if kind is NudgeKind.REPORT_BACK:
        if contact.reported_back_at is not None:
            return None
        reported = await followup.check_reported_back(ctx, who, contact, None, now)
        return lambda tx: followup.record_reported_back(tx, reported, now)
    if kind is NudgeKind.KEEP_WARM:
        touched = await followup.check_kept_in_touch(ctx, who, contact, None, now)
        return lambda tx: followup.record_kept_in_touch(tx, touched, now)
    if kind is NudgeKind.FOLLOW_UP:
        if contact.followed_up_at is not None:
            return None
        followed = await followup.check_follow_up_sent(ctx, who, contact, None, now)
        return lambda tx: followup.record_follow_up_sent(tx, followed, now)
    if kind is NudgeKind.CLOSE_NO_REPLY:
        if contact.stage is Stage.CLOSED:
            return None
        followup.check_close(contact)
        reason = followup.CloseReason.NO_REPLY
        return lambda tx: followup.record_close(tx, who, contact, reason, now)
    return None


async def respond_done(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeDone:
    """Done: the student did what the nudge asked. For a follow-up step (see
    :data:`STEP_EVENTS`) that records the step as its slash command does, then
    ``nudge_done``."""
    row, who = await _own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    contact = await _contact_of(ctx, who, row)
    now = ctx.clock.now()
    record = await _done_step(ctx, who, kind, contact, now) if contact is not None else None
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "done", now)
        if record is not None:
            await record(tx)
        await _finish(ctx, tx, who, row, "nudge_done", now)
    return NudgeDone(row, kind, STEP_EVENTS[kind] if record is not None else None)


async def snooze_nudge(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeSnoozed:
    """Snooze: the same reminder again on the next business day (3B7 steps and referrals) or
    a day later past quiet hours (the rest); ``nudge_snoozed``."""
    row, who = await _own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    student = await get_student(ctx.db, row.guild_id, row.user_id)
    prefs = student_prefs(student) if student is not None else None
    holidays = (await server_settings(ctx.db, row.guild_id)).holidays
    now = ctx.clock.now()
    until = snooze_until(kind, now, prefs, holidays)
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "snoozed", now)
        await snooze(tx, row, until, now)
        await _finish(ctx, tx, who, row, "nudge_snoozed", now)
    return NudgeSnoozed(row, kind, until)


async def stop_nudge(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeStopped:
    """Stop: no more reminders for this contact (or no more weekly digests); ``nudge_stopped``.
    ``/settings nudges`` and ``/settings digest`` turn them back on."""
    row, who = await _own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "stopped", now)
        if row.contact_id is not None:
            await set_nudges_stopped(tx, row.contact_id, True, now)
        else:
            # The same as `/settings digest off`, so it logs the same event.
            await update_settings(tx, row.guild_id, row.user_id, now, digest_day=None)
            await log_event(tx, who, "digest_day_set", now, payload={"day": None})
        await _finish(ctx, tx, who, row, "nudge_stopped", now)
    return NudgeStopped(row, kind, digest=row.contact_id is None)
