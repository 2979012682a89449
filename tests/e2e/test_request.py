"""/request end to end: the real bot, a real SQLite file, the local Discord emulator."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

EPHEMERAL = 64
GOOD_EMAIL = (
    "Dear Ms. Lee,\n\nI'm a fellow Acme University alum and found your profile in the alumni "
    "directory. Your work on supply-chain analytics at Globex caught my eye, and I'd love to "
    "learn how you got into the field. Would you have 15 minutes to share your experience?\n\n"
    "Best,\nSam"
)


async def add_contact(world: World, user, person="Ada Lovelace", organization="Acme", **extra):
    options = {"person": person, "organization": organization, **extra}
    ix = await world.emulator.slash(user, world.guild, "request new", options=options)
    return await ix.message()


async def set_zone(world: World, user, zone="America/New_York"):
    ix = await world.emulator.slash(user, world.guild, "settings timezone", options={"name": zone})
    return await ix.message()


def contact_ids(harness: BotHarness, user) -> list[int]:
    rows = query(
        harness.db_path, "SELECT id FROM contacts WHERE user_id = ? ORDER BY id", (user.id,)
    )
    return [row["id"] for row in rows]


async def assert_private_error(ix, *needles: str) -> str:
    message = await ix.message()
    assert message.ephemeral, message
    text = message.text()
    for needle in needles:
        assert needle in text, text
    return text


# --- registration -----------------------------------------------------------------------------


async def test_commands_are_registered_once_and_not_again_after_an_unchanged_restart(
    world: World, harness: BotHarness
):
    emu = world.emulator
    names = {c["name"] for c in emu.commands()}
    assert {"request", "settings"} <= names
    request = next(c for c in emu.commands() if c["name"] == "request")
    assert {o["name"] for o in request["options"]} == {
        "new",
        "checklist",
        "check-email",
        "sent",
        "reply",
        "followed-up",
    }
    assert emu.sync_calls() == 1
    await harness.restart()
    assert emu.sync_calls() == 1


async def test_no_two_commands_share_a_name(world: World, harness: BotHarness):
    names = [c["name"] for c in world.emulator.commands()]
    assert len(names) == len(set(names))
    for command in world.emulator.commands():
        subs = [o["name"] for o in command.get("options", []) if o.get("type") in (1, 2)]
        assert len(subs) == len(set(subs)), command["name"]


# --- /request new -----------------------------------------------------------------------------


async def test_new_contact_is_stored_and_shows_the_checklist(world: World, harness: BotHarness):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice,
        world.guild,
        "request new",
        options={
            "person": "Ada Lovelace",
            "organization": "Acme",
            "role": "Analyst",
            "connection": "alumni",
        },
    )
    response = await ix.response()
    assert ix.response_time < 3
    assert response.type == 4
    message = await ix.message()
    assert message.flags & EPHEMERAL
    text = message.text()
    assert "Ada Lovelace (Acme)" in text
    assert "Making a request" in text
    assert "0/8" in text
    assert len(message.buttons()) == 8
    # Search-wide steps live on the /progress overview, not on each contact's checklist.
    assert "LAMP" not in text
    assert "ticks itself when you log it with `/request sent`" in text
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE user_id = ?", (alice.id,))
    assert (row["person"], row["organization"], row["role"], row["connection"], row["stage"]) == (
        "Ada Lovelace",
        "Acme",
        "Analyst",
        "alumni",
        "planned",
    )
    assert row["guild_id"] == world.guild.id
    (event,) = query(harness.db_path, "SELECT kind FROM events WHERE user_id = ?", (alice.id,))
    assert event["kind"] == "contact_added"


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"person": "x" * 101, "organization": "Acme"}, "101 characters"),
        ({"person": "Ada", "organization": "   "}, "organization can't be empty"),
        ({"person": "Ada", "organization": "Acme", "role": "r" * 150}, "the most is 100"),
        ({"person": "\u200b\u200b", "organization": "Acme"}, "can't be empty"),
    ],
)
async def test_new_contact_rejects_bad_text_and_changes_nothing(
    world: World, harness: BotHarness, options, needle
):
    alice = world.student("alice")
    before = database_snapshot(harness.db_path)
    # strict=False: a modified client can send what Discord's own client would not.
    ix = await world.emulator.slash(
        alice, world.guild, "request new", options=options, strict=False
    )
    await assert_private_error(ix, needle)
    assert database_snapshot(harness.db_path) == before


async def test_new_contact_the_student_already_has_is_refused_and_named(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    options = {"person": "Alex Kim", "organization": "Globex"}
    await (await world.emulator.slash(alice, world.guild, "request new", options=options)).message()
    before = database_snapshot(harness.db_path)
    again = {"person": "  alex   KIM ", "organization": "globex"}
    ix = await world.emulator.slash(alice, world.guild, "request new", options=again)
    text = await assert_private_error(
        ix,
        "You already have **Alex Kim** at Globex (planned), so I didn't add them again. When "
        "your email to them is out, pick them from the list as you type in `/request sent`.",
        "Nothing was added.",
    )
    assert "Added" not in text
    assert database_snapshot(harness.db_path) == before


async def test_user_text_never_pings_anyone(world: World, harness: BotHarness):
    alice = world.student("alice")
    message = await add_contact(world, alice, person="@everyone", organization="<@&123> @here")
    assert message.allowed_mentions is not None
    assert message.allowed_mentions.get("parse") == []
    assert not message.allowed_mentions.get("users")
    assert not message.allowed_mentions.get("roles")
    (row,) = query(harness.db_path, "SELECT person FROM contacts WHERE user_id = ?", (alice.id,))
    assert row["person"] == "@everyone"  # stored verbatim


# --- checklists -------------------------------------------------------------------------------


async def test_ticking_updates_the_same_message_in_place(world: World, harness: BotHarness):
    alice = world.student("alice")
    message = await add_contact(world, alice)
    first = message.buttons()[0]
    click = await world.emulator.click(alice, message, first["custom_id"])
    assert (await click.response()).type == 7
    updated = await click.message()
    assert updated.id == message.id
    assert "1/8" in updated.text()
    assert updated.buttons()[0]["style"] == 3  # success: ticked
    (contact_id,) = contact_ids(harness, alice)
    ticks = query(
        harness.db_path, "SELECT item_id FROM checklist_ticks WHERE contact_id = ?", (contact_id,)
    )
    assert [t["item_id"] for t in ticks] == ["draft-email"]

    again = await world.emulator.click(alice, updated, first["custom_id"])
    assert "0/8" in (await again.message()).text()
    assert (
        query(harness.db_path, "SELECT * FROM checklist_ticks WHERE contact_id = ?", (contact_id,))
        == []
    )


async def test_another_student_cannot_tick_my_checklist(world: World, harness: BotHarness):
    alice, mallory = world.student("alice"), world.student("mallory")
    message = await add_contact(world, alice)
    before = database_snapshot(harness.db_path)
    click = await world.emulator.click(
        mallory, message, message.buttons()[0]["custom_id"], strict=False
    )
    await assert_private_error(click, "belongs to someone else")
    assert database_snapshot(harness.db_path) == before
    assert "0/8" in message.text()


async def test_checklist_defaults_to_the_most_recent_contact(world: World, harness: BotHarness):
    alice = world.student("alice")
    await add_contact(world, alice, person="First Person")
    await add_contact(world, alice, person="Second Person")
    ix = await world.emulator.slash(alice, world.guild, "request checklist")
    message = await ix.message()
    assert message.ephemeral
    assert "Second Person" in message.text()


async def test_checklist_without_contacts_says_how_to_add_one(world: World, harness: BotHarness):
    nobody = world.student("nobody")
    ix = await world.emulator.slash(nobody, world.guild, "request checklist")
    await assert_private_error(ix, "/request new")


async def test_checklist_buttons_work_after_a_restart(world: World, harness: BotHarness):
    alice = world.student("alice")
    await add_contact(world, alice)
    ix = await world.emulator.slash(alice, world.guild, "request checklist")
    rendered = await ix.message()
    await harness.restart()
    click = await world.emulator.click(alice, rendered, rendered.buttons()[2]["custom_id"])
    assert (await click.response()).type == 7
    assert "1/8" in (await click.message()).text()


# --- contact option ---------------------------------------------------------------------------


async def test_autocomplete_offers_only_my_contacts_in_this_server(
    world: World, harness: BotHarness
):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    await add_contact(world, alice, person="Ada", organization="Initech")
    await add_contact(world, alice, person="Grace", organization="Hooli")
    await add_contact(world, bob, person="Bob's Contact", organization="Initech")
    other = await world.emulator.slash(
        alice,
        world.other_guild,
        "request new",
        options={"person": "Elsewhere", "organization": "Initech"},
    )
    await other.message()

    choices = await world.emulator.autocomplete(
        alice, world.guild, "request sent", options={"contact": "initech"}, focused="contact"
    )
    assert [c["name"] for c in choices] == ["Ada — Initech · planned"]
    everything = await world.emulator.autocomplete(
        alice, world.guild, "request sent", options={"contact": ""}, focused="contact"
    )
    assert {c["name"].split(" — ")[0] for c in everything} == {"Ada", "Grace"}


async def test_unknown_or_foreign_contact_is_refused(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    await set_zone(world, alice)
    await add_contact(world, bob)
    (bobs_contact,) = contact_ids(harness, bob)
    before = database_snapshot(harness.db_path)
    for value in (str(bobs_contact), "999999", "Nobody Known"):
        ix = await world.emulator.slash(
            alice, world.guild, "request sent", options={"contact": value}
        )
        await assert_private_error(ix, "couldn't find that contact")
    assert database_snapshot(harness.db_path) == before


# --- time zone --------------------------------------------------------------------------------


async def test_dated_command_without_a_zone_asks_for_one_and_records_nothing(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await add_contact(world, alice)
    (contact_id,) = contact_ids(harness, alice)
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(contact_id)}
    )
    prompt = await ix.message()
    assert prompt.ephemeral
    assert "time zone" in prompt.text()
    assert database_snapshot(harness.db_path) == before

    (select,) = prompt.selects()
    picked = await world.emulator.select(
        alice, prompt, select["custom_id"], values=["Europe/Berlin"]
    )
    assert "Europe/Berlin" in (await picked.message()).text()
    (row,) = query(harness.db_path, "SELECT timezone FROM students WHERE user_id = ?", (alice.id,))
    assert row["timezone"] == "Europe/Berlin"


async def test_timezone_autocomplete_and_validation(world: World, harness: BotHarness):
    alice = world.student("alice")
    choices = await world.emulator.autocomplete(
        alice, world.guild, "settings timezone", options={"name": "new_y"}, focused="name"
    )
    assert choices[0]["value"] == "America/New_York"
    assert (
        len(
            await world.emulator.autocomplete(
                alice, world.guild, "settings timezone", options={"name": ""}, focused="name"
            )
        )
        == 20  # the popular zones (bot.domain.zone_search.POPULAR_ZONES)
    )
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "Mars/Olympus"}
    )
    await assert_private_error(ix, "isn't a time zone or city I know", "e.g. Boston")
    assert database_snapshot(harness.db_path) == before


# --- /request sent and reply (3B7) -------------------------------------------------------------


async def test_friday_afternoon_send_counts_from_monday(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    await add_contact(world, alice)
    (contact_id,) = contact_ids(harness, alice)
    harness.clock.set(datetime(2026, 11, 27, 19, 30, tzinfo=UTC))  # Friday 14:30 in New York
    ix = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(contact_id)}
    )
    message = await ix.message()
    assert message.ephemeral
    assert "Thursday 3 December 2026" in message.text()
    assert "Wednesday 9 December 2026" in message.text()
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    assert row["stage"] == "requested"
    assert row["requested_at"] == "2026-11-27T19:30:00.000000+00:00"
    assert row["requested_tz"] == "America/New_York"
    assert (row["count_from"], row["second_contact_on"], row["follow_up_on"]) == (
        "2026-11-30",
        "2026-12-03",
        "2026-12-09",
    )
    kinds = [
        r["kind"]
        for r in query(
            harness.db_path,
            "SELECT kind FROM events WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        )
    ]
    assert kinds == ["contact_added", "request_sent"]


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("2026-02-30", "isn't a real calendar date"),
        ("a week ago tuesday", "isn't a date I can read"),
        ("2026-12-25", "in the future"),
        ("2024-01-02", "more than a year ago"),
    ],
)
async def test_sent_rejects_bad_dates_and_changes_nothing(
    world: World, harness: BotHarness, value, needle
):
    alice = world.student("alice")
    await set_zone(world, alice)
    await add_contact(world, alice)
    (contact_id,) = contact_ids(harness, alice)
    harness.clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(contact_id), "date": value}
    )
    await assert_private_error(ix, needle)
    assert database_snapshot(harness.db_path) == before


async def test_reply_within_three_business_days_is_a_booster_later_an_obligate(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice, "Europe/Berlin")
    await add_contact(world, alice, person="Quick Replier")
    await add_contact(world, alice, person="Slow Replier")
    quick, slow = contact_ids(harness, alice)
    harness.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # today: Friday 20 Nov, Berlin
    for cid in (quick, slow):
        ix = await world.emulator.slash(
            alice, world.guild, "request sent", options={"contact": str(cid), "date": "2026-11-16"}
        )
        await ix.message()  # Monday 16 → day 3 is Thursday 19
    ix = await world.emulator.slash(
        alice, world.guild, "request reply", options={"contact": str(quick), "date": "2026-11-19"}
    )
    assert "booster" in (await ix.message()).text()
    ix = await world.emulator.slash(
        alice, world.guild, "request reply", options={"contact": str(slow), "date": "2026-11-20"}
    )
    assert "obligate" in (await ix.message()).text()
    rows = query(
        harness.db_path,
        "SELECT id, stage, reply_class, replied_on FROM contacts WHERE user_id = ? ORDER BY id",
        (alice.id,),
    )
    assert [(r["stage"], r["reply_class"], r["replied_on"]) for r in rows] == [
        ("replied", "booster", "2026-11-19"),
        ("replied", "obligate", "2026-11-20"),
    ]

    before = database_snapshot(harness.db_path)
    again = await world.emulator.slash(
        alice, world.guild, "request reply", options={"contact": str(quick)}
    )
    await assert_private_error(again, "already at “replied”")
    backwards = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(quick)}
    )
    await assert_private_error(backwards, "don't move backwards")
    assert database_snapshot(harness.db_path) == before


async def test_reply_needs_a_logged_request_and_a_date_after_it(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice)
    await add_contact(world, alice)
    (cid,) = contact_ids(harness, alice)
    harness.clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "request reply", options={"contact": str(cid)}
    )
    await assert_private_error(ix, "/request sent")
    assert database_snapshot(harness.db_path) == before

    sent = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(cid), "date": "2026-11-18"}
    )
    await sent.message()
    before = database_snapshot(harness.db_path)
    early = await world.emulator.slash(
        alice, world.guild, "request reply", options={"contact": str(cid), "date": "2026-11-17"}
    )
    await assert_private_error(early, "before the request went out")
    assert database_snapshot(harness.db_path) == before


# --- /request check-email ---------------------------------------------------------------------


async def test_check_email_gives_a_verdict_per_rule(world: World, harness: BotHarness):
    alice = world.student("alice")
    ix = await world.emulator.slash(alice, world.guild, "request check-email")
    assert (await ix.response()).type == 9
    submitted = await world.emulator.submit_modal(alice, ix, {"draft": GOOD_EMAIL})
    verdict = await submitted.message()
    assert verdict.ephemeral
    assert "7 of 7 rules pass" in verdict.text()
    assert "Interest stated broadly" in verdict.text()
    assert "You keep control of the follow-up" in verdict.text()
    footer = verdict.embeds[0]["footer"]["text"]
    assert footer.endswith("All rules pass: send it yourself, then log it with /request sent.")
    assert "Fix what failed" not in footer

    bad = (
        "Hello, I am looking for a job or an internship at your company. I have attached my "
        "resume. " + "I really want this. " * 30 + "Thanks, Sam"
    )
    ix = await world.emulator.slash(alice, world.guild, "request check-email")
    await ix.response()
    verdict = await (await world.emulator.submit_modal(alice, ix, {"draft": bad})).message()
    text = verdict.text()
    assert "1 of 7 rules pass" in text
    assert verdict.embeds[0]["footer"]["text"].endswith("Fix what failed and check again.")
    assert "the limit is 100" in text
    assert "internship" in text
    assert "Narrow ask: “an internship at”" in text
    (event,) = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = 'email_checked'"
        " ORDER BY id DESC LIMIT 1",
        (alice.id,),
    )
    assert "no_job_words" in event["payload"]
    assert "I really want this" not in str(
        database_snapshot(harness.db_path)
    )  # drafts aren't stored


async def check(world: World, user, draft: str):
    ix = await world.emulator.slash(user, world.guild, "request check-email")
    await ix.response()
    return await (await world.emulator.submit_modal(user, ix, {"draft": draft})).message()


async def test_check_email_flags_a_narrow_ask_and_a_passive_close(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    draft = (
        "Dear Ms. Lee,\n\nI'm a fellow Acme University alum and found your profile in the alumni "
        "directory. I'd love a role on your team one day. Your work at Globex caught my eye. "
        "Would you have 15 minutes to share your experience? I look forward to hearing from "
        "you!\n\nBest,\nSam"
    )
    text = (await check(world, alice, draft)).text()
    assert "5 of 7 rules pass" in text
    assert (
        "Narrow ask: “a role on your team” — ask to learn about their work and path instead, "
        "e.g. “Would you have 20 minutes to talk about how you got into this field?”"
    ) in text
    assert (
        "Leaves the next move to them: “look forward to hearing from you” — cut it and end on "
        "a yes/no question, e.g. “Would you have 20 minutes next week?”, or say when you will "
        "follow up."
    ) in text
    (event,) = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = 'email_checked'",
        (alice.id,),
    )
    assert event["payload"] == '{"failed": ["interest_broad", "follow_up_control"]}'


async def test_check_email_about_me_fails_and_the_quoted_sentence_is_escaped(world: World):
    alice = world.student("alice")
    draft = "Hi Dana, fellow alum. I **love** my field, my city, my team and your work. Could we?"
    text = (await check(world, alice, draft)).text()
    assert "6 of 7 rules pass" in text
    assert (
        "1 you/your vs 4 I/me/my — more about you: turn “I \\*\\*love\\*\\* my field, my city, "
        "my team and your work.” toward them and their work."
    ) in text
    tie = "Hi Dana, fellow alum. I admire your work. Could we talk?"
    verdict = await check(world, alice, tie)
    assert "7 of 7 rules pass" in verdict.text()
    assert (
        "1 you/your vs 1 I/me/my — close enough, this passes. If you want, turn “I admire your "
        "work.”" in verdict.text()
    )


# The reviewer's good 74-word alumni draft (review finding 9), quoted from the walk.
REVIEW_GOOD_DRAFT = (
    "Dear Mr. Chen,\n\nI'm a fellow State University alum (class of 2030, economics) and found "
    "you through the alumni directory. I'm exploring careers in data analytics and your path "
    "from State to Globex stood out to me.\n\nWould you be open to a 20-minute chat in the "
    "next few weeks so I could learn about your experience? If it's easier, I'm happy to follow "
    "up next week to find a time.\n\nBest,\nMaya Ortiz"
)


async def test_a_good_alumni_draft_with_a_narrow_pronoun_margin_passes_with_a_hint(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    verdict = await check(world, alice, REVIEW_GOOD_DRAFT)
    fields = {f["name"]: f["value"] for f in verdict.embeds[0]["fields"]}
    assert "7 of 7 rules pass" in verdict.text()
    assert fields["⚠️ More about them than about you"].startswith(
        "4 you/your vs 5 I/me/my — close enough, this passes. If you want, turn “I'm exploring"
    )
    assert not any(name.startswith("❌") for name in fields)
    assert verdict.embeds[0]["footer"]["text"].endswith(
        "All rules pass (⚠️ is a tip, not a problem): send it yourself, then log it with "
        "/request sent."
    )
    (event,) = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = 'email_checked'",
        (alice.id,),
    )
    assert event["payload"] == '{"failed": []}'


async def test_a_club_membership_is_not_a_connection(world: World):
    alice = world.student("alice")
    draft = (
        "Hello Dana, I study economics and I am also a member of the analytics club. "
        "Would you have 20 minutes to tell me about your work?"
    )
    text = (await check(world, alice, draft)).text()
    assert "❌ Connection named early" in text
    assert "No connection found" in text


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.sqlite_only  # the failure is an SQLite trigger
async def test_an_unexpected_failure_gets_a_private_reply_and_is_logged_once(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture
):
    alice = world.student("alice")
    conn = sqlite3.connect(harness.db_path)
    conn.execute(
        "CREATE TRIGGER fail_inserts BEFORE INSERT ON contacts"
        " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    conn.commit()
    try:
        before = database_snapshot(harness.db_path)
        with caplog.at_level(logging.ERROR):
            ix = await world.emulator.slash(
                alice, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
            )
            await assert_private_error(ix, "something went wrong")
        assert database_snapshot(harness.db_path) == before
        logged = [r for r in caplog.records if r.exc_info and "disk on fire" in str(r.exc_info[1])]
        assert len(logged) == 1
    finally:
        conn.execute("DROP TRIGGER fail_inserts")
        conn.commit()
        conn.close()


async def test_followed_up_logs_the_one_follow_up_and_plans_the_close(
    world: World, harness: BotHarness
):
    """`/request followed-up` is the slash twin of the 7B reminder's button: same event, same
    close date, and a contact not yet asked is refused with nothing written."""
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    await add_contact(world, alice, person="Dana Reyes", organization="Contoso")
    await add_contact(world, alice, person="Not Asked", organization="Fabrikam")
    asked, not_asked = contact_ids(harness, alice)
    harness.clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))  # Monday morning
    ix = await world.emulator.slash(
        alice, world.guild, "request sent", options={"contact": str(asked)}
    )
    sent_text = (await ix.message()).text()
    assert "3B7 routine (`/help topic:3b7`)" in sent_text  # first mention points to /help
    harness.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # Wednesday, day 7
    before = database_snapshot(harness.db_path)
    refused = await world.emulator.slash(
        alice, world.guild, "request followed-up", options={"contact": str(not_asked)}
    )
    await assert_private_error(refused)
    assert database_snapshot(harness.db_path) == before

    ix = await world.emulator.slash(
        alice, world.guild, "request followed-up", options={"contact": str(asked)}
    )
    message = await ix.message()
    assert message.ephemeral
    text = message.text()
    assert "follow-up to **Dana Reyes (Contoso)** sent on Wednesday 25 November 2026" in text
    assert "Friday 4 December 2026" in text  # 7 business days later (no holidays set)
    (row,) = query(harness.db_path, "SELECT followed_up_at FROM contacts WHERE id = ?", (asked,))
    assert row["followed_up_at"].startswith("2026-11-25")
    kinds = [
        r["kind"]
        for r in query(
            harness.db_path, "SELECT kind FROM events WHERE contact_id = ? ORDER BY id", (asked,)
        )
    ]
    assert kinds[-1] == "follow_up_sent"
    pending = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (asked,),
    )
    kinds_pending = {r["kind"] for r in pending}
    assert "close_no_reply" in kinds_pending
    assert "follow_up" not in kinds_pending  # the 7B reminder is answered
