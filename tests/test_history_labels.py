"""A contact's history names the reminder the student answered ("Done: the 3B reminder")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.nudge_kinds import NudgeKind
from bot.storage.history import ContactEvent
from bot.ui.contact_history import REMINDER_NAMES, event_label

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def event(kind: str, **payload: object) -> ContactEvent:
    return ContactEvent(1, kind, AT, dict(payload))


@pytest.mark.parametrize(
    ("kind", "nudge", "label"),
    [
        ("nudge_done", "second_contact", "Done: the 3B reminder"),
        ("nudge_done", "follow_up", "Done: the 7B reminder"),
        ("nudge_done", "thank_you", "Done: the thank-you reminder"),
        ("nudge_snoozed", "report_back", "Snoozed: the report-back reminder"),
        (
            "nudge_stopped",
            "keep_warm",
            "Stopped all reminders for this contact (pressed on the keep-in-touch reminder)",
        ),
        ("nudge_done", "no_such_kind", "Done: a reminder"),
    ],
)
def test_answered_reminders_are_named(kind: str, nudge: str, label: str) -> None:
    assert event_label(event(kind, nudge=nudge)) == label


def test_every_kind_has_a_name_and_no_label_says_nudge() -> None:
    assert set(REMINDER_NAMES) == set(NudgeKind)
    for kind in NudgeKind:
        label = event_label(event("nudge_done", nudge=kind.value))
        assert "nudge" not in label.lower(), label
    assert event_label(event("nudge_done")) == "Done: a reminder"
    assert event_label(event("request_sent", corrected=True)) == "Request sent (date corrected)"
