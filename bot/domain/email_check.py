"""The outreach-email checker: a draft against the 5-Point Email rules.

Seven rules, always reported in this order (ids are stable). They check the five points of
the 5-Point Email (short, no jobs, connection first, interest stated broadly, the student keeps
control of the follow-up) plus two habits the method asks for (end with a question; more about
them than about you):

``word_count``
    The draft has at most ``word_limit`` words. PRODUCT says "fewer than 100"; the
    limit is treated as the maximum allowed, so exactly ``word_limit`` words passes.
    Everything pasted is counted, greeting and sign-off included. A word is a run of
    letters or digits; an apostrophe or hyphen inside a word keeps it one word
    ("I'm", "I’m", "e-mail"), so "15–20" (en dash) is two words.
``connection_early``
    A connection cue (``connection_words``) starts within the first
    ``connection_window`` words of the draft. Words are counted from the very start,
    greeting included; sentences are not used because abbreviations ("Ms. Lee") make
    them unreliable.
``no_job_words``
    No job word (``job_words``) appears. Matching is by whole words, ignoring case
    and accents, so "CV", "cv" and "résumé"/"resume" match but "jobsite" does not
    match "job". Each part of a hyphenated word is a word for this rule, so
    "job-hunting" matches "job".
``interest_broad``
    No narrow ask (``narrow_interest_phrases``, e.g. "a position on your team", "an internship
    in your", "a role as"): the student asks to learn about the person's work and field, not
    for one role or team.
``asks_question``
    The draft ends with a question. Heuristic: the text is cut into lines and
    sentences; the sign-off is the last closing ("Best,", "Thanks!", "Best, Sam",
    "Thank you for your time.") among the final six pieces, and it and everything
    after it (the signature) are dropped. Without a closing, trailing short lines
    that look like a signature (at most four words, no "?" and no final "." or "!")
    are dropped. Thank-you sentences just before the sign-off ("Thank you so much
    for your time!") are dropped too. The check passes when one of the last two
    remaining pieces contains "?", so one more sentence after the question is
    tolerated. A "?" in the sign-off or signature does not count.
``follow_up_control``
    No phrase that leaves the next move to the other person (``passive_follow_up_phrases``,
    e.g. "I look forward to hearing from you", "at your convenience", "I am available any
    time"): the student ends on a yes/no question they can follow up on, or says when they
    will follow up, so a silence is theirs to act on (3B7).
``about_them``
    Second-person words (you, your, yours, yourself, yourselves, and contractions
    such as "you're") outnumber first-person ones (I, me, my, mine, myself, and "I'm",
    "I’d"...). "We/us/our" count for neither side. A near miss (a tie, or at most
    ``ABOUT_THEM_MARGIN`` more first-person words, with at least one "you") passes with a
    hint (⚠️): a short request has to say who is writing and what interests them (the
    5-Point Email's "interest stated broadly"), and that sentence alone tips the count; this
    habit is not one of the five points. A draft with no "you" at all, or clearly more about
    the writer, fails. The reason quotes the sentence with the most first-person words, the
    one to turn toward them.

The word lists (``job_words``, ``connection_words``, ``narrow_interest_phrases``,
``passive_follow_up_phrases``) come from the rules object, which :mod:`bot.content` fills
from ``data/outreach_email.toml``: they are kept there only. The two phrase lists default
to empty (the rule then always passes) so a hand-built rules object stays short; the loader
requires them.

Each failing reason says what to change and quotes the words of the draft at fault; the
quotes are raw draft text (the ui escapes them).

Matching for the word lists is case-insensitive, accent-insensitive and treats
’ ‘ ʼ as '. An entry may be a phrase ("graduate of"); it then matches those words
in a row. An empty draft fails every rule with the same reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

DEFAULT_WORD_LIMIT = 100
DEFAULT_CONNECTION_WINDOW = 30
ABOUT_THEM_MARGIN = 2
"""At most this many more I/me/my than you/your (with at least one "you") is a near miss:
``about_them`` passes with a hint instead of failing."""

RULE_IDS: tuple[str, ...] = (
    "word_count",
    "connection_early",
    "no_job_words",
    "interest_broad",
    "asks_question",
    "follow_up_control",
    "about_them",
)

_TITLES: dict[str, str] = {
    "word_count": "Short enough",
    "connection_early": "Connection named early",
    "no_job_words": "No mention of jobs",
    "interest_broad": "Interest stated broadly",
    "asks_question": "Ends with a question",
    "follow_up_control": "You keep control of the follow-up",
    "about_them": "More about them than about you",
}

_EMPTY_REASON = "Nothing to check yet — paste your draft."

_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves"})

_CLOSINGS: tuple[str, ...] = (
    "best",
    "best regards",
    "best wishes",
    "all the best",
    "regards",
    "kind regards",
    "warm regards",
    "warmest regards",
    "warmly",
    "sincerely",
    "yours sincerely",
    "sincerely yours",
    "yours truly",
    "respectfully",
    "cheers",
    "thanks",
    "thanks again",
    "thanks so much",
    "many thanks",
    "thank you",
    "thank you again",
    "thank you so much",
    "thanks for your time",
    "thank you for your time",
    "thanks for your consideration",
    "thank you for your consideration",
    "with thanks",
    "with gratitude",
    "gratefully",
    "take care",
)
_SIGNOFF_SEARCH = 6
_SIGNATURE_MAX_WORDS = 4
_TAIL_PIECES = 2

_APOSTROPHES = "'’‘ʼ"
_HYPHENS = "-‐‑"
_JOINERS = re.escape(_APOSTROPHES + _HYPHENS)
_WORD_RE = re.compile(rf"[^\W_]+(?:[{_JOINERS}][^\W_]+)*")
_HYPHEN_RE = re.compile(rf"[{re.escape(_HYPHENS)}]")
_SENTENCE_END_RE = re.compile(r"[.!?…？]+[\"'”’)\]]*(?=\s)")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "e.g", "i.e"})


@dataclass(frozen=True, kw_only=True)
class EmailRules:
    """The checker's settings. The word lists live only in ``data/outreach_email.toml``
    (:func:`bot.content.load_email_rules` reads them); the numbers default to the usual ones."""

    job_words: tuple[str, ...]
    connection_words: tuple[str, ...]
    narrow_interest_phrases: tuple[str, ...] = ()
    passive_follow_up_phrases: tuple[str, ...] = ()
    word_limit: int = DEFAULT_WORD_LIMIT
    connection_window: int = DEFAULT_CONNECTION_WINDOW

    def __post_init__(self) -> None:
        if self.word_limit < 1:
            raise ValueError(f"word_limit must be >= 1, got {self.word_limit}")
        if self.connection_window < 1:
            raise ValueError(f"connection_window must be >= 1, got {self.connection_window}")
        # Accept lists from a loader but keep the dataclass hashable.
        object.__setattr__(self, "job_words", tuple(self.job_words))
        object.__setattr__(self, "connection_words", tuple(self.connection_words))
        object.__setattr__(self, "narrow_interest_phrases", tuple(self.narrow_interest_phrases))
        object.__setattr__(self, "passive_follow_up_phrases", tuple(self.passive_follow_up_phrases))


@dataclass(frozen=True)
class RuleVerdict:
    """One rule's result: a stable id, a title, pass/fail and a one-line reason. A passing
    verdict may carry a ``hint``: it passes, and the reason suggests an optional change."""

    rule: str
    title: str
    passed: bool
    reason: str
    hint: bool = False

    @property
    def mark(self) -> str:
        """✅ passed, ⚠️ passed with a hint, ❌ failed."""
        if not self.passed:
            return "❌"
        return "⚠️" if self.hint else "✅"


class _Part(NamedTuple):
    """A word, or one part of a hyphenated word, with its position in the text."""

    folded: str
    word_index: int
    start: int
    end: int


def _fold(text: str) -> str:
    """Case- and accent-insensitive form with one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for apostrophe in _APOSTROPHES[1:]:
        stripped = stripped.replace(apostrophe, "'")
    return stripped


