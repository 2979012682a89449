"""The embed, the CSV files and the chart made from the hand-built server (and from an empty
one, where every figure is hidden)."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date

import discord
import matplotlib.image
import pytest

from bot.content import Checklist, ChecklistItem
from bot.staff_stats import (
    CHART_FILENAME,
    CSV_COLUMNS,
    FEWER_THAN,
    ServerStats,
    compute_stats,
    funnel_chart_png,
    stats_csv_files,
    stats_embed,
)
from bot.storage.database import Database
from tests.staff_stats.seed import GUILD, NOW, USERS, seed_server

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def stats(db: Database) -> ServerStats:
    await seed_server(db)
    return await compute_stats(db, GUILD, None, NOW)


@pytest.fixture
async def hidden(db: Database) -> ServerStats:
    """A server with no data: every figure is drawn from 0 students."""
    return await compute_stats(db, 999, date(2026, 10, 1), NOW)


def _assert_within_discord_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.fields) <= 25
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    for field in embed.fields:
        assert 0 < len(field.name) <= 256
        assert 0 < len(field.value) <= 1024


def test_embed_shows_the_figures_within_discord_limits(stats: ServerStats):
    embed = stats_embed(stats)
    _assert_within_discord_limits(embed)
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Students active"] == "6"
    assert fields["Funnel (contacts that got this far)"].splitlines() == [
        "Requested: 8",
        "Replied: 7 · 88% of the step before",
        "Met: 6 · 86% of the step before",
        "Thanked: 5 · 83% of the step before",
    ]
    assert fields["Median time between stages"].splitlines() == [
        "Requested → replied: 3.5 days",
        "Replied → scheduled: 1.0 days",
        "Replied → met: 6.0 days",
        "Met → thanked: 2.0 days",
    ]
    assert fields["Reply types (share of classified replies)"].splitlines() == [
        "Booster: 71% (5 contacts)",
        f"Obligate: {FEWER_THAN}",
        f"Curmudgeon: {FEWER_THAN}",
    ]
    assert fields["Reminders (nudges)"].splitlines() == [
        "Sent: 6",
        "Acted on (Done): 5",
        f"Snoozed: {FEWER_THAN}",
        f"Stopped: {FEWER_THAN}",
        f"Skipped, no DM (empty digest or out of date): {FEWER_THAN}",
        f"Undeliverable (DMs closed): {FEWER_THAN}",
    ]
    assert fields["Checklists fully ticked"].splitlines() == [
        "Making a request: contacts requested 8, fully ticked 75%",
        f"Preparing for the meeting: contacts met 6, fully ticked {FEWER_THAN}",
        f"During the interview: contacts met 6, fully ticked {FEWER_THAN}",
        "Following up: contacts thanked 5, fully ticked 100%",
    ]
    assert "Planned: fewer than 5" in fields["Contacts per stage"]
    assert "Thanked: 5" in fields["Contacts per stage"]
    assert embed.image.url == f"attachment://{CHART_FILENAME}"
    assert "All time" in embed.description


async def test_embed_with_long_titles_and_since(db: Database):
    await seed_server(db)
    long = {
        phase: Checklist(phase, "*T*" * 66, (ChecklistItem("a", "A"),))
        for phase in ("request", "prepare", "interview", "followup")
    }
    stats = await compute_stats(db, GUILD, date(2026, 10, 5), NOW, checklists=long)
    embed = stats_embed(stats)
    _assert_within_discord_limits(embed)
    assert embed.description.startswith("Since 2026-10-05 (UTC)")
    assert "\\*T\\*" in embed.fields[-1].value  # titles are escaped


def test_embed_when_everything_is_hidden(hidden: ServerStats):
    embed = stats_embed(hidden)
    _assert_within_discord_limits(embed)
    assert {field.value for field in embed.fields[:2]} == {FEWER_THAN}


def _parse(files: list[tuple[str, bytes]]) -> dict[str, list[dict[str, str]]]:
    parsed = {}
    for name, data in files:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        rows = list(reader)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS[name], name
        parsed[name] = rows
    return parsed


def test_csv_files_have_the_documented_columns_and_known_values(stats: ServerStats):
    files = stats_csv_files(stats)
    assert [name for name, _ in files] == list(CSV_COLUMNS)
    tables = _parse(files)
    for rows in tables.values():
        assert rows
        assert {row["since"] for row in rows} == {"all"}
        assert {row["generated_at"] for row in rows} == {"2026-11-01T12:00:00+00:00"}
    assert {r["figure"]: r["value"] for r in tables["overview.csv"]} == {
        "students_active": "6",
        "contacts_changed": "9",
    }
    assert [
        (r["step"], r["contacts_reached"], r["conversion_from_previous_percent"])
        for r in tables["funnel.csv"]
    ] == [
        ("requested", "8", ""),
        ("replied", "7", "87.5"),
        ("met", "6", "85.7"),
        ("thanked", "5", "83.3"),
    ]
    assert [
        (r["from_stage"], r["to_stage"], r["median_days"]) for r in tables["median_days.csv"]
    ] == [
        ("requested", "replied", "3.5"),
        ("replied", "scheduled", "1.0"),
        ("replied", "met", "6.0"),
        ("met", "thanked", "2.0"),
    ]
    assert [
        (r["reply_class"], r["contacts"], r["share_percent"]) for r in tables["reply_classes.csv"]
    ] == [
        ("booster", "5", "71.4"),
        ("obligate", FEWER_THAN, FEWER_THAN),
        ("curmudgeon", FEWER_THAN, FEWER_THAN),
    ]
    assert {r["stage"]: r["contacts"] for r in tables["stages.csv"]}["thanked"] == "5"
    assert {r["outcome"]: r["nudges"] for r in tables["nudges.csv"]} == {
        "sent": "6",
        "acted_on": "5",
        "snoozed": FEWER_THAN,
        "stopped": FEWER_THAN,
        "skipped": FEWER_THAN,
        "undeliverable": FEWER_THAN,
    }
    checklists = {r["phase"]: r for r in tables["checklists.csv"]}
    assert checklists["request"] == {
        "since": "all",
        "generated_at": "2026-11-01T12:00:00+00:00",
        "phase": "request",
        "eligible_stage": "requested",
        "eligible_contacts": "8",
        "completed_contacts": "6",  # U6's "log the reply" ticked itself
        "completion_percent": "75.0",
    }
    assert checklists["prepare"]["completed_contacts"] == FEWER_THAN


def test_csv_files_contain_no_user_ids(stats: ServerStats):
    for name, data in stats_csv_files(stats):
        text = data.decode("utf-8")
        assert "user" not in text.lower(), name
        for user in USERS:
            assert str(user) not in text, name
            assert str(user)[-6:] not in text, name


def test_csv_files_when_everything_is_hidden(hidden: ServerStats):
    tables = _parse(stats_csv_files(hidden))
    assert {r["since"] for r in tables["overview.csv"]} == {"2026-10-01"}
    assert [r["contacts_reached"] for r in tables["funnel.csv"]] == [FEWER_THAN] * 4


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC)
    length, chunk = struct.unpack(">I4s", png[8:16])
    assert (length, chunk) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("which", ["stats", "hidden"])
def test_chart_is_a_valid_png(which: str, request: pytest.FixtureRequest):
    png = funnel_chart_png(request.getfixturevalue(which))
    assert _png_size(png) == (800, 450)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (450, 800)
    assert png.endswith(b"IEND\xaeB`\x82")
