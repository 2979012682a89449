"""The storage layer's own error (its own module so the database and its writer share it)."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be opened or used, or a write was not saved; the message is one line
    meant for the operator (the cause, when there is one, says why)."""
