"""The text of each nudge DM. Plain functions of the nudge, its contact and the student: every
reminder says what to do next, concretely, with names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from discord.utils import format_dt

from bot.actions.employers import EmployerOutlook
from bot.content import TIARA, BankQuestion
from bot.discord_limits import MESSAGE_LIMIT
from bot.domain.contacts import Stage
from bot.domain.next_step import (
    DEFAULT_MEETING_MINUTES,
    meeting_end,
    talking_colleague,
    thank_you_deadline,
)
from bot.domain.nudge_plan import NudgeKind
from bot.domain.stalls import DigestContents, DigestLine, Stall, StallKind
from bot.storage.contacts import ContactRecord
from bot.storage.guild_settings import DEFAULT_REPORT_BACK_DAYS
from bot.text import escape_markdown, long_date

LATE_AFTER = timedelta(minutes=15)
_WEEKS = {7: "a week", 14: "two weeks", 21: "three weeks", 28: "four weeks"}
NAMES_SHOWN = 5
"""Referrals named in one line; the rest are counted."""
TOP_QUESTIONS_SHOWN = 3
"""Questions the 1-hour reminder lists: the starred ones first, then the first on the list."""
NO_QUESTIONS = "⚠️ You have no questions ready for this meeting."
"""What the 1-hour reminder says when the student's list for the meeting is empty."""
DIGEST_BUDGET = MESSAGE_LIMIT - 200
"""The digest's own text stays under this (room for the frame and the late line)."""


class Named(Protocol):
    """Anyone with a name and an organization: a contact, a referrer, a referral."""

    @property
    def person(self) -> str: ...
    @property
    def organization(self) -> str: ...


class TopQuestion(Protocol):
    """A question as the 1-hour reminder reads it: its text, and whether the student starred
    it (starred ones come first)."""

    @property
    def text(self) -> str: ...
    @property
    def starred(self) -> bool: ...


class ReferralName(Named, Protocol):
    """A referral as the reminder reads it: named, and where it is in the method."""

    @property
    def stage(self) -> Stage: ...


def days_in_words(days: int) -> str:
    """A delay of whole days as a person would say it: ``a week``, ``two weeks``, ``a month``
    (30 or 31 days), else ``10 days``."""
    if days in _WEEKS:
        return _WEEKS[days]
    if days in (30, 31):
        return "a month"
    return "1 day" if days == 1 else f"{days} days"


def tiara_starters(bank: Sequence[BankQuestion]) -> tuple[str, ...]:
    """Starter questions for a student with none: the first of each TIARA step of the bank, in
    TIARA order (so Resources' "Who else should I talk to?" is among them)."""
    firsts = (next((q.text for q in bank if q.category == step), None) for step in TIARA)
    return tuple(text for text in firsts if text is not None)


def _who(contact: Named) -> str:
    return f"**{escape_markdown(contact.person)}** ({escape_markdown(contact.organization)})"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def names(people: Sequence[Named], limit: int = NAMES_SHOWN) -> str:
    """``**Priya Shah** (Fabrikam) and **Tom Ruiz** (Contoso)``; past ``limit``, the rest are
    counted ("and 2 more")."""
    shown = [_who(p) for p in people[:limit]]
    if len(people) > limit:
        shown.append(f"{len(people) - limit} more")
    return _and(shown)


def _day_word(deadline: datetime, now: datetime, zone: ZoneInfo) -> str:
    days = (deadline.astimezone(zone).date() - now.astimezone(zone).date()).days
    return "today" if days <= 0 else "tomorrow" if days == 1 else f"on {format_dt(deadline, 'D')}"


def _until(deadline: datetime, now: datetime | None, zone: ZoneInfo | None) -> str:
    """``about <15:20> tomorrow (<in 20 hours>)`` (Discord shows the times in the reader's
    clock)."""
    when = f"about {format_dt(deadline, 't')}"
    if now is not None and zone is not None:
        when += f" {_day_word(deadline, now, zone)}"
    return f"{when} ({format_dt(deadline, 'R')})"


