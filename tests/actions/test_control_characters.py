"""Control characters in what students type (a NUL above all) are treated the same on SQLite and
PostgreSQL, before any SQL: names and forms with one are refused, a typed contact with one
matches nothing, and an autocomplete query ignores them. PostgreSQL cannot store a NUL at all,
so a path that missed the rule still gets a clear refusal (see
tests/storage/test_unstorable_text.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.actions.contact_lookup import NOT_FOUND, resolve_contact, suggest_contacts
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.clock import ManualClock
from bot.errors import UserError
from bot.validation import clean_optional_text, clean_text, control_character
from bot.validation import without_control_characters as stripped
from tests.dbquery import snapshot

ALICE = StudentKey(guild_id=10, user_id=1)
CONTROLS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize("control", CONTROLS)
def test_one_rule_finds_refuses_and_strips_control_characters(control: str):
    text = f"{control}Ada{control} Lovelace"
    assert control_character(text) == control
    assert stripped(text) == "Ada Lovelace"
    with pytest.raises(UserError, match=rf"control character \(U\+{ord(control):04X}\)"):
        clean_text(text, "person", max_length=100)
    with pytest.raises(UserError, match="control character"):
        clean_optional_text(text, "role", max_length=100)


def test_tabs_and_line_breaks_are_text():
    text = "Ask about\tSQL\r\nand dbt"
    assert control_character(text) is None
    assert stripped(text) == text
    assert clean_text(text, "note", max_length=100) == text


async def test_a_typed_contact_with_a_control_character_matches_nothing(
    ctx: ActionContext, db_location: Path | str
):
    ada = await add_new_contact(ctx, ALICE, NewContact("Ada Lovelace", "Acme"))
    assert (await resolve_contact(ctx, ALICE, " Ada Lovelace ")).id == ada.id
    assert (await resolve_contact(ctx, ALICE, str(ada.id))).id == ada.id
    before = snapshot(db_location)
    for typed in ("\x00Ada Lovelace", "Ada\x00 Lovelace", f"{ada.id}\x00", "\x07Acme", "²"):
        with pytest.raises(UserError) as refused:
            await resolve_contact(ctx, ALICE, typed)
        assert refused.value.message == NOT_FOUND
    assert snapshot(db_location) == before


async def test_autocomplete_ignores_control_characters(ctx: ActionContext):
    ada = await add_new_contact(ctx, ALICE, NewContact("Ada Lovelace", "Acme"))
    await add_new_contact(ctx, ALICE, NewContact("Grace Hopper", "Navy"))
    for typed in ("\x00ada", "a\x00da", "Ada\x00", "lov\x1belace", "\x00\x00ACME"):
        assert [c.id for c in await suggest_contacts(ctx, ALICE, typed, 25)] == [ada.id]
    everyone = await suggest_contacts(ctx, ALICE, "\x00", 25)
    assert len(everyone) == 2  # nothing typed once the NUL is gone: every contact
