"""Server statistics as cells: every figure is the set of records behind it (one per contact,
nudge or student, each with its student and the moment that puts it in a period). What may be
shown of a cell is decided by :mod:`bot.domain.disclosure` alone (see :mod:`bot.staff_stats.shown`).

What each cell holds (``at`` is the moment that puts a record in a period; none: as of now):

- Students active: one record per student, at their latest event.
- Contacts per stage: each contact at its current stage, at its last change (``updated_at``).
- The funnel: contacts *requested* in the period (at the moment they reached *requested*), and
  how far each has got since: requested → replied → met → thanked. A contact reached a step if it
  has that step's timestamp or its furthest stage (its stage, or the stage it was closed at)
  ranks at or beyond it (students may skip logging a stage). Steps are nested, so the funnel
  never grows from one step to the next.
- Time between stages: contacts with both timestamps recorded (never inferred), at the later
  one, valued in days (a negative gap counts as 0).
- Reply types: contacts with a reply type, at the reply (or, for a curmudgeon, the closing).
- Reminders: nudges sent, by kind, at when they were sent (an empty digest is never sent: it
  ends as skipped, so it is not here), and what the students pressed on them; undeliverable
  ones at when they were marked so.
- Checklist completion: contacts that reached a phase's stage in the period (request →
  requested, prepare and interview → met, followup → thanked), and those with every item of the
  phase's checklist ticked, by hand or by the logged action the item is tied to. Items that
  never fell due are left out: the request checklist's second-person and follow-up steps
  (3B7: only while no reply came) for a contact that replied by day 3 or day 7.
- Stalled contacts, now: the per-student stall rules of :mod:`bot.domain.stalls` (in each
  student's zone), counted by kind.
- Employers (the students' LAMP lists), now: students with a list, students whose active five
  is full, employers per student (a median), employers with all three scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.content import Checklist
from bot.domain.auto_ticks import DoneBy
from bot.domain.contacts import Stage
from bot.domain.disclosure import Cell, Period, Record
from bot.domain.employers import ACTIVE_SIZE, Standing, active_five
from bot.domain.stalls import StallKind

# The journey stages that carry a timestamp, in order.
STAMPED: tuple[Stage, ...] = (
    Stage.REQUESTED,
    Stage.REPLIED,
    Stage.SCHEDULED,
    Stage.MET,
    Stage.THANKED,
    Stage.KEEPING_IN_TOUCH,
)
FUNNEL_STEPS: tuple[Stage, ...] = (Stage.REQUESTED, Stage.REPLIED, Stage.MET, Stage.THANKED)
INTERVALS: tuple[tuple[Stage, Stage], ...] = (
    (Stage.REQUESTED, Stage.REPLIED),
    (Stage.REPLIED, Stage.SCHEDULED),
    (Stage.REPLIED, Stage.MET),
    (Stage.MET, Stage.THANKED),
)
STAGE_ORDER: tuple[Stage, ...] = (Stage.PLANNED, *STAMPED, Stage.CLOSED)
REPLY_CLASSES: tuple[str, ...] = ("booster", "obligate", "curmudgeon")
PHASE_STAGE: dict[str, Stage] = {
    "request": Stage.REQUESTED,
    "prepare": Stage.MET,
    "interview": Stage.MET,
    "followup": Stage.THANKED,
}
PRESSED: tuple[tuple[str, str], ...] = (
    ("done", "Done"),
    ("snoozed", "Snoozed"),
    ("stopped", "Stopped"),
    ("none", "No button"),
)
WAITING_ITEMS: dict[str, tuple[str, str]] = {
    # phase → (the second-person item, the follow-up item): steps of the 3B7 routine that are
    # due only while no reply has come (by day 3, by day 7)
    "request": ("second-contact", "follow-up"),
}
STALLS: tuple[tuple[StallKind, str], ...] = (
    (StallKind.NOT_SCHEDULED, "Replied but no meeting set"),
    (StallKind.REFERRALS_WAITING, "Referrals not yet contacted"),
    (StallKind.NO_THANK_YOU, "Thank-you overdue"),
    (StallKind.REFERRER_NOT_TOLD, "Referrer not told"),
    (StallKind.NO_REPLY, "No reply after the 3B7 routine"),
)


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """What the statistics need of one contact. ``user_id`` is only ever counted, never shown."""

    user_id: int
    stage: Stage
    stage_before_close: Stage | None
    updated_at: datetime
    stamps: Mapping[Stage, datetime | None]  # STAMPED stage → its timestamp column
    closed_at: datetime | None = None
    reply_class: str | None = None
    ticks: Mapping[str, frozenset[str]] = field(default_factory=dict)  # phase → ticked item ids
    done: frozenset[DoneBy] = frozenset()  # the actions that tick their items by themselves
    replied_on: date | None = None  # the reply's local date
    second_contact_on: date | None = None  # 3B7 day 3
    follow_up_on: date | None = None  # 3B7 day 7

    def not_due(self, phase: str) -> frozenset[str]:
        """The phase's items that never fell due for this contact: the second-person step when
        they replied by day 3 (a booster), the follow-up when they replied by day 7."""
        waiting = WAITING_ITEMS.get(phase)
        if waiting is None or self.replied_on is None:
            return frozenset()
        second, follow_up = waiting
        booster = self.reply_class == "booster"  # replied by day 3, as classified then
        skipped: set[str] = set()
        if booster or (
            self.reply_class is None
            and self.second_contact_on is not None
            and self.replied_on <= self.second_contact_on
        ):
            skipped.add(second)
        if booster or (self.follow_up_on is not None and self.replied_on <= self.follow_up_on):
            skipped.add(follow_up)
        return frozenset(skipped)

    def ticked(self, phase: str, checklist: Checklist) -> frozenset[str]:
        """The phase's checklist items ticked on this contact, by hand or by a logged action."""
        manual = self.ticks.get(phase, frozenset())
        return frozenset(
            item.id
            for item in checklist.items
            if item.id in manual or (item.done_by is not None and item.done_by in self.done)
        )

    @property
    def furthest(self) -> Stage:
        if self.stage is Stage.CLOSED:
            return self.stage_before_close or Stage.PLANNED
        return self.stage

    def reached_at(self, step: Stage) -> datetime | None:
        """When the contact reached ``step`` (see the module's rules), or None if it has not."""
        own = self.stamps.get(step)
        if own is not None:
            return own
        if self.furthest.rank < step.rank:
            return None
        later = [
            at for stage in STAMPED if stage.rank > step.rank and (at := self.stamps.get(stage))
        ]
        return min(later) if later else self.updated_at


