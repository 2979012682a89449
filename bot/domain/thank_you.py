"""Helpers for the thank-you and the other drafts (see :mod:`bot.domain.drafts`): the first
takeaway of the student's notes, how the meeting day reads, whether a thank-you was late, and a
copyable code block.

Pure text (no Discord): the bot never sends a draft; the student copies, edits and sends it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_TAKEAWAY = 200
FENCE = "```"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def first_takeaway(takeaways: str | None, max_length: int = MAX_TAKEAWAY) -> str | None:
    """The first sentence of the first non-empty line, without its bullet or final punctuation,
    shortened at a word boundary; None when nothing was recorded."""
    if not takeaways:
        return None
    line = next((ln.strip() for ln in takeaways.splitlines() if ln.strip()), "")
    line = _BULLET.sub("", line)
    sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip().rstrip(".!?;:, ").strip()
    if not sentence:
        return None
    if len(sentence) > max_length:
        cut = sentence[: max_length - 1]
        if " " in cut:
            cut = cut.rsplit(" ", 1)[0]
        sentence = cut.rstrip(" ,;:") + "…"
    return sentence


def meeting_day_phrase(when: datetime | None, zone: ZoneInfo | None, now: datetime) -> str:
    """How the outline names the meeting day: "today", "yesterday", "on Tuesday" (within the
    last week), "on 3 November", or "recently" when the day is unknown or not yet past."""
    if when is None or zone is None or when > now:
        return "recently"
    day = when.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    if today - day < timedelta(days=7):
        return f"on {day:%A}"
    return f"on {day.day} {day:%B}"


def meeting_date_phrase(when: datetime | None, zone: ZoneInfo | None, now: datetime) -> str:
    """The meeting day as a date ("on 20 April", "on 3 November 2025" in another year), for a
    letter sent weeks later; "recently" when the day is unknown or not yet past."""
    if when is None or zone is None or when > now:
        return "recently"
    day = when.astimezone(zone).date()
    year = f" {day.year}" if day.year != now.astimezone(zone).year else ""
    return f"on {day.day} {day:%B}{year}"


def thanked_late(deadline: datetime | None, on: date, zone: ZoneInfo) -> bool:
    """Whether a thank-you sent on the local day ``on`` came later than the day the thank-you
    window closed (``deadline``: 24 hours after the meeting ended, see
    :func:`~bot.domain.next_step.thank_you_deadline`; unknown: never late)."""
    return deadline is not None and on > deadline.astimezone(zone).date()


def copyable_block(text: str, limit: int) -> str:
    """``text`` in a code block of at most ``limit`` characters (shortened with "…"); runs of
    backticks inside are broken up so they cannot end the block early."""
    safe = text.replace(FENCE, "`\u200b`\u200b`")
    room = limit - 2 * len(FENCE) - 2  # the fences and their newlines
    if room < 1:
        raise ValueError(f"limit {limit} leaves no room for text")
    if len(safe) > room:
        safe = safe[: room - 1].rstrip() + "…"
    return f"{FENCE}\n{safe}\n{FENCE}"
