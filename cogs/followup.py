"""Phase 4, following up: ``/followup checklist | draft | thank-you | thanked | told-referrer |
reported-back | kept-in-touch | close | reopen``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.contacts import contact_or_latest
from bot.actions.context import ActionContext
from bot.actions.drafts import DraftShown, show_draft
from bot.actions.followup import (
    Closed,
    CloseReason,
    KeptInTouch,
    ReferrerTold,
    ReportedBack,
    Thanked,
    close_contact,
    log_kept_in_touch,
    log_referrer_told,
    log_reported_back,
    log_thanked,
    reopen_contact,
)
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_LIMIT
from bot.domain.drafts import DraftKind
from bot.domain.next_step import MIN_TOUCH_GAP_DAYS
from bot.domain.thank_you import copyable_block
from bot.text import escape_markdown, long_date
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.employer_moves import exhausted_text
from bot.ui.guarded import student_of
from bot.ui.progress_pages import clip
from bot.ui.timezone_picker import TimezoneSelect, student_zone

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

DATE_HELP = "When it happened, YYYY-MM-DD (default: today)"
OUTLINE_LIMIT = EMBED_LIMIT - 96  # 4,000: room to spare inside an embed description
NOTES_LIMIT = (EMBED_FIELD_LIMIT - 4) // 2  # escaping at most doubles it
DRAFT_KINDS = [
    app_commands.Choice(name="thank-you", value=DraftKind.THANK_YOU.value),
    app_commands.Choice(name="7B follow-up", value=DraftKind.FOLLOW_UP_7B.value),
    app_commands.Choice(name="referral intro", value=DraftKind.REFERRAL_INTRO.value),
    app_commands.Choice(name="report-back", value=DraftKind.REPORT_BACK.value),
    app_commands.Choice(name="keep-in-touch", value=DraftKind.KEEP_IN_TOUCH.value),
]
CLOSE_REASONS = [
    app_commands.Choice(name=reason.label, value=reason.value) for reason in CloseReason
]


def esc(text: str) -> str:
    return escape_markdown(text)


@app_commands.guild_only()
class FollowupCog(
    commands.GroupCog,
    group_name="followup",
    group_description="Phase 4: thank, report back and keep in touch",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(name="checklist", description="Your follow-up checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        chosen = await contact_or_latest(
            self.ctx, student_of(interaction), contact.id if contact else None
        )
        embed, view = await show_checklist(self.ctx, chosen, "followup")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="draft",
        description="A draft to edit and send: thank-you, 7B follow-up, referral intro and more",
    )
    @app_commands.describe(kind="Which draft", contact="Who it is for")
    @app_commands.choices(kind=DRAFT_KINDS)
    async def draft(
        self,
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        contact: ContactOption,
    ) -> None:
        await self._send_draft(interaction, DraftKind(kind.value), contact)

    @app_commands.command(
        name="thank-you", description="A thank-you draft to put in your own words and send"
    )
    @app_commands.describe(contact="Who you met")
    async def thank_you(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        await self._send_draft(interaction, DraftKind.THANK_YOU, contact)

    async def _send_draft(
        self, interaction: discord.Interaction, kind: DraftKind, contact: ContactOption
    ) -> None:
        result = await show_draft(self.ctx, student_of(interaction), contact.id, kind)
        await interaction.response.send_message(
            draft_text(result), embed=draft_embed(result), ephemeral=True
        )

    @app_commands.command(name="thanked", description="Log that you sent your thank-you")
    @app_commands.describe(contact="Who you thanked", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def thanked(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return  # asked for their time zone first
        result = await log_thanked(self.ctx, student_of(interaction), contact.id, day)
        await interaction.response.send_message(thanked_text(result), ephemeral=True)

    @app_commands.command(
        name="told-referrer",
        description="Log that you told whoever suggested a contact that you reached out",
    )
    @app_commands.describe(
        contact="The person you were referred to (not the one who referred you)", day=DATE_HELP
    )
    @app_commands.rename(day="date")
    async def told_referrer(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return
        result = await log_referrer_told(self.ctx, student_of(interaction), contact.id, day)
        await interaction.response.send_message(told_referrer_text(result), ephemeral=True)

    @app_commands.command(
        name="reported-back", description="Log that you told them what you did with their advice"
    )
    @app_commands.describe(contact="Who you reported back to", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def reported_back(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return
        result = await log_reported_back(self.ctx, student_of(interaction), contact.id, day)
        await interaction.response.send_message(reported_back_text(result), ephemeral=True)

    @app_commands.command(
        name="kept-in-touch", description="Log a keep-in-touch message (an update, a useful link)"
    )
    @app_commands.describe(contact="Who you kept in touch with", day=DATE_HELP)
    @app_commands.rename(day="date")
    async def kept_in_touch(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        day: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return
        result = await log_kept_in_touch(self.ctx, student_of(interaction), contact.id, day)
        await interaction.response.send_message(kept_in_touch_text(result), ephemeral=True)

    @app_commands.command(name="close", description="Close a contact (no reply, declined, other)")
    @app_commands.describe(contact="Which contact", reason="Why you are closing it")
    @app_commands.choices(reason=CLOSE_REASONS)
    async def close(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        reason: app_commands.Choice[str],
    ) -> None:
        result = await close_contact(
            self.ctx, student_of(interaction), contact.id, CloseReason(reason.value)
        )
        await interaction.response.send_message(closed_text(result), ephemeral=True)

    @app_commands.command(name="reopen", description="Reopen a closed contact")
    @app_commands.describe(contact="Which closed contact")
    async def reopen(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        result = await reopen_contact(self.ctx, student_of(interaction), contact.id)
        await interaction.response.send_message(
            f"Reopened **{esc(result.contact.display_name)}**: back at “{result.stage.label}”. "
            "See what's next with `/progress`.",
            ephemeral=True,
        )


def draft_embed(result: DraftShown) -> discord.Embed:
    """The draft in a copyable code block; the student's takeaway notes beside it (line breaks
    kept), as a reminder for the [in your own words: …] part."""
    embed = discord.Embed(
        title=f"{result.kind.label[0].upper()}{result.kind.label[1:]} draft",
        description=copyable_block(result.text, OUTLINE_LIMIT),
        colour=discord.Colour.green(),
    )
    if result.notes is not None:
        embed.add_field(
            name="Your takeaway notes (put one in your own words)",
            value=esc(clip(result.notes.strip(), NOTES_LIMIT)),
            inline=False,
        )
    embed.set_footer(text="Edit freely: your own words beat any template.")
    return embed


def draft_text(result: DraftShown) -> str:
    """What to edit, when to send it and how to log it; for an outreach draft, the email
    checker's verdict."""
    person = esc(result.contact.person)
    lines = [
        f"Here is a {result.kind.label} draft for **{person}**. Copy it, make it yours and send "
        "it yourself: I never email anyone."
    ]
    lines.extend(_GUIDES[result.kind](result))
    if result.verdicts:
        failed = [v.title for v in result.verdicts if not v.passed]
        if failed:
            lines.append(
                f"⚠️ As written it misses: {esc(', '.join(failed))}. Check your edited "
                "version with `/request check-email`."
            )
        else:
            lines.append(
                f"✅ As written it passes every `/request check-email` rule ({result.words} "
                f"words; this server's limit is {result.word_limit}). Check it again after "
                "your edits."
            )
    return "\n".join(lines)


