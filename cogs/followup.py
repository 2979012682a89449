"""Phase 4, following up: ``/followup checklist | thank-you | thanked | told-referrer |
reported-back | kept-in-touch | close | reopen``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.contacts import contact_or_latest
from bot.actions.context import ActionContext
from bot.actions.followup import (
    Closed,
    CloseReason,
    KeptInTouch,
    ReferrerTold,
    ReportedBack,
    Thanked,
    ThankYouOutline,
    close_contact,
    log_kept_in_touch,
    log_referrer_told,
    log_reported_back,
    log_thanked,
    outline_thank_you,
    reopen_contact,
)
from bot.discord_limits import EMBED_LIMIT
from bot.domain.next_step import MIN_TOUCH_GAP_DAYS
from bot.domain.thank_you import copyable_block
from bot.text import escape_markdown, long_date
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.employer_moves import exhausted_text
from bot.ui.guarded import student_of
from bot.ui.timezone_picker import TimezoneSelect, student_zone

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

DATE_HELP = "When it happened, YYYY-MM-DD (default: today)"
OUTLINE_LIMIT = EMBED_LIMIT - 96  # 4,000: room to spare inside an embed description
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
        name="thank-you", description="A thank-you note outline built from your takeaway"
    )
    @app_commands.describe(contact="Who you met")
    async def thank_you(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        result = await outline_thank_you(
            self.ctx, student_of(interaction), contact.id, interaction.user.display_name
        )
        embed = discord.Embed(
            title="Thank-you outline",
            description=copyable_block(result.outline, OUTLINE_LIMIT),
            colour=discord.Colour.green(),
        )
        embed.set_footer(text="Edit freely: your own words beat any template.")
        await interaction.response.send_message(thank_you_text(result), embed=embed, ephemeral=True)

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


def thank_you_text(result: ThankYouOutline) -> str:
    lines = [
        f"Here is a thank-you outline for **{esc(result.contact.person)}**. Copy it, make it "
        "yours and send it yourself: I never email anyone."
    ]
    if result.deadline is not None:
        when = discord.utils.format_dt(result.deadline, "R")
        lines.append(
            f"⏰ The 24 hours after the meeting ended {when}; send it anyway, today: "
            "a late thank-you beats none."
            if result.deadline_passed
            else f"⏰ Send it within 24 hours of the meeting: that ends {when}."
        )
    else:
        lines.append("⏰ Send it within 24 hours of the meeting.")
    if not result.with_takeaway:
        lines.append(
            "✏️ No takeaway recorded yet: replace the [bracketed] part with one specific "
            "thing you learned, or log it with `/interview done` and ask again."
        )
    if result.thanked_on is not None:
        lines.append(f"-# You already logged a thank-you on {long_date(result.thanked_on)}.")
    else:
        lines.append("Once it's sent, log it with `/followup thanked`.")
    return "\n".join(lines)


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
