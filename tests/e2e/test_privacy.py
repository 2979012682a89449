"""/privacy end to end: the export holds exactly what is stored about the student in this server,
and deletion removes exactly that, in one transaction, only after the owner confirms."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.storage.contacts import add_contact
from bot.storage.database import SqliteDatabase, open_database
from bot.storage.events import append_event
from bot.storage.interview_notes import save_notes
from bot.storage.privacy import (
    INSTALLATION_TABLES,
    delete_student_data,
    export_student_data,
    student_data_map,
)
from bot.storage.questions import add_question
from bot.storage.students import ensure_student
from tests.dbquery import DbRow, table_definitions
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DANGER = 4
EXPECTED_INSTALLATION_TABLES = {
    "schema_migrations",
    "app_meta",
    "guild_settings",
    "checklist_items",
    "staff_audit",
    "departed_guilds",
}


# --- an independent view of "everything about one student in one server" ----------------------


def _tables(location: Path | str) -> dict[str, tuple[list[str], str]]:
    """Every table → (its columns, its definition), on either engine."""
    return table_definitions(location)


def rows_about(location: Path | str, guild_id: int, user_id: int) -> dict[str, list[DbRow]]:
    """Per table, the rows with this (guild_id, user_id), or with a contact_id of one of their
    contacts in that server. Fails on a table that is neither and not an installation table."""
    contact_ids = [
        row[0]
        for row in query(
            location,
            "SELECT id FROM contacts WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
    ]
    marks = ", ".join("?" * len(contact_ids))
    found: dict[str, list[DbRow]] = {}
    for table, (columns, _) in _tables(location).items():
        if {"guild_id", "user_id"} <= set(columns):
            sql = f'SELECT * FROM "{table}" WHERE guild_id = ? AND user_id = ?'
            found[table] = query(location, sql, (guild_id, user_id))
        elif "contact_id" in columns:
            sql = f'SELECT * FROM "{table}" WHERE contact_id IN ({marks})'
            found[table] = query(location, sql, contact_ids) if contact_ids else []
        else:
            assert table in EXPECTED_INSTALLATION_TABLES, f"unclassified table {table}"
    return found


def json_columns(location: Path | str) -> dict[str, set[str]]:
    return {
        table: {col for col in columns if re.search(rf"json_valid\s*\(\s*{col}\s*\)", sql)}
        for table, (columns, sql) in _tables(location).items()
    }


def as_exported(row: DbRow, json_cols: set[str]) -> dict[str, Any]:
    return {
        key: json.loads(row[key]) if key in json_cols else row[key]
        for key in row.keys()  # noqa: SIM118
    }


def canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


# --- building a student's data through the bot -------------------------------------------------


async def slash(world: World, user, command: str, guild=None, **options):
    ix = await world.emulator.slash(user, guild or world.guild, command, options=options or None)
    return await ix.message()


async def build_journey(world: World, harness: BotHarness, user, guild=None) -> list[int]:
    """Settings, two contacts (one ticked and sent), questions and notes; returns contact ids."""
    guild = guild or world.guild
    await slash(world, user, "settings timezone", guild, name="America/New_York")
    await slash(world, user, "settings quiet-hours", guild, start="22:00", end="07:00")
    first = await slash(
        world, user, "request new", guild, person="Ada Lovelace", organization="Acme"
    )
    await slash(world, user, "request new", guild, person="Grace Hopper", organization="Navy")
    click = await world.emulator.click(user, first, first.buttons()[0]["custom_id"])
    await click.message()
    ids = [
        row["id"]
        for row in query(
            harness.db_path,
            "SELECT id FROM contacts WHERE guild_id = ? AND user_id = ? ORDER BY id",
            (guild.id, user.id),
        )
    ]
    await slash(world, user, "request sent", guild, contact=str(ids[0]))
    async with harness.bot.db.transaction() as tx:
        await add_question(tx, ids[0], "trends", "What is changing in your field?", "trends-1")
        await add_question(tx, ids[0], "own", 'How did "Acme" start?', None)
        await save_notes(tx, ids[0], "Talked about ünïcode & logistics", "Read *the* book", NOW)
    return ids


async def export_of(world: World, user, guild=None) -> tuple[dict[str, Any], Any]:
    guild = guild or world.guild
    ix = await world.emulator.slash(user, guild, "privacy export")
    assert (await ix.response()).type == 5  # deferred first: the export may take a while
    message = await ix.message()
    assert message.ephemeral
    (attachment,) = message.attachments
    # The server's name and the day, made safe for a file name (issue 12).
    slug = guild.name.lower().replace(" ", "-")
    assert re.fullmatch(rf"infocoach-export-{slug}-\d{{4}}-\d\d-\d\d\.json", attachment.filename)
    return json.loads(attachment.data), message


def others_rows(path: Path, guild_id: int, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The whole database minus this student's rows in this server."""
    mine = {
        table: {tuple(row) for row in rows}
        for table, rows in rows_about(path, guild_id, user_id).items()
    }
    return {
        table: [row for row in rows if row not in mine.get(table, set())]
        for table, rows in database_snapshot(path).items()
    }


