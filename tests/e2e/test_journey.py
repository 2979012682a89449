"""One student carries one contact from "planned" to "keeping in touch", entirely in Discord,
with the stage, the stored timestamps and the planned nudges checked after every step."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query


def contact_row(harness: BotHarness, contact_id: int):
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return row


def live_nudges(harness: BotHarness, contact_id: int) -> set[str]:
    rows = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {r["kind"] for r in rows}


async def run(world: World, user, command: str, **options):
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert message.ephemeral, message
    assert "⚠️" not in message.text(), message.text()
    return ix, message


async def test_a_whole_journey_for_one_contact(world: World, harness: BotHarness):
    emu, clock = world.emulator, harness.clock
    sam = world.student("sam")
    clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # Monday 09:00 in New York

    await run(world, sam, "settings timezone", name="America/New_York")
    await run(
        world, sam, "request new", person="Lee Chen", organization="Globex", connection="alumni"
    )
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (sam.id,))
    cid = str(row["id"])
    assert contact_row(harness, row["id"])["stage"] == "planned"
    assert live_nudges(harness, row["id"]) == set()

    # Phase 1: the request goes out Monday morning; 3B7 nudges are planned.
    await run(world, sam, "request sent", contact=cid)
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["requested_at"]) == ("requested", "2026-11-23T14:00:00.000000+00:00")
    assert (c["second_contact_on"], c["follow_up_on"]) == ("2026-11-26", "2026-12-02")
    assert live_nudges(harness, row["id"]) == {"second_contact", "follow_up"}

    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    _, reply = await run(world, sam, "request reply", contact=cid)
    assert "booster" in reply.text()
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["reply_class"]) == ("replied", "booster")
    assert c["replied_at"] == "2026-11-24T15:00:00.000000+00:00"
    # The reply stopped 3B7 and started "offer two or three times" (Wednesday, then Friday).
    assert live_nudges(harness, row["id"]) == {"schedule", "schedule_again"}

    # Phase 2: schedule the meeting for Friday 10:00 New York.
    await run(world, sam, "prepare schedule", contact=cid, date="2026-12-04", time="10:00")
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["meeting_at"], c["meeting_tz"], c["meeting_minutes"]) == (
        "scheduled",
        "2026-12-04T15:00:00.000000+00:00",
        "America/New_York",
        20,
    )
    assert c["scheduled_at"] == "2026-11-24T15:00:00.000000+00:00"
    assert live_nudges(harness, row["id"]) == {"prepare", "confirm", "top_questions"}

    # Phase 3: the meeting happens; one referral comes out of it.
    clock.set(datetime(2026, 12, 4, 15, 40, tzinfo=UTC))
    ix = await emu.slash(sam, world.guild, "interview done", options={"contact": cid})
    assert (await ix.response()).type == 9
    submitted = await emu.submit_modal(
        sam,
        ix,
        {
            "notes": "Talked about analytics careers.",
            "takeaways": "Learn SQL window functions",
            "referrals": "Priya Patel — Initech",
        },
    )
    assert "⚠️" not in (await submitted.message()).text()
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["met_at"]) == ("met", "2026-12-04T15:40:00.000000+00:00")
    (referral,) = query(
        harness.db_path, "SELECT * FROM contacts WHERE referred_by = ?", (row["id"],)
    )
    assert (referral["person"], referral["organization"], referral["stage"]) == (
        "Priya Patel",
        "Initech",
        "planned",
    )
    assert {"thank_you", "thank_you_again", "referrals", "report_back"} <= live_nudges(
        harness, row["id"]
    )

    # Phase 4: thank-you the same evening, report back two weeks later, keep in touch.
    _, outline = await run(world, sam, "followup thank-you", contact=cid)
    assert "SQL window functions" in outline.text()
    clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    await run(world, sam, "followup thanked", contact=cid)
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["thanked_at"]) == ("thanked", "2026-12-04T23:00:00.000000+00:00")
    assert not {"thank_you", "thank_you_again"} & live_nudges(harness, row["id"])

    clock.set(datetime(2026, 12, 18, 16, 0, tzinfo=UTC))
    await run(world, sam, "followup reported-back", contact=cid)
    c = contact_row(harness, row["id"])
    assert c["reported_back_at"] == "2026-12-18T16:00:00.000000+00:00"
    assert "report_back" not in live_nudges(harness, row["id"])

    clock.set(datetime(2027, 2, 1, 16, 0, tzinfo=UTC))
    await run(world, sam, "followup kept-in-touch", contact=cid)
    c = contact_row(harness, row["id"])
    assert (c["stage"], c["kept_in_touch_at"]) == (
        "keeping_in_touch",
        "2027-02-01T16:00:00.000000+00:00",
    )
    assert "keep_warm" in live_nudges(harness, row["id"])  # a booster: about every 120 days

    _, overview = await run(world, sam, "progress")
    assert "Lee Chen" in overview.text()
    assert "Priya Patel" in overview.text()
    assert "next reminder" in overview.text()  # the soonest pending nudge is shown

    kinds = [
        r["kind"]
        for r in query(
            harness.db_path,
            "SELECT kind FROM events WHERE contact_id = ? ORDER BY id",
            (row["id"],),
        )
    ]
    for expected in (
        "contact_added",
        "request_sent",
        "reply_logged",
        "thanked",
        "reported_back",
        "kept_in_touch",
    ):
        assert expected in kinds
