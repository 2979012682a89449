"""Checklist items that tick themselves: the actions a checklist item can be tied to
(``done_by = "request_sent"`` in ``data/checklists/*.toml``, or chosen by staff) and when each
counts as done.

An automatic tick is derived from what the contact's record already says (the request's time,
the meeting's, the question list, the referrals), never stored: it cannot drift from the record
and needs no extra writes. Manual ticks are stored as before and still work on every item.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.contacts import Stage

ENOUGH_QUESTIONS = 3
"""``questions_chosen`` is done once the contact's question list holds this many."""


class DoneBy(StrEnum):
    """The actions a checklist item can be tied to (the value is what content files and the
    ``checklist_items`` table hold)."""

    EMAIL_CHECKED = "email_checked"
    REQUEST_SENT = "request_sent"
    SECOND_CONTACT = "second_contact"
    FOLLOWED_UP = "followed_up"
    REPLY_LOGGED = "reply_logged"
    MEETING_SCHEDULED = "meeting_scheduled"
    QUESTIONS_CHOSEN = "questions_chosen"
    MEETING_CONFIRMED = "meeting_confirmed"
    MEETING_LOGGED = "meeting_logged"
    THANKED = "thanked"
    REPORTED_BACK = "reported_back"
    KEPT_IN_TOUCH = "kept_in_touch"
    REFERRALS_CONTACTED = "referrals_contacted"
    REFERRER_TOLD = "referrer_told"


@dataclass(frozen=True, slots=True)
class DoneByText:
    label: str  # what staff pick from ("Request logged (/request sent)")
    todo: str  # on an open item: "ticks itself when …"
    done: str  # on an item it ticked: "ticked automatically when …"


DONE_BY_TEXT: dict[DoneBy, DoneByText] = {
    DoneBy.EMAIL_CHECKED: DoneByText(
        "Email checked, every rule passing (/request check-email)",
        "ticks itself when a draft passes every rule of `/request check-email`",
        "ticked automatically: a draft passed every rule of `/request check-email`",
    ),
    DoneBy.REQUEST_SENT: DoneByText(
        "Request logged (/request sent)",
        "ticks itself when you log it with `/request sent`",
        "ticked automatically when you logged it with `/request sent`",
    ),
    DoneBy.SECOND_CONTACT: DoneByText(
        "Second person at the same employer added (/request new)",
        "ticks itself once you add a second person at the same employer with `/request new`",
        "ticked automatically: you have added a second person at the same employer",
    ),
    DoneBy.FOLLOWED_UP: DoneByText(
        "Follow-up logged (/request followed-up)",
        "ticks itself when you log it with `/request followed-up`",
        "ticked automatically when you logged it with `/request followed-up`",
    ),
    DoneBy.REPLY_LOGGED: DoneByText(
        "Reply logged (/request reply)",
        "ticks itself when you log it with `/request reply`",
        "ticked automatically when you logged it with `/request reply`",
    ),
    DoneBy.MEETING_SCHEDULED: DoneByText(
        "Meeting scheduled (/prepare schedule)",
        "ticks itself when you schedule it with `/prepare schedule`",
        "ticked automatically when you scheduled it with `/prepare schedule`",
    ),
    DoneBy.QUESTIONS_CHOSEN: DoneByText(
        f"{ENOUGH_QUESTIONS}+ questions chosen (/prepare questions)",
        f"ticks itself once you have {ENOUGH_QUESTIONS} questions in `/prepare questions`",
        f"ticked automatically: you have {ENOUGH_QUESTIONS} or more questions in "
        "`/prepare questions`",
    ),
    DoneBy.MEETING_CONFIRMED: DoneByText(
        "Meeting confirmed (Confirmed on the day-before reminder)",
        "ticks itself when you press **Confirmed** on the day-before reminder",
        "ticked automatically: you pressed **Confirmed** on the day-before reminder",
    ),
    DoneBy.MEETING_LOGGED: DoneByText(
        "Meeting logged (/interview done)",
        "ticks itself when you log the meeting with `/interview done`",
        "ticked automatically when you logged the meeting with `/interview done`",
    ),
    DoneBy.THANKED: DoneByText(
        "Thank-you logged (/followup thanked)",
        "ticks itself when you log it with `/followup thanked`",
        "ticked automatically when you logged it with `/followup thanked`",
    ),
    DoneBy.REPORTED_BACK: DoneByText(
        "Report-back logged (/followup reported-back)",
        "ticks itself when you log it with `/followup reported-back`",
        "ticked automatically when you logged it with `/followup reported-back`",
    ),
    DoneBy.KEPT_IN_TOUCH: DoneByText(
        "Keep-in-touch logged (/followup kept-in-touch)",
        "ticks itself when you log it with `/followup kept-in-touch`",
        "ticked automatically when you logged it with `/followup kept-in-touch`",
    ),
    DoneBy.REFERRALS_CONTACTED: DoneByText(
        "Every referral contacted (/request sent for each)",
        "ticks itself once you have logged a request (`/request sent`) to everyone they "
        "referred you to",
        "ticked automatically: you logged a request to everyone they referred you to",
    ),
    DoneBy.REFERRER_TOLD: DoneByText(
        "Referrer told about each referral contacted",
        "ticks itself once you have logged telling them about each referral you contacted",
        "ticked automatically: you logged telling them about each referral you contacted",
    ),
}


