"""Loads and validates the editable content in ``data/``: checklists and outreach-email rules.

A malformed file stops start-up with :class:`ContentError`, whose one-line message names the file
and the item, so a non-programmer who edited it can find the mistake.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.email_check import EmailRules

PHASES: tuple[str, ...] = ("request", "prepare", "interview", "followup")
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_ITEM_TEXT = 200
MAX_ITEMS = 15


class ContentError(Exception):
    """A content file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    text: str
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Checklist:
    phase: str
    title: str
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.id == item_id), None)


@dataclass(frozen=True, slots=True)
class Content:
    checklists: dict[str, Checklist]
    email_rules: EmailRules


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read ({exc.strerror})") from None


def _text(path: Path, where: str, value: Any, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: {where}: “{field}” must be non-empty text")
    value = " ".join(value.split())
    if len(value) > MAX_ITEM_TEXT:
        raise ContentError(
            f"{path}: {where}: “{field}” is {len(value)} characters; the most is {MAX_ITEM_TEXT}"
        )
    return value


def load_checklist(path: Path) -> Checklist:
    data = _read_toml(path)
    phase = data.get("phase")
    if phase not in PHASES:
        raise ContentError(f"{path}: phase must be one of {', '.join(PHASES)}, got {phase!r}")
    title = _text(path, "header", data.get("title"), "title", required=True)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ContentError(f"{path}: needs at least one [[items]] entry")
    if len(raw_items) > MAX_ITEMS:
        raise ContentError(f"{path}: has {len(raw_items)} items; the most is {MAX_ITEMS}")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_items, start=1):
        where = f"item {number}"
        if not isinstance(raw, dict):
            raise ContentError(f"{path}: {where}: must be a table with id and text")
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
            raise ContentError(
                f"{path}: {where}: id {item_id!r} must be 1-32 lowercase letters, digits or hyphens"
            )
        where = f"item {number} (id “{item_id}”)"
        if item_id in seen:
            raise ContentError(f"{path}: {where}: the id is used twice")
        seen.add(item_id)
        unknown = set(raw) - {"id", "text", "why"}
        if unknown:
            raise ContentError(f"{path}: {where}: unknown key(s) {', '.join(sorted(unknown))}")
        text = _text(path, where, raw.get("text"), "text", required=True)
        why = _text(path, where, raw.get("why"), "why", required=False)
        assert text is not None
        items.append(ChecklistItem(item_id, text, why))
    assert title is not None
    return Checklist(phase, title, tuple(items))


def load_email_rules(path: Path) -> EmailRules:
    data = _read_toml(path)
    defaults = EmailRules()
    limit = data.get("word_limit", defaults.word_limit)
    window = data.get("connection_window", defaults.connection_window)
    for name, value in (("word_limit", limit), ("connection_window", window)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
            raise ContentError(f"{path}: {name} must be a whole number from 1 to 1000")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("job_words", "connection_words"):
        value = data.get(name, getattr(defaults, name))
        if not isinstance(value, list | tuple) or not value:
            raise ContentError(f"{path}: {name} must be a non-empty list of words")
        for word in value:
            if not isinstance(word, str) or not word.strip():
                raise ContentError(f"{path}: {name} contains an empty or non-text entry")
        lists[name] = tuple(word.strip() for word in value)
    return EmailRules(
        word_limit=limit,
        connection_window=window,
        job_words=lists["job_words"],
        connection_words=lists["connection_words"],
    )


def load_content(data_dir: Path) -> Content:
    """Load every checklist (one file per phase) and the email rules from ``data_dir``."""
    checklists: dict[str, Checklist] = {}
    for phase in PHASES:
        path = data_dir / "checklists" / f"{phase}.toml"
        checklist = load_checklist(path)
        if checklist.phase != phase:
            raise ContentError(
                f"{path}: says phase {checklist.phase!r} but the file is for {phase!r}"
            )
        checklists[phase] = checklist
    return Content(checklists, load_email_rules(data_dir / "outreach_email.toml"))
