"""Draft helpers: takeaway extraction, the meeting day and safe copying (the drafts themselves:
tests/domain/test_drafts.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.drafts import DraftKind, meeting_day_for
from bot.domain.thank_you import copyable_block, first_takeaway, meeting_day_phrase

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("takeaways", "expected"),
    [
        (None, None),
        ("", None),
        ("   \n\n  ", None),
        ("how data teams pick tools", "how data teams pick tools"),
        (
            "Networking beats cold applications. Also: learn SQL!",
            "Networking beats cold applications",
        ),
        ("\n- Join the analytics meetup!\n- Read the blog", "Join the analytics meetup"),
        ("1. Ask about the rotation program? 2. More", "Ask about the rotation program"),
        ("e.g.: nothing...", "e.g.: nothing"),
    ],
)
def test_first_takeaway_is_the_first_sentence_of_the_first_line(takeaways, expected):
    assert first_takeaway(takeaways) == expected


def test_first_takeaway_is_shortened_at_a_word():
    result = first_takeaway("word " * 100, max_length=30)
    assert result is not None
    assert len(result) <= 30
    assert result.endswith("…")
    assert "wor…" not in result


NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # Thursday 13:00 in Berlin


@pytest.mark.parametrize(
    ("when", "zone", "expected"),
    [
        (None, BERLIN, "recently"),
        (NOW - timedelta(hours=1), None, "recently"),
        (NOW + timedelta(hours=1), BERLIN, "recently"),  # not yet happened
        (NOW - timedelta(hours=2), BERLIN, "today"),
        (datetime(2026, 12, 9, 22, 59, tzinfo=UTC), BERLIN, "yesterday"),  # 23:59 Wed in Berlin
        (datetime(2026, 12, 9, 23, 0, tzinfo=UTC), BERLIN, "today"),  # midnight Thu in Berlin
        (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), BERLIN, "on Friday"),  # 6 days ago
        (datetime(2026, 12, 3, 12, 0, tzinfo=UTC), BERLIN, "on 3 December"),  # a week ago
    ],
)
def test_meeting_day_phrase(when, zone, expected):
    assert meeting_day_phrase(when, zone, NOW) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (None, "recently"),
        (NOW + timedelta(hours=1), "recently"),
        (NOW - timedelta(hours=2), "on 10 December"),  # today, but read weeks later
        (datetime(2026, 12, 9, 22, 59, tzinfo=UTC), "on 9 December"),
        (datetime(2025, 12, 20, 12, 0, tzinfo=UTC), "on 20 December 2025"),
    ],
)
@pytest.mark.parametrize("kind", [DraftKind.REPORT_BACK, DraftKind.KEEP_IN_TOUCH])
def test_later_drafts_name_the_meeting_date(when, expected, kind):
    assert meeting_day_for(kind, when, BERLIN, NOW) == expected


def test_the_thank_you_still_says_today():
    assert meeting_day_for(DraftKind.THANK_YOU, NOW - timedelta(hours=2), BERLIN, NOW) == "today"


def test_copyable_block_fits_its_limit_and_cannot_be_closed_early():
    block = copyable_block("a```b" + "x" * 5000, 500)
    assert len(block) <= 500
    assert block.startswith("```\n")
    assert block.endswith("\n```")
    assert block.count("```") == 2
    assert "…" in block
    short = copyable_block("hello", 500)
    assert short == "```\nhello\n```"
    with pytest.raises(ValueError, match="no room"):
        copyable_block("x", 8)
