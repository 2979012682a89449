"""The embed, the CSV files and the chart of a server with 6 students (figures wait for 10) and
with 60 (figures shown, rounded, coherent)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.domain.contacts import Stage
from bot.staff_stats import (
    CSV_COLUMNS,
    StaffFigures,
    compute_stats,
    funnel_chart_png,
    stats_csv_files,
    stats_embed,
)
from bot.storage.database import Database
from tests.staff_stats.scale import GUILD, NOW, seed_students

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEW_YORK = ZoneInfo("America/New_York")


async def figures_of(db: Database, students: int) -> StaffFigures:
    await seed_students(db, students)
    return await compute_stats(db, GUILD, None, NOW, zone=NEW_YORK)


def embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or ""]
    parts += [f"**{field.name}**\n{field.value}" for field in embed.fields]
    return "\n".join(parts)


def within_discord_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.fields) <= 25
    assert len(embed.description or "") <= 4096
    for field in embed.fields:
        assert 0 < len(field.name) <= 256
        assert 0 < len(field.value) <= 1024


def parse(files: list[tuple[str, bytes]]) -> dict[str, list[dict[str, str]]]:
    parsed = {}
    for name, data in files:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        rows = list(reader)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS[name], name
        parsed[name] = rows
    return parsed


async def test_six_students_say_so_once_and_show_no_wall_of_hidden_figures(db: Database):
    figures = await figures_of(db, 6)
    embed = stats_embed(figures)
    within_discord_limits(embed)
    assert embed.description.startswith("**6 students so far: figures appear from 10.**")
    assert "All time, as of 25 Nov 2026 10:00 (America/New_York)" in embed.description
    assert [field.name for field in embed.fields] == [
        "Students",
        "Not shown yet (fewer than 10 students behind them)",
    ]
    assert embed.fields[0].value.splitlines()[0] == "Registered: 6"
    assert embed.image.url is None  # no chart: nothing to draw
    text = embed_text(embed)
    assert "fewer than 5" not in text
    assert text.count("—") == 0
    tables = parse(stats_csv_files(figures))
    assert tables["overview.csv"][0]["value"] == "6"
    assert {row["contacts_reached"] for row in tables["funnel.csv"]} == {"hidden"}
    assert all(row["zone"] == "America/New_York" for row in tables["funnel.csv"])


async def test_sixty_students_show_rounded_coherent_figures(db: Database):
    figures = await figures_of(db, 60)
    embed = stats_embed(figures)
    within_discord_limits(embed)
    assert "so far" not in embed.description
    fields = {field.name: field.value for field in embed.fields}
    funnel = fields["Funnel (contacts requested in the period, and how far they got)"]
    assert funnel.splitlines() == [
        "Requested: 120",
        "Replied: 100 · 83% of the step before",
        "Met: 50 · 50% of the step before",
        "Thanked: 20 · 40% of the step before",
    ]
    stages = fields["Contacts per stage (changed in the period)"].splitlines()
    numbers = [int(line.rsplit(": ", 1)[1].strip("*")) for line in stages]
    assert sum(numbers[:-1]) == numbers[-1]  # the total is the sum of the parts as shown
    assert all(n % 5 == 0 for n in numbers)
    assert "about" in fields["Median time between stages (per student, then across students)"]
    assert "Stalled contacts now (where to help)" in fields
    assert embed.image.url == "attachment://funnel.png"
    tables = parse(stats_csv_files(figures))
    assert [row["contacts_reached"] for row in tables["funnel.csv"]] == ["120", "100", "50", "20"]
    assert tables["funnel.csv"][0]["conversion_from_previous_percent"] == ""
    assert tables["funnel.csv"][1]["conversion_from_previous_percent"] == "83.3"
    stage_rows = {row["stage"]: row["contacts"] for row in tables["stages.csv"]}
    assert stage_rows["total"] == str(sum(int(v) for k, v in stage_rows.items() if k != "total"))
    assert set(tables["nudges.csv"][0]) >= {"kind", "sent"}


async def test_csv_files_contain_no_user_ids(db: Database):
    figures = await figures_of(db, 60)
    for _, data in stats_csv_files(figures):
        assert not re.search(rb"\d{15,}", data)


@pytest.mark.parametrize("students", [6, 60])
async def test_chart_is_a_valid_png(db: Database, students: int):
    png = funnel_chart_png(await figures_of(db, students))
    assert png.startswith(PNG_MAGIC)


async def test_a_period_shows_its_start_in_the_servers_zone(db: Database):
    await seed_students(db, 60)
    from datetime import date

    figures = await compute_stats(db, GUILD, date(2026, 11, 2), NOW, zone=NEW_YORK)
    embed = stats_embed(figures)
    assert "Since Monday 2 November 2026, as of 25 Nov 2026 10:00" in embed.description
    assert figures.funnel[0].stage is Stage.REQUESTED


def footer(embed: discord.Embed) -> str:
    return embed.footer.text or ""


@pytest.mark.parametrize("students", [6, 60])
async def test_the_footer_explains_the_hidden_mark_only_when_one_shows(db: Database, students: int):
    figures = await figures_of(db, students)
    embed = stats_embed(figures)
    assert "—" not in embed_text(embed)
    assert footer(embed).endswith("No student's own data is shown.")
    assert "—" not in footer(embed)
    if students < 10:
        return  # no funnel shown at all

    # A funnel step hidden between shown ones reads "—": now the footer says what it means.
    first, *rest = figures.funnel
    hidden_step = dataclasses.replace(rest[0], reached=None, conversion=None)
    figures = dataclasses.replace(figures, funnel=(first, hidden_step, *rest[1:]))
    embed = stats_embed(figures)
    assert any(line.endswith(": —") for field in embed.fields for line in field.value.splitlines())
    assert footer(embed).endswith("— is hidden.")


async def test_median_gaps_read_same_day_and_one_day(db: Database):
    figures = await figures_of(db, 60)
    intervals = tuple(
        dataclasses.replace(interval, median_days=days)
        for interval, days in zip(figures.intervals, (0, 1, 4, 0), strict=True)
    )
    embed = stats_embed(dataclasses.replace(figures, intervals=intervals))
    fields = {field.name: field.value for field in embed.fields}
    lines = fields["Median time between stages (per student, then across students)"].splitlines()
    assert lines == [
        "Requested → replied: same day",
        "Replied → scheduled: about 1 day",
        "Replied → met: about 4 days",
        "Met → thanked: same day",
    ]
