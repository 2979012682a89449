"""Text helpers at the bottom of the import graph (no discord imports).

Users' text inside the bot's Discord markdown, escaped so that it reads exactly as typed.

``discord.utils.escape_markdown`` treats anything shaped like ``[a](b) … (c)`` as one masked
link and escapes only its first character, so the markup in between (``**bold**``, spoilers,
code) stays live: a name such as ``[x](y) **bold** (z)`` would restyle the bot's message. This
escapes every markup character on its own (and ``[``, so no masked link forms); web links are
left whole so they stay clickable, as discord.py does.
"""

from __future__ import annotations

import re
from datetime import date

# The link forms discord.py leaves alone: <scheme:/...> and bare http(s)/steam URLs.
_URL = r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]"
_MARKUP = re.compile(
    rf"(?P<url>{_URL})|(?P<char>[\\*_~|`\[])|^(?P<indent>[ \t]*)(?P<lead>[>#-])",
    re.MULTILINE,
)


def _escape(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"]
    if match["char"]:
        return "\\" + match["char"]
    return match["indent"] + "\\" + match["lead"]


def escape_markdown(text: str) -> str:
    """``text`` with every markdown character escaped (at most twice as long): emphasis,
    spoilers, code, masked links, and quotes, headings, subtext and lists at a line's start."""
    return _MARKUP.sub(_escape, text)


def long_date(day: date) -> str:
    """``Friday 4 December 2026``: how the bot writes a day in its messages."""
    return f"{day:%A} {day.day} {day:%B %Y}"