def _has_question_mark(text: str) -> bool:
    return "?" in text or "？" in text


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def count_words(text: str) -> int:
    """Count words: runs of letters/digits; inner apostrophes and hyphens join."""
    return sum(1 for _ in _WORD_RE.finditer(_normalize(text)))


def _parts(text: str) -> list[_Part]:
    parts: list[_Part] = []
    for index, match in enumerate(_WORD_RE.finditer(text)):
        offset = match.start()
        for piece in _HYPHEN_RE.split(match.group()):
            parts.append(_Part(_fold(piece), index, offset, offset + len(piece)))
            offset += len(piece) + 1
    return parts


@lru_cache(maxsize=1024)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(part.folded for part in _parts(_normalize(phrase)))


def _find_phrase(parts: list[_Part], phrase: str) -> list[tuple[int, int]]:
    """Return (first, last) part indices of each whole-word occurrence of ``phrase``."""
    wanted = _phrase_words(phrase)
    if not wanted:
        return []
    size = len(wanted)
    return [
        (i, i + size - 1)
        for i in range(len(parts) - size + 1)
        if tuple(part.folded for part in parts[i : i + size]) == wanted
    ]


def _quote(text: str) -> str:
    return f"“{' '.join(text.split())}”"


def _clip(text: str, head: int = 45, tail: int = 30) -> str:
    """Shorten long text in the middle so both its start and its "?" stay visible."""
    flat = " ".join(text.split())
    if len(flat) <= head + tail + 3:
        return flat
    start = flat[:head].rsplit(" ", 1)[0] if " " in flat[:head] else flat[:head]
    end = flat[-tail:].split(" ", 1)[-1]
    return f"{start} … {end}"


