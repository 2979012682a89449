"""Answering a nudge DM: Done (and the steps its buttons name), They replied, Snooze, Stop.

A direct message has no server, so each response starts from the nudge row: it must belong to
the user who pressed (``who`` is that user in the nudge's server), and only the first answer
counts. "Done" on a reminder about a follow-up step records that step with the same checks,
writes and event as the slash command (``/followup thanked`` and "I sent the thank-you" on a
thank-you reminder both log ``thanked``), alongside the ``nudge_done`` event. "They replied"
logs the reply exactly as ``/request reply`` does, and counts as Done.

Acting on the reminder's contact without answering it (the forms and lists a DM opens) lives in
:mod:`bot.actions.dm_steps`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions import followup
from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import occurrence_of, student_prefs
from bot.actions.request import ReplyLogged, log_reply
from bot.domain.contacts import Stage
from bot.domain.next_step import last_touch
from bot.domain.nudge_kinds import MEETING_KINDS, NudgeKind, NudgeStatus
from bot.domain.nudge_snooze import SnoozeChoice, local_moment, snooze_choices, snooze_deadline
from bot.errors import NOT_YOURS, UserError
from bot.storage.contacts import (
    ContactRecord,
    count_unrequested_referrals,
    get_contact_by_id,
    set_nudges_stopped,
)
from bot.storage.database import Transaction
from bot.storage.guild_settings import server_settings
from bot.storage.nudges import NudgeRow, get_nudge, record_action, snooze
from bot.storage.students import get_student, update_settings
from bot.text import escape_markdown

__all__ = [
    "GONE",
    "HANDLED",
    "NOT_YOURS",
    "STEP_EVENTS",
    "NudgeDone",
    "NudgeReplied",
    "NudgeSnoozed",
    "NudgeStopped",
    "OutOfDate",
    "SnoozeOptions",
    "count_as_done",
    "nudge_contact",
    "out_of_date_reason",
    "own_nudge",
    "respond_done",
    "respond_replied",
    "snooze_nudge",
    "snooze_options",
    "stop_nudge",
]

GONE = "This reminder no longer exists (its data may have been deleted)."
HANDLED = "This reminder was already handled."
NOT_ABOUT_A_CONTACT = "This reminder isn't about one contact."
_ALREADY = {
    "done": "This reminder is already done.",
    "snoozed": "You already snoozed this reminder: it comes back by itself.",
    "stopped": "You already stopped this reminder.",
}

STEP_EVENTS: dict[NudgeKind, str] = {
    NudgeKind.FOLLOW_UP: "follow_up_sent",
    NudgeKind.CLOSE_NO_REPLY: "closed",
    NudgeKind.THANK_YOU: "thanked",
    NudgeKind.THANK_YOU_AGAIN: "thanked",
    NudgeKind.TELL_REFERRER: "referrer_told",
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
    contact: ContactRecord | None = None
    """What the reminder is about, as it was before the press (None for the digest)."""
    referrer: ContactRecord | None = None
    """Who was told, for a tell-the-referrer reminder."""


@dataclass(frozen=True, slots=True)
class NudgeReplied:
    nudge: NudgeRow
    kind: NudgeKind
    reply: ReplyLogged
    answered: bool
    """False when another press answered the reminder meanwhile (the reply is logged anyway)."""


@dataclass(frozen=True, slots=True)
class SnoozeOptions:
    """When a reminder may come back, before the student picks."""

    nudge: NudgeRow
    kind: NudgeKind
    choices: tuple[SnoozeChoice, ...]
    deadline: datetime | None
    """The moment it is about, which no choice passes (see
    :func:`bot.domain.nudge_snooze.snooze_deadline`)."""
    zone: ZoneInfo | None
    """The student's zone, to show the times in."""


@dataclass(frozen=True, slots=True)
class NudgeSnoozed:
    nudge: NudgeRow
    kind: NudgeKind
    until: datetime
    zone: ZoneInfo | None = None
    """The student's zone, to show ``until`` in (None: they have none yet)."""

    @property
    def until_text(self) -> str:
        """``Tuesday 8 December, 09:00 (America/New_York)``."""
        return local_moment(self.until, self.zone)


