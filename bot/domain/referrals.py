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
    """The referral text can't be used; the message (for the student) names the line, and
    ``reason`` says what is wrong in a few words ("it has no organization")."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


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
            "Write one referral per line as “Name — Organization”.",
            "it has no name before the organization",
        )
    if not organization:
        raise ReferralError(
            f"Line {number} ({_quote(line.strip())}) has no organization. "
            "Write one referral per line as “Name — Organization”.",
            "it has no organization (write “Name — Organization”)",
        )
    for what, value in (("name", person), ("organization", organization)):
        if len(value) > max_name:
            raise ReferralError(
                f"Line {number}: the {what} is {len(value)} characters long; the most is "
                f"{max_name}. Please shorten it.",
                f"the {what} is {len(value)} characters long; the most is {max_name}",
            )
    return Referral(person, organization)


@dataclass(frozen=True, slots=True)
class ReferralLine:
    """One non-blank line of the referrals box, as typed (trimmed), and what it gave: a
    referral, or the reason it can't be one."""

    number: int
    text: str
    referral: Referral | None
    problem: str | None = None
    person: str | None = None
    """The name on the line when there is one, even if the line can't be used (for a hint)."""


def _name_part(text: str) -> str | None:
    for separator in _SEPARATORS:
        parts = separator.split(text, maxsplit=1)
        if len(parts) == 2:
            return _squash(parts[0]) or None
    return _squash(text) or None


def read_referral_lines(text: str | None, *, max_name: int = MAX_NAME) -> tuple[ReferralLine, ...]:
    """Every non-blank line of ``text`` in order, each parsed on its own: one bad line never
    spoils the others (the caller logs the good ones and reports the rest)."""
    if text is None:
        return ()
    lines: list[ReferralLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        typed = _squash(line)
        try:
            lines.append(
                ReferralLine(number, typed, parse_referral_line(line, number, max_name=max_name))
            )
        except ReferralError as exc:
            name = _name_part(_BULLET.sub("", typed))
            lines.append(ReferralLine(number, typed, None, exc.reason, name))
    return tuple(lines)


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
