"""The statistics as CSV files, one per table: UTF-8, a header row, aggregates only.

Every file starts with ``since`` (YYYY-MM-DD, or ``all`` for all time) and ``generated_at`` (ISO
8601, UTC). A figure hidden by the minimum group rule reads ``fewer than 5``; a cell with nothing
to say (the first funnel step's conversion) is empty. Percentages have one decimal; so do days
and medians. ``employers.csv`` counts the students' LAMP lists as they stand at
``generated_at``, whatever ``since`` says.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.staff_stats.figures import FEWER_THAN, Figure, ServerStats, visible

COMMON = ("since", "generated_at")
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "overview.csv": (*COMMON, "figure", "value"),
    "stages.csv": (*COMMON, "stage", "contacts"),
    "funnel.csv": (*COMMON, "step", "contacts_reached", "conversion_from_previous_percent"),
    "median_days.csv": (*COMMON, "from_stage", "to_stage", "median_days"),
    "reply_classes.csv": (*COMMON, "reply_class", "contacts", "share_percent"),
    "nudges.csv": (*COMMON, "outcome", "nudges"),
    "employers.csv": (*COMMON, "figure", "value"),
    "checklists.csv": (
        *COMMON,
        "phase",
        "eligible_stage",
        "eligible_contacts",
        "completed_contacts",
        "completion_percent",
    ),
}
"""File name → its columns, in order."""


def _number(figure: Figure) -> str:
    value = visible(figure)
    return FEWER_THAN if value is None else str(round(value))


def _percent(figure: Figure | None) -> str:
    if figure is None:
        return ""
    value = visible(figure)
    return FEWER_THAN if value is None else f"{value * 100:.1f}"


def _days(figure: Figure) -> str:
    value = visible(figure)
    return FEWER_THAN if value is None else f"{value:.1f}"


def _median(figure: Figure) -> str:
    value = visible(figure)
    return FEWER_THAN if value is None else f"{value:.1f}"


def _rows(stats: ServerStats) -> dict[str, Iterable[tuple[str, ...]]]:
    return {
        "overview.csv": [
            ("students_active", _number(stats.students_active)),
            ("contacts_changed", _number(stats.contacts)),
        ],
        "stages.csv": [(s.stage.value, _number(s.contacts)) for s in stats.stages],
        "funnel.csv": [
            (f.stage.value, _number(f.reached), _percent(f.conversion)) for f in stats.funnel
        ],
        "median_days.csv": [
            (i.start.value, i.end.value, _days(i.median_days)) for i in stats.intervals
        ],
        "reply_classes.csv": [
            (r.reply_class, _number(r.contacts), _percent(r.share)) for r in stats.reply_classes
        ],
        "nudges.csv": [(n.outcome, _number(n.nudges)) for n in stats.nudges],
        "employers.csv": [
            ("students_with_employer_list", _number(stats.employers.students_listing)),
            ("students_with_full_active_five", _number(stats.employers.students_with_five)),
            ("median_employers_per_student", _median(stats.employers.median_per_student)),
            ("employers_fully_scored_percent", _percent(stats.employers.scored_share)),
        ],
        "checklists.csv": [
            (
                p.phase,
                p.eligible_stage.value,
                _number(p.eligible),
                _number(p.completed),
                _percent(p.share),
            )
            for p in stats.checklists
        ],
    }


def stats_csv_files(stats: ServerStats) -> list[tuple[str, bytes]]:
    """``(file name, UTF-8 bytes)`` for each table in :data:`CSV_COLUMNS`, in that order."""
    common = (
        "all" if stats.since is None else stats.since.isoformat(),
        stats.generated_at.isoformat(timespec="seconds"),
    )
    files: list[tuple[str, bytes]] = []
    for name, rows in _rows(stats).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS[name])
        for row in rows:
            writer.writerow((*common, *row))
        files.append((name, buffer.getvalue().encode("utf-8")))
    return files
