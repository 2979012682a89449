"""/staff end to end: who is staff, server settings and where they apply, the audit log, the
student's opt-in to share, and the aggregate stats and export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.staff_world import (
    MANAGE_GUILD,
    Server,
    assert_private_error,
    audit_rows,
    latest_contact,
    new_server,
)
from tests.emulator import EmulatorError

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
EMAIL_73_WORDS = (
    "Dear Ms. Lee,\n\nI'm a fellow Acme University alum and found your profile in the alumni "
    "directory. Your work on supply-chain analytics at Globex caught my eye, and I'd love to "
    "learn how you got into the field and what you wish you had known when you started out "
    "there. I am in my final year of a degree in operations research. Would you have 15 "
    "minutes to share your experience?\n\nBest,\nSam"
)


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


@pytest.fixture
def server(world: World, harness: BotHarness) -> Server:
    return new_server(world)


def settings_row(harness: BotHarness, server: Server):
    rows = query(
        harness.db_path, "SELECT * FROM guild_settings WHERE guild_id = ?", (server.guild.id,)
    )
    return rows[0] if rows else None


async def student_with_zone(server: Server, zone: str = "America/New_York"):
    user = server.member("student")
    await server.run(user, "settings timezone", name=zone)
    return user


# --- registration and who is staff ------------------------------------------------------------


async def test_staff_commands_are_registered_for_manage_server(world: World, harness: BotHarness):
    (staff,) = [c for c in world.emulator.commands() if c["name"] == "staff"]
    assert int(staff["default_member_permissions"]) == MANAGE_GUILD
    subs = {o["name"]: o for o in staff["options"]}
    assert set(subs) == {"settings", "audit", "student", "stats", "export", "checklist"}
    assert {o["name"] for o in subs["checklist"]["options"]} == {
        "show",
        "add",
        "reword",
        "hide",
        "restore",
        "move",
    }
    options = {o["name"]: o for o in subs["settings"]["options"]}
    assert {"role", "word-limit", "meeting-minutes", "report-back-days", "holidays"} <= set(options)
    assert "digest-channel" in options
    assert (options["word-limit"]["min_value"], options["word-limit"]["max_value"]) == (50, 200)
    assert not any(o.get("required") for o in options.values())


async def test_manage_server_member_sees_the_default_settings(server: Server, harness):
    message = await server.staff("settings")
    assert message.ephemeral
    text = message.text()
    assert "100 words" in text
    assert "20 minutes" in text
    assert "14 days" in text
    assert "none: only weekends are skipped" in text
    assert settings_row(harness, server) is None  # showing stores nothing


async def test_a_member_without_manage_server_or_role_is_refused(server: Server, harness):
    mallory = server.member("mallory")
    # Discord's client hides the command from her; a modified client could still send it.
    with pytest.raises(EmulatorError, match="hidden"):
        await server.slash(mallory, "staff settings")
    before = database_snapshot(harness.db_path)
    for command, options in (
        ("staff settings", {"word-limit": 60}),
        ("staff audit", {}),
        ("staff checklist add", {"phase": "request", "text": "Sneaky item"}),
        ("staff student", {"member": server.admin.id}),
        ("staff stats", {}),
    ):
        message = await server.run(mallory, command, strict=False, **options)
        await assert_private_error(message, "staff only")
    assert database_snapshot(harness.db_path) == before


async def test_staff_role_counts_at_once_and_stops_counting_when_removed(server: Server, harness):
    emu = server.emu
    role = emu.add_role(server.guild.id, "Career advisers")
    coach = server.member("coach", roles=[role.id])
    refused = await server.run(coach, "staff settings", strict=False)
    await assert_private_error(refused, "staff only")

    saved = await server.staff("settings", role=role.id)
    assert "Saved" in saved.text()
    assert f"Everyone with <@&{role.id}> can now use the staff tools" in saved.text()
    assert "InfoCoach can't see who holds a role" in saved.text()
    assert settings_row(harness, server)["staff_role_id"] == role.id

    # Server admins let the role use /staff in Discord's settings; the emulator can't, so
    # strict=False stands in for that override.
    allowed = await server.run(coach, "staff settings", strict=False, **{"meeting-minutes": 25})
    assert "Saved" in allowed.text(), allowed.text()
    assert settings_row(harness, server)["meeting_minutes"] == 25

    emu.set_member_roles(server.guild.id, coach.id, [])
    before = database_snapshot(harness.db_path)
    gone = await server.run(coach, "staff settings", strict=False, **{"meeting-minutes": 40})
    await assert_private_error(gone, "staff only")
    assert database_snapshot(harness.db_path) == before

    emu.set_member_roles(server.guild.id, coach.id, [role.id])
    back = await server.run(coach, "staff audit", strict=False)
    assert f"<@{coach.id}> set the meeting length 20 → 25" in back.text()
    # The role alone does not let its holders hand staff on to another role.
    before = database_snapshot(harness.db_path)
    other = emu.add_role(server.guild.id, "Everyone in the class")
    escalate = await server.run(coach, "staff settings", strict=False, role=other.id)
    await assert_private_error(escalate, "Only members with Manage Server")
    assert database_snapshot(harness.db_path) == before


async def test_everyone_cannot_be_the_staff_role(server: Server, harness):
    before = database_snapshot(harness.db_path)
    message = await server.staff("settings", role=server.guild.id)  # @everyone has the guild id
    await assert_private_error(
        message, "@everyone can't be the staff role", "InfoCoach can't see who holds a role"
    )
    assert database_snapshot(harness.db_path) == before


# --- settings ---------------------------------------------------------------------------------


async def test_settings_are_saved_audited_and_shown(server: Server, harness, world: World):
    channel = server.emu.add_channel(server.guild.id, "staff-room")
    message = await server.staff(
        "settings",
        **{
            "word-limit": 150,
            "meeting-minutes": 30,
            "report-back-days": 21,
            "holidays": "gb",
            "digest-channel": channel.id,
        },
    )
    text = message.text()
    assert "5 settings changed" in text
    assert "`word-limit`: 100 → 150" in text
    row = settings_row(harness, server)
    assert (
        row["word_limit"],
        row["meeting_minutes"],
        row["report_back_days"],
        row["holiday_country"],
        row["digest_channel_id"],
    ) == (150, 30, 21, "GB", channel.id)
    (entry,) = audit_rows(harness, server.guild)
    assert entry["staff_user_id"] == server.admin.id
    assert entry["action"] == "settings_changed"
    assert json.loads(entry["detail"])["word_limit"] == [100, 150]

    shown = (await server.staff("settings")).text()
    assert "150 words" in shown
    assert "30 minutes" in shown
    assert "21 days" in shown
    assert "GB (United Kingdom)" in shown
    assert f"<#{channel.id}>" in shown

    cleared = await server.staff("settings", holidays="none", unset="digest_channel_id")
    assert "2 settings changed" in cleared.text()
    row = settings_row(harness, server)
    assert (row["holiday_country"], row["digest_channel_id"]) == (None, None)
    assert len(audit_rows(harness, server.guild)) == 2

    await harness.restart()
    assert "150 words" in (await server.staff("settings")).text()


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        ({"word-limit": 300}, ("from 50 to 200 words", "default 100")),
        ({"word-limit": 49}, ("from 50 to 200 words",)),
        ({"meeting-minutes": 5}, ("from 10 to 60 minutes",)),
        ({"report-back-days": 31}, ("from 7 to 30 days",)),
        ({"grace-days": 0}, ("from 1 to 365 days", "default 30")),
        ({"holidays": "XX"}, ("isn't a country code", "US, GB, DE")),
        ({"holidays": "Narnia", "word-limit": 80}, ("isn't a country code",)),
        ({"word-limit": 80, "meeting-minutes": 99}, ("from 10 to 60 minutes",)),
    ],
)
async def test_invalid_settings_are_refused_with_the_range_and_nothing_is_stored(
    server: Server, harness, options, needles
):
    before = database_snapshot(harness.db_path)
    message = await server.run(server.admin, "staff settings", strict=False, **options)
    await assert_private_error(message, *needles, "Nothing was changed")
    assert database_snapshot(harness.db_path) == before


async def test_holidays_autocomplete_offers_country_codes(server: Server, harness):
    choices = await server.emu.autocomplete(
        server.admin,
        server.guild,
        "staff settings",
        options={"holidays": "ger"},
        focused="holidays",
    )
    assert {"name": "DE — Germany", "value": "DE"} in choices
    choices = await server.emu.autocomplete(
        server.admin, server.guild, "staff settings", options={"holidays": ""}, focused="holidays"
    )
    assert choices[0]["value"] == "none"
    assert len(choices) == 25


async def test_timezone_setting_finds_cities_like_the_students_search(server: Server, harness):
    async def offered(typed: str) -> list[dict]:
        return await server.emu.autocomplete(
            server.admin,
            server.guild,
            "staff settings",
            options={"timezone": typed},
            focused="timezone",
        )

    assert {
        "name": "Boston, United States → America/New_York (US Eastern)",
        "value": "America/New_York",
    } in await offered("bost")
    empty = await offered("")
    assert len(empty) > 1
    assert "America/New_York" in [c["value"] for c in empty]

    message = await server.staff("settings", timezone="boston")
    text = message.text()
    assert text.startswith("Boston, United States → America/New_York (US Eastern)\n"), text
    assert "`timezone`: UTC → America/New_York" in text
    assert settings_row(harness, server)["zone"] == "America/New_York"

    before = database_snapshot(harness.db_path)
    refused = await server.run(server.admin, "staff settings", strict=False, timezone="qwxzzy")
    await assert_private_error(refused, "isn't a time zone or city I know", "Nothing was changed")
    assert database_snapshot(harness.db_path) == before


# --- settings applied ---------------------------------------------------------------------------


async def check_email(server: Server, user) -> str:
    ix = await server.slash(user, "request check-email")
    await ix.response()
    submitted = await server.emu.submit_modal(user, ix, {"draft": EMAIL_73_WORDS})
    return (await submitted.message()).text()


async def test_word_limit_changes_the_email_verdict(server: Server, harness):
    sam = server.member("sam")
    assert "73 words; the limit is 100." in await check_email(server, sam)
    await server.staff("settings", **{"word-limit": 60})
    verdict = await check_email(server, sam)
    assert "73 words; the limit is 60" in verdict
    assert "6 of 7 rules pass" in verdict
    assert "Word limit on this server: 60" in verdict


async def test_meeting_minutes_is_the_default_duration(server: Server, harness):
    await server.staff("settings", **{"meeting-minutes": 45})
    sam = await student_with_zone(server)
    await server.run(sam, "request new", person="Grace Hopper", organization="Navy")
    contact_id = latest_contact(harness, sam)
    message = await server.run(
        sam, "prepare schedule", contact=str(contact_id), date="2026-12-02", time="14:00"
    )
    assert "for 45 minutes" in message.text(), message.text()
    (row,) = query(
        harness.db_path, "SELECT meeting_minutes FROM contacts WHERE id = ?", (contact_id,)
    )
    assert row["meeting_minutes"] == 45
    brief = await server.run(sam, "interview checklist", contact=str(contact_id))
    assert "45" in brief.text()


async def outreach_dates(server: Server, harness) -> tuple[str, str, str]:
    sam = await student_with_zone(server)
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    contact_id = latest_contact(harness, sam)
    message = await server.run(sam, "request sent", contact=str(contact_id))
    (row,) = query(
        harness.db_path,
        "SELECT second_contact_on, follow_up_on FROM contacts WHERE id = ?",
        (contact_id,),
    )
    return row["second_contact_on"], row["follow_up_on"], message.text()


async def test_holiday_calendar_shifts_the_3b7_dates(world: World, harness):
    # Sent Wednesday 25 November 2026, 10:00 in New York; Thursday 26 is US Thanksgiving.
    plain = new_server(world)
    second, follow_up, _ = await outreach_dates(plain, harness)
    assert (second, follow_up) == ("2026-11-30", "2026-12-04")

    american = new_server(world)
    await american.staff("settings", holidays="US")
    second, follow_up, text = await outreach_dates(american, harness)
    assert (second, follow_up) == ("2026-12-01", "2026-12-07")
    assert "Tuesday 1 December 2026" in text
    assert "United States public holidays" in text


async def test_report_back_days_moves_the_pending_report_back_nudge(server: Server, harness):
    sam = await student_with_zone(server)
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    contact_id = latest_contact(harness, sam)
    ix = await server.slash(sam, "interview done", contact=str(contact_id))
    await ix.response()
    await (await server.emu.submit_modal(sam, ix, {"takeaways": "Learn SQL well."})).message()

    def report_back_due() -> str:
        (row,) = query(
            harness.db_path,
            "SELECT due_at FROM nudges WHERE contact_id = ? AND kind = 'report_back'"
            " AND status = 'pending'",
            (contact_id,),
        )
        return row["due_at"]

    # Met on 25 November (New York): report back 14 days later at 09:00 local (14:00 UTC).
    assert report_back_due().startswith("2026-12-09T14:00")
    message = await server.staff("settings", **{"report-back-days": 21})
    assert "Reminders re-planned for 1 contact" in message.text()
    assert report_back_due().startswith("2026-12-16T14:00")
    thanked = await server.run(sam, "followup thanked", contact=str(contact_id))
    assert "Wednesday 16 December 2026" in thanked.text()


# --- audit ---------------------------------------------------------------------------------


async def test_audit_lists_the_latest_actions_with_who_and_pages(server: Server, harness):
    for minutes in range(10, 32):  # 22 changes: two pages
        await server.staff("settings", **{"meeting-minutes": minutes})
    message = await server.staff("audit")
    text = message.text()
    assert f"<@{server.admin.id}> set the meeting length 30 → 31" in text
    assert "page 1 of 2" in text
    older = message.button(label="Older ▶")
    click = await server.emu.click(server.admin, message, older["custom_id"])
    assert "page 2 of 2" in (await click.message()).text()
    assert "set the meeting length 20 → 10" in message.text()
    rows = audit_rows(harness, server.guild)
    assert len(rows) == 22

    # The buttons check again at each press: Manage Server taken away counts at once.
    server.emu.set_member_permissions(server.guild.id, server.admin.id, 0)
    newer = message.button(label="◀ Newer")
    refused = await server.emu.click(server.admin, message, newer["custom_id"])
    await assert_private_error(await refused.message(), "staff only")
    assert "page 2 of 2" in message.text()


# --- sharing with staff ------------------------------------------------------------------------


async def test_staff_see_a_students_stages_only_after_they_opt_in(server: Server, harness):
    sam = await student_with_zone(server)
    await server.run(sam, "request new", person="Ada Lovelace", organization="Initech")
    contact_id = latest_contact(harness, sam)
    await server.run(sam, "request sent", contact=str(contact_id))
    stranger = server.member("stranger")  # never used the bot

    hidden = (await server.staff("student", member=sam.id)).text()
    never = (await server.staff("student", member=stranger.id)).text()
    assert "hasn't chosen to share" in hidden
    assert "Initech" not in hidden
    assert "Ada" not in hidden
    assert hidden.replace(str(sam.id), "X") == never.replace(str(stranger.id), "X")

    optin = await server.run(sam, "privacy share", enabled=True)
    assert "Sharing is **on**" in optin.text()
    (row,) = query(
        harness.db_path,
        "SELECT share_with_staff FROM students WHERE guild_id = ? AND user_id = ?",
        (server.guild.id, sam.id),
    )
    assert row["share_with_staff"] == 1
    shown = (await server.staff("student", member=sam.id)).text()
    assert "Initech" in shown
    assert "requested" in shown
    assert "Ada" not in shown  # the professional's name stays private

    await server.run(sam, "privacy share", enabled=False)
    assert "hasn't chosen to share" in (await server.staff("student", member=sam.id)).text()
    kinds = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = 'share_toggled' ORDER BY id",
        (sam.id,),
    )
    assert [json.loads(k["payload"])["enabled"] for k in kinds] == [True, False]
    viewed = [r for r in audit_rows(harness, server.guild) if r["action"] == "student_viewed"]
    assert len(viewed) == 4


# --- stats and export ----------------------------------------------------------------------


async def test_stats_at_two_students_say_when_figures_appear(server: Server, harness):
    for _ in range(2):
        sam = await student_with_zone(server)
        await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    ix = await server.slash(server.admin, "staff stats")
    assert (await ix.response()).type == 5  # deferred first
    message = await ix.message()
    assert message.ephemeral
    assert "2 students so far: figures appear from 10." in message.text()
    assert not message.attachments  # no funnel step to draw yet: no chart
    (entry,) = [r for r in audit_rows(harness, server.guild) if r["action"] == "stats_viewed"]
    assert json.loads(entry["detail"]) == {"since": None}

    refused = await server.staff("stats", since="2027-01-01")
    await assert_private_error(refused, "in the future")


async def test_export_sends_csv_files_of_aggregates(server: Server, harness):
    sam = await student_with_zone(server)
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    since = (NOW - timedelta(days=30)).date().isoformat()
    ix = await server.slash(server.admin, "staff export", since=since)
    message = await ix.message()
    assert message.attachments
    for attachment in message.attachments:
        assert attachment.filename.endswith(".csv")
        rows = list(csv.reader(io.StringIO(attachment.data.decode("utf-8"))))
        assert rows
        assert rows[0]
        assert "Ada" not in attachment.data.decode("utf-8")
    (entry,) = [r for r in audit_rows(harness, server.guild) if r["action"] == "stats_exported"]
    assert json.loads(entry["detail"])["since"] == since
