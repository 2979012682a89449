"""Phase 1, making a request: ``/request new | checklist | check-email | sent | reply``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.contacts import (
    ContactAdded,
    NewContact,
    add_contact_at_employer,
    contact_or_latest,
)
from bot.actions.context import ActionContext
from bot.actions.followup import FollowUpSent, log_follow_up_sent
from bot.actions.request import (
    ReplyLogged,
    RequestSent,
    log_reply,
    log_request_sent,
)
from bot.domain.contacts import MAX_NAME, Connection
from bot.domain.three_b_seven import ReplyClass
from bot.glossary_links import link_first_mentions
from bot.holiday_calendars import country_name
from bot.text import escape_markdown, long_date
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.email_check import EmailDraftModal
from bot.ui.employer_option import organization_choices
from bot.ui.guarded import student_of
from bot.ui.timezone_picker import TimezoneSelect, student_zone

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

CONNECTION_CHOICES = [app_commands.Choice(name=c.label, value=c.value) for c in Connection]


@app_commands.guild_only()
class RequestCog(
    commands.GroupCog,
    group_name="request",
    group_description="Phase 1: ask for an informational interview",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(
        name="new", description="Add a contact you want to ask for a conversation"
    )
    @app_commands.describe(
        person="Their name (no e-mail addresses or phone numbers)",
        organization="Where they work: pick one of your employers or type a new one",
        role="Their job title, if you know it",
        connection="How you are connected to them",
    )
    @app_commands.choices(connection=CONNECTION_CHOICES)
    async def new(
        self,
        interaction: discord.Interaction,
        person: app_commands.Range[str, 1, MAX_NAME],
        organization: app_commands.Range[str, 1, MAX_NAME],
        role: app_commands.Range[str, 1, MAX_NAME] | None = None,
        connection: app_commands.Choice[str] | None = None,
    ) -> None:
        link = Connection(connection.value) if connection else None
        added = await add_contact_at_employer(
            self.ctx,
            student_of(interaction),
            NewContact(person, organization, role, link),
        )
        contact = added.contact
        embed, view = await show_checklist(self.ctx, contact, "request")
        details = ", ".join(part for part in (contact.role, link.label if link else None) if part)
        # The person in bold and the employer after "at": bold around "Name (Employer)" read as
        # stray asterisks wherever the markup is not rendered (previews, screen readers).
        summary = (
            f"Added **{escape_markdown(contact.person)}** at "
            f"{escape_markdown(contact.organization)}"
        )
        if details:
            summary += f" ({escape_markdown(details)})"
        summary += (
            ". Here is your request checklist; log the email with `/request sent` once it's out."
        )
        employer_note = employer_text(added)
        if employer_note:
            summary += "\n" + employer_note
        await interaction.response.send_message(summary, embed=embed, view=view, ephemeral=True)

    @new.autocomplete("organization")
    async def organization_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await organization_choices(interaction, current)

    @app_commands.command(name="checklist", description="Your request checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        chosen = await contact_or_latest(
            self.ctx, student_of(interaction), contact.id if contact else None
        )
        embed, view = await show_checklist(self.ctx, chosen, "request")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="check-email",
        description="Check an outreach email draft against the 5-Point Email rules",
    )
    async def check_email_command(self, interaction: discord.Interaction) -> None:
        student_of(interaction)  # a private error in direct messages
        await interaction.response.send_modal(EmailDraftModal())

    @app_commands.command(
        name="sent", description="Log that your request went out (starts the 3B7 routine)"
    )
    @app_commands.describe(
        contact="Which contact",
        sent_on="When you sent it: yesterday, Monday, Nov 3 or 2026-11-03 (default: today)",
    )
    @app_commands.rename(sent_on="date")
    async def sent(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        sent_on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return  # asked for their time zone first
        result = await log_request_sent(self.ctx, student_of(interaction), contact.id, sent_on)
        text = link_first_mentions(request_sent_text(result), self.ctx.content.glossary)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="reply", description="Log that a contact replied (stops the 3B7 routine)"
    )
    @app_commands.describe(
        contact="Which contact",
        replied_on="When they replied: yesterday, Monday, Nov 3 or 2026-11-03 (default: today)",
    )
    @app_commands.rename(replied_on="date")
    async def reply(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        replied_on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        result = await log_reply(self.ctx, student_of(interaction), contact.id, replied_on)
        text = link_first_mentions(reply_logged_text(result), self.ctx.content.glossary)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="followed-up",
        description="Log the one 3B7 follow-up you sent after 7 business days without a reply",
    )
    @app_commands.describe(
        contact="Which contact",
        sent_on="When you sent it: yesterday, Monday, Nov 3 or 2026-11-03 (default: today)",
    )
    @app_commands.rename(sent_on="date")
    async def followed_up(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        sent_on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if await student_zone(interaction) is None:
            return  # asked for their time zone first
        result = await log_follow_up_sent(self.ctx, student_of(interaction), contact.id, sent_on)
        await interaction.response.send_message(follow_up_sent_text(result), ephemeral=True)


def employer_text(added: ContactAdded) -> str:
    """What adding the contact did to the student's employer list (empty: nothing new)."""
    link = added.employer
    name = escape_markdown(link.employer.name)
    if link.created:
        text = f"**{name}** is new on your employer list, not scored yet: `/employers score`."
    elif link.reopened:
        text = f"**{name}** was marked done; with a new contact there it is back on your list."
    else:
        return ""
    if link.active:
        text += " It is in your top five ⭐."
    return text