def _thank_you_guide(result: DraftShown) -> list[str]:
    if result.notes is not None:
        edit = "✏️ Put the [bracketed] parts in your own words (your notes are below the draft)"
    else:
        edit = (
            "✏️ No takeaway notes recorded: replace the [bracketed] parts with one specific "
            "thing you learned and what you will do with it"
        )
    if result.deadline is None:
        when = "send it within 24 hours of the meeting."
    elif result.deadline_passed:
        when = (
            f"the 24 hours after the meeting ended {discord.utils.format_dt(result.deadline, 'R')}"
            ": send it anyway, today. A late thank-you beats none."
        )
    else:
        when = (
            "send it within 24 hours of the meeting: that ends "
            f"{discord.utils.format_dt(result.deadline, 'R')}."
        )
    log = (
        f"-# You already logged a thank-you on {long_date(result.done_on)}."
        if result.done_on is not None
        else "⏰ Once it's sent, log it with `/followup thanked`."
    )
    return [f"{edit}, then {when}", log]


def _follow_up_guide(result: DraftShown) -> list[str]:
    edit = (
        "✏️ Send it as a reply to your first email (so your note sits below it) and fill in "
        "the [bracketed] parts"
    )
    if result.send_on is None:
        when = "7 business days after your request if they haven't replied."
    elif result.send_on > result.today:
        when = (
            f"send it on **{long_date(result.send_on)}** (7 business days after your request) "
            "if they still haven't replied."
        )
    else:
        when = (
            f"send it now: 7 business days passed on {long_date(result.send_on)} without a reply."
        )
    if result.done_on is not None:
        log = (
            f"-# You already logged a follow-up on {long_date(result.done_on)}: the method "
            "sends just one. If 7 more business days pass without a reply, close it with "
            "`/followup close`."
        )
    else:
        log = (
            "⏰ Once it's sent, press **I sent the follow-up** on my 7B reminder. If they "
            "answer, log it with `/request reply`."
        )
    return [f"{edit}, then {when}", log]


