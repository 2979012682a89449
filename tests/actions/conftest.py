"""Fixtures for the action tests: the shipped content (loaded once) and an ActionContext over
the real migrated SQLite file of ``db`` with the module's own ``clock`` (each test module sets
its start instant; modules that need another context define their own ``ctx``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.actions.context import ActionContext
from bot.actions.planner import NudgePlanner
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.storage.database import Database

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(DATA)


@pytest.fixture
def ctx(db: Database, clock: ManualClock, content: Content) -> ActionContext:
    return ActionContext(db, clock, content, NudgePlanner(db, content, lambda due: None))
