"""Discord's limits the bot renders within (one place; checked against discord.py 2.7)."""

from __future__ import annotations

MESSAGE_LIMIT = 2000
"""Characters in a message's content."""
EMBED_LIMIT = 4096
"""Characters in an embed's description."""
EMBED_TITLE_LIMIT = 256
EMBED_FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
MAX_CHOICES = 25
"""Autocomplete choices, and options in a select menu."""
CHOICE_NAME_LIMIT = 100
"""Characters in an autocomplete choice's name."""
CUSTOM_ID_LIMIT = 100
MODAL_TITLE_LIMIT = 45
MODAL_INPUTS = 5
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
BUTTON_LABEL = 80
"""Characters in a button's label."""
