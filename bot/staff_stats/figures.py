"""Server statistics as pure data: every figure is a value plus the number of distinct students
behind it, and :func:`shown` alone decides whether a figure may be shown (the minimum group rule).

Rules (for one server; ``since`` is a UTC date, the period starts at its midnight UTC):

- A contact *reached* a funnel step if it has that step's timestamp, or if its furthest stage
  (its stage, or the stage it was closed at) ranks at or beyond the step (students may skip
  logging a stage). It reached the step *at* that timestamp; when the timestamp is missing, at the
  earliest timestamp of a later stage (the moment it skipped past), else at its last change.
  With ``since``, a contact counts for a step only if it reached the step in the period.
- Median days between two stages use contacts with both timestamps recorded (never inferred),
  counted in the period by the later one; a negative gap (a reply logged as "that day" before the
  request's hour) counts as 0 days. ``scheduled_at`` is the latest (re)scheduling.
- Contacts per stage: the current stage of contacts changed in the period (``updated_at``).
- Reply types: shares of contacts with a reply type, in the period by the reply (or, for a
  curmudgeon, the closing).
- Checklist completion: among contacts that reached a phase's stage in the period (request →
  requested, prepare and interview → met, followup → thanked), the share with every item of the
  phase's checklist ticked, by hand or by the logged action the item is tied to (``done_by``,
  :mod:`bot.domain.auto_ticks`): the same ticks the student's checklist shows.
- Employers (the students' LAMP lists) are counted as they stand now, whatever the period:
  students with a list (one employer or more), students whose active five is full (five
  employers not exhausted: :func:`bot.domain.employers.active_five`), the median number of
  employers per student with a list, and the share of employers with all three scores.
- A figure drawn from fewer than :data:`MIN_GROUP` distinct students shows as "fewer than 5";
  a rate, share or median derived from two figures takes the smaller student count, so it is
  hidden when either side is. Zero is drawn from zero students, so it is hidden too.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from bot.content import Checklist
from bot.domain.auto_ticks import DoneBy
from bot.domain.contacts import Stage
from bot.domain.employers import ACTIVE_SIZE, Standing, active_five

MIN_GROUP = 5
FEWER_THAN = f"fewer than {MIN_GROUP}"

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
NUDGE_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("sent", "Sent"),
    ("acted_on", "Acted on (Done)"),
    ("snoozed", "Snoozed"),
    ("stopped", "Stopped"),
    ("skipped", "Skipped, no DM (empty digest or out of date)"),
    ("undeliverable", "Undeliverable (DMs closed)"),
)


@dataclass(frozen=True, slots=True)
class Figure:
    """A number and how many distinct students it is drawn from. ``value`` is None only when
    there is nothing to compute (no contacts), and then ``students`` is 0."""

    value: float | None
    students: int


def shown(figure: Figure) -> bool:
    """The minimum group rule: the one place that decides whether a figure may be shown."""
    return figure.value is not None and figure.students >= MIN_GROUP


def visible(figure: Figure) -> float | None:
    """The value if it may be shown, else None."""
    return figure.value if shown(figure) else None


def whole(value: float) -> str:
    return str(round(value))


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def one_decimal(value: float) -> str:
    """12 → "12", 12.5 → "12.5" (a median of counts)."""
    return f"{value:.1f}".removesuffix(".0")


def days(value: float) -> str:
    return f"{value:.1f} days"


def display(figure: Figure, fmt: Callable[[float], str] = whole) -> str:
    """The figure as text, or "fewer than 5"."""
    value = visible(figure)
    return FEWER_THAN if value is None else fmt(value)


def ratio(part: Figure, total: Figure) -> Figure:
    """``part / total``, hidden when either side is (it takes the smaller student count)."""
    students = min(part.students, total.students)
    if part.value is None or not total.value:
        return Figure(None, 0)
    return Figure(part.value / total.value, students)


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


def count(contacts: Iterable[ContactFacts]) -> Figure:
    rows = list(contacts)
    return Figure(len(rows), len({c.user_id for c in rows}))


def start_of(since: date | None) -> datetime | None:
    return None if since is None else datetime.combine(since, time(0), UTC)


def _in_period(at: datetime | None, start: datetime | None) -> bool:
    return at is not None and (start is None or at >= start)


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: Stage
    contacts: Figure


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: Stage
    reached: Figure
    conversion: Figure | None  # from the previous step; None for the first step


@dataclass(frozen=True, slots=True)
class Interval:
    start: Stage
    end: Stage
    median_days: Figure


@dataclass(frozen=True, slots=True)
class ReplyShare:
    reply_class: str
    contacts: Figure
    share: Figure


@dataclass(frozen=True, slots=True)
class NudgeOutcome:
    outcome: str  # one of NUDGE_OUTCOMES' keys
    label: str
    nudges: Figure


@dataclass(frozen=True, slots=True)
class PhaseCompletion:
    phase: str
    title: str
    eligible_stage: Stage
    eligible: Figure
    completed: Figure
    share: Figure


@dataclass(frozen=True, slots=True)
class EmployerFigures:
    """The students' LAMP lists, as they stand now."""

    students_listing: Figure  # students with one employer or more
    students_with_five: Figure  # students whose active five is full
    median_per_student: Figure  # employers per student, over the students with a list
    scored_share: Figure  # employers with all three scores, of all employers


NO_EMPLOYERS = EmployerFigures(Figure(0, 0), Figure(0, 0), Figure(None, 0), Figure(None, 0))


