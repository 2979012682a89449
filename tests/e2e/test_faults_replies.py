"""Which failures get the plain "couldn't save" replies: real SQLite errors, raised by SQLite
itself, and the ways the bot and discord.py wrap them."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import pytest
from discord import app_commands

from bot.errors import UserError
from bot.storage.errors import StorageError
from bot.ui.error_handler import (
    DATABASE_BUSY,
    STORAGE_FAILED,
    STORAGE_FULL,
    UNEXPECTED,
    StorageTrouble,
    diagnose,
    storage_trouble,
)

pytestmark = pytest.mark.sqlite_only  # SQLite error codes, locks and a full disk


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "faults.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return path


def raised(path: Path, setup: str, statement: str, *, timeout: float = 5.0) -> sqlite3.Error:
    conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
    try:
        conn.executescript(setup)
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute(statement)
        return caught.value
    finally:
        conn.close()


def locked_error(path: Path) -> sqlite3.Error:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        return raised(path, "", "BEGIN IMMEDIATE", timeout=0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def full_error(path: Path) -> sqlite3.Error:
    return raised(path, "PRAGMA max_page_count = 1;", "INSERT INTO t VALUES (zeroblob(100000))")


def wrapped(inner: BaseException, outer: BaseException) -> BaseException:
    """``outer`` raised from ``inner``, as ``raise outer from inner`` leaves it."""
    try:
        raise outer from inner
    except BaseException as exc:
        return exc


def _brief(diagnosis) -> tuple[str, bool]:
    return diagnosis.message, diagnosis.traceback


def test_a_locked_database_is_busy_and_only_warned_about(db: Path):
    error = locked_error(db)
    assert error.sqlite_errorcode == 5  # SQLITE_BUSY, from SQLite itself
    assert storage_trouble(error) is StorageTrouble.BUSY
    diagnosis = diagnose(error)
    assert diagnosis.message == DATABASE_BUSY
    assert (diagnosis.level, diagnosis.traceback) == (logging.WARNING, False)


def test_a_full_database_is_full_and_logged_without_a_traceback(db: Path):
    error = full_error(db)
    assert error.sqlite_errorcode == 13  # SQLITE_FULL
    diagnosis = diagnose(error)
    assert diagnosis.message == STORAGE_FULL
    assert (diagnosis.level, diagnosis.traceback) == (logging.ERROR, False)


def test_a_full_disk_from_the_operating_system_is_full():
    assert storage_trouble(OSError(errno.ENOSPC, "No space left on device")) is StorageTrouble.FULL
    assert storage_trouble(OSError(errno.EDQUOT, "Disk quota exceeded")) is StorageTrouble.FULL


def test_a_read_only_database_is_a_storage_failure_with_a_traceback(db: Path):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute("INSERT INTO t VALUES (1)")
    finally:
        conn.close()
    assert caught.value.sqlite_errorcode & 0xFF == 8  # SQLITE_READONLY
    diagnosis = diagnose(caught.value)
    assert diagnosis.message == STORAGE_FAILED
    assert (diagnosis.level, diagnosis.traceback) == (logging.ERROR, True)


@pytest.mark.parametrize(
    ("message", "trouble"),
    [
        ("database is locked", StorageTrouble.BUSY),
        ("database table is locked: contacts", StorageTrouble.BUSY),
        ("database or disk is full", StorageTrouble.FULL),
        ("disk I/O error", StorageTrouble.FAILED),
        ("unable to open database file", StorageTrouble.FAILED),
        ("no such table: contacts", None),  # a bug, not the storage
    ],
)
def test_errors_without_a_result_code_are_recognised_by_their_message(message, trouble):
    assert storage_trouble(sqlite3.OperationalError(message)) is trouble


def test_the_storage_layers_own_errors_say_why_when_they_can(db: Path):
    busy = wrapped(locked_error(db), StorageError("the commit failed"))
    assert diagnose(busy).message == DATABASE_BUSY
    full = wrapped(full_error(db), StorageError("the commit failed"))
    assert diagnose(full).message == STORAGE_FULL
    assert diagnose(StorageError("the writer has stopped")).message == STORAGE_FAILED


def test_discord_py_wrappers_are_seen_through(db: Path):
    busy = locked_error(db)
    command = app_commands.Command(name="x", description="x", callback=_noop)
    invoked = wrapped(busy, app_commands.CommandInvokeError(command, busy))  # type: ignore[arg-type]
    assert diagnose(invoked).message == DATABASE_BUSY
    transformed = wrapped(busy, app_commands.TransformerError("7", 3, _Transformer()))
    assert diagnose(transformed).message == DATABASE_BUSY


def test_a_trigger_that_only_says_disk_full_is_a_bug_not_a_full_disk(db: Path):
    error = raised(
        db,
        "CREATE TRIGGER liar BEFORE INSERT ON t BEGIN"
        " SELECT RAISE(ABORT, 'database or disk is full'); END;",
        "INSERT INTO t VALUES (1)",
    )
    assert isinstance(error, sqlite3.IntegrityError)  # SQLITE_CONSTRAINT_TRIGGER
    assert _brief(diagnose(error)) == (UNEXPECTED, True)


def test_everything_else_keeps_its_reply():
    assert _brief(diagnose(UserError("Pick a date."))) == ("Pick a date.", False)
    assert _brief(diagnose(ConnectionResetError(errno.ECONNRESET, "reset"))) == (UNEXPECTED, True)
    assert _brief(diagnose(RuntimeError("boom"))) == (UNEXPECTED, True)
    crashed = wrapped(ValueError("bad"), app_commands.TransformerError("7", 3, _Transformer()))
    assert _brief(diagnose(crashed)) == (UNEXPECTED, True)
    refused = app_commands.TransformerError("7", 3, _Transformer())
    assert _brief(diagnose(refused)) == ("“7” isn't a valid value for that option.", False)
    assert len({DATABASE_BUSY, STORAGE_FULL, STORAGE_FAILED, UNEXPECTED}) == 4


async def _noop(interaction) -> None:  # pragma: no cover - never invoked
    return None


class _Transformer(app_commands.Transformer):
    async def transform(self, interaction, value):  # pragma: no cover - never invoked
        return value
