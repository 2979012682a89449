"""Pointers from a reply to the ``/help`` glossary: the first mention of a method term in a
reply gets `` (`/help topic:3b7`)`` after it, so a student meeting "3B7" or "TIARA" knows where
it is explained.

Kept light: only the terms marked ``link = true`` in ``data/glossary.toml`` (the method's own
words: LAMP, 5-Point Email, 3B7, TIARA, booster/obligate/curmudgeon; not everyday words such as
"time zone" or "referral") get a pointer, at most :data:`MAX_POINTERS` per reply (further terms
get none), and never for a mention inside brackets (a command's argument such as "/followup
draft (referral intro)" or an aside) or inside code, links or URLs.

A term is mentioned by its name (``3B7 routine``; ``Booster, obligate, curmudgeon`` is three
names; a part in brackets is left out), in any case and with a plural ``s``, or by a coined word
of its name or aliases (one with a digit or in capitals: ``3B7``, ``5-Point``, ``LAMP``,
``TIARA``, ``3b``, ``7b``), capitals matched as written. Only the first mention of each term in
a whole reply is linked; a mention already followed by its pointer is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from bot.content import GlossaryEntry

_PROTECTED = re.compile(
    r"```.*?```|`[^`\n]*`|\[[^\]\n]*\]\([^)\s]*\)|<[^>\s]*>|(?:https?|steam)://\S+", re.DOTALL
)
"""Code blocks and spans, masked links, <links, mentions, emoji> and bare URLs."""
_CLOSING = re.compile(r"[*_~]*")
_ALREADY = re.compile(r"[*_~]*\s*\(`/help\b")


def pointer(entry: GlossaryEntry) -> str:
    return f" (`/help topic:{entry.id}`)"


def _coined(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return any(ch.isdigit() for ch in word) or (len(letters) >= 2 and word.isupper())


def mention_forms(entry: GlossaryEntry) -> tuple[str, ...]:
    """What counts as a mention of ``entry`` (see the module's notes)."""
    name = re.sub(r"\s*\([^)]*\)", "", entry.term)
    forms = [part.strip() for part in name.split(",") if part.strip()]
    words = [w.strip(".,;:!?") for w in (*entry.term.split(), *entry.aliases)]
    forms += [w for w in words if _coined(w)]
    unique = dict.fromkeys(forms)  # in order, once
    return tuple(sorted(unique, key=len, reverse=True))


def _pattern(forms: Iterable[str]) -> re.Pattern[str]:
    parts = [
        f"(?-i:{re.escape(form)})" if form.isupper() else re.escape(form).replace(r"\ ", r"\s+")
        for form in forms
    ]
    return re.compile(rf"(?<![\w/:-])(?:{'|'.join(parts)})s?(?![\w-])", re.IGNORECASE)


_Compiled = tuple[tuple[tuple[GlossaryEntry, re.Pattern[str]], ...], re.Pattern[str] | None]


@lru_cache(maxsize=16)
def _compiled(glossary: tuple[GlossaryEntry, ...]) -> _Compiled:
    """Each linkable entry with its pattern, and one pattern matching any of their mentions (a
    text it does not match has nothing to link). Built once per glossary: every checklist
    render links each of its lines, and building these per reply cost more than the render."""
    entries = tuple(
        (entry, _pattern(forms))
        for entry in glossary
        if entry.link and (forms := mention_forms(entry))
    )
    every_form = [form for entry, _ in entries for form in mention_forms(entry)]
    return entries, (_pattern(sorted(set(every_form), key=len, reverse=True)) if entries else None)


MAX_POINTERS = 2
"""Pointers one reply may carry; terms met after that get none."""


def _inside_brackets(whole: str, at: int) -> bool:
    """Whether position ``at`` of ``whole`` is inside an open round bracket on its line."""
    line = whole[whole.rfind("\n", 0, at) + 1 : at]
    return line.count("(") > line.count(")")


class GlossaryLinker:
    """Links the first mention of each linkable term over every text of one reply (call
    :meth:`link` on each part in reading order), at most ``limit`` pointers in all (None: no
    limit)."""

    def __init__(
        self, glossary: Sequence[GlossaryEntry], *, limit: int | None = MAX_POINTERS
    ) -> None:
        self._entries, self._any = _compiled(tuple(glossary))
        self.linked: set[str] = set()
        """Ids of the terms already pointed to (or already carrying a pointer, or met after
        the limit)."""
        self.limit = limit
        self.pointers = 0
        """Pointers this reply carries so far (added or already there)."""

    def link(self, text: str) -> str:
        out: list[str] = []
        position = 0
        for protected in _PROTECTED.finditer(text):
            out.append(self._link_plain(text[position : protected.start()], text, position))
            out.append(protected.group())
            position = protected.end()
        out.append(self._link_plain(text[position:], text, position))
        return "".join(out)

    def _link_plain(self, segment: str, whole: str, offset: int) -> str:
        if self._any is None or self._any.search(segment) is None:
            return segment  # no term mentioned (most lines): nothing to do
        found: list[tuple[int, int, GlossaryEntry]] = []
        for entry, pattern in self._entries:
            if entry.id in self.linked:
                continue
            for match in pattern.finditer(segment):
                # the first mention outside brackets (or one already carrying its pointer)
                already = _ALREADY.match(whole, offset + match.end()) is not None
                if already or not _inside_brackets(whole, offset + match.start()):
                    found.append((match.start(), -len(match.group()), entry))
                    break
        inserts: list[tuple[int, str]] = []
        taken_until = -1
        for start, negative_length, entry in sorted(found, key=lambda f: (f[0], f[1])):
            end = start - negative_length
            if start < taken_until:
                continue  # inside a longer mention of another term
            taken_until = end
            if _ALREADY.match(whole, offset + end):
                self.linked.add(entry.id)
                self.pointers += 1
                continue
            self.linked.add(entry.id)
            if self.limit is not None and self.pointers >= self.limit:
                continue
            self.pointers += 1
            closing = _CLOSING.match(segment, end)
            after = closing.end() if closing is not None else end
            if segment.startswith(" (", after):
                # "quiet hours (21:00–08:00)" reads better as one bracket than two:
                # "quiet hours (`/help topic:quiet-hours`; 21:00–08:00)"
                inserts.append((after + 2, f"`/help topic:{entry.id}`; "))
            else:
                inserts.append((after, pointer(entry)))
        for at, text in sorted(inserts, reverse=True):
            segment = segment[:at] + text + segment[at:]
        return segment


def link_first_mentions(text: str, glossary: Sequence[GlossaryEntry]) -> str:
    """``text`` with the first mention of each linkable glossary term pointing to its
    ``/help`` topic (at most :data:`MAX_POINTERS`)."""
    return GlossaryLinker(glossary).link(text)
