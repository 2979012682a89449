"""Property tests for the outreach-email checker (bot.domain.email_check)."""

from __future__ import annotations

import random
import string
from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config import DEFAULT_DATA_DIR
from bot.content import load_email_rules
from bot.domain.email_check import (
    ABOUT_THEM_MARGIN,
    RULE_IDS,
    EmailRules,
    check_email,
    count_words,
)

RULES = load_email_rules(DEFAULT_DATA_DIR / "outreach_email.toml")  # the shipped word lists
JOB_WORDS = RULES.job_words
CONNECTION_WORDS = RULES.connection_words
NARROW_PHRASES = RULES.narrow_interest_phrases
PASSIVE_PHRASES = RULES.passive_follow_up_phrases

# Pieces a pasted draft may contain: words the rules look for, hostile characters, markdown.
_VOCABULARY = (
    *JOB_WORDS,
    *CONNECTION_WORDS,
    *NARROW_PHRASES,
    *PASSIVE_PHRASES,
    "Dear",
    "Ms.",
    "Dr.",
    "you",
    "your",
    "you're",
    "I",
    "I’m",
    "me",
    "my",
    "we",
    "e-mail",
    "15–20",
    "jobsite",
    "résumé",
    "RÉSUMÉ",
    "Best,",
    "Thanks!",
    "Thank you for your time.",
    "Would you have 20 minutes?",
    "？",
    "…",
    "@everyone",
    "@here",
    "<@&123456789012345678>",
    "<@!42>",
    "<#1>",
    "**bold**",
    "__under__",
    "`code`",
    "```block```",
    "> quote",
    "||spoiler||",
    "[link](https://example.com)",
    "Robert'); DROP TABLE students;--",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2067",
    "مرحبا",
    "שלום",
    "😀",
    "👩‍💻",
    "🇺🇸",
    "e\u0301",
    "\u0301",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\u2028",
    "\x85",
)
_SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", ", ", ". ", "? ", "! ", "-", "'", ""])

drafts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.lists(
        st.tuples(st.sampled_from(_VOCABULARY) | st.text(max_size=12), _SEPARATORS),
        max_size=60,
    ).map(lambda pairs: "".join(word + sep for word, sep in pairs)),
)
"""Random text, and random drafts built from words the rules care about and hostile pieces."""

rules_strategy = st.builds(
    EmailRules,
    word_limit=st.integers(1, 1000),
    job_words=st.lists(st.sampled_from(JOB_WORDS) | st.text(min_size=1), min_size=1),
    connection_words=st.lists(st.sampled_from(CONNECTION_WORDS) | st.text(min_size=1), min_size=1),
    connection_window=st.integers(1, 1000),
    narrow_interest_phrases=st.lists(st.sampled_from(NARROW_PHRASES) | st.text(min_size=1)),
    passive_follow_up_phrases=st.lists(st.sampled_from(PASSIVE_PHRASES) | st.text(min_size=1)),
)

plain_words = st.text(alphabet=string.ascii_letters + "àéîõüßçñ", min_size=1, max_size=12)


def _rule(text: str, rule: str, rules: EmailRules = RULES) -> bool:
    return next(v for v in check_email(text, rules) if v.rule == rule).passed


def _random_case(word: str, flips: list[bool]) -> str:
    return "".join(ch.upper() if flips[i % len(flips)] else ch.lower() for i, ch in enumerate(word))


@settings(max_examples=200, deadline=None)  # the 10,000-character examples take ~0.1 s
@given(text=drafts, rules=st.just(RULES) | rules_strategy)
@example(text="", rules=RULES)
@example(text="\u200b\u200f\u202e \n\t", rules=RULES)
@example(text="x" * 10_000, rules=RULES)
@example(text="word " * 2_000, rules=RULES)
@example(text="@everyone <@&1> **you** ?" * 400, rules=RULES)
def test_never_raises_and_always_reports_every_rule_in_order(text: str, rules: EmailRules) -> None:
    verdicts = check_email(text, rules)
    assert [v.rule for v in verdicts] == list(RULE_IDS)
    for verdict in verdicts:
        assert verdict.title
        assert verdict.reason
        assert len(verdict.reason.splitlines()) == 1  # one line, whatever was pasted


@settings(max_examples=200, deadline=None)
@given(text=drafts, word=plain_words)
def test_word_count_is_non_negative_and_grows_by_one_per_appended_word(
    text: str, word: str
) -> None:
    before = count_words(text)
    assert before >= 0
    assert count_words(text + " " + word) == before + 1
    assert count_words(text + "\n" + word + " " + word) == before + 2


@settings(max_examples=200, deadline=None)
@given(text=drafts, limit=st.integers(1, 150))
def test_word_count_rule_passes_iff_count_within_limit(text: str, limit: int) -> None:
    words = count_words(text)
    passed = _rule(text, "word_count", replace(RULES, word_limit=limit))
    # An empty draft (no words at all) fails every rule, the word count included.
    assert passed == (0 < words <= limit)
    if words == 0:
        assert not any(v.passed for v in check_email(text, RULES))
        assert len({v.reason for v in check_email(text, RULES)}) == 1


