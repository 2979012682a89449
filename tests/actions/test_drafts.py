"""``show_draft`` against a real migrated SQLite file: which drafts fit which contact, what is
logged, the dates it gives, and the email checker at the server's word limit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.actions.context import ActionContext
from bot.actions.drafts import show_draft
from bot.actions.request import log_request_sent
from bot.domain.contacts import Connection, Stage
from bot.domain.drafts import DraftKind
from bot.storage.contacts import add_contact, close_contact, mark_followed_up
from bot.storage.database import Database
from bot.storage.guild_settings import update_server_settings
from bot.storage.interview_notes import save_notes
from tests.actions.test_followup import (
    GUILD,
    ME,
    MET,
    NOW,
    clock,  # noqa: F401  (the module's clock fixture)
    events,
    new_contact,
    new_student,
    refused,
)

NOTES = (
    "- Take the free SQL for healthcare data course she mentioned.\n- Ask Jordan about rotations"
)


async def referral_of(ctx: ActionContext, referrer_id: int, person: str = "Priya Raman") -> int:
    async with ctx.db.transaction() as tx:
        return await add_contact(
            tx,
            guild_id=GUILD,
            user_id=ME.user_id,
            person=person,
            organization="Northwind Health",
            role=None,
            connection=Connection.MUTUAL,
            now=NOW - timedelta(days=1),
            referred_by=referrer_id,
        )


# --- the thank-you ------------------------------------------------------------------------------


async def test_thank_you_prompts_for_the_takeaway_and_shows_the_notes_beside(
    ctx: ActionContext, db: Database
):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    async with db.transaction() as tx:
        await save_notes(tx, cid, "Long chat.", NOTES, NOW)
    result = await show_draft(ctx, ME, cid, DraftKind.THANK_YOU)
    assert "Dear [Ms./Mr./Dr. Lovelace or Ada]," in result.text
    assert (
        "your advice on [in your own words: Take the free SQL for healthcare data course she "
        "mentioned]." in result.text
    )
    assert "Ask Jordan" not in result.text  # the notes are beside the draft, not in it
    assert result.notes == NOTES  # line breaks kept
    assert "yesterday" in result.text  # met Wednesday, now Thursday in New York
    assert result.text.endswith("Best regards,\n[Your full name]")
    assert result.with_takeaway
    assert result.deadline == MET + timedelta(hours=24)  # no length logged: ended when logged
    assert not result.deadline_passed
    assert result.done_on is None
    assert result.verdicts == ()
    assert await events(db, cid) == [("thank_you_outlined", {"with_takeaway": True})]


async def test_thank_you_without_notes_leaves_a_plain_blank(ctx: ActionContext, db: Database):
    await new_student(db, zone=None)
    cid = await new_contact(ctx, Stage.THANKED, MET)
    result = await show_draft(ctx, ME, cid, DraftKind.THANK_YOU)
    assert "[one specific thing you learned, in your own words]" in result.text
    assert result.notes is None
    assert not result.with_takeaway
    assert result.done_on == date(2026, 12, 9)  # thanked_at, read in UTC without a zone
    assert await events(db, cid) == [("thank_you_outlined", {"with_takeaway": False})]


@pytest.mark.parametrize(
    "kind", [DraftKind.THANK_YOU, DraftKind.REPORT_BACK, DraftKind.KEEP_IN_TOUCH]
)
@pytest.mark.parametrize("stage", [Stage.PLANNED, Stage.REQUESTED, Stage.SCHEDULED])
async def test_after_meeting_drafts_are_refused_before_a_meeting(
    ctx: ActionContext, db: Database, kind: DraftKind, stage: Stage
):
    await new_student(db)
    cid = await new_contact(ctx, stage, MET)
    await refused(db, lambda: show_draft(ctx, ME, cid, kind), "`/interview done`")


async def test_a_closed_contact_gets_no_draft(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    async with db.transaction() as tx:
        await close_contact(tx, cid, "other", NOW, NOW)
    await refused(db, lambda: show_draft(ctx, ME, cid, DraftKind.THANK_YOU), "Reopen it")


async def test_someone_elses_contact_is_refused(ctx: ActionContext, db: Database):
    await new_student(db, user=2)
    cid = await new_contact(ctx, Stage.MET, MET, user=2)
    await refused(db, lambda: show_draft(ctx, ME, cid, DraftKind.THANK_YOU), "no longer exists")


# --- the 7B follow-up -----------------------------------------------------------------------------


async def test_follow_up_needs_a_sent_request_still_waiting(ctx: ActionContext, db: Database):
    await new_student(db)
    planned = await new_contact(ctx, Stage.PLANNED)
    await refused(
        db, lambda: show_draft(ctx, ME, planned, DraftKind.FOLLOW_UP_7B), "`/request sent`"
    )
    replied = await new_contact(ctx, Stage.REPLIED, MET)
    await refused(
        db, lambda: show_draft(ctx, ME, replied, DraftKind.FOLLOW_UP_7B), "already replied"
    )


async def test_follow_up_is_dated_checked_and_logged(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.PLANNED)
    await log_request_sent(ctx, ME, cid, "2026-12-01")
    result = await show_draft(ctx, ME, cid, DraftKind.FOLLOW_UP_7B)
    assert result.text.startswith(
        "Subject: Re: [subject of the first email]\n\nDear [Ms./Mr./Dr. Lovelace or Ada],"
    )
    assert "I wanted to follow up on my note below. As a fellow [school] alum" in result.text
    assert result.send_on == date(2026, 12, 10)  # 7 business days after Tuesday 1 December
    assert result.today == date(2026, 12, 10)
    assert result.done_on is None
    assert result.word_limit == 100
    assert result.words == 63
    assert all(v.passed for v in result.verdicts)
    assert len(result.verdicts) == 7
    assert (await events(db, cid))[-1] == ("draft_shown", {"kind": "follow_up_7b"})
    async with db.transaction() as tx:
        await mark_followed_up(tx, cid, NOW, NOW)
    await refused(
        db,
        lambda: show_draft(ctx, ME, cid, DraftKind.FOLLOW_UP_7B),
        "You already logged your follow-up to Ada Lovelace: the method sends just one.",
    )


async def test_outreach_drafts_are_checked_at_the_servers_word_limit(
    ctx: ActionContext, db: Database
):
    await new_student(db)
    async with db.transaction() as tx:
        await update_server_settings(tx, GUILD, NOW, word_limit=75)
    referrer = await new_contact(ctx, Stage.MET, MET, person="Dana Whitfield-Okonkwo")
    cid = await referral_of(ctx, referrer, "Maria Fernanda Gutiérrez-Santamaría")
    result = await show_draft(ctx, ME, cid, DraftKind.REFERRAL_INTRO)
    assert result.word_limit == 75
    assert [v.rule for v in result.verdicts if not v.passed] == []
    async with db.transaction() as tx:
        await update_server_settings(tx, GUILD, NOW, word_limit=50)
    short = await show_draft(ctx, ME, cid, DraftKind.REFERRAL_INTRO)
    assert [v.rule for v in short.verdicts if not v.passed] == ["word_count"]


# --- the referral introduction --------------------------------------------------------------------


async def test_referral_intro_leads_with_the_referrer(ctx: ActionContext, db: Database):
    await new_student(db)
    referrer = await new_contact(ctx, Stage.MET, MET, person="Dana Whitfield")
    cid = await referral_of(ctx, referrer)
    result = await show_draft(ctx, ME, cid, DraftKind.REFERRAL_INTRO)
    assert result.text.startswith(
        "Subject: Dana Whitfield suggested I contact you\n\nDear [Ms./Mr./Dr. Raman or Priya],\n\n"
        "Dana Whitfield suggested I contact you."
    )
    assert result.referrer is not None
    assert result.referrer.id == referrer
    assert result.done_on is None
    assert all(v.passed for v in result.verdicts)
    assert await events(db, cid) == [("draft_shown", {"kind": "referral_intro"})]
    # the 7B follow-up to a referral names the referrer too
    await log_request_sent(ctx, ME, cid)
    follow_up = await show_draft(ctx, ME, cid, DraftKind.FOLLOW_UP_7B)
    assert "Dana Whitfield suggested you would be a great person to ask." in follow_up.text


async def test_referral_intro_only_for_referred_contacts(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.PLANNED)
    await refused(
        db, lambda: show_draft(ctx, ME, cid, DraftKind.REFERRAL_INTRO), "Nobody referred you"
    )


# --- report-back and keep-in-touch ---------------------------------------------------------------


async def test_report_back_and_keep_in_touch_give_their_days(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.THANKED, MET)
    async with db.transaction() as tx:
        await save_notes(tx, cid, None, NOTES, NOW)
    report = await show_draft(ctx, ME, cid, DraftKind.REPORT_BACK)
    # sent weeks later: the date, never "yesterday" or "today"
    assert "When we spoke on 9 December, you suggested [in your own words: Take the free" in (
        report.text
    )
    assert report.send_on == date(2026, 12, 23)  # met 9 December + 14 days
    assert report.notes == NOTES
    touch = await show_draft(ctx, ME, cid, DraftKind.KEEP_IN_TOUCH)
    assert "I hope all is well at Acme." in touch.text
    assert touch.notes is None
    assert touch.send_on is not None
    assert report.send_on is not None
    assert touch.send_on > report.send_on
    assert await events(db, cid) == [
        ("draft_shown", {"kind": "report_back"}),
        ("draft_shown", {"kind": "keep_in_touch"}),
    ]


async def test_showing_a_draft_changes_nothing_but_the_log(ctx: ActionContext, db: Database):
    await new_student(db)
    cid = await new_contact(ctx, Stage.MET, MET)
    before = await db.fetch_all("SELECT * FROM contacts WHERE id = ?", (cid,))
    nudges = await db.fetch_all("SELECT * FROM nudges WHERE contact_id = ? ORDER BY id", (cid,))
    for kind in (DraftKind.THANK_YOU, DraftKind.REPORT_BACK, DraftKind.KEEP_IN_TOUCH):
        await show_draft(ctx, ME, cid, kind)
    assert [
        tuple(r) for r in await db.fetch_all("SELECT * FROM contacts WHERE id = ?", (cid,))
    ] == [tuple(r) for r in before]
    after = await db.fetch_all("SELECT * FROM nudges WHERE contact_id = ? ORDER BY id", (cid,))
    assert [tuple(r) for r in after] == [tuple(r) for r in nudges]
