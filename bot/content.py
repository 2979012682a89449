"""Loads and validates the editable content in ``data/``: the checklists, the search-wide
guidance (``search.toml``), the outreach-email rules, the TIARA question bank, the templates and
the ``/help`` glossary (``glossary.toml``).

A malformed file stops start-up with :class:`ContentError`, whose one-line message names the file
and the item, so a non-programmer who edited it can find the mistake.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.auto_ticks import DoneBy
from bot.domain.email_check import DEFAULT_CONNECTION_WINDOW, DEFAULT_WORD_LIMIT, EmailRules

PHASES: tuple[str, ...] = ("request", "prepare", "interview", "followup")
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_ITEM_TEXT = 200
MAX_ITEMS = 15
MAX_SEARCH_ITEMS = 8
BEFORE_MEETING_PHASE = "prepare"
"""The one phase whose items may say ``before_meeting = false`` (done on the day itself)."""


class ContentError(Exception):
    """A content file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    text: str
    why: str | None = None
    done_by: DoneBy | None = None
    """The action that ticks this item by itself (see :mod:`bot.domain.auto_ticks`)."""
    before_meeting: bool = True
    """False for a preparation item done on the day itself ("confirm the day before"): the
    "finish preparing" reminder three days before does not wait for it."""


@dataclass(frozen=True, slots=True)
class Checklist:
    phase: str
    title: str
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.id == item_id), None)


TIARA: tuple[str, ...] = ("trends", "insights", "advice", "resources", "assignments")
MAX_QUESTION_TEXT = 300
MAX_PER_CATEGORY = 25
_LETTER = frozenset({"person", "salutation", "organization", "student"})
_CONNECTION = frozenset({"person", "salutation", "organization"})
TEMPLATE_FIELDS: dict[str, frozenset[str]] = {
    "thank_you": _LETTER | {"takeaway", "meeting_day"},
    "follow_up_7b": _LETTER | {"connection"},
    "referral_intro": _LETTER | {"referrer"},
    "report_back": _LETTER | {"takeaway", "meeting_day"},
    "keep_in_touch": _LETTER,
    "connection.referred": _CONNECTION | {"referrer"},
    "connection.alumni": _CONNECTION,
    "connection.friend_family": _CONNECTION,
    "connection.mutual": _CONNECTION,
    "connection.group": _CONNECTION,
    "connection.cold": _CONNECTION,
}
"""Each template in ``data/templates.toml`` and the placeholders it may use. A dotted name is a
nested table: ``connection.alumni`` is ``[connection.alumni]``."""


@dataclass(frozen=True, slots=True)
class BankQuestion:
    id: str
    category: str  # one of TIARA
    text: str


@dataclass(frozen=True, slots=True)
class SearchGuide:
    """Guidance about the whole search (the LAMP list, the top five), shown on the student's
    overview rather than on each contact's checklists."""

    title: str
    items: tuple[ChecklistItem, ...]


MAX_GLOSSARY_TEXT = 600
MAX_GLOSSARY_TERM = 60
MAX_GLOSSARY_ENTRIES = 25
"""Discord offers at most 25 autocomplete choices: every topic fits in one list."""
GLOSSARY_KEYS = frozenset({"id", "term", "text", "see", "aliases", "link"})
SEE_COMMAND = re.compile(r"^/[a-z][a-z -]{0,60}$")


TOPIC_CUTOFF = 0.75
"""How close a mistyped /help topic must be to a name to be suggested (difflib ratio)."""
_TOPIC_NOISE = re.compile(r"[\s\-‐‑–—_.,'’]+")


