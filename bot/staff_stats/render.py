"""The statistics as one embed for staff, with the funnel chart as its image."""

from __future__ import annotations

import discord

from bot.discord_limits import EMBED_FIELD_LIMIT
from bot.domain.contacts import Stage
from bot.staff_stats.figures import (
    FEWER_THAN,
    MIN_GROUP,
    Figure,
    ServerStats,
    days,
    display,
    one_decimal,
    percent,
    shown,
)

CHART_FILENAME = "funnel.png"
"""Attach :func:`funnel_chart_png`'s bytes under this name; the embed shows it as its image."""


def period_text(stats: ServerStats) -> str:
    as_of = stats.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    if stats.since is None:
        return f"All time, as of {as_of}"
    return f"Since {stats.since.isoformat()} (UTC), as of {as_of}"


def _field(lines: list[str]) -> str:
    text = "\n".join(lines) or "—"
    return text if len(text) <= EMBED_FIELD_LIMIT else text[: EMBED_FIELD_LIMIT - 1] + "…"


def _stage_label(stage: Stage) -> str:
    return stage.label.capitalize()


def _reply_share(share: Figure, contacts: Figure) -> str:
    text = display(share, percent)
    return f"{text} ({display(contacts)} contacts)" if shown(share) else text


def employer_lines(stats: ServerStats) -> list[str]:
    """The LAMP-list figures, one line each (counted now, whatever the period)."""
    employers = stats.employers
    return [
        f"Students with an employer list: {display(employers.students_listing)}",
        f"Students working a full top five: {display(employers.students_with_five)}",
        "Median employers per student with a list: "
        + display(employers.median_per_student, one_decimal),
        f"Employers with all three scores: {display(employers.scored_share, percent)}",
    ]


def stats_embed(stats: ServerStats) -> discord.Embed:
    embed = discord.Embed(
        title="Server statistics",
        description=(
            f"{period_text(stats)}\n"
            f"Aggregates only. Any figure drawn from fewer than {MIN_GROUP} students shows as "
            f"“{FEWER_THAN}”."
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Students active", value=display(stats.students_active), inline=True)
    embed.add_field(name="Contacts changed", value=display(stats.contacts), inline=True)
    embed.add_field(
        name="Contacts per stage",
        value=_field([f"{_stage_label(s.stage)}: {display(s.contacts)}" for s in stats.stages]),
        inline=False,
    )
    funnel_lines = []
    for step in stats.funnel:
        line = f"{_stage_label(step.stage)}: {display(step.reached)}"
        if step.conversion is not None:
            line += f" · {display(step.conversion, percent)} of the step before"
        funnel_lines.append(line)
    embed.add_field(name="Funnel (contacts that got this far)", value=_field(funnel_lines))
    embed.add_field(
        name="Median time between stages",
        value=_field(
            [
                f"{_stage_label(i.start)} → {i.end.label}: {display(i.median_days, days)}"
                for i in stats.intervals
            ]
        ),
        inline=False,
    )
    embed.add_field(
        name="Reply types (share of classified replies)",
        value=_field(
            [
                f"{r.reply_class.capitalize()}: {_reply_share(r.share, r.contacts)}"
                for r in stats.reply_classes
            ]
        ),
        inline=False,
    )
    embed.add_field(
        name="Reminders (nudges)",
        value=_field([f"{n.label}: {display(n.nudges)}" for n in stats.nudges]),
        inline=False,
    )
    embed.add_field(
        name="Employers (LAMP lists, as of now)",
        value=_field(employer_lines(stats)),
        inline=False,
    )
    if stats.checklists:
        embed.add_field(
            name="Checklists fully ticked",
            value=_field(
                [
                    f"{discord.utils.escape_markdown(p.title)}: contacts {p.eligible_stage.label}"
                    f" {display(p.eligible)}, fully ticked {display(p.share, percent)}"
                    for p in stats.checklists
                ]
            ),
            inline=False,
        )
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text="Dates and times in UTC. No student's own data is shown.")
    return embed
