"""The first mention of each glossary term in a reply points to its /help topic; nothing in
code, links or URLs; a mention already carrying its pointer is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import GlossaryEntry, load_glossary
from bot.glossary_links import GlossaryLinker, link_first_mentions, mention_forms

GLOSSARY = Path(__file__).resolve().parents[1] / "data" / "glossary.toml"


@pytest.fixture(scope="module")
def glossary() -> tuple[GlossaryEntry, ...]:
    return load_glossary(GLOSSARY)


def test_only_the_first_mention_is_linked(glossary: tuple[GlossaryEntry, ...]) -> None:
    text = "Logging starts the 3B7 clock. The 3B7 reminders stop when they reply."
    assert link_first_mentions(text, glossary) == (
        "Logging starts the 3B7 (`/help topic:3b7`) clock. The 3B7 reminders stop when they reply."
    )


def test_names_plurals_and_coined_words(glossary: tuple[GlossaryEntry, ...]) -> None:
    linker = GlossaryLinker(glossary, limit=None)
    text = "Your LAMP list, then 5-point emails and TIARA; an obligate replied; business days."
    assert linker.link(text) == (
        "Your LAMP list (`/help topic:lamp`), then 5-point emails (`/help topic:five-point-email`) "
        "and TIARA (`/help topic:tiara`); an obligate (`/help topic:booster`) replied; "
        "business days."  # an everyday word: no pointer
    )
    assert link_first_mentions("a desk lamp", glossary) == "a desk lamp"  # capitals as written
    assert mention_forms(next(e for e in glossary if e.id == "nudge")) == ("Nudges",)


def test_at_most_two_pointers_a_reply_and_only_for_method_words(
    glossary: tuple[GlossaryEntry, ...],
) -> None:
    """Regression: every glossary word got a pointer, cluttering replies."""
    text = "Your LAMP list, then 5-point emails and TIARA; your time zone and a referral."
    assert link_first_mentions(text, glossary) == (
        "Your LAMP list (`/help topic:lamp`), then 5-point emails (`/help topic:five-point-email`) "
        "and TIARA; your time zone and a referral."
    )
    linked = {e.id for e in glossary if e.link}
    assert linked == {"lamp", "five-point-email", "3b7", "tiara", "booster"}


def test_never_inside_a_command_reference_or_another_bracket(
    glossary: tuple[GlossaryEntry, ...],
) -> None:
    """Regression: "/followup draft (referral (`/help topic:referral`) intro)"."""
    for text in (
        "`/followup draft` (7B follow-up or referral intro) gives you one",
        "Reply today (they are a booster, so keep in touch).",
        "Log it (the 3B7 clock starts).",
    ):
        assert link_first_mentions(text, glossary) == text
    # a later mention outside the bracket gets it
    assert link_first_mentions("Log it (the 3B7 clock). The 3B7 routine runs.", glossary) == (
        "Log it (the 3B7 clock). The 3B7 routine (`/help topic:3b7`) runs."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Run `/help topic:3b7` or `3B7`",
        "```\nthe 3B7 routine\n```",
        "see https://example.org/3B7-guide",
        "the [3B7 routine](https://example.org) explained",
        "3B7 (`/help topic:3b7`) already",
        "**3B7** (`/help topic:3b7`) already, in bold",
        "no term here at all",
        "a3B7 or 3B7x are other words",
    ],
)
def test_code_links_urls_and_existing_pointers_are_left_alone(
    glossary: tuple[GlossaryEntry, ...], text: str
) -> None:
    assert link_first_mentions(text, glossary) == text


def test_a_pointer_goes_after_closing_markup(glossary: tuple[GlossaryEntry, ...]) -> None:
    assert link_first_mentions("**Follow the 3B7 routine**: now", glossary) == (
        "**Follow the 3B7 routine** (`/help topic:3b7`): now"
    )


def test_one_linker_spans_the_parts_of_a_reply(glossary: tuple[GlossaryEntry, ...]) -> None:
    linker = GlossaryLinker(glossary)
    assert linker.link("About TIARA.") == "About TIARA (`/help topic:tiara`)."
    assert linker.link("TIARA again, and the LAMP list") == (
        "TIARA again, and the LAMP list (`/help topic:lamp`)"
    )
    assert linker.link("Then the 3B7 routine") == "Then the 3B7 routine"  # two is the most
    assert linker.linked == {"tiara", "lamp", "3b7"}


def test_a_mention_followed_by_a_bracket_shares_it(glossary: tuple[GlossaryEntry, ...]) -> None:
    text = link_first_mentions(
        "Mind your TIARA questions (five kinds) and the 3B7 routine.", glossary
    )
    assert text == (
        "Mind your TIARA questions (`/help topic:tiara`; five kinds) and the 3B7 routine "
        "(`/help topic:3b7`)."
    )


def test_the_quick_check_never_skips_a_line_with_a_mention(
    glossary: tuple[GlossaryEntry, ...],
) -> None:
    """A line the one-pattern check passes over must have no mention any term's own pattern
    finds: every checklist, glossary and help text, and each form alone and inside words."""
    from bot.content import load_content
    from bot.glossary_links import _compiled

    entries, any_mention = _compiled(glossary)
    assert any_mention is not None
    content = load_content(GLOSSARY.parent)
    texts = [e.text for e in glossary] + [e.term for e in glossary]
    for checklist in content.checklists.values():
        texts += [item.text for item in checklist.items]
        texts += [item.why for item in checklist.items if item.why]
    for entry, _ in entries:
        for form in mention_forms(entry):
            texts += [form, f"x{form}", f"{form}x", f"({form})", f"{form.lower()}s.", f"/{form}"]
    checked = 0
    for text in texts:
        for line in text.splitlines():
            if any_mention.search(line) is None:
                assert not any(pattern.search(line) for _, pattern in entries), line
            else:
                checked += 1
    assert checked > 20  # the texts do mention terms: both sides of the check were exercised
