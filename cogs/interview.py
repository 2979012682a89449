"""Phase 3, performing during the interview: ``/interview checklist | done``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.common import stage_guard
from bot.app import InfoCoachBot
from bot.domain.contacts import MAX_NAME, Connection, Stage
from bot.domain.referrals import MAX_REFERRALS, Referral, ReferralError, parse_referrals
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, add_contact, get_contact, set_stage
from bot.storage.events import append_event
from bot.storage.guild_settings import server_settings
from bot.storage.interview_notes import MAX_NOTE, save_notes
from bot.storage.questions import list_questions
from bot.storage.students import ensure_student
from bot.text import escape_markdown
from bot.ui.checklist import show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import GuardedModal, bot_of, guild_id_of
from bot.ui.meeting import interview_brief
from bot.ui.modal_rescue import modal_custom_id, register_modal
from bot.validation import clean_optional_text, clean_text
from cogs.prepare import contact_or_latest

MODAL_TITLE = "Log your meeting"
MODAL_TIMEOUT = 3600  # seconds the form may stay open; long enough to write notes


def check_length(value: str, field: str) -> None:
    """The inputs say 1,000 characters, but a modified client can send more."""
    if len(value) > MAX_NOTE:
        raise UserError(
            f"The {field} are {len(value)} characters long; the most is {MAX_NOTE}. "
            "Please shorten them. Nothing was saved."
        )


def modal_title(contact: ContactRecord) -> str:
    title = f"{MODAL_TITLE}: {contact.person}"
    return title if len(title) <= 45 else title[:44] + "…"


class MeetingLogModal(GuardedModal, title=MODAL_TITLE):
    notes: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label="Notes",
        custom_id="notes",
        style=discord.TextStyle.paragraph,
        placeholder="What you talked about, in your own words",
        required=False,
        max_length=MAX_NOTE,
    )
    takeaways: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label="Takeaways",
        custom_id="takeaways",
        style=discord.TextStyle.paragraph,
        placeholder="The advice you'll act on; name one in your thank-you note",
        required=True,
        max_length=MAX_NOTE,
    )
    referrals: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label=f"Who else to talk to (up to {MAX_REFERRALS})",
        custom_id="referrals",
        style=discord.TextStyle.paragraph,
        placeholder="One per line: Name — Organization",
        required=False,
        max_length=MAX_NOTE,
    )

    def __init__(
        self, contact_id: int, title: str = MODAL_TITLE, custom_id: str | None = None
    ) -> None:
        super().__init__(
            title=title,
            timeout=MODAL_TIMEOUT,
            custom_id=custom_id or modal_custom_id("done", contact_id),
        )
        self.contact_id = contact_id

    def parsed(self) -> tuple[str | None, str, list[Referral]]:
        """Validate every field before anything is written."""
        check_length(self.notes.value, "notes")
        check_length(self.takeaways.value, "takeaways")
        check_length(self.referrals.value, "referrals")
        notes = clean_optional_text(self.notes.value, "notes", max_length=MAX_NOTE)
        takeaways = clean_text(self.takeaways.value, "takeaways", max_length=MAX_NOTE)
        try:
            referrals = parse_referrals(self.referrals.value, max_name=MAX_NAME)
        except ReferralError as exc:
            raise UserError(f"{exc} Nothing was saved: run `/interview done` again.") from None
        # Each referral becomes a contact: the same checks as `/request new` (an invisible or
        # control-character name would otherwise be stored).
        checked = [
            Referral(
                clean_text(r.person, f"name in referral {n}", max_length=MAX_NAME),
                clean_text(r.organization, f"organization in referral {n}", max_length=MAX_NAME),
            )
            for n, r in enumerate(referrals, start=1)
        ]
        return notes, takeaways, checked

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        notes, takeaways, referrals = self.parsed()
        # Read again: the contact may have moved on while the form was open.
        contact = await get_contact(bot.db, guild_id, interaction.user.id, self.contact_id)
        if contact is None:
            raise UserError("That contact no longer exists.")
        stage_guard(contact, Stage.MET)
        now = bot.clock.now()
        async with bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await set_stage(tx, contact.id, Stage.MET, at=now, now=now)
            await save_notes(tx, contact.id, notes, takeaways, now)
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                contact_id=contact.id,
                kind="meeting_logged",
                payload={
                    "notes": int(notes is not None),
                    "takeaways": 1,
                    "referrals": len(referrals),
                },
                at=now,
            )
            for referral in referrals:
                referral_id = await add_contact(
                    tx,
                    guild_id=guild_id,
                    user_id=interaction.user.id,
                    person=referral.person,
                    organization=referral.organization,
                    role=None,
                    connection=Connection.MUTUAL,
                    now=now,
                    referred_by=contact.id,
                )
                await append_event(
                    tx,
                    guild_id=guild_id,
                    user_id=interaction.user.id,
                    contact_id=referral_id,
                    kind="contact_added",
                    payload={"referred_by": contact.id},
                    at=now,
                )
            # Thank-you, referrals and report-back nudges (after the referrals exist).
            await bot.planner.replan_contact(tx, contact.id, now)
        await interaction.response.send_message(
            meeting_summary(contact, takeaways, referrals), ephemeral=True
        )


def meeting_summary(contact: ContactRecord, takeaways: str, referrals: list[Referral]) -> str:
    escape = escape_markdown
    name = escape(contact.display_name)
    shown = takeaways if len(takeaways) <= 300 else takeaways[:299] + "…"
    lines = [
        f"Logged: you met **{name}**. Your notes and takeaways are saved.",
        f"> {escape(' '.join(shown.split()))}",
    ]
    if referrals:
        lines.append(
            f"Added {len(referrals)} new contact{'s' if len(referrals) != 1 else ''}, "
            f"referred by {escape(contact.person)}:"
        )
        lines += [f"• {escape(r.person)} ({escape(r.organization)})" for r in referrals]
        lines.append("-# Contact them soon, mention who referred you, and tell the referrer.")
    lines.append(
        "Next: send a thank-you **within 24 hours** that names one specific takeaway (`/followup`)."
    )
    return "\n".join(lines)


register_modal(
    r"ic:mf:done:(?P<contact>\d+):[0-9a-f]{8}",
    lambda m: MeetingLogModal(int(m["contact"]), custom_id=m.string),
)


@app_commands.guild_only()
class InterviewCog(
    commands.GroupCog,
    group_name="interview",
    group_description="Phase 3: during the meeting, and logging it",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="checklist", description="Your during-the-meeting checklist and your questions"
    )
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        contact = await contact_or_latest(self.bot, interaction, contact)
        questions = await list_questions(self.bot.db, contact.id)
        settings = await server_settings(self.bot.db, contact.guild_id)
        minutes = contact.meeting_minutes or settings.meeting_minutes
        embed, view = await show_checklist(self.bot.actions, contact, "interview")
        # The brief goes in the content: ticking re-renders only the embed and keeps it.
        await interaction.response.send_message(
            interview_brief(contact, questions, minutes), embed=embed, view=view, ephemeral=True
        )

    @app_commands.command(
        name="done", description="Log that the meeting happened: notes, takeaways, referrals"
    )
    @app_commands.describe(contact="Which contact you met")
    async def done(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        guild_id_of(interaction)
        stage_guard(contact, Stage.MET)
        await interaction.response.send_modal(MeetingLogModal(contact.id, modal_title(contact)))


async def setup(bot: InfoCoachBot) -> None:
    await bot.add_cog(InterviewCog(bot))