# --- the schema guard --------------------------------------------------------------------------


async def test_every_table_is_classified_for_export_and_delete(harness: BotHarness):
    """Fails when a migration adds a table that is neither keyed by (guild_id, user_id) nor by a
    contact: decide how it relates to a student (or list it in INSTALLATION_TABLES)."""
    tables = await student_data_map(harness.bot.db)
    assert tables.unclassified == (), (
        f"tables not covered by /privacy export and delete: {tables.unclassified}; "
        "give them guild_id + user_id or a contact_id, or add them to INSTALLATION_TABLES "
        "in bot/storage/privacy.py if they hold nothing about a person"
    )
    assert set(INSTALLATION_TABLES) == EXPECTED_INSTALLATION_TABLES
    by_student = {t.name for t in tables.by_student}
    by_contact = {t.name for t in tables.by_contact}
    assert {"students", "contacts", "events"} <= by_student
    assert {"checklist_ticks", "contact_questions", "interview_notes"} <= by_contact
    # Agrees with the independent view the tests use.
    all_tables = set(_tables(harness.db_path))
    assert by_student | by_contact | set(tables.installation) == all_tables


async def test_future_tables_are_exported_and_deleted_and_strays_are_flagged(
    db_location: Path | str,
):
    db = await open_database(db_location)
    key = (
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        if db.engine == "postgres"
        else "INTEGER PRIMARY KEY"
    )
    try:
        async with db.transaction() as tx:
            await tx.execute(
                f"CREATE TABLE future_reminders (id {key}, guild_id BIGINT,"
                " user_id BIGINT, meta TEXT CHECK (json_valid(meta)))"
            )
            await tx.execute(
                f"CREATE TABLE contact_links (id {key},"
                " from_contact BIGINT REFERENCES contacts (id), label TEXT)"
            )
            await tx.execute("CREATE TABLE dm_channels (user_id BIGINT, channel_id BIGINT)")
            for user in (1, 2):
                await ensure_student(tx, 10, user, NOW)
                contact = await add_contact(
                    tx,
                    guild_id=10,
                    user_id=user,
                    person=f"P{user}",
                    organization="O",
                    role=None,
                    connection=None,
                    now=NOW,
                )
                await tx.execute(
                    "INSERT INTO future_reminders (guild_id, user_id, meta) VALUES (10, ?, ?)",
                    (user, '{"a": 1}'),
                )
                await tx.execute(
                    "INSERT INTO contact_links (from_contact, label) VALUES (?, ?)",
                    (contact, f"link of {user}"),
                )
        tables = await student_data_map(db)
        assert tables.unclassified == ("dm_channels",)
        assert "future_reminders" in {t.name for t in tables.by_student}
        (links,) = [t for t in tables.by_contact if t.name == "contact_links"]
        assert links.contact_columns == ("from_contact",)

        data = await export_student_data(db, 10, 1, NOW)
        assert data["future_reminders"] == [
            {"id": 1, "guild_id": 10, "user_id": 1, "meta": {"a": 1}}
        ]
        (contact,) = data["contacts"]
        assert [link["label"] for link in contact["contact_links"]] == ["link of 1"]

        async with db.transaction() as tx:
            counts = await delete_student_data(tx, 10, 1)
        assert counts == {"contact_links": 1, "contacts": 1, "future_reminders": 1, "students": 1}
        assert await db.fetch_value("SELECT count(*) FROM future_reminders") == 1
        assert await db.fetch_value("SELECT label FROM contact_links") == "link of 2"
    finally:
        await db.close()


