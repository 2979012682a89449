"""Seeding a student with many contacts fast (through the storage layer and the real planner):
for the fair-share tests and benchmarks (issue 14)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.actions.planner import NudgePlanner
from bot.domain.three_b_seven import outreach_dates
from bot.storage.contacts import add_contact, record_request_sent
from bot.storage.database import Database
from bot.storage.students import ensure_student, update_settings


async def seed_requested_contacts(
    db: Database,
    planner: NudgePlanner,
    *,
    guild_id: int,
    user_id: int,
    count: int,
    sent_at: datetime,
    zone: str = "America/New_York",
    per_transaction: int = 100,
    digest: bool = True,
) -> list[int]:
    """``count`` contacts of one student, each asked at ``sent_at`` (so each has its 3B and 7B
    reminders planned), spread over 40 employers; the student's time zone is ``zone`` (and
    their weekly digest off unless ``digest``)."""
    ids: list[int] = []
    dates = outreach_dates(sent_at, ZoneInfo(zone))
    async with db.transaction() as tx:
        await ensure_student(tx, guild_id, user_id, sent_at)
        await update_settings(tx, guild_id, user_id, sent_at, timezone=zone)
        if not digest:
            await update_settings(tx, guild_id, user_id, sent_at, digest_day=None)
    for start in range(0, count, per_transaction):
        async with db.transaction() as tx:
            for n in range(start, min(count, start + per_transaction)):
                contact_id = await add_contact(
                    tx,
                    guild_id=guild_id,
                    user_id=user_id,
                    person=f"Person {n}",
                    organization=f"Employer {n % 40}",
                    role=None,
                    connection=None,
                    now=sent_at,
                )
                await record_request_sent(
                    tx,
                    contact_id,
                    sent_at=sent_at,
                    zone=zone,
                    time_known=True,
                    count_from=dates.count_from,
                    second_contact_on=dates.second_contact_on,
                    follow_up_on=dates.follow_up_on,
                    now=sent_at + timedelta(microseconds=n),
                )
                ids.append(contact_id)
            await planner.replan_student(tx, guild_id, user_id, sent_at)
    return ids
