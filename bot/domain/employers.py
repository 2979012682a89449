"""Employers: the student's LAMP list, its order, the active five, where outreach stands at each
employer, and reading a pasted list.

The method (S. Dalton, *The 2-Hour Job Search*): list about 40 target employers and score each
Alumni/Advocacy (yes/no: do you have a connection there), Motivation (0–3, how much you want to
work there; the most important score) and Posting (1–3: 3 = a relevant posting there now). Sort
by Motivation, then Posting, then Alumni (yes first), and work the top five. An employer leaves
the five when it is exhausted (every contact there closed, or the student says so); the next one
moves up. Pinning puts an employer in the five whatever its scores.

Scores may be missing (an employer created from a contact's organization starts unscored):
a missing Motivation sorts below 0, a missing Posting below 1, a missing Alumni like "no".

Pure rules: no Discord, no SQL. Texts are plain (the caller escapes names for display).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.domain.contacts import Stage
from bot.domain.limits import MAX_EMPLOYERS as MAX_EMPLOYERS  # every limit is in limits.py

ACTIVE_SIZE = 5
"""The employers a student works at once: the top five."""
MAX_PINNED = ACTIVE_SIZE
MAX_NOTE = 300
"""Longest note on an employer, in characters."""
MOTIVATION_MIN, MOTIVATION_MAX = 0, 3
POSTING_MIN, POSTING_MAX = 1, 3
MOTIVATION_RANGE = (
    f"Motivation is {MOTIVATION_MIN} to {MOTIVATION_MAX} (3 = you would love to work there)"
)
POSTING_RANGE = f"Posting is {POSTING_MIN} to {POSTING_MAX} (3 = a relevant job posting there now)"
ALUMNI_RANGE = "Alumni/Advocacy is yes or no (yes = you have a connection there)"


def name_key(name: str) -> str:
    """What two employer names must share to be the same employer: compared without case and
    with every run of whitespace as one space (“Contoso  energy” is “Contoso Energy”)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class ScoreError(ValueError):
    """A score outside its range; the message (for the student) gives the range."""


def check_motivation(value: int | None) -> int | None:
    if value is not None and not MOTIVATION_MIN <= value <= MOTIVATION_MAX:
        raise ScoreError(f"{MOTIVATION_RANGE}; {value} is outside that range.")
    return value


def check_posting(value: int | None) -> int | None:
    if value is not None and not POSTING_MIN <= value <= POSTING_MAX:
        raise ScoreError(f"{POSTING_RANGE}; {value} is outside that range.")
    return value


@dataclass(frozen=True, slots=True)
class Scores:
    """The LAMP scores; None where the student has not scored yet."""

    alumni: bool | None = None
    motivation: int | None = None
    posting: int | None = None

    @property
    def complete(self) -> bool:
        return None not in (self.alumni, self.motivation, self.posting)

    @property
    def empty(self) -> bool:
        return self.alumni is None and self.motivation is None and self.posting is None

    def checked(self) -> Scores:
        """These scores, or :class:`ScoreError` naming the range one of them is outside."""
        check_motivation(self.motivation)
        check_posting(self.posting)
        return self

    def merged(self, changes: Scores) -> Scores:
        """These scores with every score ``changes`` gives replacing the old one."""
        return Scores(
            self.alumni if changes.alumni is None else changes.alumni,
            self.motivation if changes.motivation is None else changes.motivation,
            self.posting if changes.posting is None else changes.posting,
        )


def scores_text(scores: Scores) -> str:
    """``A yes · M 3 · P 2``; ``?`` for a score not given yet."""

    def shown(value: object) -> str:
        if value is None:
            return "?"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    return f"A {shown(scores.alumni)} · M {shown(scores.motivation)} · P {shown(scores.posting)}"


# --- the order and the active five ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """What the order and the active five read about one employer."""

    id: int
    name: str
    scores: Scores = Scores()
    pinned: bool = False
    done: bool = False  # the student said so
    contacts: int = 0
    open_contacts: int = 0  # contacts there that are not closed

    @property
    def exhausted(self) -> bool:
        """Done: the student said so, or every contact there is closed."""
        return self.done or (self.contacts > 0 and self.open_contacts == 0)


def rank_key(employer: Standing) -> tuple[int, int, int, str, int]:
    """Motivation ↓, Posting ↓, Alumni (yes first), then the name (case aside), then age."""
    scores = employer.scores
    motivation = MOTIVATION_MIN - 1 if scores.motivation is None else scores.motivation
    posting = POSTING_MIN - 1 if scores.posting is None else scores.posting
    return (-motivation, -posting, 0 if scores.alumni else 1, name_key(employer.name), employer.id)


