"""Fair-share benchmark (issue 14): one student at the contact limit changes settings in a loop
while other students tick checklist items. Prints markdown tables; asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_fair_share [--quick]

Everything goes through the real action functions (``bot.actions.settings.set_quiet_hours``,
``bot.actions.checklists.toggle_item``) on a real, migrated SQLite file in WAL mode with the
bot's group-commit writer. The heavy student has :data:`~bot.domain.limits.MAX_OPEN_CONTACTS`
contacts, each asked (so each has its 3B and 7B reminders pending: 600 rows to move per
change); they change their quiet hours back to back, alternating two values. Meanwhile
bystanders (200 students with one contact each) tick request-checklist items at a steady
200 per second, open loop: each tick starts at its planned time whatever the others do, and
its latency is from that planned start to the action returning (committed) — what a student's
tap waits for besides Discord's round trip.

Two modes, taking turns phase by phase:

- **one transaction (before)**: the settings write and the re-planning of every contact in one
  transaction, as before issue 14 (``NudgePlanner.replan_student`` inside the settings
  transaction);
- **batches (now)**: the settings action as shipped: the change commits, then contacts are
  re-planned :data:`~bot.actions.planner.REPLAN_BATCH` per transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import machine_facts, markdown_table
from benchmarks.run_all import write_headlines
from bot.actions.checklists import toggle_item
from bot.actions.common import student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import REPLAN_BATCH, NudgePlanner
from bot.actions.settings import set_quiet_hours
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.limits import MAX_OPEN_CONTACTS
from bot.storage.contacts import add_contact
from bot.storage.database import SqliteDatabase
from bot.storage.students import ensure_student, write_settings
from bot.validation import parse_clock_time
from tests.fair_seed import seed_requested_contacts

ROOT = Path(__file__).resolve().parent.parent
GUILD = 1
HEAVY = StudentKey(GUILD, 1)
BYSTANDERS = 200
RATE = 200.0  # bystander ticks per second
TARGET_P99_MS = 50.0
SENT = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
QUIET = (("21:00", "08:00"), ("22:00", "10:30"))


async def seed(path: Path) -> list[tuple[StudentKey, int]]:
    content = load_content(ROOT / "data")
    db = await SqliteDatabase.open(path)
    try:
        planner = NudgePlanner(db, content, lambda due: None)
        await seed_requested_contacts(
            db,
            planner,
            guild_id=GUILD,
            user_id=HEAVY.user_id,
            count=MAX_OPEN_CONTACTS,
            sent_at=SENT,
        )
        pairs: list[tuple[StudentKey, int]] = []
        async with db.transaction() as tx:
            for n in range(BYSTANDERS):
                who = StudentKey(GUILD, 1000 + n)
                await ensure_student(tx, who.guild_id, who.user_id, SENT)
                contact_id = await add_contact(
                    tx,
                    guild_id=who.guild_id,
                    user_id=who.user_id,
                    person=f"Person {n}",
                    organization="Contoso",
                    role=None,
                    connection=None,
                    now=SENT,
                )
                pairs.append((who, contact_id))
    finally:
        await db.close()
    return pairs


async def one_transaction(ctx: ActionContext, start: str, end: str) -> None:
    """The settings change as it was before issue 14: everything in one transaction."""
    now = ctx.clock.now()
    async with student_transaction(ctx, HEAVY, now) as tx:
        await write_settings(
            tx,
            HEAVY.guild_id,
            HEAVY.user_id,
            quiet_start=parse_clock_time(start),
            quiet_end=parse_clock_time(end),
        )
        await ctx.planner.replan_student(tx, HEAVY.guild_id, HEAVY.user_id, now)


async def batches(ctx: ActionContext, start: str, end: str) -> None:
    await set_quiet_hours(ctx, HEAVY, start, end)


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    change: Callable[[ActionContext, str, str], Awaitable[None]]


MODES = (Mode("one transaction (before)", one_transaction), Mode("batches (now)", batches))


@dataclass
class Samples:
    mode: Mode
    ctx: ActionContext
    latencies: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def phase(
    samples: Samples, pairs: list[tuple[StudentKey, int]], items: list[str], seconds: float
) -> None:
    """Bystanders tick at RATE for ``seconds`` while the heavy student changes settings."""
    ctx = samples.ctx
    stop = asyncio.Event()
    latencies: list[float] = []

    async def heavy() -> None:
        n = 0
        while not stop.is_set():
            start, end = QUIET[n % 2]
            began = time.perf_counter()
            await samples.mode.change(ctx, start, end)
            samples.changes.append(time.perf_counter() - began)
            n += 1

    async def tick(index: int, planned: float) -> None:
        who, contact_id = pairs[index % len(pairs)]
        item = items[(index // len(pairs)) % len(items)]
        await toggle_item(ctx, who, contact_id, "request", item)
        latencies.append(time.perf_counter() - planned)

    heavy_task = asyncio.create_task(heavy())
    await asyncio.sleep(0.05)  # the heavy loop is under way
    started = time.perf_counter()
    ticks: list[asyncio.Task[None]] = []
    total = int(seconds * RATE)
    for index in range(total):
        planned = started + index / RATE
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        ticks.append(asyncio.create_task(tick(index, planned)))
    await asyncio.gather(*ticks)
    stop.set()
    await heavy_task
    samples.latencies += latencies
    samples.p99s.append(percentile(latencies, 0.99))


async def main_async(quick: bool) -> None:
    seconds, rounds = (3.0, 2) if quick else (10.0, 3)
    content = load_content(ROOT / "data")
    items = [i.id for i in content.checklists["request"].items if i.done_by is None]
    every: list[Samples] = []
    with tempfile.TemporaryDirectory(prefix="bench-fair-share-") as tmp:
        folder = Path(tmp)
        pairs = await seed(folder / "seed.sqlite3")
        try:
            for index, mode in enumerate(MODES):
                path = folder / f"mode{index}.sqlite3"
                path.write_bytes((folder / "seed.sqlite3").read_bytes())
                db = await SqliteDatabase.open(path)
                clock = ManualClock(SENT + timedelta(minutes=5))
                ctx = ActionContext(db, clock, content, NudgePlanner(db, content, lambda due: None))
                every.append(Samples(mode, ctx))
            for samples in every:  # warm-up
                await phase(samples, pairs, items, 1.0)
                samples.latencies.clear()
                samples.changes.clear()
                samples.p99s.clear()
            for _ in range(rounds):
                for samples in every:
                    await phase(samples, pairs, items, seconds / rounds * 2)
        finally:
            for samples in every:
                await samples.ctx.db.close()
    ms = 1000.0
    facts = machine_facts()
    print(f"## Fair share: {MAX_OPEN_CONTACTS} contacts' settings changes vs. bystanders' ticks\n")
    print(
        f"Machine: {facts.get('cpu model', '?')}, Python "
        f"{facts.get('python', '?')}, SQLite {facts.get('sqlite', '?')}; bystanders tick at "
        f"{RATE:.0f}/s open loop; {REPLAN_BATCH} contacts per batch.\n"
    )
    rows = []
    for s in every:
        rows.append(
            (
                s.mode.name,
                len(s.latencies),
                f"{statistics.median(s.latencies) * ms:.1f} ms",
                f"{percentile(s.latencies, 0.99) * ms:.1f} ms",
                f"{max(s.latencies) * ms:.1f} ms",
                f"{min(s.p99s) * ms:.1f}–{max(s.p99s) * ms:.1f} ms",
                len(s.changes),
                f"{statistics.median(s.changes) * ms:.0f} ms",
            )
        )
    print(
        markdown_table(
            (
                "mode",
                "bystander ticks",
                "p50",
                "p99",
                "max",
                "p99 per phase",
                "settings changes",
                "one change (median)",
            ),
            rows,
        )
    )
    now_p99 = percentile(every[-1].latencies, 0.99) * ms
    write_headlines(
        [
            {
                "metric": "fair share: bystander tick p99 while a student at the limit changes"
                " settings",
                "value": f"{now_p99:.1f} ms",
                "target": f"< {TARGET_P99_MS:.0f} ms",
                "met": now_p99 < TARGET_P99_MS,
            }
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases")
    args = parser.parse_args()
    asyncio.run(main_async(args.quick))


if __name__ == "__main__":
    main()