def request_sent_text(result: RequestSent) -> str:
    contact, day, dates = result.contact, result.day, result.dates
    name = escape_markdown(contact.display_name)
    skipped = "weekends"
    if result.holiday_country:
        skipped += f" and {country_name(result.holiday_country)} public holidays"
    lines = [
        f"{'Updated' if result.corrected else 'Logged'}: request to **{name}** sent on "
        f"{long_date(day)}. The 3B7 routine is running (business days, {skipped} skipped):",
        f"• No reply by **{long_date(dates.second_contact_on)}** → contact a second person "
        f"at {escape_markdown(contact.organization)}.",
        f"• Still no reply by **{long_date(dates.follow_up_on)}** → send one short follow-up.",
        "When they answer, log it with `/request reply`.",
    ]
    if dates.count_from != day:
        lines.insert(
            1,
            f"-# Sent after noon or on a non-business day, so the count starts on "
            f"{long_date(dates.count_from)}.",
        )
    return "\n".join(lines)


def follow_up_sent_text(result: FollowUpSent) -> str:
    name = escape_markdown(result.contact.display_name)
    return (
        f"{'Updated' if result.corrected else 'Logged'}: follow-up to **{name}** sent on "
        f"{long_date(result.day)}. That was the one follow-up the method allows. No reply by "
        f"**{long_date(result.close_on)}** → I'll remind you to close this contact and put your "
        "time into the next one. If they answer first, log it with `/request reply`."
    )


def reply_logged_text(result: ReplyLogged) -> str:
    name = escape_markdown(result.contact.display_name)
    explain = (
        "a **booster** (they answered within 3 business days, so they're likely to help)."
        if result.reply_class is ReplyClass.BOOSTER
        else "an **obligate** (they answered after 3 business days: a yes is a yes, and keep "
        "going with your other employers too)."
    )
    return (
        f"🎉 They replied! Logged: **{name}** replied on {long_date(result.day)}, {explain} "
        "The 3B7 reminders for them stop here. Next: reply today with two or three times that "
        "suit you (in their time zone too); when they pick one, log it with `/prepare schedule`. "
        "I'll remind you if no meeting is set."
    )


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(ChecklistTick, TimezoneSelect)
    await bot.add_cog(RequestCog(bot.actions))
