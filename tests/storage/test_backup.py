"""Backups: a consistent copy while the bot writes, and nightly retention."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.backup import backup_database, nightly_backup
from bot.storage.database import Database, SqliteDatabase
from bot.storage.events import append_event
from bot.storage.students import ensure_student

pytestmark = pytest.mark.sqlite_only  # SQLite's online backup API

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


async def _write_events(db: Database, n: int) -> None:
    for i in range(n):
        async with db.transaction() as tx:
            await ensure_student(tx, 1, 2, NOW)
            await append_event(tx, guild_id=1, user_id=2, kind="tick", at=NOW, payload={"i": i})


async def test_backup_while_writing_is_consistent_and_complete_up_to_a_commit(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "live.sqlite3")
    try:
        await _write_events(db, 50)
        writer = asyncio.create_task(_write_events(db, 200))
        copy = await asyncio.to_thread(backup_database, db.path, tmp_path / "copy.sqlite3")
        await writer
    finally:
        await db.close()
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (count,) = conn.execute("SELECT count(*) FROM events").fetchone()
        assert 50 <= count <= 250
        ids = [row[0] for row in conn.execute("SELECT json_extract(payload, '$.i') FROM events")]
        assert ids[:50] == list(range(50))  # a prefix of committed writes, no holes
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    finally:
        conn.close()
    assert not (tmp_path / "copy.sqlite3.partial").exists()


async def test_restored_copy_opens_as_the_bot_database(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "live.sqlite3")
    await _write_events(db, 3)
    backup_database(db.path, tmp_path / "backup.sqlite3")
    await db.close()
    restored = await SqliteDatabase.open(tmp_path / "backup.sqlite3")
    try:
        assert await restored.fetch_value("SELECT count(*) FROM events") == 3
    finally:
        await restored.close()


async def test_nightly_backup_keeps_the_newest(tmp_path: Path):
    db = await SqliteDatabase.open(tmp_path / "live.sqlite3")
    await db.close()
    folder = tmp_path / "backups"
    made = [nightly_backup(db.path, folder, NOW + timedelta(days=d), keep=3) for d in range(5)]
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted(p.name for p in made[-3:])
    assert kept[-1] == "infocoach-20261201-030000.sqlite3"