def _referral_guide(result: DraftShown) -> list[str]:
    referrer = esc(result.referrer.person) if result.referrer is not None else "your referrer"
    lines = [
        f"✏️ Fill in the [bracketed] parts and keep {referrer}'s name first (it is your "
        "connection), then send it soon, while the introduction is fresh."
    ]
    if result.done_on is not None:
        lines.append(f"-# You already logged your request to them on {long_date(result.done_on)}.")
    else:
        lines.append(
            f"⏰ Once it's sent, log it with `/request sent`, then let {referrer} know with "
            "`/followup told-referrer`."
        )
    return lines


def _report_back_guide(result: DraftShown) -> list[str]:
    when = f"around **{long_date(result.send_on)}**" if result.send_on is not None else "soon"
    lines = [
        "✏️ Fill in what you did with their advice and what came of it, then send it once "
        f"you have acted on it, {when}."
    ]
    if result.done_on is not None:
        lines.append(f"-# You last reported back on {long_date(result.done_on)}.")
    else:
        lines.append("⏰ Once it's sent, log it with `/followup reported-back`.")
    return lines


def _keep_in_touch_guide(result: DraftShown) -> list[str]:
    when = (
        f"the next one is due around **{long_date(result.send_on)}**"
        if result.send_on is not None
        else "about three times a year is plenty"
    )
    lines = [
        "✏️ Fill in a real update or something useful to them (a link, an event), then send "
        f"it: {when}."
    ]
    if result.done_on is not None:
        lines.append(f"-# Your last keep-in-touch was on {long_date(result.done_on)}.")
    lines.append("⏰ Once it's sent, log it with `/followup kept-in-touch`.")
    return lines


_GUIDES = {
    DraftKind.THANK_YOU: _thank_you_guide,
    DraftKind.FOLLOW_UP_7B: _follow_up_guide,
    DraftKind.REFERRAL_INTRO: _referral_guide,
    DraftKind.REPORT_BACK: _report_back_guide,
    DraftKind.KEEP_IN_TOUCH: _keep_in_touch_guide,
}


def thanked_text(result: Thanked) -> str:
    lines = [
        f"Logged: thank-you to **{esc(result.contact.display_name)}** sent on "
        f"{long_date(result.day)}.",
        f"Next: report back on what you did with their advice, around "
        f"**{long_date(result.report_on)}**, then log it with `/followup reported-back`.",
    ]
    if result.late:
        lines.insert(
            1, "-# That was more than a day after the meeting; next time aim for 24 hours."
        )
    return "\n".join(lines)


def told_referrer_text(result: ReferrerTold) -> str:
    referrer, contact = result.referrer, result.contact
    return (
        f"{'Updated' if result.corrected else 'Logged'}: you let "
        f"**{esc(referrer.display_name)}** know on {long_date(result.day)} that you reached "
        f"out to **{esc(contact.display_name)}**. Referrers like to hear how it goes: once "
        f"you've talked to {esc(contact.person)}, tell {esc(referrer.person)} what you "
        "learned."
    )


def reported_back_text(result: ReportedBack) -> str:
    return (
        f"{'Updated' if result.updated else 'Logged'}: you reported back to "
        f"**{esc(result.contact.display_name)}** on {long_date(result.day)}. Showing their "
        "advice mattered turns a contact into an advocate.\nNext: keep in touch now and then "
        "(at most about three times a year), next around "
        f"**{long_date(result.next_touch)}**; log each with `/followup kept-in-touch`."
    )


def kept_in_touch_text(result: KeptInTouch) -> str:
    lines = [
        f"Logged: you kept in touch with **{esc(result.contact.display_name)}** on "
        f"{long_date(result.day)}.",
        f"Next touch around **{long_date(result.next_touch)}**.",
    ]
    if result.too_soon and result.days_since_previous is not None:
        lines.insert(
            1,
            f"-# A gentle note: your previous touch was {result.days_since_previous} days "
            f"earlier. Keep it to about three times a year (every {MIN_TOUCH_GAP_DAYS}+ "
            "days) so you stay welcome.",
        )
    return "\n".join(lines)


def closed_text(result: Closed) -> str:
    contact = result.contact
    lines = [
        f"Closed **{esc(contact.display_name)}** ({result.reason.label}). It was at "
        f"“{contact.stage.label}”; `/followup reopen` brings it back there."
    ]
    if result.curmudgeon:
        lines.append(
            "They never replied, so they count as a **curmudgeon**. That's normal: move on "
            "to the next employer on your list."
        )
    if result.exhausted is not None:
        lines.append(exhausted_text(result.exhausted))
    return "\n".join(lines)


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(ChecklistTick, TimezoneSelect)
    await bot.add_cog(FollowupCog(bot.actions))