@dataclass(frozen=True, slots=True)
class NudgeStopped:
    nudge: NudgeRow
    kind: NudgeKind
    digest: bool
    """True when the weekly digest was turned off, False when one contact's reminders were."""
    contact: ContactRecord | None = None
    """Whose reminders were turned off (None for the digest)."""


class OutOfDate(UserError):
    """A press on a reminder whose step is already behind the student (done, moved, or
    dropped by the bot): nothing was changed. Its message says why."""


async def own_nudge(
    ctx: ActionContext, user_id: int, nudge_id: int, *, unanswered: bool = True
) -> tuple[NudgeRow, StudentKey]:
    """The nudge, if ``user_id`` may use it (and, with ``unanswered``, may still answer it:
    not answered yet, and not out of date, see :func:`out_of_date_reason`), and who that is:
    the user in the nudge's server."""
    row = await get_nudge(ctx.db, nudge_id)
    if row is None:
        raise UserError(GONE)
    if row.user_id != user_id:
        raise UserError(NOT_YOURS)
    if unanswered and row.action is not None:
        raise UserError(_ALREADY.get(row.action, HANDLED))
    if unanswered:
        why = await out_of_date_reason(ctx, row)
        if why is not None:
            raise OutOfDate(f"This reminder is out of date: {why}. Nothing changed.")
    return row, StudentKey(row.guild_id, row.user_id)


_DROPPED = frozenset({NudgeStatus.CANCELLED, NudgeStatus.SKIPPED})
"""A row the bot itself dropped (no longer wanted, or no longer made sense). A row that is
pending, sending, sent, or undeliverable (the DMs were closed: nothing about its step) is
answerable unless its step is behind the student."""


async def out_of_date_reason(ctx: ActionContext, row: NudgeRow) -> str | None:
    """Why answering this reminder now would act on a step the student is already past (the
    contact replied, the follow-up or thank-you is logged, the meeting moved or happened…),
    in a few words; None while it still stands. A stale Stop would otherwise turn off every
    later reminder (meeting, thank-you) for a contact with a real meeting. The digest never
    goes out of date."""
    if row.contact_id is None:
        return None
    contact = await get_contact_by_id(ctx.db, row.contact_id)
    if contact is None or contact.user_id != row.user_id or contact.guild_id != row.guild_id:
        return None  # nudge_contact says it is gone
    student = await get_student(ctx.db, row.guild_id, row.user_id)
    zone = ZoneInfo(student.timezone) if student is not None and student.timezone else None
    now = ctx.clock.now()
    kind = NudgeKind(row.kind)
    open_referrals = (
        await count_unrequested_referrals(ctx.db, contact.id)
        if kind is NudgeKind.REFERRALS
        else None
    )
    why = step_behind(kind, row.occurrence, contact, now, zone, open_referrals)
    if why is None and row.status in _DROPPED:
        why = "I had already dropped it, as it no longer fit where you are with "
        why += escape_markdown(contact.person)
    return why


def _day(instant: datetime | None, now: datetime, zone: ZoneInfo | None) -> str:
    """``Mon 1 Feb`` in the student's zone (the year when it isn't this one)."""
    if instant is None:
        return "earlier"
    local, today = (instant.astimezone(zone), now.astimezone(zone)) if zone else (instant, now)
    year = "" if local.year == today.year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}"


_AT_LEAST_REPLIED = frozenset(
    {Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED, Stage.KEEPING_IN_TOUCH}
)