def _thank_you_text(
    kind: NudgeKind, contact: ContactRecord, now: datetime | None, zone: ZoneInfo | None
) -> str:
    who = _who(contact)
    end = meeting_end(contact.meeting_at, contact.meeting_minutes, contact.met_at)
    deadline = thank_you_deadline(contact.meeting_at, contact.meeting_minutes, contact.met_at)
    if deadline is None or end is None or (now is not None and now >= deadline):
        if kind is NudgeKind.THANK_YOU_AGAIN:
            days = (now - end).days if now is not None and end is not None else 0
            since = f"{days} days" if days >= 2 else "more than a day"
            return (
                f"🙏 It's been {since} since you met {who}, and your thank-you isn't logged "
                "yet. A late thank-you is still much better than none: three or four sentences "
                "naming one thing you have done or will do with their advice "
                "(`/followup thank-you` drafts it). Send it today, then press "
                "**I sent the thank-you**."
            )
        return (
            f"🙏 Your thank-you to {who} isn't logged yet, and the 24 hours since your meeting "
            "have passed. A late thank-you is still far better than none: send it today, "
            "naming one specific takeaway (`/followup thank-you` drafts it), then press "
            "**I sent the thank-you**."
        )
    if kind is NudgeKind.THANK_YOU:
        return (
            f"🙏 You met {who} {format_dt(end, 'R')}: send your thank-you while it's fresh. "
            f"You have until {_until(deadline, now, zone)}. Name one specific takeaway "
            "(`/followup thank-you` drafts it), send it, then press **I sent the thank-you**."
        )
    return (
        f"⏳ Last call for your thank-you to {who}: the 24 hours after your meeting end at "
        f"{_until(deadline, now, zone)}. Three or four sentences with one specific takeaway "
        "are enough (`/followup thank-you` drafts it): send it now, then press "
        "**I sent the thank-you**."
    )


def _referrals_text(contact: ContactRecord, referrals: Sequence[ReferralName]) -> str:
    who, person = _who(contact), escape_markdown(contact.person)
    waiting = [r for r in referrals if r.stage is Stage.PLANNED]
    if not waiting:
        return (
            f"🤝 {who} suggested people to talk to. Contact them now (see `/progress`), and "
            f"let {person} know you did."
        )
    if len(waiting) == 1:
        press = f"**I reached out to {escape_markdown(waiting[0].person)}** once you have"
    else:
        press = "**I reached out to …** for each one you write to"
    return (
        f"🤝 {who} suggested {names(waiting)}: reach out to them now (they're already in your "
        f"contacts). Name {person} in your first line (“{person} suggested I contact you”), "
        f"check your draft with `/request check-email`, and press {press}. Then let {person} "
        "know you did."
    )


def _tell_referrer_text(contact: ContactRecord, referrer: Named | None) -> str:
    who, person = _who(contact), escape_markdown(contact.person)
    if referrer is None:
        return (
            f"📨 You reached out to {who}: let the person who suggested them know. Two lines "
            "keep them in the loop and glad they helped; then press **I told them**."
        )
    name = escape_markdown(referrer.person)
    return (
        f"📨 Let {_who(referrer)} know you reached out to {who}. Two lines are enough "
        f"(“I've written to {person}, thank you again for suggesting them”): it keeps {name} "
        "in the loop and glad they helped. Then press **I told them**."
    )


ADD_SECOND = "Add the second person"
"""The button on a first contact's 3B reminder."""
ADD_ANOTHER = "Add another person"
"""The same button on a later contact's 3B reminder (never "a second person" again)."""
_ORDINALS = {3: "a third", 4: "a fourth", 5: "a fifth"}


def add_label(contact: ContactRecord) -> str:
    """The label of the 3B reminder's button that adds a person at the employer."""
    return ADD_ANOTHER if contact.asked_before is not None else ADD_SECOND


def _status(colleague: ContactRecord) -> str:
    name = escape_markdown(colleague.person)
    if colleague.stage is Stage.PLANNED:
        return f"{name} (not asked yet)"
    if colleague.stage is Stage.CLOSED:
        return f"{name} (closed)"
    return name


def _follow_up_later(contact: ContactRecord) -> str:
    if contact.followed_up_at is not None:
        return (
            f" You already logged your one follow-up to {escape_markdown(contact.person)}: "
            "the method sends no other."
        )
    if contact.follow_up_on is None:
        return ""
    return (
        f" If {escape_markdown(contact.person)} still hasn't replied by "
        f"{long_date(contact.follow_up_on)}, I'll remind you to send one short follow-up."
    )


def _next_employer(outlook: EmployerOutlook | None) -> str:
    if outlook is not None and outlook.next_employer is not None:
        return f"move on to **{escape_markdown(outlook.next_employer)}**, next in your top five"
    return "move on to the next employer on your list (`/employers list`)"


