"""What staff may see of one server's cells: :func:`disclose` applies the disclosure rule
(:mod:`bot.domain.disclosure`) to every figure, once, and every output (the embed, the CSV
files, the chart, the weekly summary) renders the :class:`StaffFigures` it returns and nothing
else. A value of None is hidden."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import disclosure
from bot.domain.contacts import Stage
from bot.domain.disclosure import MIN_STUDENTS, Cell, Period, Table
from bot.domain.stalls import StallKind
from bot.staff_stats.figures import (
    FUNNEL_STEPS,
    INTERVALS,
    PRESSED,
    REPLY_CLASSES,
    STAGE_ORDER,
    STALLS,
    ServerCells,
)

NUDGE_LABELS: dict[str, str] = {
    "second_contact": "Contact a second person",
    "follow_up": "Follow up (3B7)",
    "close_no_reply": "Close after no reply",
    "prepare": "Prepare for the meeting",
    "confirm": "Confirm the meeting",
    "top_questions": "Top questions, 1 hour before",
    "thank_you": "Thank-you note",
    "thank_you_again": "Thank-you, last call",
    "referrals": "Contact the referrals",
    "tell_referrer": "Tell the referrer",
    "report_back": "Report back",
    "keep_in_touch": "Keep in touch",
    "digest": "Weekly digest (only those with something in them)",
}


def nudge_label(kind: str) -> str:
    return NUDGE_LABELS.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class Row:
    """One shown line of a table: its key, label, value (None: hidden) and, where it has one,
    its share of the table's total as shown."""

    key: str
    label: str
    value: int | None
    share: float | None = None


@dataclass(frozen=True, slots=True)
class ShownTable:
    rows: tuple[Row, ...]
    rest: int | None  # the hidden rows together (None: nothing hidden, or all of it is)
    total: int | None

    @property
    def anything(self) -> bool:
        return self.total is not None


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: Stage
    reached: int | None
    conversion: float | None  # of the previous step, when both are shown


@dataclass(frozen=True, slots=True)
class IntervalShown:
    start: Stage
    end: Stage
    median_days: int | None


@dataclass(frozen=True, slots=True)
class PhaseShown:
    phase: str
    title: str
    eligible_stage: Stage
    eligible: int | None
    completed: int | None
    share: float | None


@dataclass(frozen=True, slots=True)
class EmployersShown:
    listing: int | None
    five: int | None
    median_per_student: int | None
    employers: int | None
    scored: int | None
    scored_share: float | None


@dataclass(frozen=True, slots=True)
class StaffFigures:
    """Everything staff may see of the server's figures for one period."""

    since: date | None
    zone: ZoneInfo
    generated_at: datetime
    registered: int
    sharing: int
    students_active: int | None
    stages: ShownTable
    funnel: tuple[FunnelStep, ...]
    intervals: tuple[IntervalShown, ...]
    reply_classes: ShownTable
    nudges: ShownTable  # sent, by kind
    pressed: ShownTable  # what students pressed on them
    undeliverable: int | None
    checklists: tuple[PhaseShown, ...]
    stalls: tuple[Row, ...]
    employers: EmployersShown

    @property
    def small(self) -> bool:
        """Fewer students than any figure needs."""
        return self.registered < MIN_STUDENTS


def _shown_table(
    cells: Mapping[str, Cell],
    labels: Mapping[str, str],
    period: Period,
    *,
    shares: bool = False,
) -> ShownTable:
    result: Table = disclosure.table(cells, period)
    rows = []
    for key in cells:
        value = result.parts[key]
        if value is None and result.rest == 0:
            value = 0  # every hidden row is empty, as the total shows anyway
        share = disclosure.share(value, result.total) if shares and value else None
        rows.append(Row(key, labels[key], value, share))
    rest = result.rest if result.rest else None
    return ShownTable(tuple(rows), rest, result.total)


