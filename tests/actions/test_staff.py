"""Staff actions against a real migrated SQLite file: stored settings and checklist edits, the
audit entry each writes, re-planned reminders, and bad input refused with nothing changed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.actions.checklists import toggle_item
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.privacy import delete_data
from bot.actions.request import log_request_sent
from bot.actions.staff import (
    AUDIT_PAGE_SIZE,
    SettingsInput,
    StaffKey,
    StaffRole,
    audit_log,
    change_settings,
    record_audit,
    show_settings,
    student_progress,
)
from bot.actions.staff_checklists import (
    MAX_ITEM_TEXT,
    add_item,
    hide_item,
    move_item,
    restore_item,
    reword_item,
    staff_checklist,
)
from bot.actions.staff_figures import (
    claim_summary,
    export_stats,
    summaries_due,
    summary_week,
    view_stats,
)
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.domain.contacts import Stage
from bot.errors import UserError
from bot.staff_stats import CSV_COLUMNS
from bot.storage.app_meta import get_meta
from bot.storage.contacts import set_meeting, set_stage
from bot.storage.database import Database
from bot.storage.guild_settings import update_server_settings
from bot.storage.staff_audit import AuditEntry
from bot.storage.students import ensure_student, set_timezone, update_settings
from bot.ui.staff_audit_pages import entry_sentence

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York
GUILD = 10
STAFF = StaffKey(guild_id=GUILD, user_id=900, manages_server=True)
ROLE_ONLY = StaffKey(guild_id=GUILD, user_id=901)  # staff by the staff role alone
SAM = StudentKey(guild_id=GUILD, user_id=1)
ZONE = "America/New_York"
DATA = Path(__file__).resolve().parents[2] / "data"
TABLES = ("guild_settings", "checklist_items", "staff_audit", "nudges", "app_meta", "events")


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database, now: datetime = NOW) -> ActionContext:
    content = _content()
    return ActionContext(db, ManualClock(now), content, NudgePlanner(db, content, lambda _: None))


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in TABLES
    }


async def audit_rows(db: Database) -> list[tuple[int, str, dict[str, Any]]]:
    rows = await db.fetch_all(
        "SELECT staff_user_id, action, detail FROM staff_audit WHERE guild_id = ? ORDER BY id",
        (GUILD,),
    )
    return [(row[0], row[1], json.loads(row[2])) for row in rows]


async def settings_row(db: Database) -> dict[str, Any] | None:
    row = await db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (GUILD,))
    return None if row is None else dict(row)


async def pending(db: Database, contact_id: int) -> dict[str, datetime]:
    rows = await db.fetch_all(
        "SELECT kind, due_at FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {row["kind"]: datetime.fromisoformat(row["due_at"]) for row in rows}


async def student_with_zone(ctx: ActionContext, who: StudentKey = SAM) -> None:
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, NOW)
        await set_timezone(tx, who.guild_id, who.user_id, ZONE, NOW)


async def met_contact(ctx: ActionContext) -> int:
    """Sam met Ada today (New York): a report-back reminder is planned 14 days on."""
    await student_with_zone(ctx)
    contact = await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))
    async with ctx.db.transaction() as tx:
        await set_stage(tx, contact.id, Stage.MET, NOW, NOW)
        await ctx.planner.replan_contact(tx, contact.id, NOW)
    return contact.id


async def scheduled_contact(ctx: ActionContext) -> int:
    """A meeting in two weeks: the "finish preparing" reminder is planned."""
    await student_with_zone(ctx)
    contact = await add_new_contact(ctx, SAM, NewContact("Grace Hopper", "Navy"))
    async with ctx.db.transaction() as tx:
        await set_meeting(
            tx, contact.id, meeting_at=NOW + timedelta(days=14), zone=ZONE, minutes=20, now=NOW
        )
        await ctx.planner.replan_contact(tx, contact.id, NOW)
    return contact.id


# -- settings ------------------------------------------------------------------------------------


async def test_show_settings_gives_the_defaults_and_writes_nothing(db: Database):
    ctx = make_ctx(db)
    before = await snapshot(db)
    shown = await show_settings(ctx, STAFF)
    assert (shown.word_limit, shown.settings.meeting_minutes) == (100, 20)
    assert shown.settings.report_back_days == 14
    assert not shown.changes
    assert shown.replanned is None
    assert await snapshot(db) == before


async def test_change_settings_stores_them_and_audits_each_change(db: Database):
    ctx = make_ctx(db)
    saved = await change_settings(
        ctx,
        STAFF,
        SettingsInput(
            role=StaffRole(77, everyone=False, managed=False),
            word_limit=150,
            meeting_minutes=30,
            holidays="gb",
            digest_channel_id=555,
            grace_days=60,
        ),
    )
    assert saved.changes == {
        "word_limit": (100, 150),
        "meeting_minutes": (20, 30),
        "holiday_country": (None, "GB"),
        "staff_role_id": (None, 77),
        "digest_channel_id": (None, 555),
        "departure_grace_days": (30, 60),
    }
    assert saved.replanned == 0  # holidays changed: the server was re-planned (nobody to do)
    assert (saved.word_limit, saved.settings.holiday_country) == (150, "GB")
    row = await settings_row(db)
    assert row is not None
    assert (row["word_limit"], row["meeting_minutes"], row["holiday_country"]) == (150, 30, "GB")
    assert (row["staff_role_id"], row["digest_channel_id"]) == (77, 555)
    assert row["departure_grace_days"] == 60
    ((who, action, detail),) = await audit_rows(db)
    assert (who, action) == (STAFF.user_id, "settings_changed")
    assert detail == {column: list(pair) for column, pair in saved.changes.items()}


async def test_a_first_save_keeps_the_installation_word_limit(db: Database):
    ctx = make_ctx(db)
    saved = await change_settings(ctx, STAFF, SettingsInput(meeting_minutes=45))
    assert saved.changes == {"meeting_minutes": (20, 45)}
    assert saved.replanned is None  # nothing reminders depend on
    row = await settings_row(db)
    assert row is not None
    assert row["word_limit"] == ctx.content.email_rules.word_limit


async def test_report_back_days_re_plans_the_pending_reminder(db: Database):
    ctx = make_ctx(db)
    contact_id = await met_contact(ctx)
    # Met on 25 November (New York): report back 14 days later at 09:00 local (14:00 UTC).
    assert (await pending(db, contact_id))["report_back"] == datetime(2026, 12, 9, 14, tzinfo=UTC)
    saved = await change_settings(ctx, STAFF, SettingsInput(report_back_days=21))
    assert saved.replanned == 1
    assert (await pending(db, contact_id))["report_back"] == datetime(2026, 12, 16, 14, tzinfo=UTC)
    (_, action, detail) = (await audit_rows(db))[0]
    assert (action, detail) == ("settings_changed", {"report_back_days": [14, 21]})


async def test_unset_clears_and_unchanged_values_write_nothing(db: Database):
    ctx = make_ctx(db)
    await change_settings(ctx, STAFF, SettingsInput(digest_channel_id=555, holidays="US"))
    before = await snapshot(db)
    same = await change_settings(ctx, STAFF, SettingsInput(digest_channel_id=555, holidays="us"))
    assert not same.changes
    assert same.replanned is None
    assert await snapshot(db) == before

    cleared = await change_settings(
        ctx, STAFF, SettingsInput(holidays="none", unset="digest_channel_id")
    )
    assert cleared.changes == {"holiday_country": ("US", None), "digest_channel_id": (555, None)}
    row = await settings_row(db)
    assert row is not None
    assert (row["holiday_country"], row["digest_channel_id"]) == (None, None)
    assert [action for _, action, _ in await audit_rows(db)] == ["settings_changed"] * 2


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (SettingsInput(word_limit=300), "from 50 to 200 words (default 100)"),
        (SettingsInput(meeting_minutes=5), "from 10 to 60 minutes"),
        (SettingsInput(report_back_days=31), "from 7 to 30 days (default 14)"),
        (SettingsInput(grace_days=0), "from 1 to 365 days (default 30)"),
        (SettingsInput(word_limit=80, holidays="Narnia"), "isn't a country code"),
        (SettingsInput(role=StaffRole(GUILD, everyone=True, managed=False)), "@everyone can't"),
        (SettingsInput(role=StaffRole(5, everyone=False, managed=True)), "<@&5> is managed"),
        (
            SettingsInput(digest_channel_id=555, unset="digest_channel_id"),
            "both set and unset the digest channel",
        ),
        (SettingsInput(unset="word_limit"), "Only the staff role, the digest channel or the time"),
        (SettingsInput(zone="Mars/Olympus"), "isn't a time zone I know"),
    ],
)
async def test_bad_settings_are_refused_and_nothing_changes(
    db: Database, change: SettingsInput, needle: str
):
    ctx = make_ctx(db)
    before = await snapshot(db)
    with pytest.raises(UserError, match="Nothing was changed") as refused:
        await change_settings(ctx, STAFF, change)
    assert needle in refused.value.message
    assert await snapshot(db) == before


# -- one student, the audit log ------------------------------------------------------------------


async def test_a_student_is_shown_only_after_opting_in_and_every_look_is_audited(db: Database):
    ctx = make_ctx(db)
    await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Initech"))
    hidden = await student_progress(ctx, STAFF, SAM.user_id)
    assert (hidden.shared, hidden.contacts) == (False, ())
    never = await student_progress(ctx, STAFF, 4242)  # never used the bot
    assert (never.shared, never.contacts) == (False, ())

    async with db.transaction() as tx:
        await update_settings(tx, GUILD, SAM.user_id, NOW, share_with_staff=True)
    shown = await student_progress(ctx, STAFF, SAM.user_id)
    assert shown.shared
    assert [contact.organization for contact in shown.contacts] == ["Initech"]
    assert await audit_rows(db) == [
        (STAFF.user_id, "student_viewed", {"student": SAM.user_id, "shared": False}),
        (STAFF.user_id, "student_viewed", {"student": 4242, "shared": False}),
        (STAFF.user_id, "student_viewed", {"student": SAM.user_id, "shared": True}),
    ]


async def test_a_deleted_student_is_no_longer_named_in_the_audit_log(db: Database):
    """/privacy delete keeps the staff action in the log but not who it was about."""
    ctx = make_ctx(db)
    await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Initech"))
    await student_progress(ctx, STAFF, SAM.user_id)
    await student_progress(ctx, STAFF, 4242)
    await delete_data(ctx, SAM)
    rows = await audit_rows(db)
    assert rows == [
        (STAFF.user_id, "student_viewed", {"student": None, "shared": False, "forgotten": True}),
        (STAFF.user_id, "student_viewed", {"student": 4242, "shared": False}),
    ]
    assert str(SAM.user_id) not in json.dumps([detail for _, _, detail in rows])
    page = await audit_log(ctx, STAFF, 0)
    sentences = [entry_sentence(entry) for entry in page.entries]
    assert sentences == [
        f"<@{STAFF.user_id}> looked for <@4242>'s progress (not shared: nothing shown)",
        f"<@{STAFF.user_id}> looked for the progress of a student who has since deleted "
        "their data (not shared: nothing shown)",
    ]


AUDIT_SENTENCES: list[tuple[str, dict[str, Any], str]] = [
    # every kind of entry the actions write, and how it reads
    ("settings_changed", {"word_limit": [100, 75]}, "set the word limit 100 → 75"),
    ("settings_changed", {"staff_role_id": [None, 5]}, "set the staff role none → <@&5>"),
    ("settings_changed", {"digest_channel_id": [7, None]}, "set the summary channel <#7> → none"),
    ("settings_changed", {"meeting_minutes": [20, 30]}, "set the meeting length 20 → 30"),
    ("settings_changed", {"report_back_days": [14, 21]}, "set the report-back delay 14 → 21"),
    ("settings_changed", {"holiday_country": [None, "US"]}, "set the holiday calendar none → US"),
    (
        "settings_changed",
        {"departure_grace_days": [30, 7]},
        "set the grace period for departed students 30 → 7",
    ),
    (
        "settings_changed",
        {"zone": [None, "America/New_York"]},
        "set the server time zone UTC → America/New\\_York",
    ),
    (
        "settings_changed",
        {"word_limit": [100, 75], "zone": ["UTC", None]},
        "set the word limit 100 → 75; set the server time zone UTC → UTC",
    ),
    ("student_viewed", {"student": 9, "shared": True}, "viewed <@9>'s shared progress"),
    (
        "student_viewed",
        {"student": None, "shared": True, "forgotten": True},
        "viewed the shared progress of a student who has since deleted their data",
    ),
    (
        "student_viewed",
        {"student": 9, "shared": False},
        "looked for <@9>'s progress (not shared: nothing shown)",
    ),
    (
        "student_viewed",
        {"student": None, "shared": False, "forgotten": True},
        "looked for the progress of a student who has since deleted their data (not shared: "
        "nothing shown)",
    ),
    ("stats_viewed", {"since": None}, "viewed the server figures for all time"),
    ("stats_viewed", {"since": "2026-11-02"}, "viewed the server figures since 2026-11-02"),
    (
        "stats_exported",
        {"since": "2026-11-02", "files": ["overview.csv", "stages.csv"]},
        "exported the server figures since 2026-11-02: overview.csv, stages.csv",
    ),
    ("stats_exported", {"since": None, "files": []}, "exported the server figures for all time"),
    (
        "checklist_item_added",
        {"phase": "followup", "item": "c1", "text": "Send a *card*"},
        "added the item “Send a \\*card\\*” to the follow-up checklist",
    ),
    (
        "checklist_item_reworded",
        {"phase": "request", "item": "draft-email", "old_text": "Draft it", "text": "Draft"},
        "reworded the item “Draft it” to “Draft” in the request checklist",
    ),
    (
        "checklist_item_reworded",
        {"phase": "request", "item": "draft-email", "text": "Draft a short email"},
        "reworded an item to “Draft a short email” in the request checklist",
    ),
    (
        "checklist_item_hidden",
        {"phase": "prepare", "item": "research", "text": "Research the person"},
        "hid the item “Research the person” in the preparation checklist",
    ),
    (
        "checklist_item_restored",
        {"phase": "interview", "item": "research", "text": "Take notes"},
        "restored the item “Take notes” in the interview checklist",
    ),
    (
        "checklist_item_moved",
        {"phase": "request", "item": "x1", "text": "Send it", "from": 2, "to": 1},
        "moved the item “Send it” from position 2 to 1 in the request checklist",
    ),
    (
        "checklist_item_moved",
        {"phase": "request", "item": "x1", "from": 2, "to": 1},  # older entry, item unknown
        "moved an item from position 2 to 1 in the request checklist",
    ),
]


@pytest.mark.parametrize(("action", "detail", "sentence"), AUDIT_SENTENCES)
def test_every_audit_entry_kind_reads_as_a_sentence_with_names(
    action: str, detail: dict[str, Any], sentence: str
):
    text = entry_sentence(AuditEntry(1, 77, action, detail, NOW))
    assert text == f"<@77> {sentence}"
    if detail.get("item"):
        assert str(detail["item"]) not in text  # never an internal item id


def test_every_action_the_code_audits_has_a_sentence_test():
    """A new audited action gets a sentence (and a row above), not its raw key."""
    audited: set[str] = set()
    for path in (Path(__file__).parents[2] / "bot" / "actions").glob("staff*.py"):
        source = path.read_text()
        audited |= {
            word.strip('"')
            for word in source.replace("(", " ").replace(",", " ").split()
            if word.startswith('"')
            and word.endswith('"')
            and (word.strip('"').startswith(("checklist_item_", "stats_", "student_", "settings_")))
        }
    assert audited
    assert audited <= {action for action, _, _ in AUDIT_SENTENCES}


async def test_audit_names_checklist_items_by_their_text_not_their_id(db: Database):
    ctx = make_ctx(db)
    server = await staff_checklist(ctx, STAFF, "request")
    first, second = server.visible[0].item, server.visible[1].item
    await reword_item(ctx, STAFF, "request", "1", "Draft a short email")
    await hide_item(ctx, STAFF, "request", "2")
    # An entry written before items' texts were recorded: named by the item's text now.
    async with db.transaction() as tx:
        await record_audit(
            tx,
            STAFF,
            "checklist_item_moved",
            NOW,
            {"phase": "request", "item": first.id, "from": 1, "to": 2},
        )
    page = await audit_log(ctx, STAFF, 0)
    lines = [entry_sentence(entry, page.item_texts) for entry in page.entries]
    who = f"<@{STAFF.user_id}>"
    assert any(
        line.startswith(f"{who} moved the item “Draft a short email” from position 1 to 2")
        for line in lines
    ), lines
    assert any(
        line.startswith(f"{who} reworded the item “{first.text[:40]}")
        and line.endswith("to “Draft a short email” in the request checklist")
        for line in lines
    ), lines
    assert any(line.startswith(f"{who} hid the item “{second.text[:40]}") for line in lines)
    for line in lines:
        assert first.id not in line, line
        assert second.id not in line, line


async def test_the_audit_log_pages_newest_first(db: Database):
    ctx = make_ctx(db)
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    for minutes in range(10, 10 + AUDIT_PAGE_SIZE + 5):
        clock.advance(timedelta(minutes=1))
        await change_settings(ctx, STAFF, SettingsInput(meeting_minutes=minutes))
    first = await audit_log(ctx, STAFF, 0)
    assert (first.page, first.pages, first.total) == (0, 2, AUDIT_PAGE_SIZE + 5)
    assert len(first.entries) == AUDIT_PAGE_SIZE
    assert first.entries[0].detail == {"meeting_minutes": [33, 34]}
    last = await audit_log(ctx, STAFF, 7)  # out of range: the last page
    assert (last.page, len(last.entries)) == (1, 5)
    assert last.entries[-1].detail == {"meeting_minutes": [20, 10]}
    other = await audit_log(ctx, StaffKey(GUILD + 1, STAFF.user_id), 0)
    assert (other.total, other.pages, other.entries) == (0, 1, ())


# -- checklists ----------------------------------------------------------------------------------


async def item_rows(db: Database, phase: str) -> dict[str, dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT item_id, text, why, hidden, position, custom FROM checklist_items"
        " WHERE guild_id = ? AND phase = ?",
        (GUILD, phase),
    )
    return {row["item_id"]: dict(row) for row in rows}


def visible_ids(checklist: Any) -> list[str]:
    return [entry.item.id for entry in checklist.visible]


async def test_add_stores_a_custom_item_at_the_end_and_audits_it(db: Database):
    ctx = make_ctx(db)
    defaults = len(ctx.content.checklists["request"].items)
    added = await add_item(ctx, STAFF, "request", "  Book a   CV review ", "We help.")
    assert (added.item_id, added.label, added.text) == (
        "s-1",
        str(defaults + 1),
        "Book a CV review",
    )
    assert visible_ids(added.checklist)[-1] == "s-1"
    row = (await item_rows(db, "request"))["s-1"]
    assert (row["text"], row["why"], row["custom"], row["hidden"]) == (
        "Book a CV review",
        "We help.",
        1,
        0,
    )
    assert await audit_rows(db) == [
        (
            STAFF.user_id,
            "checklist_item_added",
            {"phase": "request", "item": "s-1", "text": "Book a CV review"},
        )
    ]
    again = await add_item(ctx, STAFF, "request", "Another one")
    assert again.item_id == "s-2"


async def test_reword_keeps_ticks_and_the_default_text_follows_the_default(db: Database):
    ctx = make_ctx(db)
    contact = await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))
    first = ctx.content.checklists["request"].items[1]
    await toggle_item(ctx, SAM, contact.id, "request", first.id)

    reworded = await reword_item(ctx, STAFF, "request", "2", "Pick your top 5", "Focus.")
    assert (reworded.label, reworded.old_text, reworded.text) == (
        "2",
        first.text,
        "Pick your top 5",
    )
    assert (await item_rows(db, "request"))[first.id]["text"] == "Pick your top 5"
    entry = reworded.checklist.find(first.id)
    assert entry is not None
    assert entry.reworded
    assert (entry.item.text, entry.item.why) == ("Pick your top 5", "Focus.")
    ticks = await db.fetch_all(
        "SELECT item_id FROM checklist_ticks WHERE contact_id = ?", (contact.id,)
    )
    assert [row[0] for row in ticks] == [first.id]

    back = await reword_item(ctx, STAFF, "request", first.id, first.text)
    row = (await item_rows(db, "request"))[first.id]
    assert (row["text"], row["why"]) == (None, "Focus.")  # the default text again; why kept
    assert back.checklist.find(first.id).item.text == first.text  # type: ignore[union-attr]
    assert [action for _, action, _ in await audit_rows(db)] == ["checklist_item_reworded"] * 2


async def test_move_pins_the_order_and_audits_from_and_to(db: Database):
    ctx = make_ctx(db)
    ids = [item.id for item in ctx.content.checklists["request"].items]
    texts = [item.text for item in ctx.content.checklists["request"].items]
    moved = await move_item(ctx, STAFF, "request", "2", 5)
    assert visible_ids(moved.checklist) == [ids[0], ids[2], ids[3], ids[4], ids[1], *ids[5:]]
    rows = await item_rows(db, "request")
    assert sorted(rows, key=lambda item_id: rows[item_id]["position"]) == visible_ids(
        moved.checklist
    )
    (_, action, detail) = (await audit_rows(db))[0]
    assert (action, detail) == (
        "checklist_item_moved",
        {"phase": "request", "item": ids[1], "text": texts[1], "from": 2, "to": 5},
    )


async def test_hide_and_restore_flip_the_item_and_keep_it_in_place(db: Database):
    ctx = make_ctx(db)
    ids = [item.id for item in ctx.content.checklists["request"].items]
    text = ctx.content.checklists["request"].items[0].text
    hidden = await hide_item(ctx, STAFF, "request", "1")
    assert hidden.label == "1"
    assert ids[0] not in visible_ids(hidden.checklist)
    assert (await item_rows(db, "request"))[ids[0]]["hidden"] == 1
    shown = await staff_checklist(ctx, STAFF, "request")
    assert [entry.item.id for entry in shown.hidden] == [ids[0]]

    restored = await restore_item(ctx, STAFF, "request", "H1")
    assert restored.label == "H1"
    assert visible_ids(restored.checklist) == ids
    assert (await item_rows(db, "request"))[ids[0]]["hidden"] == 0
    assert [(action, detail) for _, action, detail in await audit_rows(db)] == [
        ("checklist_item_hidden", {"phase": "request", "item": ids[0], "text": text}),
        ("checklist_item_restored", {"phase": "request", "item": ids[0], "text": text}),
    ]


async def test_a_new_preparation_item_brings_the_preparation_reminder_back(db: Database):
    ctx = make_ctx(db)
    contact_id = await scheduled_contact(ctx)
    assert "prepare" in await pending(db, contact_id)
    for item in ctx.content.checklists["prepare"].items:
        await toggle_item(ctx, SAM, contact_id, "prepare", item.id)
    assert "prepare" not in await pending(db, contact_id)  # preparation finished

    added = await add_item(ctx, STAFF, "prepare", "Read our interview guide")
    assert "prepare" in await pending(db, contact_id)  # a new step: the reminder is back
    await hide_item(ctx, STAFF, "prepare", added.item_id)
    assert "prepare" not in await pending(db, contact_id)
    await restore_item(ctx, STAFF, "prepare", added.item_id)
    assert "prepare" in await pending(db, contact_id)


async def test_other_phases_and_rewording_do_not_re_plan(db: Database):
    ctx = make_ctx(db)
    contact_id = await scheduled_contact(ctx)
    for item in ctx.content.checklists["prepare"].items:
        await toggle_item(ctx, SAM, contact_id, "prepare", item.id)
    before = await db.fetch_all("SELECT * FROM nudges ORDER BY id")
    await add_item(ctx, STAFF, "request", "Tell your adviser")
    await reword_item(ctx, STAFF, "prepare", "1", "Research them properly")
    assert await db.fetch_all("SELECT * FROM nudges ORDER BY id") == before


async def full_request_checklist(ctx: ActionContext) -> None:
    for number in range(15 - len(ctx.content.checklists["request"].items)):
        await add_item(ctx, STAFF, "request", f"Extra step {number}")


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda ctx: add_item(ctx, STAFF, "request", "   "), "can't be empty"),
        (lambda ctx: add_item(ctx, STAFF, "request", "x" * (MAX_ITEM_TEXT + 1)), "the most is 200"),
        (lambda ctx: add_item(ctx, STAFF, "request", "ok", "y" * 201), "the most is 200"),
        (lambda ctx: add_item(ctx, STAFF, "nope", "Fine text"), "isn't a phase"),
        (lambda ctx: reword_item(ctx, STAFF, "request", "nope", "x"), "no item “nope”"),
        (lambda ctx: hide_item(ctx, STAFF, "request", "99"), "no item “99”"),
        (lambda ctx: move_item(ctx, STAFF, "request", "1", 12), "from 1 to 8"),
        (lambda ctx: restore_item(ctx, STAFF, "request", "1"), "isn't hidden"),
        (lambda ctx: staff_checklist(ctx, STAFF, "nope"), "isn't a phase"),
    ],
)
async def test_bad_checklist_edits_are_refused_and_nothing_changes(
    db: Database, edit: Any, needle: str
):
    ctx = make_ctx(db)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await edit(ctx)
    assert needle in refused.value.message
    assert await snapshot(db) == before


async def test_a_full_checklist_refuses_another_item_and_a_restore(db: Database):
    ctx = make_ctx(db)
    await full_request_checklist(ctx)
    before = await snapshot(db)
    with pytest.raises(UserError, match="already shows 15 items"):
        await add_item(ctx, STAFF, "request", "One too many")
    assert await snapshot(db) == before
    await hide_item(ctx, STAFF, "request", "1")
    await add_item(ctx, STAFF, "request", "Now it fits")
    before = await snapshot(db)
    with pytest.raises(UserError, match="already shows 15 items"):
        await restore_item(ctx, STAFF, "request", "H1")
    with pytest.raises(UserError, match=r"is hidden\. Restore it first"):
        await move_item(ctx, STAFF, "request", "H1", 2)
    assert await snapshot(db) == before


async def test_a_checklist_keeps_at_least_one_item(db: Database):
    ctx = make_ctx(db)
    for _ in range(len(ctx.content.checklists["followup"].items) - 1):
        await hide_item(ctx, STAFF, "followup", "1")
    before = await snapshot(db)
    with pytest.raises(UserError, match="at least one item"):
        await hide_item(ctx, STAFF, "followup", "1")
    assert await snapshot(db) == before


# -- statistics ----------------------------------------------------------------------------------


async def test_stats_are_audited_with_their_period(db: Database):
    ctx = make_ctx(db)
    await student_with_zone(ctx)
    contact = await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))
    await log_request_sent(ctx, SAM, contact.id)
    figures = await view_stats(ctx, STAFF, None)
    assert figures.since is None
    assert figures.registered == 1
    assert figures.students_active is None  # 1 student: hidden by the disclosure rule
    assert (figures.funnel[0].stage, figures.funnel[0].reached) == (Stage.REQUESTED, None)
    since = await view_stats(ctx, STAFF, "2026-11-01")
    assert since.since is not None
    assert since.since.isoformat() == "2026-11-01"
    assert [(action, detail) for _, action, detail in await audit_rows(db)] == [
        ("stats_viewed", {"since": None}),
        ("stats_viewed", {"since": "2026-11-01"}),
    ]


async def test_export_gives_csv_files_and_audits_their_names(db: Database):
    ctx = make_ctx(db)
    await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))
    files = await export_stats(ctx, STAFF, "2026-10-26")
    assert [name for name, _ in files] == list(CSV_COLUMNS)
    for name, data in files:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert tuple(rows[0]) == CSV_COLUMNS[name]
        assert "Ada" not in data.decode("utf-8")
    ((_, action, detail),) = await audit_rows(db)
    assert action == "stats_exported"
    assert detail == {"since": "2026-10-26", "files": list(CSV_COLUMNS)}


@pytest.mark.parametrize(
    ("since", "needle"),
    [
        ("2026-11-30", "in the future"),
        ("someday", "isn't a date"),
        ("2026-02-30", "real"),
        ("2026-11-04", "Periods start on a Monday or on the 1st"),
    ],
)
async def test_a_bad_period_is_refused_and_not_audited(db: Database, since: str, needle: str):
    ctx = make_ctx(db)
    before = await snapshot(db)
    for action in (view_stats, export_stats):
        with pytest.raises(UserError) as refused:
            await action(ctx, STAFF, since)
        assert needle in refused.value.message
    assert await snapshot(db) == before


# -- the weekly summary --------------------------------------------------------------------------


def test_the_summary_week_starts_monday_at_nine_in_the_servers_zone():
    utc, new_york = ZoneInfo("UTC"), ZoneInfo("America/New_York")
    assert summary_week(datetime(2026, 11, 30, 8, 59, tzinfo=UTC), utc) is None
    assert summary_week(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), utc) == "2026-W49"
    assert summary_week(datetime(2026, 12, 6, 23, 0, tzinfo=UTC), utc) == "2026-W49"
    assert summary_week(datetime(2027, 1, 1, 12, 0, tzinfo=UTC), utc) == "2026-W53"
    # 09:00 in New York is 14:00 UTC in winter: 13:59 UTC is still before it.
    assert summary_week(datetime(2026, 11, 30, 13, 59, tzinfo=UTC), new_york) is None
    assert summary_week(datetime(2026, 11, 30, 14, 0, tzinfo=UTC), new_york) == "2026-W49"


async def test_only_manage_server_may_change_the_staff_role(db: Database):
    """A staff-role holder could otherwise make a role every member has the staff role."""
    ctx = make_ctx(db)
    before = await snapshot(db)
    for change in (
        SettingsInput(role=StaffRole(77, everyone=False, managed=False)),
        SettingsInput(unset="staff_role_id"),
    ):
        with pytest.raises(UserError, match="Only members with Manage Server"):
            await change_settings(ctx, ROLE_ONLY, change)
    assert await snapshot(db) == before
    saved = await change_settings(ctx, ROLE_ONLY, SettingsInput(word_limit=80))
    assert saved.changes == {"word_limit": (100, 80)}  # other settings stay theirs to change


async def test_each_server_with_a_channel_is_due_once_a_week(db: Database):
    ctx = make_ctx(db, datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    async with db.transaction() as tx:
        await update_server_settings(tx, GUILD, NOW, digest_channel_id=555)
        await update_server_settings(tx, GUILD + 1, NOW, meeting_minutes=30)  # no channel
    assert await summaries_due(ctx) == []  # Monday before 09:00 UTC

    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    (due,) = await summaries_due(ctx)
    assert (due.guild_id, due.channel_id, due.week) == (GUILD, 555, "2026-W49")
    summary = await claim_summary(ctx, due)
    assert summary is not None
    assert summary.figures.since is not None
    assert summary.figures.since.isoformat() == "2026-11-23"  # the last 7 days
    assert await get_meta(db, f"staff_summary:{GUILD}") == "2026-W49"
    assert await claim_summary(ctx, due) is None  # claimed once
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert await summaries_due(ctx) == []

    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    (due,) = await summaries_due(ctx)
    assert due.week == "2026-W50"