def nobody_else_needed(
    contact: ContactRecord, outlook: EmployerOutlook | None
) -> ContactRecord | None:
    """Who the 3B reminder of a later person at an employer names as already talking there
    (so it says no one else is needed there, and offers no button to add someone); None when
    it does not say so. One rule with the digest (:func:`talking_colleague`)."""
    if contact.asked_before is None or outlook is None:
        return None
    return talking_colleague(outlook.colleagues)


def _second_contact_text(contact: ContactRecord, outlook: EmployerOutlook | None) -> str:
    """The 3B reminder. For the first person asked at the employer: contact a second person
    there, naming who is there so far. For a later one (someone there was asked before):
    the next person there, or the next employer of the active five."""
    who = _who(contact)
    org = escape_markdown(outlook.employer if outlook is not None else contact.organization)
    colleagues = outlook.colleagues if outlook is not None else ()
    planned = [c for c in colleagues if c.stage is Stage.PLANNED]
    later = _follow_up_later(contact)
    if contact.asked_before is None:
        there = _and([escape_markdown(contact.person)] + [_status(c) for c in colleagues])
        if planned:
            pick = escape_markdown(planned[0].person)
            act = (
                f"Write to **{pick}** now and log it with `/request sent`, or press "
                f"**{ADD_SECOND}** to add someone else there."
            )
        else:
            act = (
                f"Look for an alum or someone in a similar role, press **{ADD_SECOND}** to add "
                "them, then send them your short email."
            )
        return (
            f"📬 3 business days and no reply from {who}. Contact a second person at {org} "
            f"now — you have {there} there so far. {act}{later}"
        )
    talking = nobody_else_needed(contact, outlook)
    if talking is not None:
        return (
            f"📬 3 business days and no reply from {who}. You're already talking with "
            f"**{escape_markdown(talking.person)}** at {org}, so no one else is needed there: "
            f"{_next_employer(outlook)}. Find someone there, add them with `/request new`, and "
            f"log your email with `/request sent` once it's out.{later}"
        )
    if planned:
        person = (
            f"Try **{escape_markdown(planned[0].person)}** at {org}, who is on your list and "
            "not asked yet"
        )
    else:
        asked = 1 + sum(1 for c in colleagues if c.requested_at is not None)
        ordinal = _ORDINALS.get(asked + 1, "another")
        person = f"Try {ordinal} person at {org} (press **{ADD_ANOTHER}**)"
    return (
        f"📬 No reply from {who} either after 3 business days. {person}, or "
        f"{_next_employer(outlook)}: send a short email and log it with `/request sent`."
        f"{later}"
    )


def _meeting(contact: ContactRecord) -> str:
    if contact.meeting_at is None:
        return "your meeting"
    return f"{format_dt(contact.meeting_at, 'F')} ({format_dt(contact.meeting_at, 'R')})"


