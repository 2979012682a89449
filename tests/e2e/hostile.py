"""Shared pieces of the hostile-input tests: the hostile values, what the bot should do with
each, and one check on every REST request the bot made while handling one: nothing refused by
Discord (400s), nobody pinged, and no user text able to restyle the bot's own text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.emulator import DiscordEmulator, EmulatedMessage

EMPTY = "can't be empty"
TOO_LONG = "the most is"
CONTROL = "control character"
# Patterns of user markdown that must never reach a rendered text unescaped (outside code blocks).
_MARKDOWN = (
    r"\*\*bold\*\*",
    r"(?<!\\)`code(?<!\\)`",
    r"\|\|spoiler\|\|",
    r"~~s~~",
    r"__u__",
    r"(?<!\\)\[link\]\(",
)
_QUOTE = (r"(?m)^\s*>+ quoted",)
_HEADING = (r"(?m)^\s*#+ Heading",)
_SUBTEXT = (r"(?m)^\s*-# small print",)
_FENCE = (r"```fence",)


@dataclass(frozen=True)
class Hostile:
    """One hostile text. ``build(limit)`` gives it for a field of at most ``limit`` characters.

    ``refused`` is what a refusal of a required field says (None: stored as typed); ``blank``
    means optional fields treat it as left out; ``forbidden`` are regexes of this text's markup
    that must never appear unescaped in what the bot renders."""

    id: str
    build: Callable[[int], str]
    refused: str | None = None
    blank: bool = False
    forbidden: tuple[str, ...] = ()

    def __call__(self, limit: int) -> str:
        return self.build(limit)

    def stored(self, limit: int, *, optional: bool = False) -> str | None:
        """What a field should store for this value (None: nothing, the field is left out)."""
        if optional and self.blank:
            return None
        return self(limit).strip()

    def refusal(self, *, optional: bool = False) -> str | None:
        return None if optional and self.blank else self.refused


def _text(value: str) -> Callable[[int], str]:
    return lambda limit: value


HOSTILE: tuple[Hostile, ...] = (
    Hostile("empty", _text(""), EMPTY, blank=True),
    Hostile("whitespace", _text("  \t  "), EMPTY, blank=True),
    Hostile("zero-width-only", _text("\u200b\u200d\ufeff"), EMPTY),
    Hostile("zero-width", _text("Ada\u200bLove\u200dlace\ufeff")),
    Hostile("rtl-override", _text("\u202eecalevoL adA")),
    Hostile("combining", _text("Z\u0335\u0321\u0358a\u0336\u0322l\u0337g\u0338o e\u0301\u0302")),
    Hostile("emoji", _text("👩🏽‍💻 Ada 🚀 🇺🇸")),
    Hostile(
        "markdown",
        _text("**bold** `code` ||spoiler|| [link](https://x) ~~s~~ __u__"),
        forbidden=_MARKDOWN,
    ),
    Hostile("quote", _text("> quoted"), forbidden=_QUOTE),
    Hostile("heading", _text("# Heading"), forbidden=_HEADING),
    Hostile("subtext", _text("-# small print"), forbidden=_SUBTEXT),
    Hostile("fence", _text("```fence"), forbidden=_FENCE),
    # A lone backslash would escape whatever markup the bot puts after the text.
    Hostile("backslash", _text("Ada \\"), forbidden=(r"Ada \\(?!\\)",)),
    Hostile("mentions", _text("@everyone @here <@123> <@&456> <#789>")),
    Hostile("sql", _text("'; DROP TABLE contacts; --")),
    # SQLite's text functions stop at a NUL: length() and LIKE see only "Ada" here, and a
    # leading NUL fails the tables' length CHECKs.
    Hostile("nul", _text("Ada\x00Lovelace"), CONTROL),
    Hostile("leading-nul", _text("\x00Ada"), CONTROL),
    Hostile("max-length", lambda limit: "M" * limit),
    Hostile("max-markdown", lambda limit: ("*_`~|" * limit)[:limit]),
    Hostile("over-length", lambda limit: "O" * (limit + 1), TOO_LONG),
    Hostile("10k", lambda limit: "T" * 10_000, TOO_LONG),
)
MARKDOWN_LINES = Hostile(
    "markdown-lines",
    _text("# Heading\n> quoted\n-# small print\n```fence\ncode\n```\n**bold** ||spoiler||"),
    forbidden=(*_HEADING, *_QUOTE, *_SUBTEXT, *_FENCE, r"\*\*bold\*\*", r"\|\|spoiler\|\|"),
)
"""Paragraph fields also get markup that only works at the start of a line."""
PARAGRAPH_HOSTILE: tuple[Hostile, ...] = (*HOSTILE, MARKDOWN_LINES)
STORED = tuple(h for h in HOSTILE if h.refused is None)


def ids(values: tuple[Hostile, ...]) -> list[str]:
    return [h.id for h in values]


# -- Discord's client: what it would let through -------------------------------------------------


def _find_option(options: list[dict[str, Any]], tokens: list[str], name: str) -> dict[str, Any]:
    for option in options:
        if tokens and option["name"] == tokens[0] and option.get("type") in (1, 2):
            return _find_option(option.get("options") or [], tokens[1:], name)
        if not tokens and option["name"] == name:
            return option
    raise KeyError(f"no option {name!r} under {tokens}")


def option_spec(emu: DiscordEmulator, command: str, option: str) -> dict[str, Any]:
    """The registered definition of ``option`` of ``/command`` (e.g. ``"request new"``)."""
    top, *rest = command.split()
    cmd = next(c for c in emu.commands() if c["name"] == top)
    return _find_option(cmd.get("options") or [], rest, option)


def client_sends(emu: DiscordEmulator, command: str, options: dict[str, Any]) -> bool:
    """Whether Discord's own client would send these string options (their length limits)."""
    for name, value in options.items():
        spec = option_spec(emu, command, name)
        if spec.get("type") != 3 or not isinstance(value, str):
            continue
        if not spec.get("min_length", 0) <= len(value) <= spec.get("max_length", 6000):
            return False
    return True


