"""The drafts (thank-you, 7B follow-up, referral intro, report-back, keep-in-touch): golden texts
for a fixed contact with the shipped templates, the email checker's verdict for the outreach
ones (default rules and a word limit of 75, long names included), and the filling rules."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.domain.contacts import Connection
from bot.domain.drafts import (
    NO_TAKEAWAY,
    DraftFacts,
    DraftKind,
    compose,
    connection_line_name,
    salutation,
    takeaway_prompt,
    tidy,
)
from bot.domain.email_check import check_email, count_words

DATA = Path(__file__).resolve().parents[2] / "data"
TAKEAWAYS = (
    "- Take the free SQL for healthcare data course she mentioned.\n"
    "- Ask Jordan about the analytics rotation"
)
FACTS = DraftFacts(
    person="Priya Raman",
    organization="Northwind Health",
    takeaways=TAKEAWAYS,
)
LONG = DraftFacts(
    person="Maria Fernanda Gutiérrez-Santamaría",
    organization="Massachusetts General Hospital Department of Biomedical Informatics",
)
LONG_REFERRER = "Dana Whitfield-Okonkwo"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(DATA)


def draft(content: Content, kind: DraftKind, facts: DraftFacts = FACTS, **changes: object) -> str:
    return compose(kind, content.templates, dataclasses.replace(facts, **changes))  # type: ignore[arg-type]


def failed(content: Content, text: str, word_limit: int | None = None) -> list[str]:
    rules = content.email_rules
    if word_limit is not None:
        rules = dataclasses.replace(rules, word_limit=word_limit)
    return [v.reason for v in check_email(text, rules) if not v.passed]


# --- golden texts -------------------------------------------------------------------------------

THANK_YOU = """\
Subject: Thank you for your time

Dear [Ms./Mr./Dr. Raman or Priya],

Thank you for speaking with me yesterday about your work at Northwind Health. I especially \
appreciated your advice on [in your own words: Take the free SQL for healthcare data course she \
mentioned].

Next, I plan to [what you will do with that advice, e.g. take the course or contact the person \
they named]. I will let you know how it goes.

Thank you again for your time and generosity.

Best regards,
[Your full name]"""

FOLLOW_UP_7B = """\
Subject: Re: [subject of the first email]

Dear [Ms./Mr./Dr. Raman or Priya],

I wanted to follow up on my note below. As a fellow [school] alum, I would value your \
perspective. Would you have 15–20 minutes in the coming weeks to share how you got into your \
field and what your work at Northwind Health involves?

Best regards,
[Your full name]"""

REFERRAL_INTRO = """\
Subject: Dana Whitfield suggested I contact you

Dear [Ms./Mr./Dr. Raman or Priya],

Dana Whitfield suggested I contact you. I'm a [year] student at [school] exploring [field], and \
your path to Northwind Health is one I would love to learn from.

Would you have 15–20 minutes in the coming weeks to share how you got into your field?

Best regards,
[Your full name]"""

REPORT_BACK = """\
Subject: An update since we spoke

Dear [Ms./Mr./Dr. Raman or Priya],

When we spoke on 3 November, you suggested [in your own words: Take the free SQL for healthcare \
data course she mentioned]. I wanted to let you know that I took your advice: [what you did, \
e.g. took the course or met the person they introduced].

[What came of it, in a sentence or two, and what is next.]

Thank you again: your advice made a real difference.

Best regards,
[Your full name]"""

KEEP_IN_TOUCH = """\
Subject: Thought of our conversation

Dear [Ms./Mr./Dr. Raman or Priya],

I hope all is well at Northwind Health. I came across [an article, event or piece of news] and \
thought of our conversation about [topic]: [the link, or one line on why it may interest them].

[A short update on the search since the last note, in a sentence or two.]

