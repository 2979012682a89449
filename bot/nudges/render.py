"""The text of each nudge DM. Plain functions of the nudge, its contact and the student."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from discord.utils import format_dt

from bot.discord_limits import MESSAGE_LIMIT
from bot.domain.next_step import next_step
from bot.domain.nudge_plan import NudgeKind
from bot.storage.contacts import ContactRecord
from bot.storage.guild_settings import DEFAULT_REPORT_BACK_DAYS
from bot.text import escape_markdown

LATE_AFTER = timedelta(minutes=15)
_WEEKS = {7: "a week", 14: "two weeks", 21: "three weeks", 28: "four weeks"}


def days_in_words(days: int) -> str:
    """A delay of whole days as a person would say it: ``a week``, ``two weeks``, ``a month``
    (30 or 31 days), else ``10 days``."""
    if days in _WEEKS:
        return _WEEKS[days]
    if days in (30, 31):
        return "a month"
    return "1 day" if days == 1 else f"{days} days"


def _who(contact: ContactRecord) -> str:
    return f"**{escape_markdown(contact.person)}** ({escape_markdown(contact.organization)})"


def _meeting(contact: ContactRecord) -> str:
    if contact.meeting_at is None:
        return "your meeting"
    return f"{format_dt(contact.meeting_at, 'F')} ({format_dt(contact.meeting_at, 'R')})"


def contact_nudge_text(
    kind: NudgeKind,
    contact: ContactRecord,
    *,
    questions: Sequence[str] | None = None,
    report_back_days: int = DEFAULT_REPORT_BACK_DAYS,
) -> str:
    """The nudge about one contact. ``report_back_days`` is the server's report-back delay (the
    report-back nudge says how long ago the meeting was)."""
    who, org = _who(contact), escape_markdown(contact.organization)
    if kind is NudgeKind.SECOND_CONTACT:
        return (
            f"📬 3 business days and no reply from {who}. Contact a second person at {org} "
            "now (an alum or someone in a similar role), and add them with `/request new`."
        )
    if kind is NudgeKind.FOLLOW_UP:
        return (
            f"⏰ 7 business days and still no reply from {who}. Send them one short, friendly "
            "follow-up, then press **Done**."
        )
    if kind is NudgeKind.CLOSE_NO_REPLY:
        return (
            f"🔚 7 business days since your follow-up to {who}, and no reply. Time to move on: "
            "press **Done** to close this contact as no reply, and work the next employer on "
            "your list."
        )
    if kind is NudgeKind.PREPARE:
        return (
            f"🗓️ You meet {who} on {_meeting(contact)}. Your preparation checklist isn't "
            "finished yet: open it with `/prepare checklist` in the server."
        )
    if kind is NudgeKind.CONFIRM:
        return (
            f"📅 Tomorrow you meet {who}: {_meeting(contact)}. Send a short note to confirm the "
            "day and time, time zone included, and plan to be early."
        )
    if kind is NudgeKind.TOP_QUESTIONS:
        lines = [f"⏳ In about an hour: {who}, {_meeting(contact)}."]
        if questions:
            lines.append("Your top questions:")
            lines += [f"{n}. {escape_markdown(q)}" for n, q in enumerate(questions[:3], 1)]
        lines.append("Listen more than you talk, reflect back what you hear, never ask for a job.")
        return "\n".join(lines)
    if kind is NudgeKind.THANK_YOU:
        return (
            f"🙏 You met {who} about a day ago. Send your thank-you today, naming one specific "
            "takeaway (`/followup thank-you` drafts it), then press **Done**."
        )
    if kind is NudgeKind.THANK_YOU_AGAIN:
        return (
            f"🙏 Your thank-you to {who} isn't logged yet. A late thank-you is still far better "
            "than none: send it now, then press **Done**."
        )
    if kind is NudgeKind.REFERRALS:
        return (
            f"🤝 {who} suggested people to talk to. Contact them now (see `/progress`), and let "
            f"{escape_markdown(contact.person)} know you did."
        )
    if kind is NudgeKind.REPORT_BACK:
        return (
            f"📣 About {days_in_words(report_back_days)} since you met {who}. Tell them what "
            "you did with their advice; press **Done** once you have."
        )
    if kind is NudgeKind.KEEP_WARM:
        return (
            f"🌱 It's been about four months since you were last in touch with {who}, one of "
            "your boosters. A short update keeps the relationship warm; press **Done** once sent."
        )
    raise ValueError(f"not a contact nudge: {kind}")


def digest_text(
    contacts: Sequence[ContactRecord], now: datetime, zone: ZoneInfo, *, report_back_days: int
) -> str:
    """What is overdue and what is due in the coming week, soonest first."""
    week_end = now + timedelta(days=7)
    overdue: list[tuple[datetime, str]] = []
    upcoming: list[tuple[datetime, str]] = []
    for contact in contacts:
        step = next_step(contact, now, zone, report_back_days=report_back_days)
        due = step.due_instant(zone) if step else None
        if step is None or due is None:
            continue
        line = f"• {_who(contact)}: {escape_markdown(step.text)}"
        if step.overdue:
            overdue.append((due, line))
        elif due <= week_end:
            upcoming.append((due, f"{line} ({format_dt(due, 'D')})"))
    parts = ["🗒️ **Your weekly InfoCoach digest**"]
    if overdue:
        parts += ["", "**Overdue**", *[line for _, line in sorted(overdue)]]
    if upcoming:
        parts += ["", "**Due this week**", *[line for _, line in sorted(upcoming)]]
    if not overdue and not upcoming:
        parts += [
            "",
            "Nothing is due this week. A good moment to add a contact with `/request new`.",
        ]
    return "\n".join(parts)


def with_frame(text: str, *, guild_name: str | None, due_at: datetime, now: datetime) -> str:
    """Add where the reminder comes from and, when it is late, a line saying so."""
    head = f"-# InfoCoach · {escape_markdown(guild_name)}" if guild_name else "-# InfoCoach"
    lines = [head, text]
    if now - due_at > LATE_AFTER:
        lines.append(
            f"-# This should have reached you {format_dt(due_at, 'R')}; I was offline then. "
            "Sorry for the delay."
        )
    message = "\n".join(lines)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"
