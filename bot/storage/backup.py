"""Consistent copies of the database while the bot runs (SQLite's online backup API), and the
optional nightly backup with retention."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

BACKUP_PREFIX = "infocoach-"
BACKUP_SUFFIX = ".sqlite3"


def backup_database(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` page by page; readers and writers may keep working.

    Writes to a temporary file first and renames it, so ``target`` is never half-written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
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
    partial.replace(target)
    return target


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