def step_behind(
    kind: NudgeKind,
    occurrence: str,
    contact: ContactRecord,
    now: datetime,
    zone: ZoneInfo | None,
    open_referrals: int | None = None,
) -> str | None:
    """Why a reminder of ``kind`` about ``occurrence`` no longer stands for ``contact`` as it is
    now, or None. Pure."""
    person = escape_markdown(contact.person)

    def day(instant: datetime | None) -> str:
        return _day(instant, now, zone)

    if contact.stage is Stage.CLOSED:
        return f"you closed {person} on {day(contact.closed_at)}"
    if kind in (NudgeKind.SECOND_CONTACT, NudgeKind.FOLLOW_UP, NudgeKind.CLOSE_NO_REPLY):
        if contact.stage in _AT_LEAST_REPLIED:
            return f"{person} replied on {day(contact.replied_at)}"
        if kind is NudgeKind.SECOND_CONTACT and contact.second_person is not None:
            second = escape_markdown(contact.second_person)
            return f"{second} at {escape_markdown(contact.organization)} is on your list now"
        if kind is NudgeKind.FOLLOW_UP and contact.followed_up_at is not None:
            return f"you logged the follow-up on {day(contact.followed_up_at)}"
    elif kind in (NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN):
        if contact.met_at is not None:
            return f"you met {person} on {day(contact.met_at)}"
        if contact.stage is Stage.SCHEDULED:
            return f"your meeting with {person} is set for {day(contact.meeting_at)}"
    elif kind in MEETING_KINDS:
        if contact.met_at is not None:
            return f"you met {person} on {day(contact.met_at)}"
        if contact.stage is not Stage.SCHEDULED or contact.meeting_at is None:
            return f"your meeting with {person} is no longer scheduled"
        if occurrence_of(kind, contact) != occurrence:
            return f"your meeting with {person} moved to {day(contact.meeting_at)}"
        if now >= contact.meeting_at:
            return f"your meeting with {person} has started"
    elif kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        if contact.thanked_at is not None:
            return f"you logged the thank-you to {person} on {day(contact.thanked_at)}"
    elif kind is NudgeKind.REFERRALS:
        if open_referrals == 0:
            return f"you have reached out to everyone {person} suggested"
    elif kind is NudgeKind.TELL_REFERRER:
        if contact.referrer_told_at is not None:
            return f"you told the person who suggested {person} on {day(contact.referrer_told_at)}"
    elif kind is NudgeKind.REPORT_BACK:
        if contact.reported_back_at is not None:
            return f"you reported back to {person} on {day(contact.reported_back_at)}"
    elif kind is NudgeKind.KEEP_WARM and occurrence_of(kind, contact) != occurrence:
        return f"you were in touch with {person} again since"
    if kind is not NudgeKind.KEEP_WARM and occurrence_of(kind, contact) != occurrence:
        return f"what it was about has changed for {person} since"
    return None


async def nudge_contact(ctx: ActionContext, who: StudentKey, row: NudgeRow) -> ContactRecord:
    """The contact the nudge is about (a private error for the digest, or when it is gone)."""
    if row.contact_id is None:
        raise UserError(NOT_ABOUT_A_CONTACT)
    try:
        return await owned_contact(ctx, who, row.contact_id)
    except UserError:
        raise UserError(GONE) from None


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