def _funnel(cells: ServerCells) -> tuple[FunnelStep, ...]:
    values = disclosure.nested(cells.funnel, cells.period)
    steps: list[FunnelStep] = []
    for n, (stage, value) in enumerate(zip(FUNNEL_STEPS, values, strict=True)):
        previous = values[n - 1] if n else None
        steps.append(FunnelStep(stage, value, disclosure.share(value, previous) if n else None))
    return tuple(steps)


def _employers(cells: ServerCells) -> EmployersShown:
    employers = cells.employers
    total, scored = disclosure.nested((employers.employers, employers.scored))
    return EmployersShown(
        listing=disclosure.count(employers.listing),
        five=disclosure.count(employers.five),
        median_per_student=disclosure.median(employers.per_student),
        employers=total,
        scored=scored,
        scored_share=disclosure.share(scored, total),
    )


def _stalls(stalls: Mapping[StallKind, Cell]) -> tuple[Row, ...]:
    # Each kind on its own, with no total: a contact may be stalled in two ways at once.
    return tuple(
        Row(kind.value, label, disclosure.count(stalls.get(kind, ()))) for kind, label in STALLS
    )


def disclose(cells: ServerCells, since: date | None = None) -> StaffFigures:
    """Apply the disclosure rule to every figure of ``cells``."""
    period = cells.period
    checklists: list[PhaseShown] = []
    for phase in cells.checklists:
        eligible, completed = disclosure.nested((phase.eligible, phase.completed), period)
        checklists.append(
            PhaseShown(
                phase.phase,
                phase.title,
                phase.eligible_stage,
                eligible,
                completed,
                disclosure.share(completed, eligible),
            )
        )
    return StaffFigures(
        since=since,
        zone=cells.zone,
        generated_at=cells.generated_at,
        registered=cells.registered,
        sharing=cells.sharing,
        students_active=disclosure.count_students(cells.students_active, period),
        stages=_shown_table(
            {stage.value: cells.stages.get(stage, ()) for stage in STAGE_ORDER},
            {stage.value: stage.label.capitalize() for stage in STAGE_ORDER},
            period,
        ),
        funnel=_funnel(cells),
        intervals=tuple(
            IntervalShown(start, end, disclosure.median(cells.intervals[(start, end)], period))
            for start, end in INTERVALS
        ),
        reply_classes=_shown_table(
            {name: cells.reply_classes.get(name, ()) for name in REPLY_CLASSES},
            {name: name.capitalize() for name in REPLY_CLASSES},
            period,
            shares=True,
        ),
        nudges=_shown_table(
            dict(cells.nudges_sent),
            {kind: nudge_label(kind) for kind in cells.nudges_sent},
            period,
        ),
        pressed=_shown_table(
            {key: cells.pressed.get(key, ()) for key, _ in PRESSED},
            dict(PRESSED),
            period,
            shares=True,
        ),
        undeliverable=disclosure.count(cells.undeliverable, period),
        checklists=tuple(checklists),
        stalls=_stalls(cells.stalls),
        employers=_employers(cells),
    )


def hidden_sections(figures: StaffFigures) -> list[str]:
    """The sections with nothing to show, for one line instead of a wall of hidden figures."""
    sections: list[tuple[str, Sequence[object]]] = [
        ("students active", [figures.students_active]),
        ("contacts per stage", [figures.stages.total]),
        ("the funnel", [step.reached for step in figures.funnel]),
        ("time between stages", [i.median_days for i in figures.intervals]),
        ("reply types", [figures.reply_classes.total]),
        ("reminders", [figures.nudges.total, figures.undeliverable]),
        ("checklists", [p.eligible for p in figures.checklists]),
        ("stalled contacts", [row.value for row in figures.stalls]),
        (
            "employers",
            [
                figures.employers.listing,
                figures.employers.five,
                figures.employers.median_per_student,
                figures.employers.employers,
            ],
        ),
    ]
    return [name for name, values in sections if all(value is None for value in values)]