def _verdict(rule: str, passed: bool, reason: str) -> RuleVerdict:
    return RuleVerdict(rule=rule, title=_TITLES[rule], passed=passed, reason=reason)


def _check_word_count(words: int, rules: EmailRules) -> RuleVerdict:
    limit = rules.word_limit
    if words <= limit:
        return _verdict("word_count", True, f"{words} words; the limit is {limit}.")
    return _verdict(
        "word_count", False, f"{words} words; the limit is {limit} — cut {words - limit}."
    )


def _check_connection(text: str, parts: list[_Part], rules: EmailRules) -> RuleVerdict:
    window = rules.connection_window
    best: tuple[int, str] | None = None
    for cue in rules.connection_words:
        for first, last in _find_phrase(parts, cue):
            found = (parts[first].word_index, text[parts[first].start : parts[last].end])
            if best is None or found[0] < best[0]:
                best = found
            break
    if best is None:
        return _verdict(
            "connection_early",
            False,
            f"No connection found — open with how you are connected (a fellow alum, "
            f"who referred you, where you met) within the first {window} words.",
        )
    word_number, cue_text = best[0] + 1, best[1]
    if best[0] < window:
        return _verdict(
            "connection_early",
            True,
            f"Names your connection early: {_quote(cue_text)} at word {word_number}.",
        )
    return _verdict(
        "connection_early",
        False,
        f"Your connection ({_quote(cue_text)}) first appears at word {word_number} — "
        f"name it within the first {window} words.",
    )


def _quoted_hits(text: str, parts: list[_Part], phrases: tuple[str, ...]) -> list[str]:
    """Each list entry found in the draft, quoted as written, once, in order of appearance."""
    hits: list[tuple[int, str]] = []
    for phrase in phrases:
        for first, last in _find_phrase(parts, phrase):
            hits.append((parts[first].start, text[parts[first].start : parts[last].end]))
    found: list[str] = []
    seen: set[str] = set()
    for _, hit in sorted(hits):
        key = _fold(" ".join(hit.split()))  # as quoted: "cover  letter" is "cover letter"
        if key not in seen:
            seen.add(key)
            found.append(_quote(hit))
    return found


