"""Errors whose message is meant for the student who caused them. No discord import: actions,
domain and storage raise these; ``bot/ui/error_handler.py`` turns them into private replies."""

from __future__ import annotations

NOT_YOURS = "That belongs to someone else: only the student who opened it can use it."
"""Refusal when someone presses another student's button."""


class UserError(Exception):
    """Bad input or a step that is not allowed now. Shown privately; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyState(UserError):
    """Nothing to show yet, which is normal (no contacts on day one): said kindly, without the
    warning sign of an error. Nothing was changed."""
