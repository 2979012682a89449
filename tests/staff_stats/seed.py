"""Direct inserts for statistics tests (students, contacts with chosen stage timestamps, ticks,
events and nudges, as the bot stores them) and the hand-built server whose answers are known."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.domain.contacts import Stage
from bot.staff_stats import default_checklists
from bot.storage.contacts import STAGE_TIMESTAMP
from bot.storage.database import Database
from bot.storage.events import append_event
from bot.storage.students import ensure_student
from bot.storage.timestamps import to_db

DAY0 = datetime(2026, 10, 1, tzinfo=UTC)
GUILD, OTHER_GUILD = 111, 222
USERS = [900_000_000_000_000_101 + i for i in range(7)]  # U1..U6 act; U7 never does anything
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

R, Q, S, M, T = (Stage.REQUESTED, Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED)
MET_AFTER = [2, 4, 6, 8, 10]  # replied → met, days, for U1..U5
THANKED_AFTER = [1, 1, 2, 3, 5]  # met → thanked, days, for U1..U5


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


async def student(tx: aiosqlite.Connection, guild: int, user: int) -> None:
    await ensure_student(tx, guild, user, DAY0)


async def contact(
    tx: aiosqlite.Connection,
    guild: int,
    user: int,
    stage: Stage,
    stamps: dict[Stage, datetime] | None = None,
    *,
    reply_class: str | None = None,
    stage_before_close: Stage | None = None,
    closed_at: datetime | None = None,
    events: bool = True,
) -> int:
    """A contact whose ``updated_at`` is its latest timestamp; one event per timestamp."""
    stamps = stamps or {}
    instants = [*stamps.values(), *([closed_at] if closed_at else [])]
    updated = max(instants, default=DAY0)
    columns = {STAGE_TIMESTAMP[s]: to_db(at) for s, at in stamps.items()}
    if closed_at is not None:
        columns["closed_at"] = to_db(closed_at)
        columns["close_reason"] = "no_reply"
    names = ", ".join(columns)
    cursor = await tx.execute(
        "INSERT INTO contacts (guild_id, user_id, person, organization, stage, stage_before_close,"
        f" reply_class, created_at, updated_at{', ' if columns else ''}{names})"
        f" VALUES (?, ?, 'Person', 'Org', ?, ?, ?, ?, ?{', ?' * len(columns)}) RETURNING id",
        (
            guild,
            user,
            stage.value,
            stage_before_close.value if stage_before_close else None,
            reply_class,
            to_db(DAY0),
            to_db(updated),
            *columns.values(),
        ),
    )
    row = await cursor.fetchone()
    assert row is not None
    contact_id = int(row[0])
    if events:
        for s, at in stamps.items():
            await append_event(
                tx,
                guild_id=guild,
                user_id=user,
                kind=f"{s.value}_logged",
                at=at,
                contact_id=contact_id,
            )
        if closed_at is not None:
            await append_event(
                tx, guild_id=guild, user_id=user, kind="closed", at=closed_at, contact_id=contact_id
            )
    return contact_id


async def tick(
    tx: aiosqlite.Connection, contact_id: int, phase: str, item_ids: Iterable[str]
) -> None:
    for item_id in item_ids:
        await tx.execute(
            "INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)"
            " VALUES (?, ?, ?, ?)",
            (contact_id, phase, item_id, to_db(DAY0)),
        )


async def nudge(
    tx: aiosqlite.Connection,
    guild: int,
    user: int,
    contact_id: int | None,
    *,
    status: str,
    at: datetime,
    action: str | None = None,
    kind: str = "three_b_seven",
) -> None:
    """A nudge with ``status``; ``at`` is when it was sent (status sent) and last updated."""
    await tx.execute(
        "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence, planned_at, due_at,"
        " status, sent_at, action, acted_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild,
            user,
            contact_id,
            kind,
            to_db(at),
            to_db(at),
            to_db(at),
            status,
            to_db(at) if status == "sent" else None,
            action,
            to_db(at) if action else None,
            to_db(DAY0),
            to_db(at),
        ),
    )


async def seed_server(db: Database) -> None:
    """Main contacts: U1..U6 request on day 0 and get a reply after 1..6 days; U1..U5 schedule a
    day later, meet and thank (U6 stays at replied). U3's reply is obligate, the rest boosters.
    Extras: U1 a planned contact; U2 a contact closed unanswered (curmudgeon); U3 a contact
    logged straight as met on day 10 (skipped stages, no earlier timestamps)."""
    request_items = [i.id for i in default_checklists()["request"].items]
    prepare_items = [i.id for i in default_checklists()["prepare"].items]
    followup_items = [i.id for i in default_checklists()["followup"].items]
    async with db.transaction() as tx:
        for user in USERS:
            await student(tx, GUILD, user)
        for n, user in enumerate(USERS[:6], start=1):
            stamps = {R: day(0), Q: day(n)}
            if n <= 5:
                met = n + MET_AFTER[n - 1]
                stamps |= {S: day(n + 1), M: day(met), T: day(met + THANKED_AFTER[n - 1])}
            main = await contact(
                tx,
                GUILD,
                user,
                T if n <= 5 else Q,
                stamps,
                reply_class="obligate" if n == 3 else "booster",
            )
            await tick(tx, main, "request", request_items if n <= 5 else request_items[:-1])
            await tick(tx, main, "request", ["retired-item"])  # not in the checklist
            if n <= 4:
                await tick(tx, main, "prepare", prepare_items)
            if n <= 5:
                await tick(tx, main, "followup", followup_items)
            await nudge(
                tx,
                GUILD,
                user,
                main,
                status="sent",
                at=day(1) if n == 1 else day(10),
                action="done" if n <= 5 else "snoozed",
            )
        u1, u2, u3, u6 = USERS[0], USERS[1], USERS[2], USERS[5]
        planned = await contact(tx, GUILD, u1, Stage.PLANNED, events=False)
        await tx.execute(
            "UPDATE contacts SET updated_at = ? WHERE id = ?", (to_db(day(1)), planned)
        )
        await contact(
            tx,
            GUILD,
            u2,
            Stage.CLOSED,
            {R: day(0)},
            reply_class="curmudgeon",
            stage_before_close=R,
            closed_at=day(12),
        )
        await contact(tx, GUILD, u3, M, {M: day(10)})
        await nudge(tx, GUILD, u6, None, status="undeliverable", at=day(11), kind="digest")
        await nudge(tx, GUILD, u1, planned, status="pending", at=day(40))
        await nudge(tx, GUILD, u2, None, status="cancelled", at=day(5), kind="digest")
        # An empty weekly digest: skipped, never sent.
        await nudge(tx, GUILD, u3, None, status="skipped", at=day(11), kind="digest")
        # Another server, with the same people: must not leak into GUILD's figures.
        for user in USERS[:5]:
            await student(tx, OTHER_GUILD, user)
            other = await contact(tx, OTHER_GUILD, user, T, {R: day(0), T: day(9)})
            await nudge(tx, OTHER_GUILD, user, other, status="sent", at=day(9), action="done")