def ranked(employers: Iterable[Standing]) -> list[Standing]:
    return sorted(employers, key=rank_key)


def active_five(employers: Iterable[Standing]) -> tuple[int, ...]:
    """The ids of the employers to work now, in rank order: the pinned ones (at most five), then
    the best-ranked others, five in all, none exhausted."""
    ordered = ranked(e for e in employers if not e.exhausted)
    pinned = [e.id for e in ordered if e.pinned][:ACTIVE_SIZE]
    others = [e.id for e in ordered if not e.pinned][: ACTIVE_SIZE - len(pinned)]
    chosen = set(pinned) | set(others)
    return tuple(e.id for e in ordered if e.id in chosen)


def board_order(employers: Iterable[Standing]) -> list[Standing]:
    """The board: the active five first, then the rest in rank order, the exhausted last."""
    ordered = ranked(employers)
    active = set(active_five(ordered))
    return (
        [e for e in ordered if e.id in active]
        + [e for e in ordered if e.id not in active and not e.exhausted]
        + [e for e in ordered if e.exhausted]
    )


@dataclass(frozen=True, slots=True)
class FiveChange:
    """How the active five changed: who moved in, who moved out (rank order)."""

    entered: tuple[int, ...] = ()
    left: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entered or self.left)


def five_change(before: Sequence[int], after: Sequence[int]) -> FiveChange:
    return FiveChange(
        entered=tuple(i for i in after if i not in before),
        left=tuple(i for i in before if i not in after),
    )


# --- where outreach stands at one employer ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactAtEmployer:
    """What the 3B7 state reads about one contact at the employer."""

    id: int
    person: str
    stage: Stage
    stage_before_close: Stage | None = None
    count_from: date | None = None
    second_contact_on: date | None = None
    follow_up_on: date | None = None
    followed_up: bool = False
    second_person: str | None = None
    """Someone at the employer who counts as this contact's second person (the 3B step done;
    the same rule as the reminders: ``bot.storage.contacts.derived_columns``)."""

    @property
    def reached(self) -> Stage:
        """The furthest stage along the journey (a closed contact: where it was closed)."""
        if self.stage is Stage.CLOSED:
            return self.stage_before_close or Stage.PLANNED
        return self.stage


def furthest_stage(contacts: Iterable[ContactAtEmployer]) -> Stage | None:
    """The furthest stage any contact at the employer reached; None without contacts."""
    reached = [c.reached for c in contacts]
    return max(reached, key=lambda stage: stage.rank) if reached else None


class Outreach(StrEnum):
    """Where the 3B7 routine stands at one employer."""

    NO_CONTACT = "no_contact"  # nobody there yet
    NOT_ASKED = "not_asked"  # contacts, no request sent yet
    WAITING = "waiting"  # request out, before the 3B day
    SECOND_PERSON = "second_person"  # 3B day reached, nobody else there yet
    SECOND_ADDED = "second_added"  # 3B day reached, a second contact there: wait for 7B
    FOLLOW_UP = "follow_up"  # 7B day reached: one follow-up to the first person
    FOLLOWED_UP = "followed_up"  # follow-up sent: wait, then close and move on
    TALKING = "talking"  # someone there replied: 3B7 is over
    EXHAUSTED = "exhausted"  # every contact closed
    DONE = "done"  # the student said so


@dataclass(frozen=True, slots=True)
class OutreachState:
    step: Outreach
    person: str | None = None  # the contact the state is about
    on: date | None = None  # the day the next 3B7 step is due
    second: str | None = None  # the other contact there (SECOND_ADDED)
    stage: Stage | None = None  # how far ``person`` got (TALKING)


def outreach_state(
    contacts: Sequence[ContactAtEmployer], today: date, *, done: bool = False
) -> OutreachState:
    """The employer's 3B7 state on the student's local ``today``: about the first person asked
    (the earliest request still open), unless someone there already replied."""
    if done:
        return OutreachState(Outreach.DONE)
    if not contacts:
        return OutreachState(Outreach.NO_CONTACT)
    live = sorted((c for c in contacts if c.stage is not Stage.CLOSED), key=lambda c: c.id)
    if not live:
        return OutreachState(Outreach.EXHAUSTED)
    talking = [c for c in live if c.stage.rank >= Stage.REPLIED.rank]
    if talking:
        best = max(talking, key=lambda c: (c.stage.rank, -c.id))
        return OutreachState(Outreach.TALKING, best.person, stage=best.stage)
    asked = sorted(
        (c for c in live if c.stage is Stage.REQUESTED and c.second_contact_on is not None),
        key=lambda c: (c.count_from or date.max, c.id),
    )
    if not asked:
        return OutreachState(Outreach.NOT_ASKED, live[0].person)
    first = asked[0]
    if first.followed_up:
        return OutreachState(Outreach.FOLLOWED_UP, first.person)
    if first.follow_up_on is not None and today >= first.follow_up_on:
        return OutreachState(Outreach.FOLLOW_UP, first.person, first.follow_up_on)
    assert first.second_contact_on is not None
    if first.second_person is not None:
        return OutreachState(
            Outreach.SECOND_ADDED, first.person, first.follow_up_on, first.second_person
        )
    if today >= first.second_contact_on:
        return OutreachState(Outreach.SECOND_PERSON, first.person, first.second_contact_on)
    return OutreachState(Outreach.WAITING, first.person, first.second_contact_on)


