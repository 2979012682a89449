"""Onboarding actions against a real migrated SQLite file: /start notes the student, the
pointer to /start is taken once per server, and /help topics resolve or are refused kindly."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

import pytest

from bot.actions.context import ActionContext, StudentKey
from bot.actions.onboarding import (
    glossary_matches,
    glossary_topic,
    open_start,
    start_pointer_due,
)
from bot.actions.planner import NudgePlanner
from bot.actions.settings import set_quiet_hours, set_timezone, show_settings
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.errors import UserError
from bot.storage.database import Database, SqliteDatabase
from bot.storage.guild_settings import update_server_settings

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
DATA = Path(__file__).resolve().parents[2] / "data"
MIGRATIONS = Path(__file__).resolve().parents[2] / "bot" / "storage" / "migrations" / "sqlite"


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database) -> ActionContext:
    content = _content()
    return ActionContext(db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None))


async def pointed_at(db: Database, who: StudentKey) -> object:
    return await db.fetch_value(
        "SELECT start_pointed_at FROM students WHERE guild_id = ? AND user_id = ?",
        (who.guild_id, who.user_id),
    )


async def student_count(db: Database) -> int:
    return int(await db.fetch_value("SELECT count(*) FROM students"))


async def in_new_task(coro):
    """Run ``coro`` in its own task, as discord.py runs each interaction's command."""
    return await asyncio.create_task(coro)


async def command_then_pointer(ctx: ActionContext, who: StudentKey, command) -> bool:
    """A command followed by its completion listener's question, in one interaction's task."""

    async def interaction() -> bool:
        await command()
        return await start_pointer_due(ctx, who)

    return await in_new_task(interaction())


async def test_the_first_stored_command_is_pointed_once_per_server(db: Database):
    ctx = make_ctx(db)
    assert await command_then_pointer(
        ctx, ALICE, lambda: set_timezone(ctx, ALICE, "America/New_York")
    )
    # noted in the command's own transaction
    assert await pointed_at(db, ALICE) == "2026-03-04T12:00:00.000000+00:00"
    assert not await command_then_pointer(
        ctx, ALICE, lambda: set_timezone(ctx, ALICE, "America/Chicago")
    )
    assert not await command_then_pointer(ctx, ALICE, lambda: show_settings(ctx, ALICE))
    assert await command_then_pointer(
        ctx, ALICE_ELSEWHERE, lambda: set_timezone(ctx, ALICE_ELSEWHERE, "Europe/Paris")
    )


async def test_a_read_only_first_command_is_pointed_and_nothing_is_written(db: Database):
    ctx = make_ctx(db)
    assert await command_then_pointer(ctx, ALICE, lambda: show_settings(ctx, ALICE))
    assert await command_then_pointer(ctx, ALICE, lambda: show_settings(ctx, ALICE))
    assert await student_count(db) == 0


async def test_opening_start_stores_the_student_so_no_pointer_follows(db: Database):
    ctx = make_ctx(db)
    welcome = await in_new_task(open_start(ctx, ALICE))
    assert welcome.timezone is None
    assert (welcome.quiet_start, welcome.quiet_end) == (time(21, 0), time(8, 0))
    assert welcome.digest_day == 0
    assert welcome.nudges_enabled is True
    assert welcome.word_limit == 100
    assert await pointed_at(db, ALICE) is not None
    assert not await command_then_pointer(ctx, ALICE, lambda: show_settings(ctx, ALICE))
    assert await command_then_pointer(
        ctx, ALICE_ELSEWHERE, lambda: show_settings(ctx, ALICE_ELSEWHERE)
    )


@pytest.mark.sqlite_only  # an older SQLite file upgraded
async def test_students_from_before_the_release_are_not_pointed(tmp_path: Path):
    """Migration 0010 notes every existing student as past their first command."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "".join(
                (MIGRATIONS / name).read_text(encoding="utf-8")
                for name in sorted(p.name for p in MIGRATIONS.glob("000[1-9]_*.sql"))
            )
        )
        conn.execute(
            "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
            " VALUES (10, 1, '2026-01-05T09:00:00.000000+00:00', "
            "'2026-01-05T09:00:00.000000+00:00')"
        )
        conn.execute("PRAGMA user_version = 9")
    conn.close()
    db = await SqliteDatabase.open(path)
    try:
        ctx = make_ctx(db)
        assert await pointed_at(db, ALICE) == "2026-01-05T09:00:00.000000+00:00"
        assert not await command_then_pointer(ctx, ALICE, lambda: show_settings(ctx, ALICE))
    finally:
        await db.close()


async def test_the_welcome_reads_the_students_settings_and_the_servers_limit(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Asia/Tokyo")
    await set_quiet_hours(ctx, ALICE, "22:00", "6:30")
    async with db.transaction() as tx:
        await update_server_settings(tx, ALICE.guild_id, NOW, word_limit=75)
    welcome = await open_start(ctx, ALICE)
    assert welcome.timezone == "Asia/Tokyo"
    assert (welcome.quiet_start, welcome.quiet_end) == (time(22, 0), time(6, 30))
    assert welcome.word_limit == 75
    assert (await show_settings(ctx, ALICE)).timezone == "Asia/Tokyo"  # settings untouched


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("tiara", "tiara"),
        ("TIARA questions", "tiara"),
        ("  Obligate ", "booster"),
        ("curmudgeon", "booster"),
        ("5-Point Email", "five-point-email"),
        ("3B7", "3b7"),
        ("quiet", "quiet-hours"),
        ("digest", "digest"),
        ("informational", "informational-interview"),  # one topic contains it
    ],
)
def test_topics_resolve_by_id_term_or_other_word(db: Database, asked: str, found: str):
    assert glossary_topic(make_ctx(db), asked).id == found


def test_an_unknown_topic_is_refused_with_the_topics(db: Database):
    with pytest.raises(UserError) as info:
        glossary_topic(make_ctx(db), "salary")
    message = str(info.value)
    assert message.startswith("I have no help topic called “salary”. Topics: Informational")
    assert "TIARA questions" in message
    assert "`/help topic:TIARA`" in message


def test_an_ambiguous_topic_offers_the_close_ones(db: Database):
    with pytest.raises(UserError) as info:
        glossary_topic(make_ctx(db), "e")  # in many terms
    assert "Did you mean:" in str(info.value)


def test_autocomplete_matches(db: Database):
    ctx = make_ctx(db)
    assert [e.id for e in glossary_matches(ctx, "obli")] == ["booster"]
    assert len(glossary_matches(ctx, "")) == len(ctx.content.glossary)
    assert glossary_matches(ctx, "zzz") == []