@settings(max_examples=200, deadline=None)
@given(text=drafts)
def test_job_word_detection_ignores_case(text: str) -> None:
    swapped = "".join(ch.swapcase() if ch.isascii() else ch for ch in text)
    assert _rule(text, "no_job_words") == _rule(swapped, "no_job_words")


@settings(max_examples=200, deadline=None)
@given(
    text=drafts,
    job_word=st.sampled_from(JOB_WORDS),
    flips=st.lists(st.booleans(), min_size=1, max_size=8),
    at_start=st.booleans(),
)
@example(text="A short note. Would you have time?", job_word="résumé", flips=[True], at_start=False)
def test_adding_a_job_word_to_a_passing_email_fails_that_rule(
    text: str, job_word: str, flips: list[bool], at_start: bool
) -> None:
    if not _rule(text, "no_job_words"):
        text = "Hello, would you have 20 minutes to talk?"
    assert _rule(text, "no_job_words")
    word = _random_case(job_word, flips)
    with_job = f"{word} {text}" if at_start else f"{text} {word}"
    verdict = next(v for v in check_email(with_job, RULES) if v.rule == "no_job_words")
    assert not verdict.passed
    assert word.casefold().split()[0] in verdict.reason.casefold()


@settings(max_examples=100, deadline=None)
@given(
    job_word=st.sampled_from([w for w in JOB_WORDS if " " in w]),
    separators=st.lists(st.sampled_from([" ", "  ", "\n", " \n ", "\t"]), min_size=1, max_size=6),
)
@example(job_word="cover letter", separators=[" ", "  "])
def test_each_job_word_is_named_once_in_the_reason(job_word: str, separators: list[str]) -> None:
    first, second = job_word.split(" ", 1)
    text = " and ".join(f"{first}{sep}{second}" for sep in separators) + ". Any advice?"
    reason = next(v for v in check_email(text, RULES) if v.rule == "no_job_words").reason
    assert reason.count(f"“{job_word}”") == 1, reason


_PASSING = (
    "Hi Dana, fellow alum here: your talk on your work stayed with me. "
    "Would you have 20 minutes next week?\n\nBest,\nSam"
)


@settings(max_examples=100, deadline=None)
@given(
    phrase=st.sampled_from(NARROW_PHRASES),
    flips=st.lists(st.booleans(), min_size=1, max_size=8),
    separator=st.sampled_from([" ", "  ", "\n", "\t"]),
)
def test_any_narrow_ask_fails_interest_broad_and_is_quoted(
    phrase: str, flips: list[bool], separator: str
) -> None:
    assert all(v.passed for v in check_email(_PASSING, RULES))
    written = separator.join(_random_case(phrase, flips).split(" "))
    text = _PASSING.replace("stayed with me.", f"stayed with me; {written} would be great.")
    verdicts = {v.rule: v for v in check_email(text, RULES)}
    assert not verdicts["interest_broad"].passed
    assert f"“{' '.join(written.split())}”" in verdicts["interest_broad"].reason
    assert verdicts["follow_up_control"].passed


@settings(max_examples=100, deadline=None)
@given(
    phrase=st.sampled_from(PASSIVE_PHRASES),
    flips=st.lists(st.booleans(), min_size=1, max_size=8),
    curly=st.booleans(),
)
def test_any_passive_phrase_fails_follow_up_control_and_is_quoted(
    phrase: str, flips: list[bool], curly: bool
) -> None:
    written = _random_case(phrase, flips)
    if curly:
        written = written.replace("'", "’")
    text = _PASSING.replace("next week?", f"next week? {written}.")
    verdicts = {v.rule: v for v in check_email(text, RULES)}
    assert not verdicts["follow_up_control"].passed
    assert f"“{written}”" in verdicts["follow_up_control"].reason
    assert verdicts["interest_broad"].passed


@settings(max_examples=200, deadline=None)
@given(you=st.integers(0, 12), me=st.integers(0, 12), order=st.randoms(use_true_random=False))
def test_about_them_passes_when_you_outnumbers_i_and_hints_on_a_near_miss(
    you: int, me: int, order: random.Random
) -> None:
    words = ["you"] * you + ["my"] * me + ["we", "talk"]
    order.shuffle(words)
    verdict = next(v for v in check_email(" ".join(words) + "?", RULES) if v.rule == "about_them")
    near_miss = you >= 1 and you <= me <= you + ABOUT_THEM_MARGIN
    assert verdict.passed is (you > me or near_miss)
    assert verdict.hint is near_miss
    assert verdict.reason.startswith(f"{you} you/your vs {me} I/me/my — ")
