"""Checklist texts that depend on the server: ``{word_limit}`` shows the limit staff set, in
the request checklist a student opens and after a tick; an unknown placeholder stops loading."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.actions.checklists import contact_checklist, fill_placeholders, toggle_item
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.staff import SettingsInput, StaffKey, change_settings
from bot.clock import ManualClock
from bot.content import Checklist, ChecklistItem, ContentError, load_content

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
GUILD = 10
SAM = StudentKey(GUILD, 1)
STAFF = StaffKey(guild_id=GUILD, user_id=900)
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def why_of(checklist: Checklist, item_id: str) -> str:
    item = checklist.item(item_id)
    assert item is not None
    assert item.why is not None
    return item.why


async def test_the_request_checklist_shows_the_servers_word_limit(ctx: ActionContext) -> None:
    contact = await add_new_contact(ctx, SAM, NewContact("Dana Whitfield", "Northwind Health"))
    default = await contact_checklist(ctx, contact, "request")
    assert "under 100 words on this server" in why_of(default.checklist, "check-email")
    await change_settings(ctx, STAFF, SettingsInput(word_limit=75))
    state = await contact_checklist(ctx, contact, "request")
    why = why_of(state.checklist, "check-email")
    assert "under 75 words on this server" in why
    assert "{" not in why
    assert "100" not in why
    ticked = await toggle_item(ctx, SAM, contact.id, "request", "draft-email")
    assert "under 75 words" in why_of(ticked.checklist, "check-email")


def test_fill_leaves_unknown_placeholders_and_plain_text_alone() -> None:
    checklist = Checklist(
        "request",
        "T",
        (
            ChecklistItem("a", "At most {word_limit} words", "why {word_limit}"),
            ChecklistItem("b", "Staff typed {other} and {}", None),
        ),
    )
    filled = fill_placeholders(checklist, {"word_limit": "75"})
    assert [(i.text, i.why) for i in filled.items] == [
        ("At most 75 words", "why 75"),
        ("Staff typed {other} and {}", None),
    ]


def test_an_unknown_placeholder_is_refused_when_loading(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "checklists" / "interview.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('text = "', 'text = "{wordlimit} ', 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"unknown placeholder \{wordlimit\}.*\{word_limit\}"):
        load_content(data)
    search = data / "search.toml"
    path.write_text(text, encoding="utf-8")
    search.write_text(
        search.read_text(encoding="utf-8").replace('why = "', 'why = "{word_limit} ', 1),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="none in this file"):
        load_content(data)