def modal_accepts(opener_modal: dict[str, Any], values: dict[str, str]) -> bool:
    """Whether Discord's client would submit these modal values (required, min and max)."""
    for row in opener_modal.get("components") or []:
        for item in row.get("components") or [row.get("component") or {}]:
            custom_id = item.get("custom_id")
            if custom_id not in values:
                continue
            text = values[custom_id]
            low = item.get("min_length") or (1 if item.get("required", True) else 0)
            if (text and len(text) < low) or len(text) > item.get("max_length", 4000):
                return False
            if item.get("required", True) and not text:
                return False
    return True


# -- what the bot sent ---------------------------------------------------------------------------


def _message_bodies(method: str, path: str, body: Any) -> Iterator[dict[str, Any]]:
    """The message payloads in one REST request body (interaction callbacks wrap them)."""
    if not isinstance(body, dict) or method not in ("POST", "PATCH"):
        return
    if path.endswith("/callback"):
        if body.get("type") in (4, 7) and isinstance(body.get("data"), dict):
            yield body["data"]
        return
    if "content" in body or "embeds" in body or "components" in body:
        yield body


def _visible_texts(body: dict[str, Any]) -> Iterator[str]:
    """Texts Discord renders with markdown: content, embed descriptions and fields."""
    if body.get("content"):
        yield body["content"]
    for embed in body.get("embeds") or []:
        if embed.get("description"):
            yield embed["description"]
        for fld in embed.get("fields") or []:
            yield fld.get("name") or ""
            yield fld.get("value") or ""


_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)


@dataclass
class SentWatch:
    """Every REST request the bot makes from now on (interaction callbacks, followups, edits
    and DMs), to check after acting with a hostile value."""

    emu: DiscordEmulator
    start: int = field(init=False)

    def __post_init__(self) -> None:
        self.start = len(self.emu.requests)

    def bodies(self) -> list[dict[str, Any]]:
        return [
            body
            for request in self.emu.requests[self.start :]
            for body in _message_bodies(request.method, request.path, request.json)
        ]

    def assert_clean(self, hostile: Hostile | None = None) -> int:
        """Discord accepted every request; every message pings nobody; the hostile value's
        markup never shows unescaped. Returns how many messages were checked."""
        failed = [r for r in self.emu.requests[self.start :] if r.status >= 400]
        assert not failed, f"Discord refused: {failed} {[r.json for r in failed]}"
        bodies = self.bodies()
        for body in bodies:
            mentions = body.get("allowed_mentions")
            if body.get("content"):
                assert mentions is not None, body
            if mentions is not None:
                assert mentions.get("parse") == [], mentions
                assert not mentions.get("users"), mentions
                assert not mentions.get("roles"), mentions
            if hostile is None:
                continue
            for text in _visible_texts(body):
                outside_code = _CODE_BLOCK.sub("", text)
                for pattern in hostile.forbidden:
                    assert not re.search(pattern, outside_code), (hostile.id, pattern, text)
        return len(bodies)


def is_error(message: EmulatedMessage) -> bool:
    return message.text().startswith("⚠️")


def assert_ok(message: EmulatedMessage) -> EmulatedMessage:
    """A private reply that is not an error."""
    assert message.ephemeral, message
    assert not is_error(message), message.text()
    return message


def assert_refused(message: EmulatedMessage, needle: str) -> str:
    """A private error saying ``needle``."""
    assert message.ephemeral, message
    text = message.text()
    assert text.startswith("⚠️"), text
    assert needle in text, text
    return text
