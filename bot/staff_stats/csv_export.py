"""The figures as CSV files, one per table: UTF-8, a header row, aggregates only. Renders a
:class:`StaffFigures` (the disclosure rule already applied) and nothing else.

Every file starts with ``since`` (YYYY-MM-DD, or ``all``), ``zone`` (the server's, in which
``since`` starts at midnight) and ``generated_at`` (ISO 8601, UTC). A hidden figure reads
``hidden``; hidden rows of a table are counted together in an ``other_together`` row when that
is shown. Counts are rounded to the nearest 5; percentages have one decimal, days are whole.
``employers.csv`` and ``stalls.csv`` count things as they stand at ``generated_at``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC

from bot.staff_stats.shown import ShownTable, StaffFigures

HIDDEN = "hidden"
REST = "other_together"
COMMON = ("since", "zone", "generated_at")
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "overview.csv": (*COMMON, "figure", "value"),
    "stages.csv": (*COMMON, "stage", "contacts"),
    "funnel.csv": (*COMMON, "step", "contacts_reached", "conversion_from_previous_percent"),
    "median_days.csv": (*COMMON, "from_stage", "to_stage", "median_days"),
    "reply_classes.csv": (*COMMON, "reply_class", "contacts", "share_percent"),
    "nudges.csv": (*COMMON, "kind", "sent"),
    "pressed.csv": (*COMMON, "button", "nudges", "share_percent"),
    "stalls.csv": (*COMMON, "stall", "contacts"),
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


def _number(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def _percent(value: float | None, shown: bool = True) -> str:
    if not shown:
        return ""
    return HIDDEN if value is None else f"{value * 100:.1f}"


def _table(table: ShownTable, *, shares: bool = False) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for row in table.rows:
        cells = (row.key, _number(row.value))
        rows.append((*cells, _percent(row.share)) if shares else cells)
    if table.rest is not None:
        rows.append((REST, str(table.rest), "") if shares else (REST, str(table.rest)))
    rows.append(("total", _number(table.total), "") if shares else ("total", _number(table.total)))
    return rows


def _rows(figures: StaffFigures) -> dict[str, Iterable[tuple[str, ...]]]:
    employers = figures.employers
    return {
        "overview.csv": [
            ("students_registered", str(figures.registered)),
            ("students_sharing_with_staff", str(figures.sharing)),
            ("students_active", _number(figures.students_active)),
            ("contacts_changed", _number(figures.stages.total)),
            ("nudges_undeliverable", _number(figures.undeliverable)),
        ],
        "stages.csv": _table(figures.stages),
        "funnel.csv": [
            (f.stage.value, _number(f.reached), _percent(f.conversion, n > 0))
            for n, f in enumerate(figures.funnel)
        ],
        "median_days.csv": [
            (i.start.value, i.end.value, _number(i.median_days)) for i in figures.intervals
        ],
        "reply_classes.csv": _table(figures.reply_classes, shares=True),
        "nudges.csv": _table(figures.nudges),
        "pressed.csv": _table(figures.pressed, shares=True),
        "stalls.csv": [(row.key, _number(row.value)) for row in figures.stalls],
        "employers.csv": [
            ("students_with_employer_list", _number(employers.listing)),
            ("students_with_full_active_five", _number(employers.five)),
            ("median_employers_per_student", _number(employers.median_per_student)),
            ("employers_listed", _number(employers.employers)),
            ("employers_fully_scored", _number(employers.scored)),
            ("employers_fully_scored_percent", _percent(employers.scored_share)),
        ],
        "checklists.csv": [
            (
                p.phase,
                p.eligible_stage.value,
                _number(p.eligible),
                _number(p.completed),
                _percent(p.share),
            )
            for p in figures.checklists
        ],
    }


def stats_csv_files(figures: StaffFigures) -> list[tuple[str, bytes]]:
    """``(file name, UTF-8 bytes)`` for each table in :data:`CSV_COLUMNS`, in that order."""
    common = (
        "all" if figures.since is None else figures.since.isoformat(),
        figures.zone.key,
        figures.generated_at.astimezone(UTC).isoformat(timespec="seconds"),
    )
    files: list[tuple[str, bytes]] = []
    for name, rows in _rows(figures).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS[name])
        for row in rows:
            writer.writerow((*common, *row))
        files.append((name, buffer.getvalue().encode("utf-8")))
    return files