@pytest.mark.sqlite_only  # the fault is an SQLite trigger (a PostgreSQL one: to do)
async def test_a_failure_midway_through_deletion_deletes_nothing(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "atomic.sqlite3")
    try:
        async with db.transaction() as tx:
            await ensure_student(tx, 10, 1, NOW)
            await add_contact(
                tx,
                guild_id=10,
                user_id=1,
                person="P",
                organization="O",
                role=None,
                connection=None,
                now=NOW,
            )
            await append_event(tx, guild_id=10, user_id=1, kind="contact_added", at=NOW)
            # Contacts are deleted before events; then the events delete fails.
            await tx.execute(
                "CREATE TRIGGER refuse BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'no'); END"
            )
        before = database_snapshot(db.path)
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await delete_student_data(tx, 10, 1)
        assert database_snapshot(db.path) == before
    finally:
        await db.close()


# --- /privacy export ---------------------------------------------------------------------------


async def test_export_holds_exactly_what_is_stored_about_me_in_this_server(
    world: World, harness: BotHarness
):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    ids = await build_journey(world, harness, alice)
    await slash(
        world, alice, "request new", world.other_guild, person="Elsewhere", organization="X"
    )
    await slash(world, bob, "request new", person="Bob Secret", organization="Acme")

    data, message = await export_of(world, alice)
    assert "2 contacts" in message.text()

    expected = rows_about(harness.db_path, world.guild.id, alice.id)
    parse = json_columns(harness.db_path)
    contact_tables = {t for t, rows in expected.items() if t not in data}
    assert set(data) == {"export"} | (set(expected) - contact_tables)
    assert data["export"]["server_id"] == world.guild.id
    assert data["export"]["user_id"] == alice.id

    contact_columns = set(expected["contacts"][0].keys())
    exported_children: dict[str, list[dict[str, Any]]] = {t: [] for t in contact_tables}
    for contact in data["contacts"]:
        assert set(contact) == contact_columns | contact_tables
        for table in contact_tables:
            assert all(row["contact_id"] == contact["id"] for row in contact[table])
            exported_children[table] += contact.pop(table)

    for table, rows in expected.items():
        want = canonical([as_exported(row, parse[table]) for row in rows])
        got = canonical(exported_children[table] if table in contact_tables else data[table])
        assert got == want, table

    # The journey really produced something in every table, and nothing of anyone else.
    counts = {table: len(rows) for table, rows in expected.items()}
    assert counts["students"] == 1
    assert counts["contacts"] == 2
    assert counts["checklist_ticks"] == 1
    assert counts["contact_questions"] == 2
    assert counts["interview_notes"] == 1
    assert counts["events"] >= 6
    assert counts["nudges"] >= 2  # the 3B7 reminders and the weekly digest
    assert {c["id"] for c in data["contacts"]} == set(ids)
    assert data["students"][0]["quiet_start"] == "22:00"
    assert data["students"][0]["timezone"] == "America/New_York"
    (notes,) = exported_children["interview_notes"]
    assert notes["notes"] == "Talked about ünïcode & logistics"
    raw = json.dumps(data)
    assert "Bob Secret" not in raw
    assert "Elsewhere" not in raw
    for table in ("students", "contacts", "events"):
        assert {(r["guild_id"], r["user_id"]) for r in data[table]} == {(world.guild.id, alice.id)}
    assert any(
        e["kind"] == "request_sent" and e["payload"]["corrected"] is False for e in data["events"]
    )


async def test_export_for_a_student_with_nothing_stored_is_empty_and_writes_nothing(
    world: World, harness: BotHarness
):
    newcomer = world.student("newcomer")
    before = database_snapshot(harness.db_path)
    data, message = await export_of(world, newcomer)
    assert "nothing stored" in message.text()
    assert data["students"] == data["contacts"] == data["events"] == []
    assert database_snapshot(harness.db_path) == before


# --- /privacy delete ---------------------------------------------------------------------------


async def ask_to_delete(world: World, user, guild=None):
    message = await slash(world, user, "privacy delete", guild)
    assert message.ephemeral
    return message


