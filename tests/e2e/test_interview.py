"""/interview end to end: the during-the-meeting checklist and logging the meeting."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.dbquery import DbRow, execute
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
GOOD_FORM = {
    "notes": "Talked about how her team plans releases.",
    "takeaways": "Learn SQL window functions; join the local analytics meetup.",
    "referrals": "Grace Hopper — Navy\n\nAlan Turing at Bletchley Park\n- Katherine Johnson – NASA",
}


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def add_contact(world: World, harness: BotHarness, user, person="Ada Lovelace") -> int:
    ix = await world.emulator.slash(
        user, world.guild, "request new", options={"person": person, "organization": "Acme"}
    )
    await ix.message()
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return row["id"]


async def assert_private_error(ix, *needles: str) -> str:
    message = await ix.message()
    assert message.ephemeral, message
    text = message.text()
    assert text.startswith("⚠️"), text
    for needle in needles:
        assert needle in text, text
    return text


async def open_done(world: World, user, contact_id: int):
    ix = await world.emulator.slash(
        user, world.guild, "interview done", options={"contact": str(contact_id)}
    )
    assert (await ix.response()).type == 9, ix
    return ix


async def submit(world: World, user, opener, form: dict[str, str], *, strict: bool = True):
    return await world.emulator.submit_modal(user, opener, form, strict=strict)


def contact_row(harness: BotHarness, contact_id: int) -> DbRow:
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return row


def events_of(harness: BotHarness, user) -> list[tuple[str, int | None, dict]]:
    rows = query(
        harness.db_path,
        "SELECT kind, contact_id, payload FROM events WHERE user_id = ? ORDER BY id",
        (user.id,),
    )
    return [(r["kind"], r["contact_id"], json.loads(r["payload"])) for r in rows]


# --- /interview checklist -----------------------------------------------------------------------


async def test_commands_are_registered(world: World, harness: BotHarness):
    interview = next(c for c in world.emulator.commands() if c["name"] == "interview")
    assert {o["name"] for o in interview["options"]} == {"checklist", "done"}


async def test_checklist_shows_questions_and_minutes_and_ticking_keeps_them(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "Europe/London"}
    )
    await ix.message()
    contact_id = await add_contact(world, harness, alice)
    ix = await world.emulator.slash(
        alice,
        world.guild,
        "prepare schedule",
        options={"contact": str(contact_id), "date": "2026-12-02", "time": "13:00", "duration": 30},
    )
    await ix.message()
    builder = await (
        await world.emulator.slash(
            alice, world.guild, "prepare questions", options={"contact": str(contact_id)}
        )
    ).message()
    bank = next(s for s in builder.selects() if s["custom_id"].startswith("ic:qb:"))
    picked = await world.emulator.select(
        alice, builder, bank["custom_id"], ["trends-excited", "trends-changes"]
    )
    await picked.message()

    ix = await world.emulator.slash(alice, world.guild, "interview checklist")
    message = await ix.message()
    assert message.ephemeral
    meeting = int(datetime(2026, 12, 2, 13, 0, tzinfo=UTC).timestamp())
    content = message.content
    assert "30 minutes" in content
    assert f"<t:{meeting}:F>" in content
    assert "**1.** What are you most excited about in your industry right now?" in content
    assert "**2.** What trends or changes do you see coming" in content
    assert "During the interview · Ada Lovelace (Acme)" in message.text()
    assert "0/9" in message.text()

    await harness.restart()
    click = await world.emulator.click(alice, message, message.buttons()[2]["custom_id"])
    assert (await click.response()).type == 7
    ticked = await click.message()
    assert ticked.id == message.id
    assert "1/9" in ticked.text()
    assert ticked.content == content  # the questions and minutes survive the tick
    (tick,) = query(
        harness.db_path,
        "SELECT phase, item_id FROM checklist_ticks WHERE contact_id = ?",
        (contact_id,),
    )
    assert (tick["phase"], tick["item_id"]) == ("interview", "listen-more")


async def test_checklist_defaults_to_twenty_minutes_and_says_how_to_add_questions(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice, person="Grace Hopper")
    ix = await world.emulator.slash(
        alice, world.guild, "interview checklist", options={"contact": str(contact_id)}
    )
    message = await ix.message()
    assert "20 minutes" in message.content
    assert "/prepare questions" in message.content
    assert "Grace Hopper" in message.text()


async def test_checklist_with_ten_long_questions_fits_one_message(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    for n in range(10):
        execute(
            harness.db_path,
            "INSERT INTO contact_questions (contact_id, position, category, text)"
            " VALUES (?, ?, 'own', ?)",
            (contact_id, n + 1, f"Q{n} " + "*why*" * 59),
        )
    ix = await world.emulator.slash(alice, world.guild, "interview checklist")
    message = await ix.message()
    assert len(message.content) <= 2000
    assert "**10.** Q9" in message.content
    assert "…" in message.content
    assert "*why*" not in message.content.replace("\\*why\\*", "")  # escaped, not italics


async def test_checklist_without_contacts_says_how_to_add_one(world: World, harness: BotHarness):
    nobody = world.student("nobody")
    ix = await world.emulator.slash(nobody, world.guild, "interview checklist")
    message = await ix.message()
    assert message.ephemeral
    # an empty state, said kindly: no warning sign, and where to start
    assert not message.text().startswith("⚠️")
    assert "that's normal on day one" in message.text()
    assert "/request new" in message.text()


# --- /interview done ----------------------------------------------------------------------------


async def test_done_marks_met_saves_notes_and_creates_linked_referrals(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    zone = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "America/New_York"}
    )
    await zone.message()  # nudges are planned only for students with a time zone
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    assert len(opener.modal["title"]) <= 45
    assert "Ada Lovelace" in opener.modal["title"]
    submitted = await submit(world, alice, opener, GOOD_FORM)
    reply = await submitted.message()
    assert reply.ephemeral
    text = reply.text()
    assert "you met **Ada Lovelace (Acme)**" in text
    assert "Learn SQL window functions" in text
    assert "referred by Ada Lovelace" in text
    assert "Grace Hopper (Navy)" in text
    assert "Katherine Johnson (NASA)" in text
    assert "within 24 hours" in text

    row = contact_row(harness, contact_id)
    assert row["stage"] == "met"
    assert row["met_at"] == "2026-11-25T15:00:00.000000+00:00"
    nudges = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    assert {"thank_you", "referrals"} <= {n["kind"] for n in nudges}
    (notes,) = query(
        harness.db_path, "SELECT * FROM interview_notes WHERE contact_id = ?", (contact_id,)
    )
    assert (notes["notes"], notes["takeaways"]) == (GOOD_FORM["notes"], GOOD_FORM["takeaways"])
    referrals = query(
        harness.db_path,
        "SELECT person, organization, connection, stage, referred_by, guild_id FROM contacts"
        " WHERE user_id = ? AND id != ? ORDER BY id",
        (alice.id, contact_id),
    )
    assert [tuple(r) for r in referrals] == [
        ("Grace Hopper", "Navy", "mutual", "planned", contact_id, world.guild.id),
        ("Alan Turing", "Bletchley Park", "mutual", "planned", contact_id, world.guild.id),
        ("Katherine Johnson", "NASA", "mutual", "planned", contact_id, world.guild.id),
    ]
    logged = [e for e in events_of(harness, alice) if e[1] is not None][1:]
    assert logged[0] == (
        "meeting_logged",
        contact_id,
        {"notes": 1, "takeaways": 1, "referrals": 3},
    )
    # Each referral joins its employer, new on the list and unscored (issue 11).
    linked = query(
        harness.db_path,
        "SELECT c.id, e.id AS employer_id, e.name FROM contacts c"
        " JOIN employers e ON e.id = c.employer_id WHERE c.referred_by = ? ORDER BY c.id",
        (contact_id,),
    )
    assert [r["name"] for r in linked] == ["Navy", "Bletchley Park", "NASA"]
    expected = []
    for r in linked:
        expected += [
            ("contact_added", r["id"], {"referred_by": contact_id}),
            (
                "employer_added",
                r["id"],
                {"employer_id": r["employer_id"], "scored": False, "source": "contact"},
            ),
        ]
    assert logged[1:] == expected


async def test_done_from_a_scheduled_meeting_without_notes_or_referrals(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "UTC"}
    )
    await ix.message()
    contact_id = await add_contact(world, harness, alice)
    ix = await world.emulator.slash(
        alice,
        world.guild,
        "prepare schedule",
        options={"contact": str(contact_id), "date": "2026-11-26", "time": "09:00"},
    )
    await ix.message()
    harness.clock.set(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    opener = await open_done(world, alice, contact_id)
    reply = await (await submit(world, alice, opener, {"takeaways": "Ask about data."})).message()
    assert "referred by" not in reply.text()
    row = contact_row(harness, contact_id)
    assert (row["stage"], row["met_at"]) == ("met", "2026-11-26T09:30:00.000000+00:00")
    assert row["meeting_at"] == "2026-11-26T09:00:00.000000+00:00"  # kept
    (notes,) = query(
        harness.db_path, "SELECT * FROM interview_notes WHERE contact_id = ?", (contact_id,)
    )
    assert notes["notes"] is None
    assert notes["takeaways"] == "Ask about data."


@pytest.mark.parametrize(
    ("form", "needles"),
    [
        ({"notes": "n" * 1001, "takeaways": "ok"}, ("notes are 1001 characters", "1000")),
        ({"takeaways": "t" * 1001}, ("takeaways are 1001 characters",)),
        ({"takeaways": "ok", "referrals": "r" * 1001}, ("referrals are 1001 characters",)),
        ({"takeaways": "   "}, ("takeaways can't be empty",)),
    ],
)
async def test_done_refuses_bad_input_and_changes_nothing(
    world: World, harness: BotHarness, form, needles
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    before = database_snapshot(harness.db_path)
    # strict=False: Discord's client stops at 1,000 characters and empty required inputs.
    submitted = await submit(world, alice, opener, form, strict=False)
    await assert_private_error(submitted, *needles)
    assert database_snapshot(harness.db_path) == before


async def test_done_logs_the_form_and_lists_the_referral_lines_it_skipped(
    world: World, harness: BotHarness
):
    """Regression: one referral line without an organization threw away the notes and
    takeaways too. Now the meeting is logged and each skipped line is shown back as typed."""
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    form = {
        "notes": "Long chat.",
        "takeaways": "Learn SQL.",
        "referrals": "Grace Hopper — Navy\nAlan Turing\n"
        + "\n".join(f"Person {n} — Org {n}" for n in range(10)),
    }
    text = (await (await submit(world, alice, opener, form)).message()).text()
    assert not text.startswith("⚠️")
    assert "Logged: you met **Ada Lovelace (Acme)**" in text
    assert "Added 10 new contacts" in text
    assert (
        "⚠️ These 2 referrals were not added (the meeting, your notes and the other referrals "
        "are saved):\n"
        "• “Alan Turing”: it has no organization (write “Name — Organization”). Add it later "
        "with `/request new person:Alan Turing organization:<where they work>`.\n"
        "• “Person 9 — Org 9”: one meeting adds at most 10 referrals. Add it later with "
        "`/request new person:Person 9 organization:Org 9`.\n"
        "Next: send a thank-you"
    ) in text
    assert contact_row(harness, contact_id)["stage"] == "met"
    (notes,) = query(
        harness.db_path, "SELECT * FROM interview_notes WHERE contact_id = ?", (contact_id,)
    )
    assert (notes["notes"], notes["takeaways"]) == ("Long chat.", "Learn SQL.")


async def test_a_referral_already_in_the_contacts_is_linked_and_said_so(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    alex = await add_contact(world, harness, alice, "Alex Kim")
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    form = {"takeaways": "Learn SQL.", "referrals": "Alex Kim — ACME\nAda Lovelace — Acme"}
    text = (await (await submit(world, alice, opener, form)).message()).text()
    assert (
        "Already in your contacts, now marked as suggested by Ada Lovelace (name them in your "
        "first line):\n• Alex Kim (Acme)"
    ) in text
    assert "• “Ada Lovelace — Acme”: Ada Lovelace at Acme is the person you met.\n" in text
    assert "Added" not in text
    assert contact_row(harness, alex)["referred_by"] == contact_id


async def test_hundreds_of_skipped_referral_lines_still_fit_one_message(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    form = {"takeaways": "t" * 1000, "referrals": "\n".join(["x"] * 500)}
    message = await (await submit(world, alice, opener, form)).message()
    text = message.text()
    assert len(message.content) <= 2000
    assert "These 500 referrals were not added" in text
    assert "more lines not added: add them with `/request new`." in text
    assert contact_row(harness, contact_id)["stage"] == "met"


async def test_each_takeaway_line_is_its_own_quote_line(world: World, harness: BotHarness):
    """Regression: multi-line takeaways ran together in one quote line."""
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    opener = await open_done(world, alice, contact_id)
    form = {"takeaways": "- Learn SQL window functions\n\n- Join the *local* meetup\nRead"}
    text = (await (await submit(world, alice, opener, form)).message()).content
    assert (
        "saved.\n> \\- Learn SQL window functions\n> \\- Join the \\*local\\* meetup\n> Read\n"
        in text
    ), text


async def test_done_twice_is_refused(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    first = await open_done(world, alice, contact_id)
    second = await open_done(world, alice, contact_id)  # two forms open at once
    await (await submit(world, alice, first, GOOD_FORM)).message()
    before = database_snapshot(harness.db_path)
    late = await submit(world, alice, second, GOOD_FORM)
    await assert_private_error(late, "already at “met”")
    again = await world.emulator.slash(
        alice, world.guild, "interview done", options={"contact": str(contact_id)}
    )
    await assert_private_error(again, "already at “met”")
    assert database_snapshot(harness.db_path) == before
    assert (
        len(query(harness.db_path, "SELECT id FROM contacts WHERE referred_by = ?", (contact_id,)))
        == 3
    )


async def test_done_refuses_closed_and_later_contacts(world: World, harness: BotHarness):
    alice = world.student("alice")
    closed = await add_contact(world, harness, alice, person="Closed One")
    thanked = await add_contact(world, harness, alice, person="Thanked One")
    execute(
        harness.db_path,
        "UPDATE contacts SET stage = 'closed', stage_before_close = 'requested' WHERE id = ?",
        (closed,),
    )
    execute(harness.db_path, "UPDATE contacts SET stage = 'thanked' WHERE id = ?", (thanked,))
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "interview done", options={"contact": str(closed)}
    )
    await assert_private_error(ix, "closed", "Reopen")
    ix = await world.emulator.slash(
        alice, world.guild, "interview done", options={"contact": str(thanked)}
    )
    await assert_private_error(ix, "don't move backwards")
    assert database_snapshot(harness.db_path) == before


async def test_done_for_someone_elses_contact_is_refused(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    bobs = await add_contact(world, harness, bob)
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "interview done", options={"contact": str(bobs)}
    )
    await assert_private_error(ix, "couldn't find that contact")
    assert database_snapshot(harness.db_path) == before