@dataclass(frozen=True, slots=True)
class TickFacts:
    """What the automatic ticks of one contact's checklists are derived from."""

    stage: Stage
    stage_before_close: Stage | None
    requested: bool  # requested_at is set
    replied: bool  # replied_at is set
    scheduled: bool  # meeting_at is set
    met: bool  # met_at is set
    thanked: bool
    reported_back: bool
    kept_in_touch: bool
    email_checked: bool
    """A draft passed every rule of the email checker after the student added this contact and
    before its request was logged (the checker stores no draft and names no contact, so a
    passing check then counts for every contact waiting for its request; a failed one for
    none)."""
    questions: int  # on the contact's question list
    referrals: int  # contacts this one referred the student to
    referrals_planned: int  # of those, still only planned (no request logged)
    referrals_told: int  # of those, ones the student told this contact about
    referrals_untold: int  # of those, requested but this contact not told yet
    second_contact: bool = False
    """Someone else at the same employer was added, or asked, after this contact's request
    went out: the 3B step for this contact is done."""
    followed_up: bool = False  # the 7B follow-up is logged (``/request followed-up``)
    confirmed: bool = False
    """Confirmed was pressed on the day-before reminder of the meeting now scheduled."""

    @property
    def reached(self) -> Stage:
        """The furthest stage along the journey (a closed contact's stage before closing)."""
        if self.stage is Stage.CLOSED:
            return self.stage_before_close or Stage.PLANNED
        return self.stage


def done_actions(facts: TickFacts) -> frozenset[DoneBy]:
    """The actions the contact's record shows as done.

    Stages may be skipped (students log late), so a later step implies the earlier ones it
    needs: a meeting logged was scheduled, a reply logged means the request went out."""
    reached = facts.reached.rank
    done = {
        DoneBy.EMAIL_CHECKED: facts.email_checked,
        DoneBy.REQUEST_SENT: facts.requested or reached >= Stage.REQUESTED.rank,
        DoneBy.SECOND_CONTACT: facts.second_contact,
        DoneBy.FOLLOWED_UP: facts.followed_up,
        DoneBy.REPLY_LOGGED: facts.replied or reached >= Stage.REPLIED.rank,
        DoneBy.MEETING_SCHEDULED: facts.scheduled or reached >= Stage.SCHEDULED.rank,
        DoneBy.QUESTIONS_CHOSEN: facts.questions >= ENOUGH_QUESTIONS,
        DoneBy.MEETING_CONFIRMED: facts.confirmed,
        DoneBy.MEETING_LOGGED: facts.met or reached >= Stage.MET.rank,
        DoneBy.THANKED: facts.thanked,
        DoneBy.REPORTED_BACK: facts.reported_back,
        DoneBy.KEPT_IN_TOUCH: facts.kept_in_touch,
        DoneBy.REFERRALS_CONTACTED: facts.referrals > 0 and facts.referrals_planned == 0,
        DoneBy.REFERRER_TOLD: facts.referrals_told > 0 and facts.referrals_untold == 0,
    }
    return frozenset(action for action, yes in done.items() if yes)