# --- a pasted list ----------------------------------------------------------------------------

IMPORT_EXAMPLE = "Contoso Energy; A=yes; M=3; P=2"
_BULLET = re.compile(r"^(?:[-•*·]|\d{1,3}[.)])\s+")
_NOTE = re.compile(r"[;\t]\s*(?:note|n)\s*[=:]", re.IGNORECASE)
_SEPARATOR = re.compile(r"[;\t]")
_KEYS = {
    "a": "alumni",
    "alumni": "alumni",
    "advocacy": "alumni",
    "m": "motivation",
    "motivation": "motivation",
    "p": "posting",
    "posting": "posting",
}
_POSITIONS = ("alumni", "motivation", "posting")
_YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔", "ja", "oui", "si", "sí"})
_NO = frozenset({"no", "n", "false", "0", "-", "nein", "non"})
_HEADERS = frozenset(
    {"name", "employer", "employers", "company", "organization", "organisation", "list", "l"}
)
_LABEL = {"alumni": "A", "motivation": "M", "posting": "P"}


_SCORE_WORD = (
    r"(?:\d{1,2}|yes|no|y|n|true|false"
    r"|(?:a|m|p|alumni|advocacy|motivation|posting)\s*[=:]\s*\w+)"
)
_COMMA_SCORES = re.compile(rf"(?:\s*,\s*{_SCORE_WORD})+\s*$", re.IGNORECASE)
"""Scores after commas at the end of a name ("Stark Industries, 3, 2"): a CSV pasted as it
is. The importer reads scores only after “;” or a tab."""


def _keyed_guess(tokens: list[str]) -> list[str] | None:
    """The keyed scores that comma-separated ``tokens`` most likely meant, or None when it is
    anyone's guess: keyed ones as typed; unkeyed ones in the column order A, M, P when there
    are three starting with a yes/no (or 0/1), a yes/no first as A, one or two numbers as M
    then P."""
    keyed = ["=" in token or ":" in token for token in tokens]
    if all(keyed):
        return ["=".join(part.strip() for part in re.split(r"[=:]", t, maxsplit=1)) for t in tokens]
    if any(keyed):
        return None  # some keyed, some not: anyone's guess
    yes_no = [not token.isdigit() for token in tokens]
    if len(tokens) == 3 and (yes_no[0] or tokens[0] in ("0", "1")):
        keys = "AMP"
    elif yes_no[0] and not any(yes_no[1:]):
        keys = "AMP"[: len(tokens)]
    elif not any(yes_no) and len(tokens) <= 2:
        keys = "MP"[: len(tokens)]
    else:
        return None
    return [f"{key}={token}" for key, token in zip(keys, tokens, strict=False)]


def _comma_scores(name: str) -> str | None:
    """Why a name that ends in comma-separated scores is refused, with the line it most likely
    meant; None for any other name."""
    found = _COMMA_SCORES.search(name)
    bare = name[: found.start()].strip(" ,") if found else ""
    if found is None or not bare:
        return None
    tokens = [token.strip() for token in found.group().split(",") if token.strip()]
    guess = _keyed_guess(tokens)
    refusal = "scores go after “;” or a tab, not a comma, so I didn't add it."
    if guess is None:
        return f"{refusal} Write them with their letters, e.g. “{bare}; A=yes; M=3; P=2”."
    return f"{refusal} Did you mean “{'; '.join([bare, *guess])}”?"


@dataclass(frozen=True, slots=True)
class ImportLine:
    """One non-blank line of a pasted list: an employer to add, or why it can't be."""

    number: int  # 1-based, blank lines counted
    text: str  # the line as typed, trimmed
    name: str | None = None  # whitespace squashed; None when refused or a header
    scores: Scores = Scores()
    note: str | None = None
    error: str | None = None
    header: bool = False


def _quoted(text: str) -> str:
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"


