"""Deletion reaches the disk (issue 14, finding 5): after ``/privacy delete`` neither the
database file nor its WAL holds the deleted text; the database, its WAL/SHM and backups are
private (0600); the reply says when backups expire; and a backup restored later has the
deletion re-applied at start-up."""

from __future__ import annotations

import dataclasses
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.storage.backup import backup_database
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

pytestmark = pytest.mark.sqlite_only  # WAL scrub, backups and the deletion-log file

SECRET_PERSON = "Zanzibar Quetzalcoatl"
SECRET_NOTE = "Loves obscure-fjord-kayaking"


def raw(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def student_with_secret(world: World, harness: BotHarness) -> Any:
    emu = world.emulator
    student = world.student("secretive")
    ix = await emu.slash(
        student,
        world.guild,
        "request new",
        options={"person": SECRET_PERSON, "organization": SECRET_NOTE},
    )
    await ix.message()
    return student


async def delete_my_data(world: World, student: Any) -> str:
    return (await delete_my_data_asked(world, student))[1]


async def delete_my_data_asked(world: World, student: Any) -> tuple[str, str]:
    """(the confirmation prompt, the reply after confirming)."""
    emu = world.emulator
    warning = await (await emu.slash(student, world.guild, "privacy delete")).message()
    asked = warning.text()  # before the click edits the message
    confirm = warning.button(label="Yes, delete my data")["custom_id"]
    done = (await (await emu.click(student, warning, confirm)).message()).text()
    return asked, done


async def test_deleted_text_is_gone_from_the_database_file_and_its_wal(
    world: World, harness: BotHarness
):
    student = await student_with_secret(world, harness)
    db = harness.db_path
    wal = db.with_name(db.name + "-wal")
    assert SECRET_PERSON.encode() in raw(db) + raw(wal)  # it was written somewhere
    await delete_my_data(world, student)
    for path in (db, wal):
        assert SECRET_PERSON.encode() not in raw(path), path.name
        assert SECRET_NOTE.encode() not in raw(path), path.name


async def test_the_database_its_wal_and_shm_and_backups_are_private(
    world: World, harness: BotHarness, tmp_path: Path
):
    await student_with_secret(world, harness)
    db = harness.db_path
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        assert mode(path) == 0o600, path.name
    made = backup_database(db, tmp_path / "backups" / "copy.sqlite3")
    assert mode(made) == 0o600


async def test_the_delete_prompt_and_reply_say_when_backups_expire(
    world: World, harness: BotHarness, tmp_path: Path
):
    bot = harness.bot
    before = bot.settings
    bot.settings = dataclasses.replace(before, backup_dir=tmp_path, backup_keep=7)
    try:
        student = await student_with_secret(world, harness)
        prompt, text = await delete_my_data_asked(world, student)
    finally:
        bot.settings = before
    for shown in (prompt, text):  # the student decides knowing it, and is reminded after
        assert "nightly backups" in shown
        assert "(7 days)" in shown
        assert "December 2" in shown  # clock: 2026-11-25
    assert prompt.index("Your data in other servers") < prompt.index("nightly backups")


async def test_without_backups_the_delete_prompt_does_not_mention_them(
    world: World, harness: BotHarness
):
    assert harness.bot.settings.backup_dir is None
    student = await student_with_secret(world, harness)
    prompt, text = await delete_my_data_asked(world, student)
    assert "backup" not in prompt
    assert "backup" not in text


async def test_a_restored_backup_has_later_deletions_re_applied_at_start_up(
    world: World, harness: BotHarness, tmp_path: Path
):
    emu = world.emulator
    harness.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    leaver = await student_with_secret(world, harness)
    stayer = await student_with_secret(world, harness)
    backup = backup_database(harness.db_path, tmp_path / "before-delete.sqlite3")
    harness.clock.advance(timedelta(hours=1))
    await delete_my_data(world, leaver)

    # The operator restores the older backup over the database.
    await harness.stop()
    for suffix in ("-wal", "-shm"):
        harness.db_path.with_name(harness.db_path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, harness.db_path)
    restored = query(
        harness.db_path, "SELECT count(*) AS n FROM contacts WHERE user_id = ?", (leaver.id,)
    )
    assert restored[0]["n"] == 1  # the backup still holds it
    await harness.start()

    gone = query(
        harness.db_path, "SELECT count(*) AS n FROM students WHERE user_id = ?", (leaver.id,)
    )
    assert gone[0]["n"] == 0
    kept = query(
        harness.db_path, "SELECT count(*) AS n FROM contacts WHERE user_id = ?", (stayer.id,)
    )
    assert kept[0]["n"] == 1
    # The log holds hashes, never the ids.
    log_text = harness.db_path.with_name(harness.db_path.name + ".deletions").read_text()
    assert str(leaver.id) not in log_text
    assert str(world.guild.id) not in log_text

    # A student who deleted their data and came back keeps what they did since.
    harness.clock.advance(timedelta(hours=1))
    ix = await emu.slash(
        leaver, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
    )
    await ix.message()
    await harness.restart()
    again = query(harness.db_path, "SELECT person FROM contacts WHERE user_id = ?", (leaver.id,))
    assert [r["person"] for r in again] == ["Ada"]