async def test_confirmed_delete_removes_all_my_rows_here_and_nothing_else(
    world: World, harness: BotHarness
):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    await build_journey(world, harness, alice)
    await build_journey(world, harness, alice, world.other_guild)
    await build_journey(world, harness, bob)
    mine = rows_about(harness.db_path, world.guild.id, alice.id)
    assert all(mine[t] for t in ("students", "contacts", "checklist_ticks", "events"))
    assert all(mine[t] for t in ("contact_questions", "interview_notes", "nudges"))
    expected_rest = others_rows(harness.db_path, world.guild.id, alice.id)

    warning = await ask_to_delete(world, alice)
    text = warning.text()
    assert "can't be undone" in text
    assert "2 contacts" in text
    assert "2 prepared questions" in text
    assert "2 employers," in text  # Acme and Navy, from the contacts' organizations
    assert "3 reminders." in text
    assert "row" not in text  # every table the student has rows in reads as words
    confirm = warning.button(label="Yes, delete my data")
    assert confirm["style"] == DANGER
    assert warning.button(label="Cancel") is not None

    click = await world.emulator.click(alice, warning, confirm["custom_id"])
    assert (await click.response()).type == 7
    done = await click.message()
    assert done.id == warning.id
    assert "Deleted everything" in done.text()
    assert "2 contacts" in done.text()
    assert f"{len(mine['events'])} activity-log entries" in done.text()
    assert "2 employers," in done.text()
    assert done.buttons() == []

    assert all(
        rows == [] for rows in rows_about(harness.db_path, world.guild.id, alice.id).values()
    )
    assert database_snapshot(harness.db_path) == expected_rest
    assert rows_about(harness.db_path, world.other_guild.id, alice.id)["contacts"]
    assert rows_about(harness.db_path, world.guild.id, bob.id)["contacts"]

    # Afterwards they start afresh: nothing is stored, defaults are shown.
    show = await slash(world, alice, "settings show")
    assert "not set" in show.text()


async def test_cancel_deletes_nothing(world: World, harness: BotHarness):
    alice = world.student("alice")
    await build_journey(world, harness, alice)
    warning = await ask_to_delete(world, alice)
    before = database_snapshot(harness.db_path)
    click = await world.emulator.click(alice, warning, warning.button(label="Cancel")["custom_id"])
    assert (await click.response()).type == 7
    cancelled = await click.message()
    assert "nothing was deleted" in cancelled.text()
    assert cancelled.buttons() == []
    assert database_snapshot(harness.db_path) == before


async def test_another_student_cannot_press_my_delete_buttons(world: World, harness: BotHarness):
    alice, mallory = world.student("alice"), world.student("mallory")
    await build_journey(world, harness, alice)
    warning = await ask_to_delete(world, alice)
    before = database_snapshot(harness.db_path)
    for label in ("Yes, delete my data", "Cancel"):
        click = await world.emulator.click(
            mallory, warning, warning.button(label=label)["custom_id"], strict=False
        )
        refused = await click.message()
        assert refused.ephemeral
        assert "belongs to someone else" in refused.text()
    assert database_snapshot(harness.db_path) == before
    assert len(warning.buttons()) == 2  # alice's message is untouched


async def test_the_confirm_button_works_after_a_restart(world: World, harness: BotHarness):
    alice = world.student("alice")
    await build_journey(world, harness, alice)
    warning = await ask_to_delete(world, alice)
    await harness.restart()
    click = await world.emulator.click(
        alice, warning, warning.button(label="Yes, delete my data")["custom_id"]
    )
    assert "Deleted everything" in (await click.message()).text()
    assert all(
        rows == [] for rows in rows_about(harness.db_path, world.guild.id, alice.id).values()
    )


async def test_delete_with_nothing_stored_says_so_and_offers_no_button(
    world: World, harness: BotHarness
):
    newcomer = world.student("newcomer")
    before = database_snapshot(harness.db_path)
    message = await ask_to_delete(world, newcomer)
    assert "nothing to delete" in message.text()
    assert message.buttons() == []
    assert database_snapshot(harness.db_path) == before


def test_employers_read_as_words_in_the_counts():
    from bot.ui.delete_confirmation import describe_counts

    assert describe_counts({"employers": 1, "contacts": 2}) == "2 contacts, 1 employer"
    assert describe_counts({"employers": 3}) == "3 employers"
