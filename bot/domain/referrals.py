"""Referrals typed after a meeting: one per line, "Name — Organization".

Accepted separators, tried in this order: an em dash "—", an en dash "–", a spaced hyphen
" - ", the word " at ", and finally a bare hyphen "-". The first occurrence of the first separator
found splits the line, so "Mary-Jane Smith — Hewlett-Packard" keeps both hyphens. List bullets
("- ", "• ", "* ", "1. ", "2) ") at the start of a line and blank lines are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.contacts import MAX_NAME
from bot.domain.limits import MAX_REFERRALS as MAX_REFERRALS

_BULLET = re.compile(r"^(?:[-•*·]|\d{1,2}[.)])\s+")
_AT = re.compile(r"\s+at\s+", re.IGNORECASE)
_SEPARATORS: tuple[re.Pattern[str], ...] = (
    re.compile("—"),
    re.compile("–"),
    re.compile(r"\s+-\s+"),
    _AT,
    re.compile("-"),
)


class ReferralError(ValueError):
    """The referral text can't be used; the message (for the student) names the line."""


@dataclass(frozen=True, slots=True)
class Referral:
    person: str
    organization: str


def _squash(text: str) -> str:
    return " ".join(text.split())


def _quote(line: str) -> str:
    return f"“{line[:60]}{'…' if len(line) > 60 else ''}”"


def parse_referral_line(line: str, number: int, *, max_name: int = MAX_NAME) -> Referral:
    """One non-blank line → a referral; ``number`` is the line number used in messages."""
    text = _BULLET.sub("", _squash(line))
    for separator in _SEPARATORS:
        parts = separator.split(text, maxsplit=1)
        if len(parts) == 2:
            person, organization = _squash(parts[0]), _squash(parts[1])
            break
    else:
        person, organization = text, ""
    if not person:
        raise ReferralError(
            f"Line {number} ({_quote(line.strip())}) has no name before the organization. "
            "Write one referral per line as “Name — Organization”."
        )
    if not organization:
        raise ReferralError(
            f"Line {number} ({_quote(line.strip())}) has no organization. "
            "Write one referral per line as “Name — Organization”."
        )
    for what, value in (("name", person), ("organization", organization)):
        if len(value) > max_name:
            raise ReferralError(
                f"Line {number}: the {what} is {len(value)} characters long; the most is "
                f"{max_name}. Please shorten it."
            )
    return Referral(person, organization)


def parse_referrals(
    text: str | None, *, max_count: int = MAX_REFERRALS, max_name: int = MAX_NAME
) -> list[Referral]:
    """Every referral in ``text`` (blank or missing text → none), in the order typed.

    Raises :class:`ReferralError` naming the first bad line, or when there are more than
    ``max_count`` referrals.
    """
    if text is None:
        return []
    numbered = [
        (number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()
    ]
    if len(numbered) > max_count:
        raise ReferralError(
            f"That's {len(numbered)} referrals; the most at once is {max_count}. "
            "Log the rest later with `/request new`."
        )
    return [parse_referral_line(line, number, max_name=max_name) for number, line in numbered]