def topic_key(text: str) -> str:
    """A /help topic name folded for lookup: lower case, without spaces, hyphens, dots."""
    return _TOPIC_NOISE.sub("", text.lower())


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One ``/help`` topic: a term of the method explained in plain words."""

    id: str
    term: str
    text: str
    see: str | None = None
    """The command to use next, e.g. ``/employers list``."""
    aliases: tuple[str, ...] = ()
    """Other words that find this topic (``obligate`` finds the booster entry)."""
    link: bool = False
    """A word of the method itself (3B7, TIARA…): its first mention in a reply may point to
    this topic (see :mod:`bot.glossary_links`); everyday words (time zone) never do."""

    def lookup_keys(self) -> tuple[str, ...]:
        """Its id, term and aliases as :func:`topic_key` folds them."""
        return tuple(topic_key(n) for n in (self.id, self.term, *self.aliases))

    def matches(self, query: str) -> bool:
        needle = " ".join(query.lower().split())
        names = (self.id, self.term.lower(), *(alias.lower() for alias in self.aliases))
        return any(needle in name for name in names)


@dataclass(frozen=True, slots=True)
class Content:
    checklists: dict[str, Checklist]
    email_rules: EmailRules
    questions: tuple[BankQuestion, ...] = ()
    templates: dict[str, str] = field(default_factory=dict)
    search: SearchGuide = SearchGuide("Your search", ())
    glossary: tuple[GlossaryEntry, ...] = ()

    def topic(self, topic: str) -> GlossaryEntry | None:
        """The glossary entry with this id, or whose term or alias is this (case, spaces and
        hyphens aside: "3-b-7" and "5 point email" find theirs)."""
        wanted = topic_key(topic)
        if not wanted:
            return None
        for entry in self.glossary:
            if wanted in entry.lookup_keys():
                return entry
        return None

    def closest_topic(self, topic: str, cutoff: float = TOPIC_CUTOFF) -> GlossaryEntry | None:
        """The entry whose id, term or alias is closest to a mistyped ``topic`` ("tiarra"),
        if any is close enough (difflib's ratio at least ``cutoff``)."""
        by_key = {key: entry for entry in self.glossary for key in entry.lookup_keys()}
        wanted = topic_key(topic)
        found = difflib.get_close_matches(wanted, list(by_key), n=1, cutoff=cutoff)
        return by_key[found[0]] if wanted and found else None

    def questions_in(self, category: str) -> list[BankQuestion]:
        return [q for q in self.questions if q.category == category]

    def question(self, question_id: str) -> BankQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
    except RecursionError:
        raise ContentError(f"{path}: not valid TOML (nested too deeply)") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read ({exc.strerror})") from None


def _text(path: Path, where: str, value: Any, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: {where}: “{field}” must be non-empty text")
    text = " ".join(value.split())
    if len(text) > MAX_ITEM_TEXT:
        raise ContentError(
            f"{path}: {where}: “{field}” is {len(text)} characters; the most is {MAX_ITEM_TEXT}"
        )
    return text


def _entry_id(
    path: Path, noun: str, number: int, entry: Any, seen: set[str], keys: str
) -> tuple[str, str]:
    """Check one [[entry]]'s table shape and unique id; returns the id and how to name the
    entry in later messages."""
    where = f"{noun} {number}"
    if not isinstance(entry, dict):
        raise ContentError(f"{path}: {where}: must be a table with {keys}")
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not ITEM_ID.match(entry_id):
        raise ContentError(
            f"{path}: {where}: id {entry_id!r} must be 1-32 lowercase letters, digits or hyphens"
        )
    where = f"{noun} {number} (id “{entry_id}”)"
    if entry_id in seen:
        raise ContentError(f"{path}: {where}: the id is used twice")
    seen.add(entry_id)
    return entry_id, where


CHECKLIST_KEYS = frozenset({"id", "text", "why", "done_by", "before_meeting"})
SEARCH_KEYS = frozenset({"id", "text", "why"})
CHECKLIST_PLACEHOLDERS: dict[str, str] = {
    "word_limit": "the server's outreach-email word limit, e.g. 100",
}
"""What a checklist item's text or why-line may contain in braces, filled in per server when
the checklist is shown (:func:`bot.actions.checklists.fill_placeholders`)."""
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _placeholders(path: Path, where: str, field: str, text: str | None, phase: str | None) -> None:
    """Only known ``{placeholders}`` in a checklist item; none in the search guide."""
    allowed = CHECKLIST_PLACEHOLDERS if phase is not None else {}
    for name in PLACEHOLDER.findall(text or ""):
        if name not in allowed:
            known = ", ".join(f"{{{key}}}" for key in allowed) or "none in this file"
            raise ContentError(
                f"{path}: {where}: “{field}” has an unknown placeholder {{{name}}}; "
                f"available: {known}"
            )


def _done_by(path: Path, where: str, value: Any) -> DoneBy | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return DoneBy(value)
    except ValueError:
        known = ", ".join(action.value for action in DoneBy)
        raise ContentError(
            f"{path}: {where}: done_by {value!r} is not an action the bot knows; use one of "
            f"{known}, or leave the line out"
        ) from None


def _items(
    path: Path, raw_items: Any, *, limit: int, keys: frozenset[str], phase: str | None
) -> tuple[ChecklistItem, ...]:
    if not isinstance(raw_items, list) or not raw_items:
        raise ContentError(f"{path}: needs at least one [[items]] entry")
    if len(raw_items) > limit:
        raise ContentError(f"{path}: has {len(raw_items)} items; the most is {limit}")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_items, start=1):
        item_id, where = _entry_id(path, "item", number, raw, seen, "id and text")
        unknown = set(raw) - keys
        if unknown:
            raise ContentError(f"{path}: {where}: unknown key(s) {', '.join(sorted(unknown))}")
        text = _text(path, where, raw.get("text"), "text", required=True)
        why = _text(path, where, raw.get("why"), "why", required=False)
        _placeholders(path, where, "text", text, phase)
        _placeholders(path, where, "why", why, phase)
        before = raw.get("before_meeting", True)
        if not isinstance(before, bool):
            raise ContentError(f"{path}: {where}: before_meeting must be true or false")
        if not before and phase != BEFORE_MEETING_PHASE:
            raise ContentError(
                f"{path}: {where}: before_meeting applies only to the "
                f"{BEFORE_MEETING_PHASE} checklist"
            )
        done_by = _done_by(path, where, raw.get("done_by"))
        assert text is not None
        items.append(ChecklistItem(item_id, text, why, done_by, before))
    return tuple(items)


def load_checklist(path: Path) -> Checklist:
    data = _read_toml(path)
    phase = data.get("phase")
    if phase not in PHASES:
        raise ContentError(f"{path}: phase must be one of {', '.join(PHASES)}, got {phase!r}")
    title = _text(path, "header", data.get("title"), "title", required=True)
    items = _items(path, data.get("items"), limit=MAX_ITEMS, keys=CHECKLIST_KEYS, phase=phase)
    assert title is not None
    return Checklist(phase, title, items)


def load_search_guide(path: Path) -> SearchGuide:
    """The search-wide steps shown on the student's overview (no ticks, no actions)."""
    data = _read_toml(path)
    title = _text(path, "header", data.get("title"), "title", required=True)
    items = _items(path, data.get("items"), limit=MAX_SEARCH_ITEMS, keys=SEARCH_KEYS, phase=None)
    assert title is not None
    return SearchGuide(title, items)


EMAIL_WORD_LISTS: tuple[str, ...] = (
    "job_words",
    "connection_words",
    "narrow_interest_phrases",
    "passive_follow_up_phrases",
)
"""The lists in ``outreach_email.toml``, all required: the checker has no built-in copy."""
EMAIL_RULE_KEYS = frozenset({"word_limit", "connection_window", *EMAIL_WORD_LISTS})


def _email_word_list(path: Path, name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{path}: {name} must be a non-empty list of words")
    words: list[str] = []
    seen: set[str] = set()
    for word in value:
        if not isinstance(word, str) or not word.strip():
            raise ContentError(f"{path}: {name} contains an empty or non-text entry")
        word = " ".join(word.split())
        if not any(ch.isalnum() for ch in word):
            raise ContentError(f"{path}: {name}: “{word}” has no letters or digits to match")
        key = word.casefold().replace("’", "'")
        if key in seen:
            raise ContentError(f"{path}: {name} lists “{word}” twice")
        seen.add(key)
        words.append(word)
    return tuple(words)


def load_email_rules(path: Path) -> EmailRules:
    """The outreach-email checker's settings. The word lists are required (this file is their
    only home); ``word_limit`` and ``connection_window`` default to the checker's usual ones."""
    data = _read_toml(path)
    unknown = set(data) - EMAIL_RULE_KEYS
    if unknown:
        raise ContentError(
            f"{path}: unknown setting(s) {', '.join(repr(key) for key in sorted(unknown))}; "
            "the settings are "
            f"{', '.join(sorted(EMAIL_RULE_KEYS))}"
        )
    limit = data.get("word_limit", DEFAULT_WORD_LIMIT)
    window = data.get("connection_window", DEFAULT_CONNECTION_WINDOW)
    for name, value in (("word_limit", limit), ("connection_window", window)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
            raise ContentError(f"{path}: {name} must be a whole number from 1 to 1000")
    lists = {name: _email_word_list(path, name, data.get(name)) for name in EMAIL_WORD_LISTS}
    return EmailRules(
        word_limit=limit,
        connection_window=window,
        job_words=lists["job_words"],
        connection_words=lists["connection_words"],
        narrow_interest_phrases=lists["narrow_interest_phrases"],
        passive_follow_up_phrases=lists["passive_follow_up_phrases"],
    )


def load_question_bank(path: Path) -> tuple[BankQuestion, ...]:
    raw = _read_toml(path).get("questions")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{path}: needs at least one [[questions]] entry")
    questions: list[BankQuestion] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw, start=1):
        qid, where = _entry_id(path, "question", number, entry, seen, "id, category and text")
        category = entry.get("category")
        if category not in TIARA:
            raise ContentError(f"{path}: {where}: category must be one of {', '.join(TIARA)}")
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{path}: {where}: “text” must be non-empty text")
        text = " ".join(text.split())
        if len(text) > MAX_QUESTION_TEXT:
            raise ContentError(
                f"{path}: {where}: “text” is {len(text)} characters; the most is "
                f"{MAX_QUESTION_TEXT}"
            )
        questions.append(BankQuestion(qid, category, text))
    for category in TIARA:
        count = sum(1 for q in questions if q.category == category)
        if count > MAX_PER_CATEGORY:
            raise ContentError(
                f"{path}: {count} questions in “{category}”; the most is {MAX_PER_CATEGORY}"
            )
    return tuple(questions)


def load_templates(path: Path) -> dict[str, str]:
    data = _read_toml(path)
    templates: dict[str, str] = {}
    for name, allowed in TEMPLATE_FIELDS.items():
        table: Any = data
        for key in name.split("."):
            table = table.get(key) if isinstance(table, dict) else None
        text = table.get("text") if isinstance(table, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f'{path}: [{name}] needs a non-empty text = """..."""')
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text)]
        except ValueError as exc:
            raise ContentError(f"{path}: [{name}]: {exc} (use {{{{ and }}}} for braces)") from None
        used = {f for f, _, _ in fields if f is not None}
        for f, spec, conv in fields:
            if f is not None and (spec or conv):  # {person:d} or {person!r} fail when filled in
                raise ContentError(
                    f"{path}: [{name}]: write placeholders plainly, e.g. {{{f}}}, without "
                    "“:” or “!” after the name"
                )
        unknown = used - allowed
        if unknown:
            raise ContentError(
                f"{path}: [{name}]: unknown placeholder(s) {', '.join(sorted(unknown))}; "
                f"available: {', '.join(sorted(allowed))}"
            )
        templates[name] = text.strip()
    return templates