async def count_as_done(ctx: ActionContext, who: StudentKey, row: NudgeRow) -> bool:
    """The student did what the reminder asked through one of its forms or lists (the action
    that did it has committed): note it as Done (``nudge_done``) unless the reminder was
    answered already. Returns whether this answered it."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        if not await record_action(tx, row.id, "done", now):
            return False
        await _finish(ctx, tx, who, row, "nudge_done", now)
    return True


async def _done_step(
    ctx: ActionContext,
    who: StudentKey,
    kind: NudgeKind,
    contact: ContactRecord,
    now: datetime,
    row_sent_at: datetime | None = None,
) -> tuple[_Record, ContactRecord | None] | None:
    """Check the follow-up step Done stands for (today, like the slash command without a
    date) and return how to record it (and, for telling the referrer, who was told); None
    when there is none or it is logged already."""
    if kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        if contact.stage.rank >= Stage.THANKED.rank:
            return None
        thanked = await followup.check_thanked(ctx, who, contact, None, now)
        return (lambda tx: followup.record_thanked(tx, thanked, now)), None
    if kind is NudgeKind.TELL_REFERRER:
        if contact.referrer_told_at is not None:
            return None
        told, referrer = await followup.check_referrer_told(ctx, who, contact, None, now)
        return (lambda tx: followup.record_referrer_told(tx, told, referrer, now)), referrer
    if kind is NudgeKind.REPORT_BACK:
        if contact.reported_back_at is not None:
            return None
        reported = await followup.check_reported_back(ctx, who, contact, None, now)
        return (lambda tx: followup.record_reported_back(tx, reported, now)), None
    if kind is NudgeKind.KEEP_WARM:
        latest = last_touch(contact)
        if row_sent_at is not None and latest is not None and latest >= row_sent_at:
            return None  # already logged since this reminder went out: not a second touch
        touched = await followup.check_kept_in_touch(ctx, who, contact, None, now)
        return (lambda tx: followup.record_kept_in_touch(tx, touched, now)), None
    if kind is NudgeKind.FOLLOW_UP:
        if contact.followed_up_at is not None:
            return None
        followed = await followup.check_follow_up_sent(ctx, who, contact, None, now)
        return (lambda tx: followup.record_follow_up_sent(tx, followed, now)), None
    if kind is NudgeKind.CLOSE_NO_REPLY:
        if contact.stage is Stage.CLOSED:
            return None
        if contact.stage is not Stage.REQUESTED:  # an old reminder: they replied since
            raise UserError(
                f"{escape_markdown(contact.person)} is at “{contact.stage.label}” now, so there "
                "is nothing to close as no reply. To close them anyway, use `/followup close`."
            )
        followup.check_close(contact)
        reason = followup.CloseReason.NO_REPLY
        return (lambda tx: followup.record_close(tx, who, contact, reason, now)), None
    return None


async def respond_done(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeDone:
    """Done (or the button naming the step: "I sent the thank-you", "I told them", "Close as
    no reply"…): the student did what the nudge asked. For a follow-up step (see
    :data:`STEP_EVENTS`) that records the step as its slash command does, then
    ``nudge_done``."""
    row, who = await own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    contact = await nudge_contact(ctx, who, row) if row.contact_id is not None else None
    now = ctx.clock.now()
    step = (
        await _done_step(ctx, who, kind, contact, now, row.sent_at) if contact is not None else None
    )
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "done", now)
        if step is not None:
            await step[0](tx)
        await _finish(ctx, tx, who, row, "nudge_done", now)
    return NudgeDone(
        row,
        kind,
        STEP_EVENTS[kind] if step is not None else None,
        contact,
        step[1] if step is not None else None,
    )


async def respond_replied(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeReplied:
    """They replied (on a follow-up or close-as-no-reply reminder): log the reply as
    ``/request reply`` does (today; ``reply_logged``, the 3B7 reminders cancelled, the
    scheduling ones planned), then count the reminder as Done.

    Two transactions: ``log_reply`` is one use case with its own. A crash between them leaves
    the reply logged and the reminder unanswered; a second press then answers that the
    reminder is out of date (they replied) and writes nothing, so nothing is logged twice."""
    row, who = await own_nudge(ctx, user_id, nudge_id)
    contact = await nudge_contact(ctx, who, row)
    reply = await log_reply(ctx, who, contact.id)
    answered = await count_as_done(ctx, who, row)
    return NudgeReplied(row, NudgeKind(row.kind), reply, answered)


async def snooze_options(ctx: ActionContext, user_id: int, nudge_id: int) -> SnoozeOptions:
    """The times this reminder may come back if snoozed now (reads only). A meeting or
    thank-you reminder offers the times that end before what it is about; the others offer
    one (see :mod:`bot.domain.nudge_snooze`). No time left is a private error."""
    row, who = await own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    contact = await nudge_contact(ctx, who, row) if row.contact_id is not None else None
    student = await get_student(ctx.db, row.guild_id, row.user_id)
    prefs = student_prefs(student) if student is not None else None
    holidays = (await server_settings(ctx.db, row.guild_id)).holidays
    now = ctx.clock.now()
    meeting_at = contact.meeting_at if contact is not None else None
    met_at = contact.met_at if contact is not None else None
    minutes = contact.meeting_minutes if contact is not None else None
    choices = snooze_choices(
        kind, now, prefs, holidays, meeting_at=meeting_at, met_at=met_at, meeting_minutes=minutes
    )
    zone = prefs.zone if prefs is not None else None
    deadline = snooze_deadline(kind, meeting_at=meeting_at, met_at=met_at, meeting_minutes=minutes)
    if not choices:
        raise UserError(_no_time_left(kind, contact, deadline, now, zone))
    return SnoozeOptions(row, kind, choices, deadline, zone)


def _no_time_left(
    kind: NudgeKind,
    contact: ContactRecord | None,
    deadline: datetime | None,
    now: datetime,
    zone: ZoneInfo | None,
) -> str:
    person = escape_markdown(contact.person) if contact is not None else "them"
    if kind in MEETING_KINDS:
        if deadline is None or deadline <= now:
            return (
                f"Your meeting with {person} has started (or is no longer scheduled): there is "
                "nothing left to snooze."
            )
        return (
            f"Your meeting with {person} is at {local_moment(deadline, zone)}: too soon to snooze "
            "this (and I don't message you during your quiet hours). Do it now, then press "
            "**Done**; or press **Stop**."
        )
    when = local_moment(deadline, zone) if deadline is not None else "soon"
    return (
        f"The 24 hours after your meeting with {person} are up at {when}: too soon to snooze "
        "this (and I don't message you during your quiet hours). Send your thank-you now, then "
        "press **I sent the thank-you**."
    )


async def snooze_nudge(
    ctx: ActionContext, user_id: int, nudge_id: int, choice: str | None = None
) -> NudgeSnoozed:
    """Snooze: the same reminder again at the chosen time (a key of :func:`snooze_options`;
    None when there is only one, e.g. the next business day for 3B7 steps), checked again
    now; ``nudge_snoozed``."""
    options = await snooze_options(ctx, user_id, nudge_id)
    row = options.nudge
    who = StudentKey(row.guild_id, row.user_id)
    picked = _picked(options, choice)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "snoozed", now)
        if not await snooze(tx, row, picked.until, now):  # rolls the whole press back
            raise UserError(
                "A newer reminder about this is already planned, so this one can't be snoozed."
            )
        await _finish(ctx, tx, who, row, "nudge_snoozed", now)
    return NudgeSnoozed(row, options.kind, picked.until, options.zone)


def _picked(options: SnoozeOptions, choice: str | None) -> SnoozeChoice:
    if choice is None and len(options.choices) == 1:
        return options.choices[0]
    for offered in options.choices:
        if offered.key == choice:
            return offered
    times = "; ".join(
        f"{c.label.lower()}: {local_moment(c.until, options.zone)}" for c in options.choices
    )
    first = "Pick when" if choice is None else "That time no longer fits. Still possible"
    raise UserError(f"{first}: {times}. Press **Back**, then **Snooze**, for the current choices.")


async def stop_nudge(ctx: ActionContext, user_id: int, nudge_id: int) -> NudgeStopped:
    """Stop: no more reminders at all for this contact (meeting and thank-you ones included;
    or no more weekly digests); ``nudge_stopped``. The reply offers to turn them back on
    (:func:`bot.actions.contact_reminders.resume_contact_reminders`); ``/settings digest``
    turns the digest back on."""
    row, who = await own_nudge(ctx, user_id, nudge_id)
    kind = NudgeKind(row.kind)
    contact = await nudge_contact(ctx, who, row) if row.contact_id is not None else None
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await _claim(tx, row, "stopped", now)
        if contact is not None:
            await set_nudges_stopped(tx, contact.id, True, now)
        else:
            # The same as `/settings digest off`, so it logs the same event.
            await update_settings(tx, row.guild_id, row.user_id, now, digest_day=None)
            await log_event(tx, who, "digest_day_set", now, payload={"day": None})
        await _finish(ctx, tx, who, row, "nudge_stopped", now)
    return NudgeStopped(row, kind, digest=contact is None, contact=contact)
