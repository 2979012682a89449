"""One student's whole journey with hostile text everywhere the bot stores it: the contact's
person, organization and role, an own question, the meeting notes, takeaways and a referral.
Every later view that shows the text must still render (Discord accepts every message: content
2,000, embed description 4,096, field 1,024, total 6,000), ping nobody and keep the text's
markup escaped: the replies, /progress (both views), every checklist, /interview checklist,
/followup thank-you, each nudge DM and /privacy export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query
from tests.e2e.hostile import STORED, Hostile, SentWatch, assert_ok, ids
from tests.e2e.staff_world import MANAGE_GUILD

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York
NAME, QUESTION, NOTE = 100, 300, 1000
MAX_DELIVERIES = 12


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


@pytest.fixture(scope="module")
def advisor(world: World) -> Any:
    """A staff member of the main server (Manage Server)."""
    user = world.emulator.add_user(name="advisor")
    world.emulator.add_member(world.guild.id, user.id, permissions=MANAGE_GUILD)
    return user


class Journey:
    """Acts as one student and checks that every reply is a private, non-error message."""

    def __init__(self, world: World, harness: BotHarness) -> None:
        self.world, self.harness, self.emu = world, harness, world.emulator
        self.student = world.student("hostile")

    async def slash(self, command: str, **options: Any) -> Any:
        ix = await self.emu.slash(self.student, self.world.guild, command, options=options)
        return assert_ok(await ix.message())

    async def modal(self, opener: Any, values: dict[str, str]) -> Any:
        ix = await self.emu.submit_modal(self.student, opener, values)
        return assert_ok(await ix.message())

    def pending_nudges(self) -> list[Any]:
        return query(
            self.harness.db_path,
            "SELECT due_at FROM nudges WHERE user_id = ? AND status = 'pending' ORDER BY due_at",
            (self.student.id,),
        )

    async def deliver_due(self, until: datetime) -> None:
        """Advance the clock to each pending nudge up to ``until`` and let the dispatcher send
        it (in order, as the alarm would)."""
        for _ in range(MAX_DELIVERIES):
            pending = [datetime.fromisoformat(r["due_at"]) for r in self.pending_nudges()]
            due = [at for at in pending if at <= until]
            if not due:
                return
            self.harness.clock.set(max(due[0], self.harness.clock.now()))
            await self.harness.bot.dispatcher.dispatch_due()

    def dm_texts(self) -> list[str]:
        return [dm.text() for dm in self.emu.dms(self.student.id)]


def row(harness: BotHarness, sql: str, *params: Any) -> Any:
    (found,) = query(harness.db_path, sql, params)
    return found


@pytest.mark.parametrize("hostile", STORED, ids=ids(STORED))
async def test_hostile_text_is_stored_verbatim_and_every_later_view_renders(
    world: World, harness: BotHarness, advisor: Any, hostile: Hostile
):
    me = Journey(world, harness)
    name, question, note = hostile(NAME), hostile(QUESTION), hostile(NOTE)
    watch = SentWatch(world.emulator)
    await me.slash("settings timezone", name="America/New_York")

    # Phase 1: the contact, found again by autocomplete and by its name typed out.
    await me.slash("request new", person=name, organization=name, role=name)
    contact = row(harness, "SELECT * FROM contacts WHERE user_id = ?", me.student.id)
    assert (contact["person"], contact["organization"], contact["role"]) == (name,) * 3
    cid = str(contact["id"])
    choices = await world.emulator.autocomplete(
        me.student, world.guild, "request sent", options={"contact": name}, focused="contact"
    )
    assert cid in [choice["value"] for choice in choices]
    await me.slash("request checklist", contact=name)
    await me.slash("request sent", contact=cid)
    await me.deliver_due(NOW + timedelta(days=7))  # the 3B7 "contact a second person" nudge
    assert any("second person" in text for text in me.dm_texts()), me.dm_texts()

    # Phase 2: a meeting in two days, an own question, the checklists.
    meeting_day = (harness.clock.now() + timedelta(days=2)).date().isoformat()
    await me.slash("prepare schedule", contact=cid, date=meeting_day, time="10:00")
    builder = await me.slash("prepare questions", contact=cid)
    opener = await world.emulator.click(
        me.student, builder, builder.button(label="Add your own")["custom_id"]
    )
    await me.modal(opener, {"question": question})
    stored_question = row(harness, "SELECT text FROM contact_questions WHERE contact_id = ?", cid)
    assert stored_question["text"] == " ".join(question.split())
    await me.slash("prepare checklist", contact=cid)
    await me.slash("interview checklist", contact=cid)
    meeting = datetime.fromisoformat(
        row(harness, "SELECT meeting_at FROM contacts WHERE id = ?", cid)[0]
    )
    await me.deliver_due(meeting)  # prepare, confirm and "your top questions"
    assert any("top questions" in text for text in me.dm_texts()), me.dm_texts()

    # Phase 3: the meeting, with notes, takeaways and a referral all hostile.
    harness.clock.set(meeting + timedelta(hours=1))
    opener = await world.emulator.slash(
        me.student, world.guild, "interview done", options={"contact": cid}
    )
    # (At another organization: the same person at the same one is the contact itself, which a
    # meeting's referrals skip as already in the contacts.)
    referred = f"{name} — Initech"
    await me.modal(opener, {"notes": note, "takeaways": note, "referrals": referred})
    notes = row(harness, "SELECT notes, takeaways FROM interview_notes WHERE contact_id = ?", cid)
    assert (notes["notes"], notes["takeaways"]) == (note, note)
    referral = row(
        harness, "SELECT id, person, organization FROM contacts WHERE referred_by = ?", cid
    )
    assert (referral["person"], referral["organization"]) == (name, "Initech")

    # Phase 4 and the overviews.
    await me.slash("followup thank-you", contact=cid)
    await me.slash("followup checklist", contact=cid)
    await me.slash("progress")
    await me.slash("progress", contact=cid)
    await me.slash("progress", contact=str(referral["id"]))
    await me.deliver_due(meeting + timedelta(days=15))  # thank-you, referrals, report back…
    assert len(me.dm_texts()) >= 4, me.dm_texts()

    # Staff see the organizations of a student who shares.
    await me.slash("privacy share", enabled=True)
    ix = await world.emulator.slash(
        advisor, world.guild, "staff student", options={"member": me.student.id}
    )
    assert "shares their stages" in assert_ok(await ix.message()).text()

    # The export holds every text exactly as typed.
    ix = await world.emulator.slash(me.student, world.guild, "privacy export")
    export = assert_ok(await ix.message())
    (attachment,) = export.attachments
    data = json.loads(attachment.data)
    texts = json.dumps(data, ensure_ascii=False)
    for value in (name, " ".join(question.split()), note):
        assert json.dumps(value, ensure_ascii=False) in texts

    assert watch.assert_clean(hostile) >= 27