@dataclass(frozen=True, slots=True)
class SentNudge:
    user_id: int
    kind: str
    sent_at: datetime
    action: str | None  # done, snoozed, stopped, or None


@dataclass(frozen=True, slots=True)
class PhaseCells:
    phase: str
    title: str
    eligible_stage: Stage
    eligible: Cell
    completed: Cell  # inside ``eligible``


@dataclass(frozen=True, slots=True)
class EmployerCells:
    """The students' LAMP lists, now."""

    listing: Cell  # one record per student with one employer or more
    five: Cell  # one per student whose active five is full
    per_student: Cell  # one per student with a list, valued at their number of employers
    employers: Cell  # one per employer
    scored: Cell  # one per employer with all three scores


@dataclass(frozen=True, slots=True)
class ServerCells:
    """One server's figures as cells, before the disclosure rule."""

    period: Period
    zone: ZoneInfo
    generated_at: datetime
    registered: int  # students who ever used the bot here (shown as is: see the README)
    sharing: int  # of them, those who share their progress with staff (each visible anyway)
    students_active: Cell
    stages: Mapping[Stage, Cell]
    funnel: tuple[Cell, ...]  # FUNNEL_STEPS, each inside the one before
    intervals: Mapping[tuple[Stage, Stage], Cell]
    reply_classes: Mapping[str, Cell]
    nudges_sent: Mapping[str, Cell]  # kind → sent nudges
    pressed: Mapping[str, Cell]  # PRESSED key → sent nudges
    undeliverable: Cell
    checklists: tuple[PhaseCells, ...]
    stalls: Mapping[StallKind, Cell]
    employers: EmployerCells


def _reached_records(contacts: Sequence[ContactFacts], stage: Stage) -> dict[int, Record]:
    """index → record, for the contacts that reached ``stage`` (at when they did)."""
    found: dict[int, Record] = {}
    for n, contact in enumerate(contacts):
        at = contact.reached_at(stage)
        if at is not None:
            found[n] = Record(contact.user_id, at, item=n)
    return found


def funnel_cells(contacts: Sequence[ContactFacts]) -> tuple[Cell, ...]:
    """The cohort funnel: contacts by when they were requested, and the steps they reached."""
    cohort = _reached_records(contacts, Stage.REQUESTED)
    steps: list[Cell] = []
    for stage in FUNNEL_STEPS:
        steps.append(tuple(record for n, record in cohort.items() if contacts[n].reached_at(stage)))
    return tuple(steps)


