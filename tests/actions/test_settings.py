"""Settings actions against a real migrated SQLite file: rows, events and re-planned nudges."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.request import log_request_sent
from bot.actions.settings import (
    known_zone,
    set_digest_day,
    set_nudges,
    set_quiet_hours,
    set_timezone,
    show_settings,
)
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.errors import UserError
from bot.storage.contacts import set_nudges_stopped
from bot.storage.database import Database

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database) -> ActionContext:
    content = _content()
    return ActionContext(db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None))


async def student_row(db: Database, who: StudentKey) -> dict[str, object] | None:
    row = await db.fetch_one(
        "SELECT timezone, quiet_start, quiet_end, nudges_enabled, digest_day, share_with_staff"
        " FROM students WHERE guild_id = ? AND user_id = ?",
        (who.guild_id, who.user_id),
    )
    return None if row is None else dict(row)


async def events(db: Database, who: StudentKey) -> list[tuple[str, dict[str, object]]]:
    rows = await db.fetch_all(
        "SELECT kind, payload FROM events WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (who.guild_id, who.user_id),
    )
    return [(row["kind"], json.loads(row["payload"])) for row in rows]


async def pending(db: Database, who: StudentKey) -> dict[str, datetime]:
    """Pending nudges by kind (one contact in these tests), due times as aware UTC."""
    rows = await db.fetch_all(
        "SELECT kind, due_at FROM nudges WHERE guild_id = ? AND user_id = ?"
        " AND status = 'pending' ORDER BY kind",
        (who.guild_id, who.user_id),
    )
    return {row["kind"]: datetime.fromisoformat(row["due_at"]) for row in rows}


async def stopped(db: Database, contact_id: int) -> int:
    return int(
        await db.fetch_value("SELECT nudges_stopped FROM contacts WHERE id = ?", (contact_id,))
    )


async def requested_contact(ctx: ActionContext, who: StudentKey) -> int:
    """A contact whose request went out today (3B and 7B reminders planned)."""
    contact = await add_new_contact(ctx, who, NewContact("Ada Lovelace", "Acme"))
    await log_request_sent(ctx, who, contact.id)
    return contact.id


def local(instant: datetime, zone: str) -> tuple[date, time]:
    shown = instant.astimezone(ZoneInfo(zone))
    return shown.date(), shown.time()


async def test_set_timezone_stores_it_logs_it_and_replans_in_the_new_zone(db: Database):
    ctx = make_ctx(db)
    first = await set_timezone(ctx, ALICE, " America/New_York ")
    assert first.zone == ZoneInfo("America/New_York")
    assert first.now == NOW
    await requested_contact(ctx, ALICE)
    before = await pending(db, ALICE)
    assert set(before) == {"digest", "follow_up", "second_contact"}
    assert all(local(due, "America/New_York")[1] == time(9, 0) for due in before.values())

    result = await set_timezone(ctx, ALICE, "Asia/Tokyo")

    assert result.zone.key == "Asia/Tokyo"
    assert (await student_row(db, ALICE))["timezone"] == "Asia/Tokyo"
    after = await pending(db, ALICE)
    assert set(after) == set(before)
    for kind, due in after.items():
        # Same local days (the 3B7 dates are kept), now at 09:00 in Tokyo.
        assert local(due, "Asia/Tokyo") == (local(before[kind], "America/New_York")[0], time(9))
    assert local(after["digest"], "Asia/Tokyo")[0].weekday() == 0  # Monday, the default
    kinds = [kind for kind, _ in await events(db, ALICE)]
    assert kinds == ["timezone_set", "contact_added", "request_sent", "timezone_set"]
    assert (await events(db, ALICE))[-1][1] == {"timezone": "Asia/Tokyo"}
    assert await known_zone(ctx, ALICE) == ZoneInfo("Asia/Tokyo")
    assert await known_zone(ctx, ALICE_ELSEWHERE) is None  # each server has its own


async def test_an_unknown_time_zone_is_refused_and_nothing_is_stored(db: Database):
    ctx = make_ctx(db)
    with pytest.raises(UserError, match="isn't a time zone I know"):
        await set_timezone(ctx, ALICE, "Mars/Olympus_Mons")
    assert await student_row(db, ALICE) is None
    assert await events(db, ALICE) == []
    assert await known_zone(ctx, ALICE) is None


async def test_quiet_hours_are_stored_logged_and_move_reminders_past_them(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    await requested_contact(ctx, ALICE)

    saved = await set_quiet_hours(ctx, ALICE, "06:30", "10:15")

    assert (saved.quiet_start, saved.quiet_end) == (time(6, 30), time(10, 15))
    row = await student_row(db, ALICE)
    assert (row["quiet_start"], row["quiet_end"]) == ("06:30", "10:15")
    assert (await events(db, ALICE))[-1] == ("quiet_hours_set", {"start": "06:30", "end": "10:15"})
    due = await pending(db, ALICE)
    assert set(due) == {"digest", "follow_up", "second_contact"}
    assert all(local(d, "Europe/Berlin")[1] == time(10, 15) for d in due.values())


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("22:00", "22:00", "can't start and end at the same time"),
        ("25:00", "07:00", "isn't a time I can read"),
    ],
)
async def test_bad_quiet_hours_change_nothing(db: Database, start: str, end: str, message: str):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    await requested_contact(ctx, ALICE)
    row, logged, due = (
        await student_row(db, ALICE),
        await events(db, ALICE),
        await pending(db, ALICE),
    )

    with pytest.raises(UserError, match=message):
        await set_quiet_hours(ctx, ALICE, start, end)

    assert await student_row(db, ALICE) == row
    assert await events(db, ALICE) == logged
    assert await pending(db, ALICE) == due


async def test_quiet_hours_before_a_time_zone_create_the_student_and_plan_nothing(db: Database):
    ctx = make_ctx(db)
    saved = await set_quiet_hours(ctx, ALICE, "22:00", "07:00")
    assert saved.timezone is None  # the cog adds the "set your time zone" hint
    assert (await student_row(db, ALICE))["quiet_start"] == "22:00"
    assert await pending(db, ALICE) == {}


async def test_nudges_off_cancels_everything_and_on_also_resumes_stopped_contacts(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    contact_id = await requested_contact(ctx, ALICE)

    off = await set_nudges(ctx, ALICE, False)

    assert off.nudges_enabled is False
    assert (await student_row(db, ALICE))["nudges_enabled"] == 0
    assert await pending(db, ALICE) == {}
    assert (await events(db, ALICE))[-1] == ("nudges_toggled", {"enabled": False})

    async with db.transaction() as tx:  # Stop pressed on the contact's reminder meanwhile
        await set_nudges_stopped(tx, contact_id, True, NOW)
    on = await set_nudges(ctx, ALICE, True)

    assert on.nudges_enabled is True
    assert await stopped(db, contact_id) == 0
    assert set(await pending(db, ALICE)) == {"digest", "follow_up", "second_contact"}
    assert (await events(db, ALICE))[-1] == ("nudges_toggled", {"enabled": True})


async def test_nudges_off_leaves_a_stopped_contact_stopped(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    contact_id = await requested_contact(ctx, ALICE)
    async with db.transaction() as tx:
        await set_nudges_stopped(tx, contact_id, True, NOW)
    await set_nudges(ctx, ALICE, False)
    assert await stopped(db, contact_id) == 1


async def test_digest_day_moves_the_digest_and_off_cancels_it(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")

    friday = await set_digest_day(ctx, ALICE, 4)

    assert friday.digest_day == 4
    assert (await student_row(db, ALICE))["digest_day"] == 4
    due = (await pending(db, ALICE))["digest"]
    assert local(due, "Europe/Berlin") == (date(2026, 3, 6), time(9, 0))
    assert (await events(db, ALICE))[-1] == ("digest_day_set", {"day": 4})

    off = await set_digest_day(ctx, ALICE, None)

    assert off.digest_day is None
    assert (await student_row(db, ALICE))["digest_day"] is None
    assert await pending(db, ALICE) == {}
    assert (await events(db, ALICE))[-1] == ("digest_day_set", {"day": None})


@pytest.mark.parametrize("day", [-1, 7])
async def test_a_digest_day_outside_the_week_is_refused(db: Database, day: int):
    ctx = make_ctx(db)
    with pytest.raises(UserError, match="day of the week"):
        await set_digest_day(ctx, ALICE, day)
    assert await student_row(db, ALICE) is None
    assert await events(db, ALICE) == []


async def test_settings_in_one_server_leave_the_other_alone(db: Database):
    ctx = make_ctx(db)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    await set_timezone(ctx, ALICE_ELSEWHERE, "Asia/Tokyo")
    await requested_contact(ctx, ALICE_ELSEWHERE)
    elsewhere = await pending(db, ALICE_ELSEWHERE)

    await set_nudges(ctx, ALICE, False)

    assert (await student_row(db, ALICE_ELSEWHERE))["nudges_enabled"] == 1
    assert await pending(db, ALICE_ELSEWHERE) == elsewhere


async def test_show_settings_reads_without_creating_anything(db: Database):
    ctx = make_ctx(db)
    shown = await show_settings(ctx, ALICE)
    assert shown.timezone is None
    assert (shown.quiet_start, shown.quiet_end) == (time(21, 0), time(8, 0))
    assert shown.nudges_enabled
    assert shown.digest_day == 0
    assert not shown.share_with_staff
    assert shown.now == NOW
    assert await student_row(db, ALICE) is None

    await set_timezone(ctx, ALICE, "Europe/Berlin")
    await set_digest_day(ctx, ALICE, None)
    shown = await show_settings(ctx, ALICE)
    assert (shown.timezone, shown.digest_day) == ("Europe/Berlin", None)
