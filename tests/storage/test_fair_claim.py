"""``claim_due_fair``: the dispatcher's round-robin claim between students (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.nudges import Wanted, claim_due_fair, sync_nudges
from bot.storage.students import ensure_student

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
GUILD, HEAVY, CAROL, DAN = 10, 1, 2, 3


async def _due(db: Database, user: int, count: int, first: datetime) -> list[int]:
    """``count`` contacts of ``user``, each with one pending reminder, due a minute apart."""
    ids: list[int] = []
    async with db.transaction() as tx:
        await ensure_student(tx, GUILD, user, NOW)
        for n in range(count):
            contact_id = await add_contact(
                tx,
                guild_id=GUILD,
                user_id=user,
                person=f"P{n}",
                organization="Acme",
                role=None,
                connection=None,
                now=NOW,
            )
            due = first + timedelta(minutes=n)
            await sync_nudges(
                tx,
                guild_id=GUILD,
                user_id=user,
                contact_id=contact_id,
                wanted=[Wanted("follow_up", f"o{n}", due)],
                kinds=("follow_up",),
                now=NOW,
            )
            ids.append(contact_id)
    return ids


async def test_every_student_gets_a_turn_before_anyone_gets_a_second(db: Database) -> None:
    heavy = await _due(db, HEAVY, 12, NOW - timedelta(hours=3))
    carol = await _due(db, CAROL, 2, NOW - timedelta(minutes=5))  # due after all of heavy's
    dan = await _due(db, DAN, 1, NOW + timedelta(minutes=1))  # not due yet
    async with db.transaction() as tx:
        first = await claim_due_fair(tx, NOW, 4, per_user=5)
    # Round robin: heavy's earliest and carol's earliest, then their seconds, in due order.
    assert [(r.user_id, r.contact_id) for r in first] == [
        (HEAVY, heavy[0]),
        (HEAVY, heavy[1]),
        (CAROL, carol[0]),
        (CAROL, carol[1]),
    ]
    assert {r.status.value for r in first} == {"sending"}
    async with db.transaction() as tx:
        second = await claim_due_fair(tx, NOW, 50, per_user=5, skip_users=[CAROL])
    # At most five of one student per claim, none of a skipped one, none not yet due.
    assert [r.contact_id for r in second] == heavy[2:7]
    async with db.transaction() as tx:
        rest = await claim_due_fair(tx, NOW + timedelta(minutes=1), 50, per_user=50)
    assert [r.contact_id for r in rest] == [*heavy[7:], dan[0]]
