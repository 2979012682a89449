"""One place that turns every failure into a private, human reply (and logs it once).

Storage failures get their own replies: the student is told plainly that nothing was saved and
whether trying again in a moment is likely to help. A busy (locked) database is expected now and
then (a backup, an operator's shell) and is logged as a warning without a traceback; a full disk
is logged as an error for the operator; other storage faults and anything unexpected are logged
with their traceback, once.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from dataclasses import dataclass
from enum import Enum

import discord
from discord import app_commands

from bot.errors import EmptyState, UserError
from bot.storage.errors import StorageError
from bot.text import escape_markdown
from bot.ui.replies import reply_error

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Sorry, something went wrong on my side and that didn't go through. "
    "Please try again in a moment; if it keeps happening, tell the server staff."
)
DATABASE_BUSY = (
    "I couldn't save that just now (the database is busy). "
    "Nothing was changed — please try again in a moment."
)
STORAGE_FULL = (
    "I couldn't save that just now: the bot's storage is full. "
    "Nothing was changed — please try again later, and tell the server staff if it keeps "
    "happening."
)
STORAGE_FAILED = (
    "I couldn't save that just now (a storage problem on my side). "
    "Nothing was changed — please try again in a moment; if it keeps happening, tell the "
    "server staff."
)


class StorageTrouble(Enum):
    BUSY = "busy"  # another connection holds the write lock (SQLITE_BUSY / SQLITE_LOCKED)
    FULL = "full"  # no space left (SQLITE_FULL, ENOSPC, a quota)
    FAILED = "failed"  # I/O errors, a read-only or unopenable file, a failed commit


# Primary SQLite result codes (the low byte of an extended code).
_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_SQLITE_FULL_CODES = frozenset({13})  # SQLITE_FULL
# SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PROTOCOL
_SQLITE_FAILED_CODES = frozenset({8, 10, 14, 15})
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
# For sqlite3 errors built without a result code (wrapped or re-raised by hand).
_MESSAGES = (
    ("database is locked", StorageTrouble.BUSY),
    ("database table is locked", StorageTrouble.BUSY),
    ("database is busy", StorageTrouble.BUSY),
    ("database or disk is full", StorageTrouble.FULL),
    ("disk i/o error", StorageTrouble.FAILED),
    ("unable to open database file", StorageTrouble.FAILED),
    ("attempt to write a readonly database", StorageTrouble.FAILED),
)


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it was raised from or during, outermost first (no cycles)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        if current.__cause__ is not None or current.__suppress_context__:
            current = current.__cause__
        else:
            current = current.__context__
    return chain


def _sqlite_trouble(error: sqlite3.Error) -> StorageTrouble | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in _SQLITE_BUSY_CODES:
            return StorageTrouble.BUSY
        if primary in _SQLITE_FULL_CODES:
            return StorageTrouble.FULL
        if primary in _SQLITE_FAILED_CODES:
            return StorageTrouble.FAILED
        return None  # a constraint, a bad statement...: a bug, not the storage
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        for needle, trouble in _MESSAGES:
            if needle in text:
                return trouble
    return None


def storage_trouble(error: BaseException) -> StorageTrouble | None:
    """Whether ``error`` (or what caused it) means the database could not save right now.

    The most specific cause wins: a ``StorageError`` raised from SQLITE_BUSY is *busy*; one with
    no recognisable cause is *failed*.
    """
    found: StorageTrouble | None = None
    for exc in _causes(error):
        if isinstance(exc, sqlite3.Error):
            trouble = _sqlite_trouble(exc)
        elif isinstance(exc, OSError) and exc.errno in _NO_SPACE:
            trouble = StorageTrouble.FULL
        elif isinstance(exc, StorageError):
            trouble = StorageTrouble.FAILED
        else:
            continue
        if trouble is not None and trouble is not StorageTrouble.FAILED:
            return trouble
        found = found or trouble
    return found


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What to tell the student, and how to log it (``level`` None: not logged); ``warning``
    False for an empty state (said without the ⚠️ of an error)."""

    message: str
    level: int | None = None
    traceback: bool = False
    warning: bool = True


_STORAGE = {
    StorageTrouble.BUSY: Diagnosis(DATABASE_BUSY, logging.WARNING),
    StorageTrouble.FULL: Diagnosis(STORAGE_FULL, logging.ERROR),
    StorageTrouble.FAILED: Diagnosis(STORAGE_FAILED, logging.ERROR, traceback=True),
}


class CheckRaised(app_commands.CheckFailure):
    """An error raised inside a command check: discord.py lets only ``AppCommandError`` out of
    checks, so a check wraps what it raised in this (see ``cogs/staff.py``)."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def diagnose(error: BaseException) -> Diagnosis:
    if isinstance(error, app_commands.CommandInvokeError | CheckRaised):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, UserError):
        error = error.__cause__  # e.g. a contact option that matched no contact
    if isinstance(error, EmptyState):
        return Diagnosis(error.message, warning=False)
    if isinstance(error, UserError):
        return Diagnosis(error.message)
    trouble = storage_trouble(error)
    if trouble is not None:
        return _STORAGE[trouble]
    if isinstance(error, app_commands.NoPrivateMessage):
        return Diagnosis("This command works inside a server, not in direct messages.")
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return Diagnosis("You don't have permission to use this command.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return Diagnosis(f"Slow down a little: try again in {error.retry_after:.0f} seconds.")
    if isinstance(error, app_commands.TransformerError):
        if error.__cause__ is not None:  # the transformer itself crashed
            return Diagnosis(UNEXPECTED, logging.ERROR, traceback=True)
        shown = escape_markdown(str(error.value)[:60])
        return Diagnosis(f"“{shown}” isn't a valid value for that option.")
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Diagnosis(
            "That command has just been updated. Please try again in a minute.",
            logging.ERROR,
            traceback=True,
        )
    return Diagnosis(UNEXPECTED, logging.ERROR, traceback=True)


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    diagnosis = diagnose(error)
    if diagnosis.level is not None:
        command = interaction.command.qualified_name if interaction.command else "component"
        cause = (
            error.original
            if isinstance(error, app_commands.CommandInvokeError | CheckRaised)
            else error
        )
        if diagnosis.traceback:
            log.log(
                diagnosis.level,
                "unhandled error in %s (interaction %s, user %s)",
                command,
                interaction.id,
                interaction.user.id,
                exc_info=cause,
            )
        else:
            log.log(
                diagnosis.level,
                "could not save %s (interaction %s, user %s): %s: %s",
                command,
                interaction.id,
                interaction.user.id,
                type(cause).__name__,
                cause,
            )
    await reply_error(interaction, diagnosis.message, warning=diagnosis.warning)


class InfoCoachTree(app_commands.CommandTree):
    """The command tree with one error handler for every app command."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await handle_interaction_error(interaction, error)
