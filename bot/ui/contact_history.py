"""``/progress contact``: one contact's whole story in one embed that fits Discord's limits:
its details and next step, the event log, interview notes, questions and referrals."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord

from bot.actions.progress import ContactStory
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT
from bot.domain.next_step import next_step
from bot.domain.nudge_kinds import NUDGE_LABELS, NudgeKind
from bot.ui.progress_pages import NO_ZONE_HINT, SAFE_TOTAL, clip, esc, short_date, stamp, step_text

if TYPE_CHECKING:
    from bot.storage.history import ContactEvent

DESCRIPTION_BUDGET = 2400
FIELD_VALUE = EMBED_FIELD_LIMIT
TITLE = EMBED_TITLE_LIMIT
QUESTION_CUT = 150
NOTHING = "—"

KIND_LABELS = {
    "contact_added": "Added",
    "request_sent": "Request sent",
    "follow_up_sent": "Follow-up sent",
    "reply_logged": "Reply logged",
    "meeting_scheduled": "Meeting scheduled",
    "meeting_rescheduled": "Meeting moved",
    "meeting_logged": "Meeting logged",
    "interview_logged": "Meeting logged",
    "thank_you_outlined": "Thank-you outline drafted",
    "thanked": "Thank-you sent",
    "reported_back": "Reported back",
    "kept_in_touch": "Kept in touch",
    "closed": "Closed",
    "reopened": "Reopened",
    "nudges_resumed": "Turned reminders back on",
}
REMINDER_NAMES: dict[NudgeKind, str] = {
    NudgeKind.SECOND_CONTACT: "the 3B reminder",
    NudgeKind.FOLLOW_UP: "the 7B reminder",
    NudgeKind.CLOSE_NO_REPLY: "the move-on reminder",
    NudgeKind.PREPARE: "the finish-preparing reminder",
    NudgeKind.CONFIRM: "the confirm-the-meeting reminder",
    NudgeKind.TOP_QUESTIONS: "the top-questions reminder",
    NudgeKind.THANK_YOU: "the thank-you reminder",
    NudgeKind.THANK_YOU_AGAIN: "the last thank-you reminder",
    NudgeKind.REFERRALS: "the referrals reminder",
    NudgeKind.SCHEDULE: "the offer-times reminder",
    NudgeKind.SCHEDULE_AGAIN: "the second offer-times reminder",
    NudgeKind.TELL_REFERRER: "the tell-your-referrer reminder",
    NudgeKind.REPORT_BACK: "the report-back reminder",
    NudgeKind.KEEP_WARM: "the keep-in-touch reminder",
    NudgeKind.DIGEST: "the weekly digest",
}
"""How the history names a reminder the student answered (``nudge_done`` and the like)."""
REMINDER_ANSWERS = {"nudge_done": "Done", "nudge_snoozed": "Snoozed"}
STOPPED_LINE = "🔕 **Reminders off for this contact** (you pressed Stop)."
"""The detail line of a contact whose reminders the student stopped (see :func:`render_story`)."""
REASONS = {"no_reply": "no reply", "declined": "declined", "other": "other"}
CATEGORY_TAGS = {
    "trends": "T",
    "insights": "I",
    "advice": "A",
    "resources": "R",
    "assignments": "As",
    "own": "own",
}
_DAY_KEYS = ("on", "sent_on", "replied_on", "met_on")


def reminder_name(kind: object) -> str:
    """``the 3B reminder``: a nudge kind as the history names it (any unknown kind: a reminder)."""
    try:
        nudge = NudgeKind(str(kind))
    except ValueError:
        return "a reminder"
    return REMINDER_NAMES.get(nudge, f"the reminder to {NUDGE_LABELS[nudge]}")


def event_label(event: ContactEvent) -> str:
    payload = event.payload
    if event.kind in REMINDER_ANSWERS:  # "Done: the 3B reminder"
        return f"{REMINDER_ANSWERS[event.kind]}: {reminder_name(payload.get('nudge'))}"
    if event.kind == "nudge_stopped":  # Stop turns off every reminder, not just the one pressed
        return (
            "Stopped all reminders for this contact (pressed on "
            f"{reminder_name(payload.get('nudge'))})"
        )
    label = KIND_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
    extra = [
        str(value).replace("_", " ")
        for key in ("reply_class", "stage")
        if isinstance(value := payload.get(key), str)
    ]
    if isinstance(reason := payload.get("reason"), str):
        extra.append(REASONS.get(reason, reason))
    if payload.get("corrected") or payload.get("updated"):
        extra.append("date corrected")
    return label + (f" ({', '.join(extra)})" if extra else "")


def event_day(event: ContactEvent, zone: ZoneInfo) -> tuple[date, date]:
    """The local day it happened (a date the student logged, if any) and the day it was logged."""
    logged = event.at.astimezone(zone).date()
    for key in _DAY_KEYS:
        value = event.payload.get(key)
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), logged
            except ValueError:
                break
    return logged, logged


def meeting_of(event: ContactEvent) -> datetime | None:
    """The meeting time a (re)scheduling event names, if any."""
    value = event.payload.get("new_meeting_at") or event.payload.get("meeting_at")
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def history_lines(story: ContactStory, zone: ZoneInfo, today: date, budget: int) -> list[str]:
    """The event log, oldest first; the oldest lines give way when it is too long."""
    lines = []
    for event in story.events:
        happened, logged = event_day(event, zone)
        line = f"`{short_date(happened, today)}` {esc(event_label(event))}"
        meeting = meeting_of(event)
        if meeting is not None:
            line += f" for {stamp(meeting, 'f')}"
        if happened != logged:
            line += f" · logged {short_date(logged, today)}"
        lines.append(line)
    hidden = story.total_events - len(lines)
    while lines and sum(len(line) + 1 for line in lines) > budget:
        lines.pop(0)
        hidden += 1
    if hidden > 0:
        lines.insert(0, f"-# … {hidden} earlier event{'s' if hidden != 1 else ''} not shown")
    return lines or ["-# nothing logged yet"]


def detail_lines(story: ContactStory, now: datetime, zone: ZoneInfo) -> list[str]:
    contact = story.contact
    today = now.astimezone(zone).date()
    stage = contact.stage.label
    if contact.reply_class:
        stage += f" · {contact.reply_class}"
    if contact.stage_before_close is not None:
        reason = REASONS.get(contact.close_reason or "", "")
        stage += f" ({reason + ', ' if reason else ''}was {contact.stage_before_close.label})"
    lines = [f"**Stage:** {stage}"]
    if contact.nudges_stopped and contact.stage.value != "closed":
        lines.insert(0, STOPPED_LINE)
    if contact.role:
        lines.append(f"**Role:** {esc(clip(contact.role, 100))}")
    if contact.connection is not None:
        lines.append(f"**Connection:** {contact.connection.label}")
    if story.referrer is not None:
        lines.append(f"**Referred by:** {esc(clip(story.referrer.display_name, 120))}")
    if contact.meeting_at is not None:
        minutes = f" ({contact.meeting_minutes} min)" if contact.meeting_minutes else ""
        lines.append(f"**Meeting:** {stamp(contact.meeting_at, 'f')}{minutes}")
    for label, instant in (
        ("Met", contact.met_at),
        ("Thanked", contact.thanked_at),
        ("Reported back", contact.reported_back_at),
        ("Last kept in touch", contact.kept_in_touch_at),
    ):
        if instant is not None:
            lines.append(f"**{label}:** {short_date(instant.astimezone(zone).date(), today)}")
    step = next_step(
        contact, now, zone, report_back_days=story.report_back_days, holidays=story.holidays
    )
    lines.append(f"**Next:** {step_text(step, today)}")
    return lines


def _fair_share(texts: list[str], budget: int) -> list[int]:
    """Limits for texts sharing ``budget``: short ones keep their length, long ones split the
    rest evenly (each at most a field's 1,024 characters)."""
    limits = [0] * len(texts)
    remaining = budget
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for position, index in enumerate(order):
        share = remaining // (len(texts) - position)
        limits[index] = min(len(texts[index]), share, FIELD_VALUE)
        remaining -= limits[index]
    return limits


def render_story(story: ContactStory) -> discord.Embed:
    contact, now, zone = story.contact, story.now, story.zone
    shown_zone = zone or ZoneInfo("UTC")
    today = now.astimezone(shown_zone).date()
    embed = discord.Embed(
        # Escaping can double the names: the title is cut again to Discord's 256.
        title=clip(
            f"{esc(clip(contact.person, 100))} ({esc(clip(contact.organization, 100))})", TITLE
        ),
        colour=discord.Colour.greyple()
        if contact.stage.value == "closed"
        else discord.Colour.blurple(),
    )
    head = "\n".join(detail_lines(story, now, shown_zone))
    head = clip(head, DESCRIPTION_BUDGET // 2)
    history = history_lines(story, shown_zone, today, DESCRIPTION_BUDGET - len(head) - 20)
    embed.description = head + "\n\n**History**\n" + "\n".join(history)

    notes = story.notes
    questions = "\n".join(
        f"{n}. {'⭐ ' if q.starred else ''}[{CATEGORY_TAGS.get(q.category, q.category)}] "
        f"{esc(clip(q.text, QUESTION_CUT))}"
        for n, q in enumerate(story.questions, start=1)
    )
    referrals = "\n".join(
        f"• {esc(clip(r.display_name, 120))} · {r.stage.label}" for r in story.referrals
    )
    fields = [
        ("Interview notes", esc(notes.notes) if notes and notes.notes else NOTHING),
        ("Takeaways", esc(notes.takeaways) if notes and notes.takeaways else NOTHING),
        (f"Questions ({len(story.questions)})", questions or NOTHING),
        (f"Referrals ({len(story.referrals)})", referrals or NOTHING),
    ]
    footer = "Only you can see this."
    if zone is None:
        footer += " " + NO_ZONE_HINT
    embed.set_footer(text=footer)
    used = len(embed.title or "") + len(embed.description) + len(footer)
    used += sum(len(name) for name, _ in fields)
    limits = _fair_share([value for _, value in fields], SAFE_TOTAL - used)
    for (name, value), limit in zip(fields, limits, strict=True):
        embed.add_field(name=name, value=clip(value, limit), inline=False)
    return embed
