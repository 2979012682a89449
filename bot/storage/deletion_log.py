"""A small log of deletions, kept in a file beside the database, so that restoring a backup
taken before a deletion does not bring the deleted data back.

Each line is ``<hash> <deleted at>``: the hash is SHA-256 of a per-database salt (kept in
``app_meta``, so it is in every backup too) with the server and user ids; the ids themselves are
never written. At start-up :func:`reapply_deletions` deletes again any student (or server) whose
hash is logged and whose data was created before the deletion (a student who came back
afterwards keeps what they did since). The log lives outside the database file because a
restore replaces that file; it is created readable by its owner only, and lines older than
:data:`LOG_KEEP` are dropped (restoring a backup older than that is not covered).

On PostgreSQL there is no such file (:attr:`Database.deletion_log_path` is None): backups are
the operator's ``pg_dump`` runs, which the bot neither takes nor sees restored, and a log kept
in the database would be restored to the dump's time along with the data. The README tells the
operator to re-run a deletion made after the dump they restore.

Not covered: a backup taken before this log existed (version with migration
``*_data_lifecycle.sql``) has another salt, and a deletion made while the log file was lost or
not restored beside the database."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from bot.storage.connections import PRIVATE_FILE_MODE
from bot.storage.database import Database, Source, query_all, query_one
from bot.storage.membership import delete_guild_rows
from bot.storage.privacy import delete_student_data
from bot.storage.timestamps import from_db, to_db

log = logging.getLogger(__name__)

LOG_KEEP = timedelta(days=400)
"""How long a deletion is remembered (well beyond any nightly backup's retention)."""
SALT_KEY = "deletion_salt"


def subject_hash(salt: str, guild_id: int, user_id: int | None = None) -> str:
    """The hash logged for a student (``user_id``) or a whole server (None)."""
    subject = f"{salt}:{guild_id}:{'server' if user_id is None else user_id}"
    return hashlib.sha256(subject.encode()).hexdigest()


async def _salt(source: Source) -> str | None:
    row = await query_one(source, "SELECT value FROM app_meta WHERE key = ?", (SALT_KEY,))
    return str(row[0]) if row else None


def _append(path: Path, lines: list[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.write(fd, "".join(lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)


async def record_deletions(
    db: Database, subjects: Iterable[tuple[int, int | None]], now: datetime
) -> None:
    """Log that these (guild_id, user_id or None for the whole server) were deleted at
    ``now``. Call after the deletion committed."""
    salt = await _salt(db)
    if salt is None:
        return
    lines = [f"{subject_hash(salt, g, u)} {to_db(now)}\n" for g, u in subjects]
    path = db.deletion_log_path  # None on PostgreSQL: see the module docstring
    if lines and path is not None:
        await asyncio.to_thread(_append, path, lines)


def _read(path: Path, now: datetime) -> dict[str, datetime]:
    """The logged deletions still remembered (the latest time per hash); rewrites the file
    without the expired ones."""
    if not path.is_file():
        return {}
    kept: dict[str, datetime] = {}
    expired = False
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, stamp = line.partition(" ")
        when = from_db(stamp.strip()) if stamp.strip() else None
        if when is None or len(digest) != 64:
            expired = True  # a damaged line: dropped
            continue
        if now - when > LOG_KEEP:
            expired = True
            continue
        kept[digest] = max(when, kept.get(digest, when))
    if expired:
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{h} {to_db(w)}\n" for h, w in kept.items())
        partial.replace(path)
    return kept


async def reapply_deletions(db: Database, now: datetime) -> int:
    """Delete again what the log says was deleted but is back (a backup from before the
    deletion was restored). Returns how many students and servers were deleted again."""
    path = db.deletion_log_path
    logged = await asyncio.to_thread(_read, path, now) if path is not None else {}
    salt = await _salt(db) if logged else None
    if not logged or salt is None:
        return 0
    again: list[tuple[int, int | None]] = []
    for guild_id, user_id, created_at in await query_all(
        db, "SELECT guild_id, user_id, created_at FROM students"
    ):
        when = logged.get(subject_hash(salt, guild_id, user_id))
        created = from_db(created_at)
        if when is not None and created is not None and created < when:
            again.append((guild_id, user_id))
    guilds = await query_all(
        db,
        "SELECT guild_id, min(at) FROM (SELECT guild_id, updated_at AS at FROM guild_settings"
        " UNION ALL SELECT guild_id, updated_at FROM checklist_items"
        " UNION ALL SELECT guild_id, at FROM staff_audit) AS stamps GROUP BY guild_id",
    )
    for guild_id, oldest in guilds:
        when = logged.get(subject_hash(salt, guild_id))
        first = from_db(oldest)
        if when is not None and first is not None and first < when:
            again.append((guild_id, None))
    for guild_id, user_id in again:
        async with db.transaction() as tx:
            if user_id is None:
                await delete_guild_rows(tx, guild_id)
            else:
                await delete_student_data(tx, guild_id, user_id)
    if again:
        log.warning(
            "re-applied %s deletions made after the database's last backup was taken (a backup "
            "was restored)",
            len(again),
        )
        await db.scrub_wal()
    return len(again)