def _glossary_text(path: Path, where: str, value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: {where}: “{name}” must be non-empty text")
    text = " ".join(value.split())
    if len(text) > limit:
        raise ContentError(
            f"{path}: {where}: “{name}” is {len(text)} characters; the most is {limit}"
        )
    return text


def load_glossary(path: Path) -> tuple[GlossaryEntry, ...]:
    """The ``/help`` topics: ``[[terms]]`` entries with id, term, text (at most 600
    characters), and optionally ``see`` (a command) and ``aliases`` (other words for it)."""
    raw = _read_toml(path).get("terms")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{path}: needs at least one [[terms]] entry")
    if len(raw) > MAX_GLOSSARY_ENTRIES:
        raise ContentError(f"{path}: has {len(raw)} terms; the most is {MAX_GLOSSARY_ENTRIES}")
    entries: list[GlossaryEntry] = []
    seen: set[str] = set()
    names: dict[str, str] = {}
    for number, entry in enumerate(raw, start=1):
        entry_id, where = _entry_id(path, "term", number, entry, seen, "id, term and text")
        unknown = set(entry) - GLOSSARY_KEYS
        if unknown:
            raise ContentError(f"{path}: {where}: unknown key(s) {', '.join(sorted(unknown))}")
        term = _glossary_text(path, where, entry.get("term"), "term", MAX_GLOSSARY_TERM)
        text = _glossary_text(path, where, entry.get("text"), "text", MAX_GLOSSARY_TEXT)
        see = entry.get("see")
        if see is not None and (not isinstance(see, str) or not SEE_COMMAND.match(see.strip())):
            raise ContentError(
                f'{path}: {where}: “see” must be a command such as "/employers list", '
                "or leave the line out"
            )
        aliases_raw = entry.get("aliases", [])
        if not isinstance(aliases_raw, list) or not all(
            isinstance(a, str) and a.strip() and len(a) <= MAX_GLOSSARY_TERM for a in aliases_raw
        ):
            raise ContentError(
                f"{path}: {where}: “aliases” must be a list of short words, e.g. "
                '["obligate", "curmudgeon"]'
            )
        aliases = tuple(" ".join(a.split()) for a in aliases_raw)
        for name in (entry_id, term.lower(), *(a.lower() for a in aliases)):
            key = topic_key(name)  # "/help" finds topics with spaces and hyphens ignored
            if key in names and names[key] != entry_id:
                raise ContentError(
                    f"{path}: {where}: “{name}” already names the term “{names[key]}”"
                )
            names[key] = entry_id
        link = entry.get("link", False)
        if not isinstance(link, bool):
            raise ContentError(
                f"{path}: {where}: “link” must be true or false (true: a method word whose "
                "first mention in a reply points to this topic)"
            )
        entries.append(
            GlossaryEntry(
                entry_id, term, text, see.strip() if see is not None else None, aliases, link
            )
        )
    return tuple(entries)


def load_content(data_dir: Path) -> Content:
    """Load every checklist (one file per phase), the search guidance, the email rules, the
    TIARA question bank, the message templates and the glossary from ``data_dir``."""
    checklists: dict[str, Checklist] = {}
    for phase in PHASES:
        path = data_dir / "checklists" / f"{phase}.toml"
        checklist = load_checklist(path)
        if checklist.phase != phase:
            raise ContentError(
                f"{path}: says phase {checklist.phase!r} but the file is for {phase!r}"
            )
        checklists[phase] = checklist
    return Content(
        checklists,
        load_email_rules(data_dir / "outreach_email.toml"),
        load_question_bank(data_dir / "questions.toml"),
        load_templates(data_dir / "templates.toml"),
        load_search_guide(data_dir / "search.toml"),
        load_glossary(data_dir / "glossary.toml"),
    )