def _score(kind: str, raw: str) -> bool | int:
    value = raw.strip().casefold()
    if kind == "alumni":
        if value in _YES:
            return True
        if value in _NO:
            return False
        raise ScoreError(f"{ALUMNI_RANGE}; you wrote {_quoted(raw.strip())}.")
    low, high, text = (
        (MOTIVATION_MIN, MOTIVATION_MAX, MOTIVATION_RANGE)
        if kind == "motivation"
        else (POSTING_MIN, POSTING_MAX, POSTING_RANGE)
    )
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ScoreError(f"{text}; you wrote {_quoted(raw.strip())}.")
    return int(value)


def _parse_line(number: int, raw: str, first: bool) -> ImportLine:
    text = raw.strip()
    body = _BULLET.sub("", text)
    note: str | None = None
    found = _NOTE.search(body)
    if found:
        note = " ".join(body[found.end() :].split()) or None
        body = body[: found.start()]
    parts = _SEPARATOR.split(body)
    name = " ".join(parts[0].split())
    rest = parts[1:]
    if first and name.casefold() in _HEADERS and rest:
        return ImportLine(number, text, header=True)
    if not name:
        return ImportLine(number, text, error="there is no employer name before the first “;”")
    comma_scores = _comma_scores(name)
    if comma_scores is not None:
        return ImportLine(number, text, error=comma_scores)
    given: dict[str, bool | int] = {}
    position = 0
    try:
        for part in rest:
            segment = part.strip()
            if "=" in segment or ":" in segment:
                raw_key, value = re.split(r"[=:]", segment, maxsplit=1)
                key = _KEYS.get(raw_key.strip().casefold())
                if key is None:
                    return ImportLine(
                        number,
                        text,
                        error=f"{_quoted(raw_key.strip())} isn't a score I know: use A=, M=, "
                        "P= or note=",
                    )
            else:
                if position >= len(_POSITIONS):
                    return ImportLine(
                        number,
                        text,
                        error=f"too many values after the name; write it as {IMPORT_EXAMPLE}",
                    )
                key, value = _POSITIONS[position], segment
                position += 1
                if not value:
                    continue  # an empty spreadsheet cell: not scored
            if not value.strip():
                continue
            if key in given:
                return ImportLine(number, text, error=f"{_LABEL[key]} is given twice")
            given[key] = _score(key, value)
    except ScoreError as refused:
        return ImportLine(number, text, error=str(refused))
    scores = Scores(
        alumni=bool(given["alumni"]) if "alumni" in given else None,
        motivation=int(given["motivation"]) if "motivation" in given else None,
        posting=int(given["posting"]) if "posting" in given else None,
    )
    return ImportLine(number, text, name=name, scores=scores, note=note)


def parse_import(text: str) -> list[ImportLine]:
    """Every non-blank line of a pasted list, in order. A line is the employer's name, then
    optional scores separated by “;” or tabs: keyed (``A=yes; M=3; P=2``, also ``Alumni=``,
    ``Motivation=``, ``Posting=``) or in that order without keys (a spreadsheet's columns pasted
    as they are), and an optional ``note=`` that takes the rest of the line. List bullets are
    ignored; a first line that looks like a spreadsheet's header row is skipped. A name that
    ends in scores after commas ("Stark Industries, 3, 2", a CSV pasted as it is) is refused
    with the line it most likely meant ("Stark Industries; M=3; P=2"), never added under that
    name."""
    lines: list[ImportLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            lines.append(_parse_line(number, raw, first=not lines))
    return lines


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Which lines to add and which to refuse, and why."""

    add: list[ImportLine] = field(default_factory=list)
    refused: list[ImportLine] = field(default_factory=list)
    skipped: list[ImportLine] = field(default_factory=list)  # header rows


def plan_import(lines: Sequence[ImportLine], existing: dict[str, str], room: int) -> ImportPlan:
    """Decide each parsed line (names already checked: ``error`` set on the bad ones).
    ``existing`` maps :func:`name_key` to the student's employer of that name; ``room`` is how
    many more employers they may keep. A line naming an employer they have, or one an earlier
    line adds, is refused and names it; lines past the room are refused."""
    plan = ImportPlan()
    adding: dict[str, ImportLine] = {}
    for line in lines:
        if line.header:
            plan.skipped.append(line)
            continue
        if line.error is not None or line.name is None:
            plan.refused.append(line)
            continue
        key = name_key(line.name)
        if key in existing:
            refusal = f"you already have “{existing[key]}” on your list"
        elif key in adding:
            refusal = f"the same employer as line {adding[key].number}"
        elif len(adding) >= room:
            refusal = f"you have reached the most employers one student may keep ({MAX_EMPLOYERS})"
        else:
            adding[key] = line
            plan.add.append(line)
            continue
        plan.refused.append(_refused(line, refusal))
    return plan


def _refused(line: ImportLine, reason: str) -> ImportLine:
    return ImportLine(line.number, line.text, error=reason)
