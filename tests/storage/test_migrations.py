"""Migrations: a fresh database reaches the latest schema; an old one upgrades keeping its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.database import SqliteDatabase, StorageError
from bot.storage.migrations import Migration, available_migrations, migrate, schema_version

pytestmark = (
    pytest.mark.sqlite_only
)  # the SQLite runner (PRAGMA user_version); PostgreSQL: test_engine.py


async def test_fresh_database_is_at_latest_version_with_wal_and_foreign_keys(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "fresh.sqlite3")
    try:
        latest = available_migrations()[-1].version
        assert await db.fetch_value("PRAGMA user_version") == latest
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        versions = [r[0] for r in await db.fetch_all("SELECT version FROM schema_migrations")]
        assert versions == list(range(1, latest + 1))
        tables = {
            r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"students", "contacts", "checklist_ticks", "events", "app_meta"} <= tables
    finally:
        await db.close()


async def test_database_at_migration_1_upgrades_to_latest_keeping_rows(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=1) == [1]
        await conn.execute(
            "INSERT INTO students (guild_id, user_id, timezone, created_at, last_active_at)"
            " VALUES (1, 2, 'Europe/Berlin', '2026-01-01T00:00:00.000000+00:00',"
            " '2026-01-01T00:00:00.000000+00:00')"
        )
        await conn.execute(
            "INSERT INTO contacts (guild_id, user_id, person, organization, created_at, updated_at)"
            " VALUES (1, 2, 'Ada', 'Acme', '2026-01-01T00:00:00.000000+00:00',"
            " '2026-01-01T00:00:00.000000+00:00')"
        )
        assert await schema_version(conn) == 1
        columns = {row[1] async for row in await conn.execute("PRAGMA table_info(contacts)")}
        assert "requested_at" not in columns

    db = await SqliteDatabase.open(path)
    try:
        assert await db.fetch_value("PRAGMA user_version") == available_migrations()[-1].version
        row = await db.fetch_one("SELECT person, stage, requested_at FROM contacts")
        assert (row["person"], row["stage"], row["requested_at"]) == ("Ada", "planned", None)
        assert await db.fetch_value("SELECT timezone FROM students") == "Europe/Berlin"
    finally:
        await db.close()


async def test_reopening_applies_nothing(tmp_path: Path):
    path = tmp_path / "again.sqlite3"
    await (await SqliteDatabase.open(path)).close()
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn) == []


async def test_failed_migration_rolls_back_everything(tmp_path: Path):
    real = available_migrations()
    broken = [*real, Migration(len(real) + 1, "9999_broken.sql", "CREATE TABLE x (;")]
    path = tmp_path / "broken.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(conn, migrations=broken)
        assert await schema_version(conn) == 0
        async with conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'") as cur:
            assert (await cur.fetchone())[0] == 0


async def test_unwritable_path_gives_one_clear_error(tmp_path: Path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(StorageError, match="not-a-dir"):
        await SqliteDatabase.open(blocker / "db.sqlite3")


def _employers_version() -> int:
    (version,) = [m.version for m in available_migrations() if m.name.endswith("_employers.sql")]
    return version


async def test_contacts_only_database_gets_one_employer_per_organization(tmp_path: Path):
    """Each student's organization texts become employers, grouped without case and with runs
    of whitespace as one space, per student and server; every contact is kept, linked, with
    its own organization text."""
    path = tmp_path / "contacts-only.sqlite3"
    stamp = "2026-01-0{day}T00:00:00.000000+00:00"
    contacts = [  # (guild, user, person, organization, day created)
        (1, 2, "Ada", "Contoso Energy", 1),
        (1, 2, "Ben", "contoso  energy", 2),
        (1, 2, "Cy", "CONTOSO\tEnergy", 3),
        (1, 2, "Dee", "Fabrikam", 4),
        (1, 2, "Eve", "Contoso\u00a0Energy", 5),
        (1, 3, "Fay", "contoso energy", 6),  # another student
        (9, 2, "Gus", "Contoso Energy", 7),  # the same student in another server
    ]
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=_employers_version() - 1)
        for guild, user in {(c[0], c[1]) for c in contacts}:
            await conn.execute(
                "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
                " VALUES (?, ?, ?, ?)",
                (guild, user, stamp.format(day=1), stamp.format(day=1)),
            )
        for guild, user, person, organization, day in contacts:
            await conn.execute(
                "INSERT INTO contacts (guild_id, user_id, person, organization, stage,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 'requested', ?, ?)",
                (guild, user, person, organization, stamp.format(day=day), stamp.format(day=day)),
            )

    db = await SqliteDatabase.open(path)
    try:
        employers = await db.fetch_all(
            "SELECT id, guild_id, user_id, name, alumni, motivation, posting, pinned, done_at,"
            " created_at FROM employers ORDER BY guild_id, user_id, id"
        )
        assert [tuple(e)[1:] for e in employers] == [
            (1, 2, "Contoso Energy", None, None, None, 0, None, stamp.format(day=1)),
            (1, 2, "Fabrikam", None, None, None, 0, None, stamp.format(day=4)),
            (1, 3, "contoso energy", None, None, None, 0, None, stamp.format(day=6)),
            (9, 2, "Contoso Energy", None, None, None, 0, None, stamp.format(day=7)),
        ]
        ids = {(e["guild_id"], e["user_id"], e["name"]): e["id"] for e in employers}
        rows = await db.fetch_all(
            "SELECT person, organization, stage, employer_id FROM contacts ORDER BY id"
        )
        contoso, fabrikam = ids[1, 2, "Contoso Energy"], ids[1, 2, "Fabrikam"]
        assert [tuple(r) for r in rows] == [
            ("Ada", "Contoso Energy", "requested", contoso),
            ("Ben", "contoso  energy", "requested", contoso),
            ("Cy", "CONTOSO\tEnergy", "requested", contoso),
            ("Dee", "Fabrikam", "requested", fabrikam),
            ("Eve", "Contoso\u00a0Energy", "requested", contoso),
            ("Fay", "contoso energy", "requested", ids[1, 3, "contoso energy"]),
            ("Gus", "Contoso Energy", "requested", ids[9, 2, "Contoso Energy"]),
        ]
        # no helper table is left behind (on the connection that migrated), and new employers
        # get fresh ids
        async with db.transaction() as tx:
            async with tx.execute("SELECT count(*) FROM temp.sqlite_master") as cursor:
                assert (await cursor.fetchone())[0] == 0
            cursor = await tx.execute(
                "INSERT INTO employers (guild_id, user_id, name, created_at, updated_at)"
                " VALUES (1, 2, 'Northwind', 'x', 'x')"
            )
            assert cursor.lastrowid not in ids.values()
    finally:
        await db.close()


async def test_employers_migration_on_an_empty_database(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "empty.sqlite3")
    try:
        assert await db.fetch_value("SELECT count(*) FROM employers") == 0
        columns = {r[1] for r in await db.fetch_all("PRAGMA table_info(contacts)")}
        assert "employer_id" in columns
    finally:
        await db.close()
