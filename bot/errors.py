"""Errors whose message is meant for the student who caused them."""

from __future__ import annotations

from discord import app_commands

NOT_YOURS = "That belongs to someone else: only the student who opened it can use it."
"""Refusal when someone presses another student's button."""


class UserError(app_commands.AppCommandError):
    """Bad input or a step that is not allowed now. Shown privately; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
