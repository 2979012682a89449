"""Privacy actions against a real migrated SQLite file: export, counts, delete, sharing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.privacy import (
    delete_data,
    export_data,
    export_filename,
    set_sharing,
    stored_data_counts,
)
from bot.actions.request import log_request_sent
from bot.actions.settings import set_timezone
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.storage.database import Database
from bot.storage.questions import add_question

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database) -> ActionContext:
    content = _content()
    return ActionContext(db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None))


async def rows_of(db: Database, table: str, who: StudentKey) -> int:
    value = await db.fetch_value(
        f"SELECT count(*) FROM {table} WHERE guild_id = ? AND user_id = ?",
        (who.guild_id, who.user_id),
    )
    return int(value)


async def events(db: Database, who: StudentKey) -> list[tuple[str, dict[str, object]]]:
    rows = await db.fetch_all(
        "SELECT kind, payload FROM events WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (who.guild_id, who.user_id),
    )
    return [(row["kind"], json.loads(row["payload"])) for row in rows]


async def a_student_with_data(ctx: ActionContext, who: StudentKey) -> int:
    """Time zone, one contact with its request sent (so nudges are planned) and a question."""
    await set_timezone(ctx, who, "Europe/Berlin")
    contact = await add_new_contact(ctx, who, NewContact("Ada Lovelace", "Acme"))
    await log_request_sent(ctx, who, contact.id)
    async with ctx.db.transaction() as tx:
        await add_question(tx, contact.id, "own", "What surprised you about Acme?", None)
    return contact.id


async def test_export_is_the_students_data_in_this_server_as_json(db: Database):
    ctx = make_ctx(db)
    contact_id = await a_student_with_data(ctx, ALICE)
    await a_student_with_data(ctx, BOB)
    await set_timezone(ctx, ALICE_ELSEWHERE, "Asia/Tokyo")

    export = await export_data(ctx, ALICE, "Career Club")

    assert export.filename == f"infocoach-export-career-club-{NOW.date().isoformat()}.json"
    assert export.filename == export_filename(ALICE, "Career Club", NOW.date())
    data = json.loads(export.body.decode("utf-8"))
    assert data["export"]["server_id"] == 10
    assert data["export"]["user_id"] == 1
    assert [s["timezone"] for s in data["students"]] == ["Europe/Berlin"]
    assert [c["id"] for c in data["contacts"]] == [contact_id]
    assert [q["text"] for q in data["contacts"][0]["contact_questions"]] == [
        "What surprised you about Acme?"
    ]
    assert [e["kind"] for e in data["events"]] == ["timezone_set", "contact_added", "request_sent"]
    assert export.counts["contacts"] == 1
    assert export.counts["events"] == 3
    assert export.counts["students"] == 1
    assert export.counts["nudges"] == 3
    assert not export.empty
    assert await events(db, ALICE) == [(e["kind"], e["payload"]) for e in data["events"]]


async def test_export_of_nobody_is_empty_and_creates_no_student(db: Database):
    ctx = make_ctx(db)
    export = await export_data(ctx, ALICE)
    assert export.empty
    assert json.loads(export.body)["contacts"] == []
    assert await rows_of(db, "students", ALICE) == 0


async def test_counts_for_the_confirmation_and_nothing_for_nobody(db: Database):
    ctx = make_ctx(db)
    assert await stored_data_counts(ctx, ALICE) == {}
    await a_student_with_data(ctx, ALICE)

    counts = await stored_data_counts(ctx, ALICE)

    assert counts["students"] == 1
    assert counts["contacts"] == 1
    assert counts["contact_questions"] == 1
    assert counts["events"] == 3
    assert await rows_of(db, "events", ALICE) == 3  # reading logged nothing


async def test_delete_removes_everything_here_and_logs_nothing(db: Database):
    ctx = make_ctx(db)
    await a_student_with_data(ctx, ALICE)
    await a_student_with_data(ctx, BOB)
    await a_student_with_data(ctx, ALICE_ELSEWHERE)
    expected = await stored_data_counts(ctx, ALICE)

    deleted = await delete_data(ctx, ALICE)

    assert deleted == expected
    for table in ("students", "contacts", "events", "nudges"):
        assert await rows_of(db, table, ALICE) == 0, table
        assert await rows_of(db, table, BOB) > 0, table
        assert await rows_of(db, table, ALICE_ELSEWHERE) > 0, table
    assert await db.fetch_value("SELECT count(*) FROM contact_questions") == 2
    assert await delete_data(ctx, ALICE) == {}  # a second press: nothing left, nothing made
    assert await rows_of(db, "students", ALICE) == 0


async def test_sharing_is_stored_and_logged_both_ways(db: Database):
    ctx = make_ctx(db)

    on = await set_sharing(ctx, ALICE, True)

    assert on.enabled is True
    shared = "SELECT share_with_staff FROM students WHERE guild_id = ? AND user_id = ?"
    assert await db.fetch_value(shared, (10, 1)) == 1
    assert await events(db, ALICE) == [("share_toggled", {"enabled": True})]

    off = await set_sharing(ctx, ALICE, False)

    assert off.enabled is False
    assert await db.fetch_value(shared, (10, 1)) == 0
    assert (await events(db, ALICE))[-1] == ("share_toggled", {"enabled": False})
    assert await rows_of(db, "students", ALICE_ELSEWHERE) == 0


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Career Club", "career-club"),
        ("../../etc/passwd", "etc-passwd"),
        ("Café «Über» 🎓 2026", "cafe-uber-2026"),
        ("🎓🎓", "server-10"),  # nothing usable: the server's id
        (None, "server-10"),
        ("a" * 90, "a" * 40),
        ('CON:<>|?*"\\', "con"),
    ],
)
def test_export_file_names_are_safe(name: str | None, part: str):
    day = NOW.date()
    assert export_filename(ALICE, name, day) == f"infocoach-export-{part}-{day.isoformat()}.json"


async def test_a_delete_names_itself_in_the_log_only_where_nothing_else_can_replay_it(
    db: Database, caplog: pytest.LogCaptureFixture
):
    """On PostgreSQL there is no deletion log beside the database: the operator's log names the
    deletion so it can be re-run after restoring an older dump. On SQLite the hashed deletion
    log does that, and the bot's log names nobody."""
    ctx = make_ctx(db)
    await a_student_with_data(ctx, ALICE)
    with caplog.at_level("INFO", logger="bot.actions.privacy"):
        await delete_data(ctx, ALICE)
    named = [r.getMessage() for r in caplog.records if "privacy delete: user" in r.getMessage()]
    if db.engine == "postgres":
        assert named == [f"privacy delete: user {ALICE.user_id} in server {ALICE.guild_id}"]
    else:
        assert named == []