def _check_job_words(text: str, parts: list[_Part], rules: EmailRules) -> RuleVerdict:
    found = _quoted_hits(text, parts, rules.job_words)
    if not found:
        return _verdict("no_job_words", True, "No job words — the request is about their advice.")
    return _verdict(
        "no_job_words",
        False,
        f"Mentions {', '.join(found)} — leave jobs out of a first request.",
    )


def _check_interest(text: str, parts: list[_Part], rules: EmailRules) -> RuleVerdict:
    found = _quoted_hits(text, parts, rules.narrow_interest_phrases)
    if not found:
        return _verdict(
            "interest_broad", True, "Asks about their work and field, not for one role or team."
        )
    return _verdict(
        "interest_broad",
        False,
        f"Narrow ask: {', '.join(found)} — ask to learn about their work and path instead, "
        "e.g. “Would you have 20 minutes to talk about how you got into this field?”",
    )


def _it_or_them(found: list[str]) -> str:
    return "it" if len(found) == 1 else "them"


def _check_follow_up(text: str, parts: list[_Part], rules: EmailRules) -> RuleVerdict:
    found = _quoted_hits(text, parts, rules.passive_follow_up_phrases)
    if not found:
        return _verdict(
            "follow_up_control",
            True,
            "Nothing leaves the next move to them: if they don't reply, you follow up.",
        )
    return _verdict(
        "follow_up_control",
        False,
        f"Leaves the next move to them: {', '.join(found)} — cut {_it_or_them(found)} and end "
        "on a yes/no question, e.g. “Would you have 20 minutes next week?”, or say when you "
        "will follow up.",
    )


class _Piece(NamedTuple):
    """A sentence or line fragment and the line it is on."""

    line: int
    text: str


def _segments(text: str) -> list[_Piece]:
    """Cut the text into lines, then sentences, skipping common abbreviations."""
    pieces: list[_Piece] = []
    for line_number, line in enumerate(text.splitlines()):
        start = 0
        for match in _SENTENCE_END_RE.finditer(line):
            before = line[start : match.start()].split()
            last_word = _fold(before[-1]) if before else ""
            if match.group() == "." and last_word in _ABBREVIATIONS:
                continue
            piece = line[start : match.end()].strip()
            if piece:
                pieces.append(_Piece(line_number, piece))
            start = match.end()
        piece = line[start:].strip()
        if piece:
            pieces.append(_Piece(line_number, piece))
    return pieces


def _is_closing(piece: str) -> bool:
    """A sign-off such as "Best,", "Thanks!", "Cheers?" or "Best, Sam"."""
    words = [part.folded for part in _parts(piece)]
    for closing in _CLOSINGS:
        closing_words = closing.split()
        if words == closing_words:
            return True
        size = len(closing_words)
        if (
            words[:size] == closing_words
            and len(words) - size <= _SIGNATURE_MAX_WORDS
            and not _has_question_mark(piece)
        ):
            pattern = r"^\W*" + r"\W+".join(map(re.escape, closing_words)) + r"\s*[,!.—–-]"
            if re.match(pattern, _fold(piece)):
                return True
    return False


def _looks_like_signature(piece: str) -> bool:
    return (
        not _has_question_mark(piece)
        and count_words(piece) <= _SIGNATURE_MAX_WORDS
        and not piece.rstrip().endswith((".", "!"))
    )


def _is_signoff(pieces: list[_Piece], index: int) -> bool:
    """A closing that ends its line, or is followed on its line only by a name."""
    if not _is_closing(pieces[index].text):
        return False
    line = pieces[index].line
    rest = [piece.text for piece in pieces[index + 1 :] if piece.line == line]
    return all(_looks_like_signature(text) for text in rest)