def interval_cells(
    contacts: Sequence[ContactFacts],
) -> dict[tuple[Stage, Stage], Cell]:
    cells: dict[tuple[Stage, Stage], Cell] = {}
    for first, second in INTERVALS:
        records: list[Record] = []
        for n, contact in enumerate(contacts):
            begin, end = contact.stamps.get(first), contact.stamps.get(second)
            if begin is None or end is None:
                continue
            gap = max(0.0, (end - begin).total_seconds() / 86400)
            records.append(Record(contact.user_id, end, gap, n))
        cells[(first, second)] = tuple(records)
    return cells


def checklist_cells(
    contacts: Sequence[ContactFacts], checklists: Mapping[str, Checklist]
) -> tuple[PhaseCells, ...]:
    result: list[PhaseCells] = []
    for phase, stage in PHASE_STAGE.items():
        checklist = checklists.get(phase)
        if checklist is None or not checklist.items:
            continue
        items = {item.id for item in checklist.items}
        eligible = _reached_records(contacts, stage)
        done = tuple(
            record
            for n, record in eligible.items()
            if items - contacts[n].not_due(phase) <= contacts[n].ticked(phase, checklist)
        )
        result.append(PhaseCells(phase, checklist.title, stage, tuple(eligible.values()), done))
    return tuple(result)


def employer_cells(lists: Mapping[int, Sequence[Standing]]) -> EmployerCells:
    listing = {user: employers for user, employers in lists.items() if employers}
    every = [(user, employer) for user, employers in listing.items() for employer in employers]
    return EmployerCells(
        listing=tuple(Record(user) for user in listing),
        five=tuple(
            Record(user)
            for user, employers in listing.items()
            if len(active_five(employers)) >= ACTIVE_SIZE
        ),
        per_student=tuple(
            Record(user, None, len(employers)) for user, employers in listing.items()
        ),
        employers=tuple(Record(user, item=n) for n, (user, _) in enumerate(every)),
        scored=tuple(
            Record(user, item=n)
            for n, (user, employer) in enumerate(every)
            if employer.scores.complete
        ),
    )


def nudge_cells(
    sent: Sequence[SentNudge],
) -> tuple[dict[str, Cell], dict[str, Cell]]:
    """(kind → sent nudges, pressed → sent nudges), kinds in order of first appearance."""
    by_kind: dict[str, list[Record]] = {}
    pressed: dict[str, list[Record]] = {key: [] for key, _ in PRESSED}
    for n, nudge in enumerate(sent):
        record = Record(nudge.user_id, nudge.sent_at, item=n)
        by_kind.setdefault(nudge.kind, []).append(record)
        pressed[nudge.action if nudge.action in pressed else "none"].append(record)
    return (
        {kind: tuple(records) for kind, records in by_kind.items()},
        {key: tuple(records) for key, records in pressed.items()},
    )


def build_cells(
    *,
    period: Period,
    zone: ZoneInfo,
    now: datetime,
    registered: int,
    sharing: int,
    latest_events: Mapping[int, datetime],
    contacts: Sequence[ContactFacts],
    sent: Sequence[SentNudge],
    undeliverable: Sequence[tuple[int, datetime]],
    checklists: Mapping[str, Checklist],
    stalls: Mapping[StallKind, Sequence[int]],
    employers: Mapping[int, Sequence[Standing]] | None = None,
) -> ServerCells:
    """Everything but the SQL: one server's rows as cells. ``stalls`` gives, per kind, the
    student of each stalled contact."""
    by_kind, pressed = nudge_cells(sent)
    return ServerCells(
        period=period,
        zone=zone,
        generated_at=now,
        registered=registered,
        sharing=sharing,
        students_active=tuple(Record(user, at) for user, at in latest_events.items()),
        stages={
            stage: tuple(
                Record(c.user_id, c.updated_at, item=n)
                for n, c in enumerate(contacts)
                if c.stage is stage
            )
            for stage in STAGE_ORDER
        },
        funnel=funnel_cells(contacts),
        intervals=interval_cells(contacts),
        reply_classes={
            name: tuple(
                Record(
                    c.user_id, c.stamps.get(Stage.REPLIED) or c.closed_at or c.updated_at, item=n
                )
                for n, c in enumerate(contacts)
                if c.reply_class == name
            )
            for name in REPLY_CLASSES
        },
        nudges_sent=by_kind,
        pressed=pressed,
        undeliverable=tuple(Record(user, at) for user, at in undeliverable),
        checklists=checklist_cells(contacts, checklists),
        stalls={
            kind: tuple(Record(user, item=n) for n, user in enumerate(stalls.get(kind, ())))
            for kind, _ in STALLS
        },
        employers=employer_cells(employers or {}),
    )
