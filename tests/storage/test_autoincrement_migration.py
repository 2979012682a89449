"""The migration that gives contacts, reminders, employers and questions AUTOINCREMENT ids
(issue 14, finding 7): rows, foreign keys and indexes survive the rebuild; ids already given out
stay retired; it refuses to run with foreign keys on (their ON DELETE actions would erase the
children of the rebuilt tables)."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.storage.database import SqliteDatabase
from bot.storage.migrations import available_migrations, migrate

pytestmark = pytest.mark.sqlite_only  # an SQLite table rebuild

STAMP = "2026-11-01T15:00:00.000000+00:00"
REBUILT = ("contacts", "nudges", "employers", "contact_questions")


def _version() -> int:
    (version,) = [
        m.version for m in available_migrations() if m.name.endswith("_autoincrement_ids.sql")
    ]
    return version


async def _old_database(path: Path) -> None:
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=_version() - 1)
        await conn.executescript(
            f"""
            INSERT INTO students (guild_id, user_id, created_at, last_active_at)
                VALUES (1, 2, '{STAMP}', '{STAMP}');
            INSERT INTO employers (id, guild_id, user_id, name, created_at, updated_at)
                VALUES (4, 1, 2, 'Acme', '{STAMP}', '{STAMP}');
            INSERT INTO contacts (id, guild_id, user_id, person, organization, created_at,
                                  updated_at, employer_id)
                VALUES (3, 1, 2, 'Ada', 'Acme', '{STAMP}', '{STAMP}', 4);
            INSERT INTO contacts (id, guild_id, user_id, person, organization, referred_by,
                                  created_at, updated_at)
                VALUES (5, 1, 2, 'Bo', 'Acme', 3, '{STAMP}', '{STAMP}');
            INSERT INTO checklist_ticks VALUES (3, 'request', 'short', '{STAMP}');
            INSERT INTO contact_questions (id, contact_id, position, category, text)
                VALUES (9, 5, 1, 'own', 'Why?');
            INSERT INTO interview_notes (contact_id, notes, logged_at) VALUES (3, 'n', '{STAMP}');
            INSERT INTO nudges (id, guild_id, user_id, contact_id, kind, occurrence, planned_at,
                                due_at, created_at, updated_at)
                VALUES (11, 1, 2, 3, 'second_contact', 'x', '{STAMP}', '{STAMP}', '{STAMP}',
                        '{STAMP}');
            INSERT INTO nudges (id, guild_id, user_id, contact_id, kind, occurrence, planned_at,
                                due_at, status, snoozed_from, created_at, updated_at)
                VALUES (12, 1, 2, 3, 'follow_up', 'y', '{STAMP}', '{STAMP}', 'sent', 11,
                        '{STAMP}', '{STAMP}');
            -- contact 7 existed once (the newest), and was deleted: the log still names it
            INSERT INTO events (guild_id, user_id, contact_id, kind, at)
                VALUES (1, 2, 7, 'contact_added', '{STAMP}');
            """
        )


async def test_rows_keys_and_indexes_survive_and_old_ids_stay_retired(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    await _old_database(path)
    db = await SqliteDatabase.open(path)
    try:
        assert await db.fetch_value("SELECT count(*) FROM checklist_ticks") == 1
        assert await db.fetch_value("SELECT count(*) FROM interview_notes") == 1
        assert await db.fetch_value("SELECT referred_by FROM contacts WHERE id = 5") == 3
        assert await db.fetch_value("SELECT employer_id FROM contacts WHERE id = 3") == 4
        assert await db.fetch_value("SELECT snoozed_from FROM nudges WHERE id = 12") == 11
        assert await db.fetch_value("SELECT contact_id FROM contact_questions WHERE id = 9") == 5
        assert await db.fetch_all("PRAGMA foreign_key_check") == []
        for table in REBUILT:
            sql = await db.fetch_value("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
            assert "AUTOINCREMENT" in sql, table
        indexes = {
            r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {
            "contacts_by_owner",
            "contacts_by_referrer",
            "contacts_by_employer",
            "nudges_one_live_per_contact",
            "nudges_pending_by_due",
            "employers_by_owner",
            "contact_questions_by_contact",
        } <= indexes
        children = await db.fetch_all(
            'SELECT m.name, f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f'
            " WHERE m.type = 'table'"
        )
        assert ("checklist_ticks", "contacts") in [tuple(r) for r in children]
        assert not any("new_" in r[1] for r in children)
        async with db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO contacts (guild_id, user_id, person, organization, created_at,"
                " updated_at) VALUES (1, 2, 'Cy', 'C', ?, ?)",
                (STAMP, STAMP),
            )
            new_id = cursor.lastrowid
            await tx.execute("DELETE FROM contacts WHERE id = ?", (new_id,))
        assert new_id == 8  # past contact 7, which the activity log still names
        async with db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO contacts (guild_id, user_id, person, organization, created_at,"
                " updated_at) VALUES (1, 2, 'Di', 'D', ?, ?)",
                (STAMP, STAMP),
            )
        assert cursor.lastrowid == 9  # 8 was deleted, and is not given out again
        # Foreign keys are on again after migrating: deleting a contact cascades.
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM contacts WHERE id = 3")
        assert await db.fetch_value("SELECT count(*) FROM checklist_ticks") == 0
    finally:
        await db.close()


async def test_it_refuses_to_run_with_foreign_keys_on(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    await _old_database(path)
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(aiosqlite.IntegrityError, match="CHECK"):
            await migrate(conn)
        async with conn.execute("SELECT count(*) FROM checklist_ticks") as cursor:
            assert (await cursor.fetchone())[0] == 1  # rolled back, nothing lost
