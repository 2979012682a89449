"""Phase 1, making a request: ``/request new | checklist | check-email | sent | reply``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.domain.contacts import Connection, Stage, StageChangeError, check_stage_change
from bot.domain.email_check import RuleVerdict, check_email
from bot.domain.three_b_seven import OutreachDates, classify_reply, outreach_dates
from bot.errors import UserError
from bot.holiday_calendars import country_name
from bot.storage.contacts import (
    ContactRecord,
    add_contact,
    get_contact,
    most_recent_contact,
    record_reply,
    record_request_sent,
)
from bot.storage.events import append_event
from bot.storage.guild_settings import server_settings
from bot.storage.students import ensure_student
from bot.ui.checklist import show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.guarded import GuardedModal, bot_of, guild_id_of
from bot.ui.markdown import escape_markdown
from bot.ui.modal_rescue import modal_custom_id, register_modal
from bot.ui.timezone_picker import student_zone
from bot.validation import clean_optional_text, clean_text, local_start_of_day, parse_date

MAX_NAME = 100
OLDEST_LOG = timedelta(days=366)
CONNECTION_CHOICES = [app_commands.Choice(name=c.label, value=c.value) for c in Connection]


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def check_log_date(raw: str | None, zone: ZoneInfo, now: datetime, what: str) -> date:
    """The local day something happened: today by default; never in the future, at most a year
    back."""
    today = now.astimezone(zone).date()
    if raw is None:
        return today
    day = parse_date(raw)
    if day > today:
        raise UserError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} in {zone.key}). "
            f"Log {what} once it has happened."
        )
    if today - day > OLDEST_LOG:
        raise UserError(f"{day.isoformat()} is more than a year ago; please check the year.")
    return day


def stage_guard(contact: ContactRecord, new: Stage) -> None:
    try:
        check_stage_change(contact.stage, new)
    except StageChangeError as exc:
        raise UserError(str(exc)) from None


def outreach_of(contact: ContactRecord) -> tuple[OutreachDates, ZoneInfo] | None:
    """The stored 3B7 dates and the zone they were computed in, if the request was logged."""
    if (
        contact.requested_at is None
        or not contact.requested_tz
        or contact.count_from is None
        or contact.second_contact_on is None
        or contact.follow_up_on is None
    ):
        return None
    zone = ZoneInfo(contact.requested_tz)
    dates = OutreachDates(
        count_from=contact.count_from,
        second_contact_on=contact.second_contact_on,
        follow_up_on=contact.follow_up_on,
        sent_on=contact.requested_at.astimezone(zone).date(),
    )
    return dates, zone


def verdict_embed(limit: int, rules_result: list[RuleVerdict]) -> discord.Embed:
    passed = sum(1 for verdict in rules_result if verdict.passed)
    embed = discord.Embed(
        title=f"Outreach email check: {passed} of {len(rules_result)} rules pass",
        colour=discord.Colour.green() if passed == len(rules_result) else discord.Colour.orange(),
    )
    for verdict in rules_result:
        mark = "✅" if verdict.passed else "❌"
        embed.add_field(
            name=f"{mark} {verdict.title}"[:256],
            value=escape_markdown(verdict.reason)[:1024],  # reasons quote the draft
            inline=False,
        )
    embed.set_footer(
        text=f"Word limit on this server: {limit}. Your draft was not stored. "
        "Fix what failed and check again."
    )
    return embed


class EmailDraftModal(GuardedModal, title="Check your outreach email"):
    draft: discord.ui.TextInput[EmailDraftModal] = discord.ui.TextInput(
        label="Paste your draft",
        custom_id="draft",
        style=discord.TextStyle.paragraph,
        placeholder="Dear Ms. Lee, I'm a fellow … alum … Would you have 20 minutes …?",
        min_length=1,
        max_length=4000,
    )

    def __init__(self, custom_id: str | None = None) -> None:
        super().__init__(custom_id=custom_id or modal_custom_id("email"))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        settings = await server_settings(bot.db, guild_id)
        rules = dataclasses.replace(
            bot.content.email_rules,
            word_limit=settings.email_word_limit(bot.content.email_rules.word_limit),
        )
        verdicts = check_email(self.draft.value, rules)
        now = bot.clock.now()
        async with bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                kind="email_checked",
                payload={"failed": [v.rule for v in verdicts if not v.passed]},
                at=now,
            )
        await interaction.response.send_message(
            embed=verdict_embed(rules.word_limit, verdicts), ephemeral=True
        )


register_modal(r"ic:mf:email:[0-9a-f]{8}", lambda m: EmailDraftModal(custom_id=m.string))


@app_commands.guild_only()
class RequestCog(
    commands.GroupCog,
    group_name="request",
    group_description="Phase 1: ask for an informational interview",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="new", description="Add a contact you want to ask for a conversation"
    )
    @app_commands.describe(
        person="Their name (no e-mail addresses or phone numbers)",
        organization="Where they work",
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
        guild_id = guild_id_of(interaction)
        person_text = clean_text(person, "person's name", max_length=MAX_NAME)
        org_text = clean_text(organization, "organization", max_length=MAX_NAME)
        role_text = clean_optional_text(role, "role", max_length=MAX_NAME)
        link = Connection(connection.value) if connection else None
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            contact_id = await add_contact(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                person=person_text,
                organization=org_text,
                role=role_text,
                connection=link,
                now=now,
            )
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                contact_id=contact_id,
                kind="contact_added",
                payload={"connection": link.value if link else None},
                at=now,
            )
        contact = await get_contact(self.bot.db, guild_id, interaction.user.id, contact_id)
        assert contact is not None
        embed, view = await show_checklist(self.bot, contact, "request")
        details = ", ".join(part for part in (role_text, link.label if link else None) if part)
        summary = f"Added **{escape_markdown(contact.display_name)}**"
        if details:
            summary += f" ({escape_markdown(details)})"
        summary += (
            ". Here is your request checklist; log the email with `/request sent` once it's out."
        )
        await interaction.response.send_message(summary, embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="checklist", description="Your request checklist for a contact")
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        if contact is None:
            contact = await most_recent_contact(self.bot.db, guild_id, interaction.user.id)
        if contact is None:
            raise UserError(
                "You have no contacts yet. Add the first one with "
                "`/request new person:<name> organization:<employer>`."
            )
        embed, view = await show_checklist(self.bot, contact, "request")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(
        name="check-email",
        description="Check an outreach email draft against the 5-Point Email rules",
    )
    async def check_email_command(self, interaction: discord.Interaction) -> None:
        guild_id_of(interaction)
        await interaction.response.send_modal(EmailDraftModal())

    @app_commands.command(
        name="sent", description="Log that your request went out (starts the 3B7 routine)"
    )
    @app_commands.describe(
        contact="Which contact", sent_on="When you sent it, YYYY-MM-DD (default: today)"
    )
    @app_commands.rename(sent_on="date")
    async def sent(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        sent_on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        correcting = contact.stage is Stage.REQUESTED
        if not correcting:
            stage_guard(contact, Stage.REQUESTED)
        zone = await student_zone(interaction)
        if zone is None:
            return
        now = self.bot.clock.now()
        day = check_log_date(sent_on, zone, now, "the request")
        today = now.astimezone(zone).date()
        time_known = day == today
        sent_at = now if time_known else local_start_of_day(day, zone)
        settings = await server_settings(self.bot.db, guild_id)
        dates = outreach_dates(sent_at, zone, settings.holidays, time_known=time_known)
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await record_request_sent(
                tx,
                contact.id,
                sent_at=sent_at,
                zone=zone.key,
                time_known=time_known,
                count_from=dates.count_from,
                second_contact_on=dates.second_contact_on,
                follow_up_on=dates.follow_up_on,
                now=now,
            )
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                contact_id=contact.id,
                kind="request_sent",
                payload={
                    "sent_on": day.isoformat(),
                    "count_from": dates.count_from.isoformat(),
                    "second_contact_on": dates.second_contact_on.isoformat(),
                    "follow_up_on": dates.follow_up_on.isoformat(),
                    "corrected": correcting,
                },
                at=now,
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)
        name = escape_markdown(contact.display_name)
        skipped = "weekends"
        if settings.holiday_country:
            skipped += f" and {country_name(settings.holiday_country)} public holidays"
        lines = [
            f"{'Updated' if correcting else 'Logged'}: request to **{name}** sent on "
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
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name="reply", description="Log that a contact replied (stops the 3B7 routine)"
    )
    @app_commands.describe(
        contact="Which contact", replied_on="When they replied, YYYY-MM-DD (default: today)"
    )
    @app_commands.rename(replied_on="date")
    async def reply(
        self,
        interaction: discord.Interaction,
        contact: ContactOption,
        replied_on: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        outreach = outreach_of(contact)
        if contact.stage is Stage.PLANNED or outreach is None:
            raise UserError(
                "Log when your request went out first, with `/request sent`, so I can tell "
                "how quickly they replied."
            )
        stage_guard(contact, Stage.REPLIED)
        dates, zone = outreach  # the reply is dated in the zone the request was logged in
        now = self.bot.clock.now()
        day = check_log_date(replied_on, zone, now, "the reply")
        try:
            kind = classify_reply(dates, day)
        except ValueError:
            raise UserError(
                f"{day.isoformat()} is before the request went out ({dates.sent_on.isoformat()})."
            ) from None
        replied_at = now if day == now.astimezone(zone).date() else local_start_of_day(day, zone)
        async with self.bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, interaction.user.id, now)
            await record_reply(
                tx,
                contact.id,
                replied_at=replied_at,
                replied_on=day,
                reply_class=kind.value,
                now=now,
            )
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                contact_id=contact.id,
                kind="reply_logged",
                payload={"replied_on": day.isoformat(), "reply_class": kind.value},
                at=now,
            )
            await self.bot.planner.replan_contact(tx, contact.id, now)
        name = escape_markdown(contact.display_name)
        explain = (
            "a **booster**: they answered within 3 business days, so they're likely to help."
            if kind.value == "booster"
            else "an **obligate**: they answered after 3 business days. They may help out of "
            "duty; keep going with your other employers too."
        )
        await interaction.response.send_message(
            f"Logged: **{name}** replied on {long_date(day)}, {explain} The 3B7 routine for "
            "them stops here. Next: agree on a time and prepare your questions.",
            ephemeral=True,
        )


async def setup(bot: InfoCoachBot) -> None:
    await bot.add_cog(RequestCog(bot))