@dataclass(frozen=True, slots=True)
class ServerStats:
    since: date | None
    generated_at: datetime
    students_active: Figure
    contacts: Figure  # contacts changed in the period
    stages: tuple[StageCount, ...]
    funnel: tuple[FunnelStep, ...]
    intervals: tuple[Interval, ...]
    reply_classes: tuple[ReplyShare, ...]
    nudges: tuple[NudgeOutcome, ...]
    checklists: tuple[PhaseCompletion, ...]
    employers: EmployerFigures = NO_EMPLOYERS


def stage_counts(contacts: list[ContactFacts], start: datetime | None) -> tuple[StageCount, ...]:
    active = [c for c in contacts if _in_period(c.updated_at, start)]
    return tuple(
        StageCount(stage, count(c for c in active if c.stage is stage)) for stage in STAGE_ORDER
    )


def funnel(contacts: list[ContactFacts], start: datetime | None) -> tuple[FunnelStep, ...]:
    steps: list[FunnelStep] = []
    previous: Figure | None = None
    for stage in FUNNEL_STEPS:
        reached = count(c for c in contacts if _in_period(c.reached_at(stage), start))
        conversion = None if previous is None else ratio(reached, previous)
        steps.append(FunnelStep(stage, reached, conversion))
        previous = reached
    return tuple(steps)


def intervals(contacts: list[ContactFacts], start: datetime | None) -> tuple[Interval, ...]:
    result: list[Interval] = []
    for first, second in INTERVALS:
        gaps: list[float] = []
        students: set[int] = set()
        for contact in contacts:
            begin, end = contact.stamps.get(first), contact.stamps.get(second)
            if begin is None or end is None or not _in_period(end, start):
                continue
            gaps.append(max(0.0, (end - begin).total_seconds() / 86400))
            students.add(contact.user_id)
        median = Figure(statistics.median(gaps), len(students)) if gaps else Figure(None, 0)
        result.append(Interval(first, second, median))
    return tuple(result)


def reply_shares(contacts: list[ContactFacts], start: datetime | None) -> tuple[ReplyShare, ...]:
    classified = [
        c
        for c in contacts
        if c.reply_class is not None
        and _in_period(c.stamps.get(Stage.REPLIED) or c.closed_at or c.updated_at, start)
    ]
    total = count(classified)
    shares: list[ReplyShare] = []
    for name in REPLY_CLASSES:
        contacts_in = count(c for c in classified if c.reply_class == name)
        shares.append(ReplyShare(name, contacts_in, ratio(contacts_in, total)))
    return tuple(shares)


def checklist_completion(
    contacts: list[ContactFacts], start: datetime | None, checklists: Mapping[str, Checklist]
) -> tuple[PhaseCompletion, ...]:
    result: list[PhaseCompletion] = []
    for phase, stage in PHASE_STAGE.items():
        checklist = checklists.get(phase)
        if checklist is None or not checklist.items:
            continue
        items = {item.id for item in checklist.items}
        eligible = [c for c in contacts if _in_period(c.reached_at(stage), start)]
        done = [c for c in eligible if items <= c.ticked(phase, checklist)]
        eligible_figure, done_figure = count(eligible), count(done)
        result.append(
            PhaseCompletion(
                phase,
                checklist.title,
                stage,
                eligible_figure,
                done_figure,
                ratio(done_figure, eligible_figure),
            )
        )
    return tuple(result)


def employer_figures(lists: Mapping[int, Sequence[Standing]]) -> EmployerFigures:
    """The aggregate of every student's employers (user id → their employers)."""
    listing = {user: employers for user, employers in lists.items() if employers}
    if not listing:
        return NO_EMPLOYERS
    five = [
        user for user, employers in listing.items() if len(active_five(employers)) >= ACTIVE_SIZE
    ]
    scored = {
        user: sum(1 for e in employers if e.scores.complete) for user, employers in listing.items()
    }
    sizes = [len(employers) for employers in listing.values()]
    return EmployerFigures(
        students_listing=Figure(len(listing), len(listing)),
        students_with_five=Figure(len(five), len(five)),
        median_per_student=Figure(statistics.median(sizes), len(listing)),
        scored_share=ratio(
            Figure(sum(scored.values()), sum(1 for n in scored.values() if n)),
            Figure(sum(sizes), len(listing)),
        ),
    )


def build_stats(
    *,
    since: date | None,
    now: datetime,
    students_active: Figure,
    contacts: list[ContactFacts],
    nudges: Mapping[str, Figure],
    checklists: Mapping[str, Checklist],
    employers: Mapping[int, Sequence[Standing]] | None = None,
) -> ServerStats:
    """Everything but the SQL: turn one server's rows into its figures."""
    start = start_of(since)
    return ServerStats(
        since=since,
        generated_at=now.astimezone(UTC),
        students_active=students_active,
        contacts=count(c for c in contacts if _in_period(c.updated_at, start)),
        stages=stage_counts(contacts, start),
        funnel=funnel(contacts, start),
        intervals=intervals(contacts, start),
        reply_classes=reply_shares(contacts, start),
        nudges=tuple(
            NudgeOutcome(key, label, nudges.get(key, Figure(0, 0))) for key, label in NUDGE_OUTCOMES
        ),
        checklists=checklist_completion(contacts, start, checklists),
        employers=employer_figures(employers or {}),
    )
