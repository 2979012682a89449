"""Which actions a contact's record shows as done (pure): later steps imply earlier ones, a
closed contact keeps what it reached, referral items need referrals."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.auto_ticks import DONE_BY_TEXT, DoneBy, TickFacts, done_actions
from bot.domain.contacts import Stage

NOTHING = TickFacts(
    stage=Stage.PLANNED,
    stage_before_close=None,
    requested=False,
    replied=False,
    scheduled=False,
    met=False,
    thanked=False,
    reported_back=False,
    kept_in_touch=False,
    email_checked=False,
    questions=0,
    referrals=0,
    referrals_planned=0,
    referrals_told=0,
    referrals_untold=0,
)


def done(**changes: object) -> set[DoneBy]:
    return set(done_actions(dataclasses.replace(NOTHING, **changes)))  # type: ignore[arg-type]


def test_a_new_contact_has_nothing_done():
    assert done() == set()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"email_checked": True}, {DoneBy.EMAIL_CHECKED}),
        ({"stage": Stage.REQUESTED, "requested": True}, {DoneBy.REQUEST_SENT}),
        (
            {"stage": Stage.REPLIED, "requested": True, "replied": True},
            {DoneBy.REQUEST_SENT, DoneBy.REPLY_LOGGED},
        ),
        # scheduled straight from planned: the request and the reply are implied
        (
            {"stage": Stage.SCHEDULED, "scheduled": True},
            {DoneBy.REQUEST_SENT, DoneBy.REPLY_LOGGED, DoneBy.MEETING_SCHEDULED},
        ),
        ({"questions": 2}, set()),
        ({"questions": 3}, {DoneBy.QUESTIONS_CHOSEN}),
        (
            {"stage": Stage.KEEPING_IN_TOUCH, "met": True, "kept_in_touch": True},
            {
                DoneBy.REQUEST_SENT,
                DoneBy.REPLY_LOGGED,
                DoneBy.MEETING_SCHEDULED,
                DoneBy.MEETING_LOGGED,
                DoneBy.KEPT_IN_TOUCH,
            },
        ),
        # closed: what it reached before closing still counts
        (
            {"stage": Stage.CLOSED, "stage_before_close": Stage.REPLIED},
            {DoneBy.REQUEST_SENT, DoneBy.REPLY_LOGGED},
        ),
        ({"stage": Stage.CLOSED}, set()),
        ({"referrals": 2, "referrals_planned": 1}, set()),
        ({"referrals": 2, "referrals_planned": 0}, {DoneBy.REFERRALS_CONTACTED}),
        (
            {"referrals": 2, "referrals_told": 1, "referrals_untold": 1},
            {DoneBy.REFERRALS_CONTACTED},
        ),
        (
            {"referrals": 2, "referrals_planned": 1, "referrals_told": 1},
            {DoneBy.REFERRER_TOLD},
        ),
    ],
)
def test_done_actions(changes: dict[str, object], expected: set[DoneBy]):
    assert done(**changes) == expected


def test_every_action_says_what_ticks_it():
    assert set(DONE_BY_TEXT) == set(DoneBy)
    for words in DONE_BY_TEXT.values():
        assert words.todo.startswith("ticks itself")
        assert words.done.startswith("ticked automatically")
        assert len(words.label) <= 80
