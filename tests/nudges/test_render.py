"""The texts of nudge DMs (pure functions, no Discord)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.contacts import Stage
from bot.domain.nudge_plan import NudgeKind
from bot.nudges.render import contact_nudge_text, days_in_words
from bot.storage.contacts import ContactRecord

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
ADA = ContactRecord(
    id=1,
    guild_id=10,
    user_id=1,
    person="Ada",
    organization="Acme",
    role=None,
    connection=None,
    stage=Stage.THANKED,
    referred_by=None,
    created_at=NOW,
    updated_at=NOW,
    requested_at=None,
    requested_tz=None,
    request_time_known=None,
    count_from=None,
    second_contact_on=None,
    follow_up_on=None,
    replied_at=None,
    replied_on=None,
    reply_class=None,
    met_at=NOW,
)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (7, "a week"),
        (10, "10 days"),
        (14, "two weeks"),
        (21, "three weeks"),
        (28, "four weeks"),
        (29, "29 days"),
        (30, "a month"),
    ],
)
def test_days_in_words(days: int, words: str):
    assert days_in_words(days) == words


@pytest.mark.parametrize(
    ("days", "opening"),
    [
        (7, "📣 About a week since you met **Ada** (Acme)."),
        (14, "📣 About two weeks since you met **Ada** (Acme)."),
        (20, "📣 About 20 days since you met **Ada** (Acme)."),
        (30, "📣 About a month since you met **Ada** (Acme)."),
    ],
)
def test_the_report_back_nudge_says_the_servers_delay(days: int, opening: str):
    """Regression: it said "About two weeks" whatever staff set report-back-days to."""
    text = contact_nudge_text(NudgeKind.REPORT_BACK, ADA, report_back_days=days)
    assert text == (
        f"{opening} Tell them what you did with their advice; press **Done** once you have."
    )


def test_the_default_delay_is_two_weeks():
    text = contact_nudge_text(NudgeKind.REPORT_BACK, ADA)
    assert text.startswith("📣 About two weeks since you met")


def test_top_questions_lists_the_first_three_in_order():
    questions = ("One?", "Two?", "Three?", "Four?")
    text = contact_nudge_text(NudgeKind.TOP_QUESTIONS, ADA, questions=questions)
    assert "Your top questions:\n1. One?\n2. Two?\n3. Three?\nListen more" in text
    assert "Four?" not in text
