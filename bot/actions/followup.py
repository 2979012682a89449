"""Phase 4, following up: logging the thank-you, the report back and
each keep-in-touch message, the 3B7 follow-up, closing and reopening a contact.

Each logging step comes in three parts so a DM "Done" button can log exactly what the slash
command logs (see :mod:`bot.actions.nudge_responses`): ``check_<step>`` validates and works out
when it happened (reads only, raises :class:`~bot.errors.UserError`), ``record_<step>`` writes
it and appends its event inside the caller's transaction (the caller re-plans), and
``log_<step>`` is the whole use case: check, one transaction, record, re-plan, result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.actions.common import check_log_date, log_event, stage_guard, student_transaction
from bot.actions.contacts import check_contact_room, owned_contact, student_zone
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import EmployerExhausted, active_five_ids, exhausted_by_close
from bot.domain.business_days import business_days_after, business_days_between
from bot.domain.contacts import Stage
from bot.domain.next_step import (
    KEEP_IN_TOUCH_EVERY_DAYS,
    thank_you_deadline,
    touch_too_soon,
)
from bot.domain.nudge_plan import CLOSE_AFTER
from bot.domain.thank_you import thanked_late
from bot.domain.three_b_seven import FOLLOW_UP_AFTER
from bot.errors import UserError
from bot.storage import contacts as contact_rows
from bot.storage.contacts import ContactRecord
from bot.storage.database import Transaction
from bot.storage.guild_settings import server_settings
from bot.text import long_date
from bot.validation import local_start_of_day

CLOSED = "This contact is closed. Reopen it before logging new steps."
ALREADY_CLOSED = "This contact is already closed. Reopen it with `/followup reopen`."
NOT_SENT_YET = (
    "Log when your request went out first, with `/request sent`: the follow-up comes 7 "
    "business days after it."
)
REPORT_AFTER_MEETING = (
    "You report back after the meeting. Log the meeting first with `/interview done`."
)


class CloseReason(StrEnum):
    NO_REPLY = "no_reply"
    DECLINED = "declined"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class DatedStep:
    """A checked step, ready to record: whose, which contact, the local day it happened and
    the instant stored for it (now if it was today, else the start of that day)."""

    who: StudentKey
    contact: ContactRecord
    zone: ZoneInfo
    on: date
    at: datetime


@dataclass(frozen=True, slots=True)
class Thanked:
    contact: ContactRecord
    day: date
    report_on: date
    """Around when to report back (the meeting day plus the server's report-back days)."""
    late: bool
    """Sent more than a day after the meeting."""


@dataclass(frozen=True, slots=True)
class ReportedBack:
    contact: ContactRecord
    day: date
    updated: bool
    next_touch: date


@dataclass(frozen=True, slots=True)
class KeptInTouch:
    contact: ContactRecord
    day: date
    next_touch: date
    days_since_previous: int | None
    too_soon: bool
    """Closer to the previous touch than about three times a year allows."""


@dataclass(frozen=True, slots=True)
class ReferrerTold:
    contact: ContactRecord
    """The referral (the person the student reached out to)."""
    referrer: ContactRecord
    """Who suggested them, and has now been told."""
    day: date
    corrected: bool


@dataclass(frozen=True, slots=True)
class FollowUpSent:
    contact: ContactRecord
    day: date
    corrected: bool
    close_on: date
    """When to close it as no reply if they still don't answer (7 business days later)."""


@dataclass(frozen=True, slots=True)
class Closed:
    contact: ContactRecord
    """The contact as it was before closing."""
    reason: CloseReason
    curmudgeon: bool
    """Closed for no reply to a request: they count as a curmudgeon."""
    exhausted: EmployerExhausted | None = None
    """Every contact at its employer is closed now: the employer and who moved into the top
    five."""


@dataclass(frozen=True, slots=True)
class Reopened:
    contact: ContactRecord
    stage: Stage


def moment(day: date, zone: ZoneInfo, now: datetime) -> datetime:
    """When a logged step happened: now if it was today, else the start of that local day
    (its time is unknown), like ``/request sent``."""
    return now if day == now.astimezone(zone).date() else local_start_of_day(day, zone)


def _not_before_meeting(contact: ContactRecord, day: date, zone: ZoneInfo, what: str) -> None:
    if contact.met_at is not None:
        met_on = contact.met_at.astimezone(zone).date()
        if day < met_on:
            raise UserError(
                f"{day.isoformat()} is before your meeting with them ({met_on.isoformat()}). "
                f"Log {what} on or after the meeting day."
            )


async def _dated(
    ctx: ActionContext,
    who: StudentKey,
    contact: ContactRecord,
    day: str | None,
    now: datetime,
    what: str,
) -> DatedStep:
    zone = await student_zone(ctx, who)
    on = check_log_date(day, zone, now, what)
    _not_before_meeting(contact, on, zone, what)
    return DatedStep(who, contact, zone, on, moment(on, zone, now))


# --- thanked --------------------------------------------------------------------------------


async def check_thanked(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord, day: str | None, now: datetime
) -> DatedStep:
    stage_guard(contact, Stage.THANKED)
    return await _dated(ctx, who, contact, day, now, "the thank-you")


async def record_thanked(tx: Transaction, step: DatedStep, now: datetime) -> None:
    """Move to *thanked* and log ``thanked``; the caller re-plans."""
    await contact_rows.set_stage(tx, step.contact.id, Stage.THANKED, step.at, now)
    await log_event(
        tx,
        step.who,
        "thanked",
        now,
        contact_id=step.contact.id,
        payload={"on": step.on.isoformat()},
    )


async def log_thanked(
    ctx: ActionContext, who: StudentKey, contact_id: int, day: str | None = None
) -> Thanked:
    """``/followup thanked``: the thank-you went out (today, or on ``day``)."""
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    step = await check_thanked(ctx, who, contact, day, now)
    report_back_days = (await server_settings(ctx.db, who.guild_id)).report_back_days
    async with student_transaction(ctx, who, now) as tx:
        await record_thanked(tx, step, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
    anchor = contact.met_at or step.at
    return Thanked(
        contact=contact,
        day=step.on,
        report_on=anchor.astimezone(step.zone).date() + timedelta(days=report_back_days),
        late=thanked_late(
            thank_you_deadline(contact.meeting_at, contact.meeting_minutes, contact.met_at),
            step.on,
            step.zone,
        ),
    )


# --- reported back --------------------------------------------------------------------------


async def check_reported_back(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord, day: str | None, now: datetime
) -> DatedStep:
    if contact.stage is Stage.CLOSED:
        raise UserError(CLOSED)
    if contact.stage.rank < Stage.MET.rank:
        raise UserError(REPORT_AFTER_MEETING)
    return await _dated(ctx, who, contact, day, now, "the report back")


async def record_reported_back(tx: Transaction, step: DatedStep, now: datetime) -> None:
    """Store the report back (not a stage change; logging it again corrects it) and log
    ``reported_back``; the caller re-plans."""
    await contact_rows.mark_reported_back(tx, step.contact.id, step.at, now)
    await log_event(
        tx,
        step.who,
        "reported_back",
        now,
        contact_id=step.contact.id,
        payload={"on": step.on.isoformat(), "updated": step.contact.reported_back_at is not None},
    )


async def log_reported_back(
    ctx: ActionContext, who: StudentKey, contact_id: int, day: str | None = None
) -> ReportedBack:
    """``/followup reported-back``: they heard what the student did with their advice."""
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    step = await check_reported_back(ctx, who, contact, day, now)
    async with student_transaction(ctx, who, now) as tx:
        await record_reported_back(tx, step, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
    return ReportedBack(
        contact=contact,
        day=step.on,
        updated=contact.reported_back_at is not None,
        next_touch=step.on + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS),
    )


# --- kept in touch --------------------------------------------------------------------------


async def check_kept_in_touch(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord, day: str | None, now: datetime
) -> DatedStep:
    if contact.stage is not Stage.KEEPING_IN_TOUCH:
        stage_guard(contact, Stage.KEEPING_IN_TOUCH)
    return await _dated(ctx, who, contact, day, now, "the message")


def _latest_touch(step: DatedStep) -> datetime:
    """The keep-in-touch instant to store: a back-dated touch never hides a later one."""
    stored = step.contact.kept_in_touch_at
    return max(step.at, stored) if stored is not None else step.at


def _days_since_previous(step: DatedStep) -> int | None:
    """Days since the previous keep-in-touch (the report back, a step of its own, is not
    counted: the first touch after it is never "too soon")."""
    previous = step.contact.kept_in_touch_at
    return None if previous is None else abs(step.at - previous).days


async def record_kept_in_touch(tx: Transaction, step: DatedStep, now: datetime) -> None:
    """Move to (or stay at) *keeping in touch* and log ``kept_in_touch``; the caller re-plans."""
    await contact_rows.set_stage(
        tx, step.contact.id, Stage.KEEPING_IN_TOUCH, _latest_touch(step), now
    )
    await log_event(
        tx,
        step.who,
        "kept_in_touch",
        now,
        contact_id=step.contact.id,
        payload={"on": step.on.isoformat(), "days_since_previous": _days_since_previous(step)},
    )


async def log_kept_in_touch(
    ctx: ActionContext, who: StudentKey, contact_id: int, day: str | None = None
) -> KeptInTouch:
    """``/followup kept-in-touch``: one more touch (an update, a useful link)."""
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    step = await check_kept_in_touch(ctx, who, contact, day, now)
    async with student_transaction(ctx, who, now) as tx:
        await record_kept_in_touch(tx, step, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
    latest = _latest_touch(step)
    return KeptInTouch(
        contact=contact,
        day=step.on,
        next_touch=latest.astimezone(step.zone).date() + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS),
        days_since_previous=_days_since_previous(step),
        too_soon=touch_too_soon(contact.kept_in_touch_at, step.at),
    )


# --- the 3B7 follow-up ----------------------------------------------------------------------


async def check_follow_up_sent(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord, day: str | None, now: datetime
) -> DatedStep:
    """The one follow-up of the 3B7 routine belongs to a request still waiting for a reply."""
    if contact.stage is Stage.CLOSED:
        raise UserError(CLOSED)
    if contact.stage is Stage.PLANNED or contact.requested_at is None:
        raise UserError(NOT_SENT_YET)
    if contact.stage is not Stage.REQUESTED:
        raise UserError(
            f"This contact is already at “{contact.stage.label}”: the 3B7 follow-up is only "
            "for a request still waiting for a reply."
        )
    step = await _dated(ctx, who, contact, day, now, "the follow-up")
    sent_on = contact.requested_at.astimezone(step.zone).date()
    if step.on < sent_on:
        raise UserError(
            f"{step.on.isoformat()} is before the request went out ({sent_on.isoformat()}). "
            "Log the follow-up on or after that day."
        )
    due = contact.follow_up_on
    if due is not None and step.on < due:
        holidays = (await server_settings(ctx.db, who.guild_id)).holidays
        count_from = contact.count_from or sent_on
        passed = business_days_between(count_from, step.on, holidays)
        raise UserError(too_early_text(passed, sent_on, due))
    return step


def too_early_text(passed: int, sent_on: date, due: date) -> str:
    """Why a follow-up logged before day 7 of the 3B7 routine is refused."""
    counted = "None" if passed == 0 else f"Only {passed}"
    return (
        f"{counted} of the {FOLLOW_UP_AFTER} business days {'has' if passed == 1 else 'have'} "
        f"passed since your request (sent {long_date(sent_on)}): the method waits until "
        f"**{long_date(due)}** before the one short follow-up, and I'll remind you that day. "
        f"If you really sent it already, log it on {long_date(due)} or later with "
        f"`/request followed-up date:{due.isoformat()}`."
    )


async def record_follow_up_sent(tx: Transaction, step: DatedStep, now: datetime) -> None:
    """Store the follow-up (the last 7-business-day wait starts) and log ``follow_up_sent``;
    the caller re-plans."""
    await contact_rows.mark_followed_up(tx, step.contact.id, step.at, now)
    await log_event(
        tx,
        step.who,
        "follow_up_sent",
        now,
        contact_id=step.contact.id,
        payload={
            "on": step.on.isoformat(),
            "corrected": step.contact.followed_up_at is not None,
        },
    )


async def log_follow_up_sent(
    ctx: ActionContext, who: StudentKey, contact_id: int, day: str | None = None
) -> FollowUpSent:
    """The 3B7 follow-up went out (today, or on ``day``); logging it again corrects the day."""
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    step = await check_follow_up_sent(ctx, who, contact, day, now)
    holidays = (await server_settings(ctx.db, who.guild_id)).holidays
    async with student_transaction(ctx, who, now) as tx:
        await record_follow_up_sent(tx, step, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
    return FollowUpSent(
        contact=contact,
        day=step.on,
        corrected=contact.followed_up_at is not None,
        close_on=business_days_after(step.on, CLOSE_AFTER, holidays),
    )


# --- telling the referrer -------------------------------------------------------------------


async def check_referrer_told(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord, day: str | None, now: datetime
) -> tuple[DatedStep, ContactRecord]:
    """Telling the referrer belongs to a referral whose request went out."""
    if contact.referred_by is None:
        raise UserError(
            f"Nobody referred you to {contact.person} (as far as I know): there is no one to "
            "tell. Referrals are the people you list when you log a meeting."
        )
    referrer = await contact_rows.get_contact(
        ctx.db, who.guild_id, who.user_id, contact.referred_by
    )
    if referrer is None:
        raise UserError("The contact who referred them no longer exists.")
    if contact.requested_at is None:
        raise UserError(
            f"Reach out to {contact.person} first and log it with `/request sent`; then let "
            f"{referrer.person} know."
        )
    step = await _dated(ctx, who, contact, day, now, "telling them")
    sent_on = contact.requested_at.astimezone(step.zone).date()
    if step.on < sent_on:
        raise UserError(
            f"{step.on.isoformat()} is before you reached out to {contact.person} "
            f"({sent_on.isoformat()}). Log it on or after that day."
        )
    return step, referrer


async def record_referrer_told(
    tx: Transaction, step: DatedStep, referrer: ContactRecord, now: datetime
) -> None:
    """Store that the referrer was told and log ``referrer_told``; the caller re-plans."""
    await contact_rows.mark_referrer_told(tx, step.contact.id, step.at, now)
    await contact_rows.touch_contact(tx, referrer.id, now)
    await log_event(
        tx,
        step.who,
        "referrer_told",
        now,
        contact_id=step.contact.id,
        payload={
            "on": step.on.isoformat(),
            "referrer": referrer.id,
            "corrected": step.contact.referrer_told_at is not None,
        },
    )


async def log_referrer_told(
    ctx: ActionContext, who: StudentKey, contact_id: int, day: str | None = None
) -> ReferrerTold:
    """You let the person who referred this contact know you reached out (today, or on
    ``day``); logging it again corrects the day."""
    contact = await owned_contact(ctx, who, contact_id)
    now = ctx.clock.now()
    step, referrer = await check_referrer_told(ctx, who, contact, day, now)
    async with student_transaction(ctx, who, now) as tx:
        await record_referrer_told(tx, step, referrer, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
    return ReferrerTold(
        contact=contact,
        referrer=referrer,
        day=step.on,
        corrected=contact.referrer_told_at is not None,
    )


# --- close and reopen -----------------------------------------------------------------------


def check_close(contact: ContactRecord) -> None:
    if contact.stage is Stage.CLOSED:
        raise UserError(ALREADY_CLOSED)


async def record_close(
    tx: Transaction,
    who: StudentKey,
    contact: ContactRecord,
    reason: CloseReason,
    now: datetime,
) -> None:
    """Close (remembering the stage to reopen to) and log ``closed``; the caller re-plans."""
    await contact_rows.close_contact(tx, contact.id, reason.value, now, now)
    await log_event(
        tx,
        who,
        "closed",
        now,
        contact_id=contact.id,
        payload={"reason": reason.value, "stage_before": contact.stage.value},
    )


async def close_contact(
    ctx: ActionContext, who: StudentKey, contact_id: int, reason: CloseReason
) -> Closed:
    """``/followup close``: no reply, declined or other. Closing a request that never got an
    answer as no reply makes the contact a curmudgeon. Every reminder for it stops. When it
    was the last open contact at its employer, the result says which employer moved into the
    top five."""
    contact = await owned_contact(ctx, who, contact_id)
    check_close(contact)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        before = await active_five_ids(tx, who)
        await record_close(tx, who, contact, reason, now)
        await ctx.planner.replan_contact(tx, contact.id, now)
        exhausted = await exhausted_by_close(tx, who, contact.employer_id, before)
    return Closed(
        contact=contact,
        reason=reason,
        curmudgeon=reason is CloseReason.NO_REPLY and contact.stage is Stage.REQUESTED,
        exhausted=exhausted,
    )


async def reopen_contact(ctx: ActionContext, who: StudentKey, contact_id: int) -> Reopened:
    """``/followup reopen``: back to the stage it was closed at (``reopened``)."""
    contact = await owned_contact(ctx, who, contact_id)
    if contact.stage is not Stage.CLOSED:
        raise UserError(f"This contact isn't closed (it is at “{contact.stage.label}”).")
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await check_contact_room(tx, who)  # a reopened contact is open again
        try:
            stage = await contact_rows.reopen_contact(tx, contact.id, now)
        except ValueError:  # reopened meanwhile (a second click)
            raise UserError("This contact was just reopened; nothing else changed.") from None
        await log_event(
            tx, who, "reopened", now, contact_id=contact.id, payload={"stage": stage.value}
        )
        await ctx.planner.replan_contact(tx, contact.id, now)
    return Reopened(contact, stage)
