"""Turning one contact's reminders back on after **Stop for this contact** (from the Stop
reply in the DM, or from ``/progress contact``). The whole-server switch is ``/settings
nudges``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.nudge_responses import nudge_contact, own_nudge
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, set_nudges_stopped
from bot.storage.nudges import NudgeRow, earliest_pending_for_contact
from bot.storage.students import get_student
from bot.text import escape_markdown

__all__ = ["RemindersResumed", "resume_contact_reminders", "resume_from_reminder"]


@dataclass(frozen=True, slots=True)
class RemindersResumed:
    contact: ContactRecord
    """The contact as it was before (``nudges_stopped`` True)."""
    next_due: datetime | None
    """When its soonest reminder is now due (None: nothing is due for where it stands)."""
    all_off: bool
    """The student's reminders are off for every contact (``/settings nudges``), so none
    come anyway."""
    nudge: NudgeRow | None = None
    """The reminder whose button turned them back on, if any."""


async def resume_contact_reminders(
    ctx: ActionContext, who: StudentKey, contact_id: int
) -> RemindersResumed:
    """Undo Stop for one contact: its reminders are planned again from where it stands;
    ``nudges_resumed``. Refused (nothing written) when they are not stopped."""
    contact = await owned_contact(ctx, who, contact_id)
    if not contact.nudges_stopped:
        raise UserError(
            f"Reminders for {escape_markdown(contact.person)} are already on. Nothing changed."
        )
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await set_nudges_stopped(tx, contact.id, False, now)
        await log_event(tx, who, "nudges_resumed", now, contact_id=contact.id)
        await ctx.planner.replan_contact(tx, contact.id, now)
        next_due = await earliest_pending_for_contact(tx, contact.id)
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    all_off = student is not None and not student.nudges_enabled
    return RemindersResumed(contact, next_due, all_off)


async def resume_from_reminder(ctx: ActionContext, user_id: int, nudge_id: int) -> RemindersResumed:
    """**Turn reminders back on** under a Stop reply: the reminder's contact."""
    row, who = await own_nudge(ctx, user_id, nudge_id, unanswered=False)
    contact = await nudge_contact(ctx, who, row)
    resumed = await resume_contact_reminders(ctx, who, contact.id)
    return replace(resumed, nudge=row)
