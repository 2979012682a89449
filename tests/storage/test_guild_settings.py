"""Server settings, the server's checklist edits and the staff audit log, against a real
migrated SQLite file; the checklist merge as a pure function."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.content import Checklist, ChecklistItem
from bot.holiday_calendars import country_name, holiday_calendar, normalize_country
from bot.storage.checklist_items import (
    ItemEdit,
    insert_custom_item,
    item_edits,
    merge_checklist,
    save_edit,
    save_order,
)
from bot.storage.database import Database
from bot.storage.guild_settings import ServerSettings, server_settings, update_server_settings
from bot.storage.staff_audit import count_staff_actions, recent_staff_actions, record_staff_action

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
GUILD = 77
DEFAULT = Checklist(
    "request",
    "Making a request",
    tuple(ChecklistItem(item_id, item_id.upper(), f"why {item_id}") for item_id in "abcd"),
)


def ids(checklist) -> list[str]:
    return [entry.item.id for entry in checklist.items]


# --- settings ---------------------------------------------------------------------------------


async def test_a_server_without_settings_gets_the_defaults(db: Database):
    settings = await server_settings(db, GUILD)
    assert settings == ServerSettings(GUILD)
    assert (settings.word_limit, settings.meeting_minutes, settings.report_back_days) == (
        100,
        20,
        14,
    )
    assert settings.holidays is None
    assert not settings.stored
    assert settings.email_word_limit(120) == 120  # the data/ file's limit until staff save


async def test_settings_are_upserted_and_the_first_row_takes_the_installation_word_limit(
    db: Database,
):
    async with db.transaction() as tx:
        await update_server_settings(
            tx, GUILD, NOW, initial={"word_limit": 120}, meeting_minutes=30
        )
    settings = await server_settings(db, GUILD)
    assert (settings.word_limit, settings.meeting_minutes) == (120, 30)
    assert settings.email_word_limit(90) == 120
    async with db.transaction() as tx:
        await update_server_settings(
            tx, GUILD, NOW, initial={"word_limit": 60}, holiday_country="US"
        )
    settings = await server_settings(db, GUILD)
    assert (settings.word_limit, settings.meeting_minutes) == (120, 30)  # initial: first only
    assert date(2026, 11, 26) in settings.holidays  # Thanksgiving
    assert (await server_settings(db, GUILD + 1)).holiday_country is None


@pytest.mark.parametrize(
    "values",
    [{"word_limit": 49}, {"meeting_minutes": 61}, {"report_back_days": 6}, {"colour": "red"}, {}],
)
async def test_out_of_range_or_unknown_settings_raise(db: Database, values):
    with pytest.raises(ValueError, match=r"settings|outside"):
        async with db.transaction() as tx:
            await update_server_settings(tx, GUILD, NOW, **values)
    assert not (await server_settings(db, GUILD)).stored


def test_country_codes():
    assert normalize_country(" us ") == "US"
    assert normalize_country("DEU") == "DEU"
    assert normalize_country("none") is None
    with pytest.raises(ValueError, match="XX"):
        normalize_country("XX")
    assert country_name("GB") == "United Kingdom"
    assert holiday_calendar("US") is holiday_calendar("US")  # built once
    assert date(2026, 12, 25) in holiday_calendar("DE")


# --- checklist merge ----------------------------------------------------------------------------


def test_without_edits_the_default_is_unchanged():
    merged = merge_checklist(DEFAULT, [])
    assert merged.checklist() == DEFAULT
    assert not any(entry.reworded or entry.custom or entry.hidden for entry in merged.items)


def test_reword_add_hide():
    merged = merge_checklist(
        DEFAULT,
        [
            ItemEdit("b", text="Bee"),
            ItemEdit("c", hidden=True),
            ItemEdit("s-2", text="Second added", custom=True),
            ItemEdit("s-1", text="First added", why="Because", custom=True),
            ItemEdit("gone", text="An item data/ no longer has"),
        ],
    )
    assert ids(merged) == ["a", "b", "c", "d", "s-1", "s-2"]
    shown = merged.checklist()
    assert [item.id for item in shown.items] == ["a", "b", "d", "s-1", "s-2"]
    assert shown.item("b").text == "Bee"
    assert shown.item("b").why == "why b"  # the default why is kept
    assert shown.item("s-1").why == "Because"
    assert merged.find("b").reworded
    assert merged.find("s-1").custom
    assert [entry.item.id for entry in merged.hidden] == ["c"]


def test_positions_order_items_and_unpositioned_ones_keep_their_default_place():
    edits = [ItemEdit("s-1", text="Added", custom=True)]
    order = ["d", "s-1", "a", "b", "c"]
    edits = [
        ItemEdit(e.item_id, text=e.text, custom=e.custom, position=order.index(e.item_id))
        for e in edits
    ] + [ItemEdit(item_id, position=order.index(item_id)) for item_id in "abcd"]
    assert ids(merge_checklist(DEFAULT, edits)) == order
    # A default item added to data/ later, with no row, shows at its index in the file.
    grown = Checklist(
        "request", "t", (*DEFAULT.items[:1], ChecklistItem("new", "New"), *DEFAULT.items[1:])
    )
    assert ids(merge_checklist(grown, edits)) == ["d", "new", "s-1", "a", "b", "c"]


async def test_new_custom_ids_are_never_reused_nor_a_default_id(db: Database):
    async with db.transaction() as tx:
        await save_edit(tx, GUILD, "request", "s-3", NOW, text="Old", custom=True, hidden=True)
        first = await insert_custom_item(
            tx, GUILD, "request", NOW, reserved=frozenset({"s-1"}), text="New"
        )
        assert first == "s-4"  # above every id used before, even a hidden one
        other_phase = await insert_custom_item(
            tx, GUILD, "prepare", NOW, reserved=frozenset({"s-1"}), text="New"
        )
        assert other_phase == "s-2"  # never a default item's id


async def test_edits_and_order_are_stored_per_server_and_phase(db: Database):
    async with db.transaction() as tx:
        await save_edit(tx, GUILD, "request", "b", NOW, text="Bee")
        await save_edit(tx, GUILD, "request", "b", NOW, hidden=True)  # text kept
        await save_edit(tx, GUILD, "request", "s-1", NOW, text="Added", custom=True)
        await save_order(tx, GUILD, "request", ["s-1", "d", "c", "b", "a"], NOW)
        await save_edit(tx, GUILD, "prepare", "x", NOW, hidden=True)
    edits = await item_edits(db, GUILD, "request")
    merged = merge_checklist(DEFAULT, edits)
    assert ids(merged) == ["s-1", "d", "c", "b", "a"]
    assert merged.find("b").item.text == "Bee"
    assert merged.find("b").hidden
    assert await item_edits(db, GUILD + 1, "request") == []


# --- audit ------------------------------------------------------------------------------------


async def test_audit_entries_newest_first(db: Database):
    async with db.transaction() as tx:
        for minutes in range(3):
            await record_staff_action(
                tx,
                guild_id=GUILD,
                staff_user_id=5,
                action="settings_changed",
                detail={"n": minutes},
                at=NOW + timedelta(minutes=minutes),
            )
        await record_staff_action(
            tx, guild_id=GUILD, staff_user_id=5, action="big", detail={"x": "y" * 5000}, at=NOW
        )
    entries = await recent_staff_actions(db, GUILD, limit=2)
    assert [e.detail["n"] for e in entries] == [2, 1]
    assert await count_staff_actions(db, GUILD) == 4
    (big,) = [e for e in await recent_staff_actions(db, GUILD) if e.action == "big"]
    assert len(str(big.detail)) < 1100
