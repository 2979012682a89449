"""The drafts a student copies, edits lightly and sends themselves: the thank-you, the 7B
follow-up, the referral introduction, the report-back and the keep-in-touch note.

Pure text (no Discord, no I/O): each draft is a template from ``data/templates.toml`` filled
with the facts of one contact. The student's own notes never go into a letter verbatim: a
takeaway becomes a [bracketed] prompt to put it in their own words (the notes are shown beside
the draft instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.contacts import Connection
from bot.domain.thank_you import first_takeaway, meeting_date_phrase, meeting_day_phrase

TAKEAWAY_QUOTE = 60
"""Longest quote of the student's takeaway inside the [in your own words: …] prompt."""
NO_TAKEAWAY = "[one specific thing you learned, in your own words]"
SIGNATURE = "[Your full name]"
"""How every draft is signed: the student's Discord name is rarely their real one."""
COLD_LINE = "connection.cold"
REFERRED_LINE = "connection.referred"


class DraftKind(StrEnum):
    THANK_YOU = "thank_you"
    FOLLOW_UP_7B = "follow_up_7b"
    REFERRAL_INTRO = "referral_intro"
    REPORT_BACK = "report_back"
    KEEP_IN_TOUCH = "keep_in_touch"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def outreach(self) -> bool:
        """A draft to someone the student has not met yet: it must pass the email checker."""
        return self in (DraftKind.FOLLOW_UP_7B, DraftKind.REFERRAL_INTRO)

    @property
    def uses_notes(self) -> bool:
        """A draft that names a takeaway (the student's notes are shown beside it)."""
        return self in (DraftKind.THANK_YOU, DraftKind.REPORT_BACK)


_LABELS = {
    DraftKind.THANK_YOU: "thank-you",
    DraftKind.FOLLOW_UP_7B: "7B follow-up",
    DraftKind.REFERRAL_INTRO: "referral introduction",
    DraftKind.REPORT_BACK: "report-back",
    DraftKind.KEEP_IN_TOUCH: "keep-in-touch note",
}


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What a draft may say about the contact and the student."""

    person: str
    organization: str
    student: str = SIGNATURE
    connection: Connection | None = None
    referrer: str | None = None
    """Who suggested this contact (their name), if someone did."""
    takeaways: str | None = None
    """The student's takeaway notes, as written."""
    meeting_day: str = "recently"
    """How the meeting day reads in a sentence (see ``meeting_day_phrase``)."""


def meeting_day_for(
    kind: DraftKind, when: datetime | None, zone: ZoneInfo | None, now: datetime
) -> str:
    """How a draft names the meeting day: the thank-you goes out within a day, so "today" or
    "yesterday" reads right; the report-back and keep-in-touch notes go out weeks later, so
    they name the date ("on 20 April")."""
    if kind is DraftKind.THANK_YOU:
        return meeting_day_phrase(when, zone, now)
    return meeting_date_phrase(when, zone, now)


def salutation(person: str) -> str:
    """How the letter greets them, for the student to pick: "[Ms./Mr./Dr. Whitfield or
    Dana]" from "Dana Whitfield" (a title typed before the name is left out). No pronoun
    inside, so an outreach draft counts the same before and after it is filled in."""
    parts = [part for part in person.split() if not part.endswith(".")] or person.split()
    if len(parts) < 2:
        return f"[Ms./Mr./Dr. {parts[0] if parts else 'last name'} or first name]"
    return f"[Ms./Mr./Dr. {parts[-1]} or {parts[0]}]"


def takeaway_prompt(takeaways: str | None, max_quote: int = TAKEAWAY_QUOTE) -> str:
    """The [bracketed] prompt a letter holds in place of a takeaway: the start of the first
    one quoted as a reminder (square brackets in it become round ones so the prompt stays one
    bracket), or a plain blank when nothing was recorded."""
    quote = first_takeaway(takeaways, max_quote)
    if quote is None:
        return NO_TAKEAWAY
    quote = quote.replace("[", "(").replace("]", ")")
    return f"[in your own words: {quote}]"


def connection_line_name(connection: Connection | None, referred: bool) -> str:
    """Which ``connection.*`` template names how the student is connected to the person."""
    if referred:
        return REFERRED_LINE
    if connection is None:
        return COLD_LINE
    return f"connection.{connection.value}"


_DOUBLED_STOP = re.compile(r"(?<![.])([.!?…])\.(?!\.)")
_SPACED_PUNCTUATION = re.compile(r"[ \t]+([,.;:!?])")
_SPACES = re.compile(r"[ \t]{2,}")


def tidy(text: str) -> str:
    """Mend what filling in can break: a name ending in a full stop before the template's
    own ("Acme Inc.." → "Acme Inc."), doubled spaces, a space before punctuation, and blank
    or trailing space at the ends of lines. An ellipsis ("...") is left alone."""
    text = _DOUBLED_STOP.sub(r"\1", text)
    text = _SPACED_PUNCTUATION.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _one_line(value: str) -> str:
    return " ".join(value.split())


def compose(kind: DraftKind, templates: Mapping[str, str], facts: DraftFacts) -> str:
    """The draft of ``kind`` for ``facts``: its template (``templates[kind.value]``, plus a
    connection line for the 7B follow-up) filled in and tidied. Names are put on one line each;
    the referral introduction needs ``facts.referrer``."""
    values = {
        "person": _one_line(facts.person),
        "salutation": salutation(_one_line(facts.person)),
        "organization": _one_line(facts.organization),
        "student": _one_line(facts.student),
        "referrer": _one_line(facts.referrer or ""),
        "meeting_day": facts.meeting_day,
        "takeaway": takeaway_prompt(facts.takeaways),
    }
    if kind is DraftKind.REFERRAL_INTRO and not values["referrer"]:
        raise ValueError("a referral introduction needs the referrer's name")
    if kind is DraftKind.FOLLOW_UP_7B:
        line = templates[connection_line_name(facts.connection, bool(values["referrer"]))]
        values["connection"] = tidy(line.format_map(values))
    return tidy(templates[kind.value].format_map(values))
