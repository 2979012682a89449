"""A server of ``n`` students with varied, known activity (for the 6- and 60-student views)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.contacts import Stage
from bot.storage.database import Database
from tests.staff_stats import seed

GUILD = 4242
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
START = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)
R, Q, S, M, T = (Stage.REQUESTED, Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED)
PATH = (R, Q, S, M, T)


async def seed_students(db: Database, n: int, guild: int = GUILD) -> list[int]:
    """Student k logs 1 + k % 4 contacts; contact j of student k goes ``(k + j) % 6`` steps along
    requested → replied → scheduled → met → thanked (0: still planned), a few days apart, and
    gets sent reminders of two kinds (some pressed Done)."""
    users = [800_000_000_000_000_000 + k for k in range(n)]
    async with db.transaction() as tx:
        for k, user in enumerate(users):
            await seed.student(tx, guild, user)
            for j in range(1 + k % 4):
                steps = (k + j) % 6
                begin = START + timedelta(days=(k * 3 + j * 5) % 80)
                stamps = {
                    stage: begin + timedelta(days=2 * i + (k % 3)) for i, stage in enumerate(PATH)
                }
                stamps = {stage: at for i, (stage, at) in enumerate(stamps.items()) if i < steps}
                stage = PATH[steps - 1] if steps else Stage.PLANNED
                reply = ("booster", "obligate", "booster")[k % 3] if steps >= 2 else None
                contact = await seed.contact(tx, guild, user, stage, stamps, reply_class=reply)
                if steps:
                    at = stamps[R] + timedelta(days=3)
                    await seed.nudge(
                        tx,
                        guild,
                        user,
                        contact,
                        status="sent",
                        at=at,
                        kind="second_contact",
                        action="done" if k % 2 else None,
                    )
                    await seed.nudge(
                        tx, guild, user, contact, status="sent", at=at, kind="follow_up"
                    )
    return users
