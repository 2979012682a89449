"""What every action receives: built once in ``bot/app.py`` and handed down, never looked up."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.planner import NudgePlanner
from bot.clock import Clock
from bot.content import Content
from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class ActionContext:
    db: Database
    clock: Clock
    content: Content
    planner: NudgePlanner


@dataclass(frozen=True, slots=True)
class StudentKey:
    """Who is acting: a student is one Discord user in one server."""

    guild_id: int
    user_id: int
