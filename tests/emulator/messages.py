"""Stored messages and component helpers."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.emulator.ids import utcnow

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

BUTTON = 2
SELECT_TYPES = (3, 5, 6, 7, 8)
TEXT_INPUT = 4


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component (depth first), descending into rows, sections, containers, labels."""
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            inner = comp.get(key)
            if isinstance(inner, dict):
                yield from walk_components([inner])


@dataclass(eq=False)
class EmulatedAttachment:
    """A file uploaded with a message. ``data`` holds the raw bytes."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


@dataclass(eq=False)
class MessageEdit:
    """One edit of a message: when, the raw changes, and the message state before it."""

    at: datetime
    changes: dict[str, Any]
    before: dict[str, Any]


@dataclass(eq=False)
class EmulatedMessage:
    """A message stored by the emulator. The object is live: edits update it in place."""

    id: int
    channel_id: int
    author_id: int
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    attachments: list[EmulatedAttachment] = field(default_factory=list)
    nonce: str | int | None = None
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    webhook_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    type: int = 0
    created_at: datetime = field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted: bool = False
    edits: list[MessageEdit] = field(default_factory=list)

    # -- convenience -------------------------------------------------------------------------
    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while this is a deferred ("Bot is thinking...") placeholder."""
        return bool(self.flags & LOADING)

    def snapshot(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "flags": self.flags,
            "attachments": [a.filename for a in self.attachments],
        }

    def all_components(self) -> list[dict[str, Any]]:
        return list(walk_components(self.components))

    def buttons(self) -> list[dict[str, Any]]:
        """Flat list of buttons: dicts with custom_id, label, style, disabled, emoji, url."""
        return [
            {
                "custom_id": c.get("custom_id"),
                "label": c.get("label"),
                "style": c.get("style"),
                "disabled": bool(c.get("disabled", False)),
                "emoji": c.get("emoji"),
                "url": c.get("url"),
            }
            for c in self.all_components()
            if c.get("type") == BUTTON
        ]

    def selects(self) -> list[dict[str, Any]]:
        """Flat list of select menus (raw component dicts, any select type)."""
        return [c for c in self.all_components() if c.get("type") in SELECT_TYPES]

    def button(
        self, label: str | None = None, *, custom_id_prefix: str | None = None
    ) -> dict[str, Any]:
        """Find exactly one button by exact label or custom_id prefix (AssertionError if not)."""
        found = [
            b
            for b in self.buttons()
            if (label is None or b["label"] == label)
            and (custom_id_prefix is None or (b["custom_id"] or "").startswith(custom_id_prefix))
        ]
        if len(found) != 1:
            have = [(b["label"], b["custom_id"]) for b in self.buttons()]
            raise AssertionError(
                f"expected one button label={label!r} custom_id_prefix={custom_id_prefix!r} "
                f"on message {self.id}, found {len(found)}; buttons: {have}"
            )
        return found[0]

    def text(self) -> str:
        """Content plus embed titles/descriptions/fields/footers/authors and text displays."""
        parts: list[str] = [self.content] if self.content else []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(str(embed[key]))
            for fld in embed.get("fields") or []:
                parts.append(str(fld.get("name", "")))
                parts.append(str(fld.get("value", "")))
            for key in ("footer", "author"):
                sub = embed.get(key) or {}
                if sub.get("text") or sub.get("name"):
                    parts.append(str(sub.get("text") or sub.get("name")))
        for comp in self.all_components():
            if comp.get("type") == 10 and comp.get("content"):
                parts.append(str(comp["content"]))
        return "\n".join(parts)

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        for comp in self.all_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    def __repr__(self) -> str:
        return (
            f"<EmulatedMessage id={self.id} channel={self.channel_id} flags={self.flags} "
            f"content={self.content[:60]!r} embeds={len(self.embeds)} "
            f"buttons={[b['custom_id'] for b in self.buttons()]}>"
        )