Best regards,
[Your full name]"""


@pytest.mark.parametrize(
    ("kind", "changes", "expected", "length"),
    [
        (DraftKind.THANK_YOU, {"meeting_day": "yesterday"}, THANK_YOU, 489),
        (DraftKind.FOLLOW_UP_7B, {"connection": Connection.ALUMNI}, FOLLOW_UP_7B, 344),
        (
            DraftKind.REFERRAL_INTRO,
            {"connection": Connection.MUTUAL, "referrer": "Dana Whitfield"},
            REFERRAL_INTRO,
            365,
        ),
        (DraftKind.REPORT_BACK, {"meeting_day": "on 3 November"}, REPORT_BACK, 462),
        (DraftKind.KEEP_IN_TOUCH, {}, KEEP_IN_TOUCH, 371),
    ],
)
def test_golden_draft(
    content: Content, kind: DraftKind, changes: dict[str, object], expected: str, length: int
) -> None:
    text = draft(content, kind, **changes)
    assert text == expected
    assert len(text) == length


@pytest.mark.parametrize(
    ("kind", "changes", "words"),
    [
        (DraftKind.FOLLOW_UP_7B, {"connection": Connection.ALUMNI}, 64),
        (DraftKind.REFERRAL_INTRO, {"referrer": "Dana Whitfield"}, 65),
    ],
)
def test_golden_outreach_drafts_pass_the_checker(
    content: Content, kind: DraftKind, changes: dict[str, object], words: int
) -> None:
    text = draft(content, kind, **changes)
    assert count_words(text) == words
    assert failed(content, text) == []
    assert failed(content, text, word_limit=75) == []
    # the checker would notice: the same draft at a limit below its length fails only that rule
    (reason,) = failed(content, text, word_limit=words - 1)
    assert f"{words} words" in reason


CONNECTIONS = [None, *Connection]


@pytest.mark.parametrize("word_limit", [None, 75])
@pytest.mark.parametrize("referrer", [None, LONG_REFERRER])
@pytest.mark.parametrize("connection", CONNECTIONS)
def test_every_follow_up_passes_the_checker_with_long_names(
    content: Content, connection: Connection | None, referrer: str | None, word_limit: int | None
) -> None:
    text = draft(content, DraftKind.FOLLOW_UP_7B, LONG, connection=connection, referrer=referrer)
    assert failed(content, text, word_limit) == [], text
    assert count_words(text) <= 72  # room under 75 for the student's edits


@pytest.mark.parametrize("word_limit", [None, 75])
@pytest.mark.parametrize("connection", CONNECTIONS)
def test_every_referral_intro_passes_the_checker_with_long_names(
    content: Content, connection: Connection | None, word_limit: int | None
) -> None:
    text = draft(
        content, DraftKind.REFERRAL_INTRO, LONG, connection=connection, referrer=LONG_REFERRER
    )
    assert text.startswith(f"Subject: {LONG_REFERRER} suggested I contact you\n")
    assert f"\n{LONG_REFERRER} suggested I contact you." in text
    assert failed(content, text, word_limit) == [], text


def test_the_follow_up_names_the_connection_the_contact_has(content: Content) -> None:
    referred = draft(
        content, DraftKind.FOLLOW_UP_7B, connection=Connection.MUTUAL, referrer="Dana Whitfield"
    )
    assert "Dana Whitfield suggested you would be a great person to ask." in referred
    group = draft(content, DraftKind.FOLLOW_UP_7B, connection=Connection.GROUP)
    assert "As a fellow member of [group]" in group
    cold = draft(content, DraftKind.FOLLOW_UP_7B, connection=None)
    assert "I read your article on [topic]" in cold
    assert connection_line_name(None, referred=False) == "connection.cold"
    assert connection_line_name(Connection.ALUMNI, referred=True) == "connection.referred"


# --- never the raw notes, never a broken letter ---------------------------------------------------


@pytest.mark.parametrize("kind", list(DraftKind))
def test_no_draft_holds_the_notes_verbatim_or_a_none(content: Content, kind: DraftKind) -> None:
    text = draft(content, kind, referrer="Dana Whitfield", takeaways="Line one\nLine two")
    assert "None" not in text
    assert "Line two" not in text  # only the first takeaway is quoted, inside a prompt
    assert "{" not in text
    assert "}" not in text
    assert not re.search(r"[.!?,;:]\s*[.!?,;:]", text.replace("[", "").replace("]", "")), text
    assert "  " not in text


def test_the_takeaway_is_a_prompt_to_rewrite_never_the_note_itself() -> None:
    prompt = takeaway_prompt(TAKEAWAYS)
    assert (
        prompt == "[in your own words: Take the free SQL for healthcare data course she mentioned]"
    )
    assert takeaway_prompt(None) == NO_TAKEAWAY
    assert takeaway_prompt("  \n ") == NO_TAKEAWAY
    long = takeaway_prompt("word " * 50)
    assert len(long) <= len("[in your own words: ]") + 60
    assert long.endswith("…]")
    assert takeaway_prompt("see [the link] here") == "[in your own words: see (the link) here]"


def test_names_with_odd_characters_fill_in_safely(content: Content) -> None:
    text = draft(
        content,
        DraftKind.THANK_YOU,
        person="Ada {0} `Lovelace`",
        organization="Acme Inc.",
        student="Sam\nLee",
        meeting_day="on Tuesday",
    )
    assert "Dear [Ms./Mr./Dr. `Lovelace` or Ada]," in text
    assert "your work at Acme Inc. I especially" in text  # no doubled full stop
    assert text.endswith("Best regards,\nSam Lee")


@pytest.mark.parametrize(
    ("person", "greeting"),
    [
        ("Dana Whitfield", "[Ms./Mr./Dr. Whitfield or Dana]"),
        ("Maria Fernanda Gutiérrez-Santamaría", "[Ms./Mr./Dr. Gutiérrez-Santamaría or Maria]"),
        ("Dr. Dana Whitfield", "[Ms./Mr./Dr. Whitfield or Dana]"),
        ("Dana", "[Ms./Mr./Dr. Dana or first name]"),
    ],
)
def test_the_greeting_is_built_from_the_last_name(person: str, greeting: str) -> None:
    assert salutation(person) == greeting


@pytest.mark.parametrize("kind", list(DraftKind))
def test_no_draft_puts_the_full_name_in_the_subject_or_greeting_or_a_discord_name(
    content: Content, kind: DraftKind
) -> None:
    """Regression: "Subject: Thank you, Dana Whitfield", "Dear Dana Whitfield," and the
    student's Discord handle as the signature."""
    text = draft(content, kind, person="Dana Whitfield", referrer="Jordan Lee")
    assert "Dana Whitfield" not in text
    assert "\nDear [Ms./Mr./Dr. Whitfield or Dana],\n" in text
    assert text.endswith("\n[Your full name]")


def test_a_referral_intro_needs_the_referrer(content: Content) -> None:
    with pytest.raises(ValueError, match="referrer"):
        draft(content, DraftKind.REFERRAL_INTRO)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("at Acme Inc.. Next", "at Acme Inc. Next"),
        ("Wait... what", "Wait... what"),
        ("Yahoo!. Then", "Yahoo! Then"),
        ("a  b , c\n\nd  ", "a b, c\n\nd"),
    ],
)
def test_tidy(raw: str, expected: str) -> None:
    assert tidy(raw) == expected