def _meeting_day(contact: ContactRecord, now: datetime | None, zone: ZoneInfo | None) -> str:
    """ "Tomorrow", "Today" or "Soon": when the meeting is, as the student's calendar says (a
    confirmation delivered late, e.g. held by quiet hours, may reach them on the day)."""
    if contact.meeting_at is None or now is None or zone is None:
        return "Soon"
    days = (contact.meeting_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    return {0: "Today", 1: "Tomorrow"}.get(days, "Soon")


def contact_nudge_text(
    kind: NudgeKind,
    contact: ContactRecord,
    *,
    questions: Sequence[TopQuestion] | None = None,
    report_back_days: int = DEFAULT_REPORT_BACK_DAYS,
    meeting_minutes: int = DEFAULT_MEETING_MINUTES,
    referrer: Named | None = None,
    referrals: Sequence[ReferralName] = (),
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
    outlook: EmployerOutlook | None = None,
    starters: Sequence[str] = (),
) -> str:
    """The nudge about one contact. ``report_back_days`` is the server's report-back delay (the
    report-back nudge says how long ago the meeting was), ``meeting_minutes`` its usual meeting
    length (what to ask for when offering times); ``referrer`` and ``referrals`` are who
    suggested this contact and whom it suggested, read at delivery; ``now`` and the student's
    ``zone`` let the thank-you reminders say how long is left; ``outlook`` is the contact's
    employer, who else is there and the next employer of the five (the 3B reminder);
    ``starters``, questions the 1-hour reminder offers when ``questions`` is empty
    (:func:`tiara_starters`)."""
    who = _who(contact)
    if kind is NudgeKind.SECOND_CONTACT:
        return _second_contact_text(contact, outlook)
    if kind is NudgeKind.FOLLOW_UP:
        return (
            f"⏰ 7 business days and still no reply from {who}. Send them one short, friendly "
            "follow-up (`/followup draft` → 7B follow-up gives you one to edit), then press "
            "**I sent the follow-up**. If they answered, press **They replied**."
        )
    if kind is NudgeKind.CLOSE_NO_REPLY:
        return (
            f"🔚 7 business days since your follow-up to {who}, and no reply. Time to move on: "
            "press **Close as no reply**, and work the next employer on your list. If they did "
            "answer, press **They replied**."
        )
    if kind is NudgeKind.SCHEDULE:
        return (
            f"📆 {who} replied: offer two or three times that suit you, in their time zone "
            f"too, for a {meeting_minutes}-minute conversation (for example two mornings and an "
            "afternoon in the next week). Once you agree on one, press **Schedule the meeting**."
        )
    if kind is NudgeKind.SCHEDULE_AGAIN:
        replied = f" {format_dt(contact.replied_at, 'R')}" if contact.replied_at else ""
        return (
            f"📆 Still no meeting with {who}, who replied{replied}. Don't let it go cold: "
            "answer today with two or three times that suit you (in their time zone too), "
            "then press **Schedule the meeting** for the one they pick."
        )
    if kind is NudgeKind.TELL_REFERRER:
        return _tell_referrer_text(contact, referrer)
    if kind is NudgeKind.PREPARE:
        return (
            f"🗓️ You meet {who} on {_meeting(contact)}. Your preparation checklist isn't "
            "finished yet: press **Open my checklist** and tick what you have done."
        )
    if kind is NudgeKind.CONFIRM:
        return (
            f"📅 {_meeting_day(contact, now, zone)} you meet {who}: {_meeting(contact)}. Send a "
            "short note to confirm the day and time, time zone included, and plan to be early. "
            "Then press **Confirmed**."
        )
    if kind is NudgeKind.TOP_QUESTIONS:
        lines = [f"⏳ In about an hour: {who}, {_meeting(contact)}."]
        if questions:
            top = questions[:TOP_QUESTIONS_SHOWN]
            starred = any(q.starred for q in top)
            picks = " (⭐ the ones you starred)" if starred else ""
            lines.append(f"Your top questions{picks}:")
            lines += [
                f"{n}. {'⭐ ' if q.starred else ''}{escape_markdown(q.text)}"
                for n, q in enumerate(top, 1)
            ]
        else:
            lines.append(NO_QUESTIONS)
            if starters:
                lines.append("Take these, one for each step of TIARA, and ask them in this order:")
                lines += [f"{n}. {escape_markdown(q)}" for n, q in enumerate(starters, 1)]
                lines.append("Put them in your own words and jot them down before you join.")
            else:
                lines.append("Jot down three questions about their work before you join.")
        lines.append("Listen more than you talk, reflect back what you hear, never ask for a job.")
        return "\n".join(lines)
    if kind in (NudgeKind.THANK_YOU, NudgeKind.THANK_YOU_AGAIN):
        return _thank_you_text(kind, contact, now, zone)
    if kind is NudgeKind.REFERRALS:
        return _referrals_text(contact, referrals)
    if kind is NudgeKind.REPORT_BACK:
        return (
            f"📣 About {days_in_words(report_back_days)} since you met {who}. Tell them what "
            "you did with their advice. `/followup draft kind:report-back` gives you a draft "
            f"(pick {escape_markdown(contact.person)}): put it in your own words, send it, then "
            "press **Done**."
        )
    if kind is NudgeKind.KEEP_WARM:
        return (
            f"🌱 It's been about four months since you were last in touch with {who}, one of "
            "your boosters. A short update keeps the relationship warm. `/followup draft "
            f"kind:keep-in-touch` gives you a draft (pick {escape_markdown(contact.person)}): "
            "put it in your own words, send it, then press **Done**."
        )
    raise ValueError(f"not a contact nudge: {kind}")


def _ago(instant: datetime | None) -> str:
    return f" {format_dt(instant, 'R')}" if instant is not None else ""


def stall_line(stall: Stall[ContactRecord]) -> str:
    """One stalled contact and what to do about it."""
    contact = stall.contact
    who, person = _who(contact), escape_markdown(contact.person)
    if stall.kind is StallKind.NO_REPLY:
        if contact.followed_up_at is not None:
            return (
                f"• {who}: no reply, even to your follow-up{_ago(contact.followed_up_at)}. "
                "The 3B7 routine is done: close it (`/followup close`, no reply) and put that "
                "energy into the next employer on your list."
            )
        return (
            f"• {who}: no reply since your request{_ago(contact.requested_at)}, and no "
            "follow-up logged. Send one short follow-up today, or close it (`/followup close`, "
            "no reply) and move on to the next employer on your list."
        )
    if stall.kind is StallKind.NOT_SCHEDULED and stall.stale:
        return (
            f"• {who} replied{_ago(contact.replied_at)} and still no meeting is set. Send "
            f"{person} one short check-in with two or three new times; if nothing comes of "
            "it, close it (`/followup close`) and move on to the next employer on your list."
        )
    if stall.kind is StallKind.NOT_SCHEDULED:
        return (
            f"• {who} replied{_ago(contact.replied_at)} and no meeting is set: offer two or "
            "three times that suit you (in their time zone too), then log the one they pick "
            "with `/prepare schedule`."
        )
    if stall.kind is StallKind.NO_THANK_YOU:
        end = meeting_end(contact.meeting_at, contact.meeting_minutes, contact.met_at)
        return (
            f"• {who}: you met{_ago(end)} and no thank-you is logged. Send it today anyway, a "
            "late one beats none (`/followup thank-you` drafts it), then log it with "
            "`/followup thanked`."
        )
    if stall.kind is StallKind.REFERRALS_WAITING and stall.stale:
        return (
            f"• {who} suggested {names(stall.others)}, still not contacted. Write to them "
            f"this week, naming {person} in your first line, and log each with `/request "
            "sent`; or close the ones you won't contact (`/followup close`)."
        )
    if stall.kind is StallKind.REFERRALS_WAITING:
        return (
            f"• {who} suggested {names(stall.others)}, not contacted yet: reach out to them, "
            f"naming {person} in your first line, and log each with `/request sent`."
        )
    referrer = stall.others[0] if stall.others else None
    told = _who(referrer) if referrer is not None else "the person who suggested them"
    return (
        f"• {who}: you reached out{_ago(contact.requested_at)}; let {told} know you did, then "
        "log it with `/followup told-referrer`."
    )


def _step_line(line: DigestLine[ContactRecord], *, dated: bool) -> str:
    text = f"• {_who(line.contact)}: {escape_markdown(line.step.text)}"
    return f"{text} ({format_dt(line.due, 'D')})" if dated else text


_MORE = "…and {left_out} more: see `/progress` in the server."


def digest_text(contents: DigestContents[ContactRecord]) -> str:
    """The weekly digest: stalled contacts and what to do for each, then what is overdue and
    what is due in the coming week, soonest first. Lines past :data:`DIGEST_BUDGET` are
    counted, not shown. Only for a digest that is not empty (an empty one is not sent)."""
    sections = [
        ("**Stalled: get these moving again**", [stall_line(s) for s in contents.stalled]),
        ("**Overdue**", [_step_line(line, dated=False) for line in contents.overdue]),
        ("**Due this week**", [_step_line(line, dated=True) for line in contents.upcoming]),
    ]
    parts = ["🗒️ **Your weekly InfoCoach digest**"]
    size = len(parts[0]) + len(_MORE.format(left_out=9999)) + 2  # room for the count
    left_out = 0
    for title, lines in sections:
        if not lines:
            continue
        if left_out or size + len(title) + len(lines[0]) + 4 > DIGEST_BUDGET:
            left_out += len(lines)
            continue
        parts += ["", title]
        size += len(title) + 2
        for n, line in enumerate(lines):
            if size + len(line) + 1 > DIGEST_BUDGET:
                left_out += len(lines) - n
                break
            parts.append(line)
            size += len(line) + 1
    if left_out:
        parts += ["", _MORE.format(left_out=left_out)]
    return "\n".join(parts)


def with_frame(
    text: str, *, guild_name: str | None, due_at: datetime, now: datetime, offline: bool = True
) -> str:
    """Add where the reminder comes from and, when it is late because the bot was offline at
    ``due_at``, a line saying so. ``offline=False``: it was late for another reason (it waited
    for the end of quiet hours, or for reminders to be turned back on), and no line is added:
    the bot never blames itself for a delay it did not cause."""
    head = f"-# InfoCoach · {escape_markdown(guild_name)}" if guild_name else "-# InfoCoach"
    lines = [head, text]
    if offline and now - due_at > LATE_AFTER:
        lines.append(
            f"-# This should have reached you {format_dt(due_at, 'R')}; I was offline then. "
            "Sorry for the delay."
        )
    message = "\n".join(lines)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"
