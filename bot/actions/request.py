"""Phase 1, making a request: check an outreach email, log it sent (3B7 starts), log a reply."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.actions.common import check_log_date, log_event, stage_guard, student_transaction
from bot.actions.contacts import owned_contact, student_zone
from bot.actions.context import ActionContext, StudentKey
from bot.domain.contacts import Stage
from bot.domain.email_check import RuleVerdict, check_email
from bot.domain.three_b_seven import OutreachDates, ReplyClass, classify_reply, outreach_dates
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, record_reply, record_request_sent
from bot.storage.guild_settings import server_settings
from bot.text import escape_markdown
from bot.validation import local_start_of_day


def _reply_before_sent(contact: ContactRecord) -> str:
    """A reply logged before its request: good news, and the one command that fixes it."""
    name = contact.person.replace("`", "'")
    return (
        f"Good news that {escape_markdown(contact.person)} replied! First log when your request "
        f"went out: `/request sent contact:{name} date:` the day you sent it (e.g. `Monday` or "
        "`Nov 3`), then log the reply again. I need that day to tell how quickly they replied."
    )


@dataclass(frozen=True, slots=True)
class EmailVerdict:
    word_limit: int
    verdicts: list[RuleVerdict]


@dataclass(frozen=True, slots=True)
class RequestSent:
    contact: ContactRecord
    day: date
    dates: OutreachDates
    corrected: bool
    holiday_country: str | None


@dataclass(frozen=True, slots=True)
class ReplyLogged:
    contact: ContactRecord
    day: date
    reply_class: ReplyClass


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


async def check_outreach_email(ctx: ActionContext, who: StudentKey, draft: str) -> EmailVerdict:
    """Judge a draft against the 5-Point Email rules with this server's word limit. The draft is
    not stored; only which rules failed is logged (``email_checked``)."""
    settings = await server_settings(ctx.db, who.guild_id)
    rules = dataclasses.replace(
        ctx.content.email_rules,
        word_limit=settings.email_word_limit(ctx.content.email_rules.word_limit),
    )
    verdicts = check_email(draft, rules)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await log_event(
            tx,
            who,
            "email_checked",
            now,
            payload={"failed": [v.rule for v in verdicts if not v.passed]},
        )
    return EmailVerdict(rules.word_limit, verdicts)


async def log_request_sent(
    ctx: ActionContext, who: StudentKey, contact_id: int, sent_on: str | None = None
) -> RequestSent:
    """The request went out (today, or on ``sent_on``): store the 3B7 dates, log
    ``request_sent``, plan the 3B and 7B reminders. Logging it again corrects the date."""
    contact = await owned_contact(ctx, who, contact_id)
    correcting = contact.stage is Stage.REQUESTED
    if not correcting:
        stage_guard(contact, Stage.REQUESTED)
    zone = await student_zone(ctx, who)
    now = ctx.clock.now()
    day = check_log_date(sent_on, zone, now, "the request")
    time_known = day == now.astimezone(zone).date()
    sent_at = now if time_known else local_start_of_day(day, zone)
    settings = await server_settings(ctx.db, who.guild_id)
    dates = outreach_dates(sent_at, zone, settings.holidays, time_known=time_known)
    async with student_transaction(ctx, who, now) as tx:
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
        await log_event(
            tx,
            who,
            "request_sent",
            now,
            contact_id=contact.id,
            payload={
                "sent_on": day.isoformat(),
                "count_from": dates.count_from.isoformat(),
                "second_contact_on": dates.second_contact_on.isoformat(),
                "follow_up_on": dates.follow_up_on.isoformat(),
                "corrected": correcting,
            },
        )
        await ctx.planner.replan_contact(tx, contact.id, now)
    return RequestSent(contact, day, dates, correcting, settings.holiday_country)


async def log_reply(
    ctx: ActionContext, who: StudentKey, contact_id: int, replied_on: str | None = None
) -> ReplyLogged:
    """They replied: classify them (booster or obligate), stop 3B7, log ``reply_logged``."""
    contact = await owned_contact(ctx, who, contact_id)
    outreach = outreach_of(contact)
    if contact.stage is Stage.PLANNED or outreach is None:
        raise UserError(_reply_before_sent(contact))
    stage_guard(contact, Stage.REPLIED)
    dates, zone = outreach  # the reply is dated in the zone the request was logged in
    now = ctx.clock.now()
    day = check_log_date(replied_on, zone, now, "the reply")
    try:
        kind = classify_reply(dates, day)
    except ValueError:
        raise UserError(
            f"{day.isoformat()} is before the request went out ({dates.sent_on.isoformat()})."
        ) from None
    replied_at = now if day == now.astimezone(zone).date() else local_start_of_day(day, zone)
    async with student_transaction(ctx, who, now) as tx:
        await record_reply(
            tx,
            contact.id,
            replied_at=replied_at,
            replied_on=day,
            reply_class=kind.value,
            now=now,
        )
        await log_event(
            tx,
            who,
            "reply_logged",
            now,
            contact_id=contact.id,
            payload={"replied_on": day.isoformat(), "reply_class": kind.value},
        )
        await ctx.planner.replan_contact(tx, contact.id, now)
    return ReplyLogged(contact, day, kind)
