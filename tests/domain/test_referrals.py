from __future__ import annotations

import re

import pytest

from bot.domain.referrals import Referral, ReferralError, parse_referrals


@pytest.mark.parametrize(
    "line",
    [
        "Grace Hopper — Navy",
        "Grace Hopper – Navy",
        "Grace Hopper - Navy",
        "Grace Hopper-Navy",
        "Grace Hopper at Navy",
        "Grace Hopper AT Navy",
        "  Grace   Hopper  —   Navy  ",
        "- Grace Hopper — Navy",
        "• Grace Hopper — Navy",
        "3. Grace Hopper — Navy",
        "3) Grace Hopper at Navy",
    ],
)
def test_each_separator_and_bullet_is_accepted(line: str):
    assert parse_referrals(line) == [Referral("Grace Hopper", "Navy")]


def test_dashes_win_over_hyphens_inside_names():
    assert parse_referrals("Mary-Jane Smith — Hewlett-Packard\nJean-Luc Picard - Star-Fleet") == [
        Referral("Mary-Jane Smith", "Hewlett-Packard"),
        Referral("Jean-Luc Picard", "Star-Fleet"),
    ]


def test_at_inside_a_word_is_not_a_separator():
    assert parse_referrals("Pat Atwood at Atlassian") == [Referral("Pat Atwood", "Atlassian")]


def test_blank_lines_and_missing_text_mean_no_referrals():
    assert parse_referrals(None) == []
    assert parse_referrals("") == []
    assert parse_referrals("\n  \n") == []
    assert parse_referrals("\nAda — Acme\n\n\nBob at Initech\n") == [
        Referral("Ada", "Acme"),
        Referral("Bob", "Initech"),
    ]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Ada — Acme\nGrace Hopper", "Line 2 (“Grace Hopper”) has no organization"),
        ("Ada —   ", "Line 1 (“Ada —”) has no organization"),
        ("— Acme", "Line 1 (“— Acme”) has no name"),
        ("\n\nAda at", "Line 3"),
    ],
)
def test_a_line_without_both_parts_is_named(text: str, needle: str):
    with pytest.raises(ReferralError, match=re.escape(needle)):
        parse_referrals(text)


def test_at_most_ten_referrals():
    ten = "\n".join(f"Person {n} — Org {n}" for n in range(10))
    assert len(parse_referrals(ten)) == 10
    with pytest.raises(ReferralError, match="11 referrals; the most at once is 10"):
        parse_referrals(ten + "\nOne More — Org")


def test_names_are_limited_to_a_hundred_characters():
    assert parse_referrals("a" * 100 + " — Acme")[0].person == "a" * 100
    with pytest.raises(ReferralError, match="Line 1: the name is 101 characters"):
        parse_referrals("a" * 101 + " — Acme")
    with pytest.raises(ReferralError, match="Line 2: the organization is 101"):
        parse_referrals("Ada — Acme\nBob — " + "o" * 101)


def test_referral_error_is_a_value_error():
    assert issubclass(ReferralError, ValueError)
