"""Errors whose message is meant for the student who caused them."""

from __future__ import annotations

from discord import app_commands


class UserError(app_commands.AppCommandError):
    """Bad input or a step that is not allowed now. Shown privately; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
