"""Consistent copies of the database while the bot runs (SQLite's online backup API), and the
optional nightly backup with retention. Backups are created readable by their owner only.

A backup restored later still holds whatever was deleted after it was taken; the deletion log
beside the database (:mod:`bot.storage.deletion_log`) re-applies those deletions at start-up."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from bot.storage.connections import PRIVATE_FILE_MODE

BACKUP_PREFIX = "infocoach-"
BACKUP_SUFFIX = ".sqlite3"


def backup_database(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` page by page; readers and writers may keep working.

    Writes to a temporary file first and renames it, so ``target`` is never half-written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created private before SQLite writes a page into it (a backup holds everyone's data).
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            (result,) = dst.execute("PRAGMA integrity_check").fetchone()
            if result != "ok":
                raise sqlite3.DatabaseError(f"backup failed its integrity check: {result}")
        finally:
            dst.close()
    finally:
        src.close()
    partial.chmod(PRIVATE_FILE_MODE)
    partial.replace(target)
    return target


def backups_expire_by(now: datetime, keep: int) -> datetime:
    """The latest a nightly backup taken before ``now`` can still exist: one is written a day
    and only the newest ``keep`` are kept, so the oldest that may hold something deleted now
    is replaced within ``keep`` days."""
    return now + timedelta(days=keep)


def nightly_backup(source: Path, folder: Path, now: datetime, keep: int) -> Path:
    """Write ``folder/infocoach-YYYYMMDD-HHMMSS.sqlite3`` and keep only the newest ``keep``."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    stamp = now.strftime("%Y%m%d-%H%M%S")
    made = backup_database(source, Path(folder) / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}")
    backups = sorted(Path(folder).glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
    for old in backups[:-keep]:
        old.unlink()
    return made
