"""The figures as one embed for staff, with the funnel chart as its image. Renders a
:class:`StaffFigures` (the disclosure rule already applied) and nothing else."""

from __future__ import annotations

from datetime import date, datetime

import discord

from bot.discord_limits import EMBED_FIELD_LIMIT
from bot.domain.disclosure import MIN_STUDENTS, ROUND_TO
from bot.staff_stats.shown import ShownTable, StaffFigures, hidden_sections

CHART_FILENAME = "funnel.png"
"""Attach :func:`funnel_chart_png`'s bytes under this name; the embed shows it as its image."""
HIDDEN = "—"


def day_text(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def moment_text(moment: datetime, figures: StaffFigures) -> str:
    local = moment.astimezone(figures.zone)
    return f"{local.day} {local:%b %Y %H:%M} ({figures.zone.key})"


def period_text(figures: StaffFigures) -> str:
    as_of = moment_text(figures.generated_at, figures)
    if figures.since is None:
        return f"All time, as of {as_of}"
    return f"Since {day_text(figures.since)}, as of {as_of}"


def small_text(figures: StaffFigures) -> str:
    count = figures.registered
    noun = "student" if count == 1 else "students"
    return f"{count} {noun} so far: figures appear from {MIN_STUDENTS}."


def number(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def days_text(days: int) -> str:
    """A median gap in whole days: "same day", "about 1 day", "about 4 days"."""
    if days <= 0:
        return "same day"
    return f"about {days} day{'s' if days != 1 else ''}"


def shows_hidden(embed: discord.Embed) -> bool:
    """Whether any figure in the embed reads as hidden (so the footer explains the mark)."""
    return any(
        line == HIDDEN or line.endswith(f": {HIDDEN}") or f": {HIDDEN} ·" in line
        for field in embed.fields
        for line in (field.value or "").splitlines()
    )


def _field(lines: list[str]) -> str:
    text = "\n".join(lines) or HIDDEN
    return text if len(text) <= EMBED_FIELD_LIMIT else text[: EMBED_FIELD_LIMIT - 1] + "…"


def table_lines(table: ShownTable, rest_label: str, *, shares: bool = False) -> list[str]:
    """The shown rows (hidden ones are counted together as the rest), then the total."""
    lines = []
    for row in table.rows:
        if row.value is None:
            continue
        line = f"{row.label}: {row.value}"
        if shares and row.share is not None:
            line += f" ({percent(row.share)})"
        lines.append(line)
    if table.rest is not None:
        lines.append(f"{rest_label}: {table.rest}")
    lines.append(f"**Total: {table.total}**")
    return lines


def student_lines(figures: StaffFigures) -> list[str]:
    lines = [
        f"Registered: {figures.registered}",
        f"Sharing their progress with staff: {figures.sharing} (see each with `/staff student`)",
    ]
    if figures.students_active is not None:
        lines.append(f"Active in the period: {figures.students_active}")
    return lines


def employer_lines(figures: StaffFigures) -> list[str]:
    employers = figures.employers
    lines = []
    if employers.listing is not None:
        lines.append(f"Students with an employer list: {employers.listing}")
    if employers.five is not None:
        lines.append(f"Students working a full top five: {employers.five}")
    if employers.median_per_student is not None:
        lines.append(f"Median employers per student with a list: {employers.median_per_student}")
    if employers.employers is not None:
        line = f"Employers listed: {employers.employers}"
        if employers.scored is not None:
            line += (
                f", {employers.scored} with all three scores ({percent(employers.scored_share)})"
            )
        lines.append(line)
    return lines


def stats_embed(figures: StaffFigures) -> discord.Embed:
    description = []
    if figures.small:
        description.append(f"**{small_text(figures)}**")
    description.append(period_text(figures))
    description.append(
        f"Aggregates only: a figure shows when at least {MIN_STUDENTS} students are behind it, "
        f"rounded to the nearest {ROUND_TO}."
    )
    embed = discord.Embed(
        title="Server figures", description="\n".join(description), colour=discord.Colour.blurple()
    )
    embed.add_field(name="Students", value=_field(student_lines(figures)), inline=False)
    if figures.stages.anything:
        embed.add_field(
            name="Contacts per stage (changed in the period)",
            value=_field(table_lines(figures.stages, "Other stages together")),
            inline=False,
        )
    if any(step.reached is not None for step in figures.funnel):
        lines = []
        for step in figures.funnel:
            line = f"{step.stage.label.capitalize()}: {number(step.reached)}"
            if step.conversion is not None:
                line += f" · {percent(step.conversion)} of the step before"
            lines.append(line)
        embed.add_field(
            name="Funnel (contacts requested in the period, and how far they got)",
            value=_field(lines),
            inline=False,
        )
    intervals = [
        f"{i.start.label.capitalize()} → {i.end.label}: {days_text(i.median_days)}"
        for i in figures.intervals
        if i.median_days is not None
    ]
    if intervals:
        embed.add_field(
            name="Median time between stages (per student, then across students)",
            value=_field(intervals),
            inline=False,
        )
    if figures.reply_classes.anything:
        embed.add_field(
            name="Reply types",
            value=_field(table_lines(figures.reply_classes, "Other types together", shares=True)),
            inline=False,
        )
    if figures.nudges.anything or figures.undeliverable is not None:
        lines = (
            table_lines(figures.nudges, "Other kinds together") if figures.nudges.anything else []
        )
        if figures.pressed.anything:
            pressed = [
                f"{row.label} {percent(row.share)}"
                for row in figures.pressed.rows
                if row.share is not None
            ]
            if pressed:
                lines.append("Pressed: " + " · ".join(pressed))
        if figures.undeliverable is not None:
            lines.append(f"Not delivered (DMs closed): {figures.undeliverable}")
        embed.add_field(name="Reminders sent, by kind", value=_field(lines), inline=False)
    stalls = [f"{row.label}: {row.value}" for row in figures.stalls if row.value is not None]
    if stalls:
        embed.add_field(
            name="Stalled contacts now (where to help)", value=_field(stalls), inline=False
        )
    checklists = [
        f"{discord.utils.escape_markdown(p.title)}: {p.eligible} contacts {p.eligible_stage.label}"
        + (f", fully ticked {p.completed} ({percent(p.share)})" if p.completed is not None else "")
        for p in figures.checklists
        if p.eligible is not None
    ]
    if checklists:
        embed.add_field(name="Checklists fully ticked", value=_field(checklists), inline=False)
    employers = employer_lines(figures)
    if employers:
        embed.add_field(
            name="Employers (LAMP lists, as of now)", value=_field(employers), inline=False
        )
    hidden = hidden_sections(figures)
    if hidden:
        embed.add_field(
            name=f"Not shown yet (fewer than {MIN_STUDENTS} students behind them)",
            value=_field([", ".join(hidden).capitalize() + "."]),
            inline=False,
        )
    if any(step.reached is not None for step in figures.funnel):
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    footer = f"Dates and times in {figures.zone.key}. No student's own data is shown"
    footer += f"; {HIDDEN} is hidden." if shows_hidden(embed) else "."
    embed.set_footer(text=footer)
    return embed