def _is_thanks(piece: str) -> bool:
    """A thank-you sentence without a question, e.g. "Thank you for your time!"."""
    words = [part.folded for part in _parts(piece)]
    starts_with_thanks = words[:1] in (["thank"], ["thanks"]) or words[:2] == ["many", "thanks"]
    return starts_with_thanks and not _has_question_mark(piece)


def _body_pieces(text: str) -> list[str]:
    """The pieces before the sign-off and signature (see the module docstring)."""
    pieces = _segments(text)
    body = [piece.text for piece in pieces]
    first_searched = max(0, len(pieces) - _SIGNOFF_SEARCH)
    for index in range(len(pieces) - 1, first_searched - 1, -1):
        if _is_signoff(pieces, index):
            body = body[:index]
            break
    else:
        while body and _looks_like_signature(body[-1]):
            body.pop()
    while body and _is_thanks(body[-1]):
        body.pop()
    return body


def _check_question(text: str) -> RuleVerdict:
    body = _body_pieces(text)
    questions = [index for index, piece in enumerate(body) if _has_question_mark(piece)]
    if not questions:
        return _verdict(
            "asks_question",
            False,
            "No question before the sign-off — end by asking, e.g. “Would you have "
            "20 minutes to talk about your work?”",
        )
    last = questions[-1]
    quoted = _quote(_clip(body[last]))
    after = len(body) - 1 - last
    if after < _TAIL_PIECES:
        return _verdict("asks_question", True, f"Ends with a question: {quoted}")
    return _verdict(
        "asks_question",
        False,
        f"Your last question ({quoted}) has {after} sentences after it — finish on it.",
    )


def _person_counts(parts: list[_Part]) -> tuple[int, int]:
    """(second-person words, first-person words); a hyphenated word counts once."""
    you = me = 0
    seen_words: set[int] = set()
    for part in parts:
        if part.word_index in seen_words:
            continue
        seen_words.add(part.word_index)
        base = part.folded.split("'")[0]
        you += base in _SECOND_PERSON
        me += base in _FIRST_PERSON
    return you, me


def _most_about_me(text: str) -> str | None:
    """The first sentence with the most first-person words, or None when there is none."""
    best: tuple[int, str] | None = None
    for piece in _segments(text):
        me = _person_counts(_parts(piece.text))[1]
        if me and (best is None or me > best[0]):
            best = (me, piece.text)
    return None if best is None else best[1]


def _check_about_them(text: str, parts: list[_Part]) -> RuleVerdict:
    you, me = _person_counts(parts)
    counts = f"{you} you/your vs {me} I/me/my"
    if you > me:
        return _verdict("about_them", True, f"{counts} — more about them than about you.")
    sentence = _most_about_me(text)
    if sentence is None:
        change = "add a line about them and their work, e.g. “your talk on accessible design”."
    else:
        change = f"turn {_quote(_clip(sentence))} toward them and their work."
    if you and me - you <= ABOUT_THEM_MARGIN:
        return RuleVerdict(
            rule="about_them",
            title=_TITLES["about_them"],
            passed=True,
            reason=f"{counts} — close enough, this passes. If you want, {change}",
            hint=True,
        )
    verdict = "a tie" if you == me else "more about you"
    return _verdict("about_them", False, f"{counts} — {verdict}: {change}")


def check_email(text: str, rules: EmailRules) -> list[RuleVerdict]:
    """Check a draft against the rules; always one verdict per rule, in ``RULE_IDS`` order."""
    text = _normalize(text)
    parts = _parts(text)
    if not parts:
        return [_verdict(rule, False, _EMPTY_REASON) for rule in RULE_IDS]
    return [
        _check_word_count(count_words(text), rules),
        _check_connection(text, parts, rules),
        _check_job_words(text, parts, rules),
        _check_interest(text, parts, rules),
        _check_question(text),
        _check_follow_up(text, parts, rules),
        _check_about_them(text, parts),
    ]
