"""Fair-delivery benchmark (issue 14): one student with the limit's worth of due reminders and
other students' reminders, through the real bot and dispatcher against the emulator enforcing
Discord's limits. Prints markdown tables; asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_fair_delivery [--quick]

The heavy student has :data:`~bot.domain.limits.MAX_OPEN_CONTACTS` contacts, each with its 3B
and 7B reminders due (600 reminders); 20 bystanders have one reminder each, due three hours
later than the heavy student's (so strictly by due time they would all wait for the 600). The
emulator enforces the global limit (50 requests per second) and the per-channel one (5
messages per 5 seconds per channel, 429 beyond), so the heavy student's backlog takes about
ten minutes whatever the bot does; the question is what it does to the others.

- **all due at once**: the clock is at the bystanders' due time when the run starts; delay =
  from ``dispatch_due()`` being called to each bystander's DM reaching the emulator;
- **due during the backlog**: the run starts when only the heavy student's are due; 3 s later
  the clock moves to the bystanders' due time (nothing else pokes the dispatcher: the run's
  own polling finds them); delay = from the clock moving to each bystander's DM.

The runs are stopped once every bystander has their reminder (the backlog would go on).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import emulator, machine_facts, make_bot, markdown_table, running
from benchmarks.run_all import write_headlines
from bot.clock import ManualClock
from bot.domain.limits import MAX_OPEN_CONTACTS
from bot.storage.timestamps import to_db
from tests.emulator import DiscordEmulator
from tests.fair_seed import seed_requested_contacts

HEAVY_SENT = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # Tuesday 09:30 in New York
BYSTANDER_SENT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # Monday 06:30 in Los Angeles
HEAVY_DUE = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # 09:00 in New York
BYSTANDER_DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
BYSTANDERS = 20
GLOBAL_LIMIT = 50
CHANNEL_LIMIT = (5, 5.0)
TARGET_SECONDS = 2.0
MIDWAY = 3.0  # seconds into the backlog when the bystanders' reminders fall due


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: str
    heavy_due: int
    delays: list[float]
    heavy_sent: int
    channel_429s: int
    global_429s: int


async def scenario(name: str, folder: Path, midway: bool) -> Outcome:
    async with emulator(global_rate_limit=GLOBAL_LIMIT) as emu:
        emu.channel_rate_limit = CHANNEL_LIMIT
        guild = emu.add_guild("Career Club")
        heavy = emu.add_user("heavy")
        bystanders = [emu.add_user(f"bystander{n}") for n in range(BYSTANDERS)]
        for user in (heavy, *bystanders):
            emu.add_member(guild.id, user.id)
        clock = ManualClock(HEAVY_SENT)
        bot = make_bot(emu, folder / f"{name}.sqlite3", clock=clock, deliver_nudges=False)
        async with running(emu, bot):
            await asyncio.wait_for(bot.nudges_started.wait(), 60)
            await seed_requested_contacts(
                bot.db,
                bot.planner,
                guild_id=guild.id,
                user_id=heavy.id,
                count=MAX_OPEN_CONTACTS,
                sent_at=HEAVY_SENT,
                digest=False,
            )
            for user in bystanders:
                await seed_requested_contacts(
                    bot.db,
                    bot.planner,
                    guild_id=guild.id,
                    user_id=user.id,
                    count=1,
                    sent_at=BYSTANDER_SENT,
                    zone="America/Los_Angeles",
                    digest=False,
                )
            heavy_due = int(
                await bot.db.fetch_value(
                    "SELECT count(*) FROM nudges WHERE user_id = ? AND status = 'pending'"
                    " AND due_at <= ?",
                    (heavy.id, to_db(HEAVY_DUE)),
                )
            )
            await asyncio.sleep(1.1)  # start-up requests leave the global window
            clock.set(HEAVY_DUE if midway else BYSTANDER_DUE)
            run = asyncio.create_task(bot.dispatcher.dispatch_due())
            if midway:
                await asyncio.sleep(MIDWAY)
                clock.set(BYSTANDER_DUE)
            started = time.perf_counter()
            delays = await asyncio.gather(*(arrival(emu, u.id, started) for u in bystanders))
            heavy_sent = len(emu.dms(heavy.id))
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            limit = emu.channel_limit
            assert limit is not None
            assert emu.rate_limit is not None
            return Outcome(
                name, heavy_due, delays, heavy_sent, limit.rejected, emu.rate_limit.rejected
            )


async def arrival(emu: DiscordEmulator, user_id: int, started: float) -> float:
    await emu.wait_for_dm(user_id, timeout=120)
    return time.perf_counter() - started


async def main_async(quick: bool) -> None:
    rounds = 1 if quick else 3
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bench-fair-delivery-") as tmp:
        for r in range(rounds):
            outcomes.append(await scenario(f"all due at once #{r + 1}", Path(tmp), False))
            outcomes.append(await scenario(f"due during the backlog #{r + 1}", Path(tmp), True))
    facts = machine_facts()
    print("## Fair delivery: one student's backlog vs. other students' reminders\n")
    print(
        f"Machine: {facts.get('cpu model', '?')}, Python {facts.get('python', '?')}; emulator: "
        f"{GLOBAL_LIMIT} requests/s global, {CHANNEL_LIMIT[0]} messages per "
        f"{CHANNEL_LIMIT[1]:.0f} s per channel; {BYSTANDERS} bystanders.\n"
    )
    print(
        markdown_table(
            (
                "scenario",
                "heavy student's due reminders",
                "bystander delay p50",
                "max",
                "heavy's sent meanwhile",
                "per-channel 429s",
                "global 429s",
            ),
            (
                (
                    o.scenario,
                    o.heavy_due,
                    f"{statistics.median(o.delays):.2f} s",
                    f"{max(o.delays):.2f} s",
                    o.heavy_sent,
                    o.channel_429s,
                    o.global_429s,
                )
                for o in outcomes
            ),
        )
    )
    worst = max(max(o.delays) for o in outcomes)
    write_headlines(
        [
            {
                "metric": "fair delivery: another student's reminder delayed by a backlog of"
                f" {outcomes[0].heavy_due} (max)",
                "value": f"{worst:.2f} s",
                "target": f"< {TARGET_SECONDS:.0f} s",
                "met": worst < TARGET_SECONDS,
            }
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    args = parser.parse_args()
    asyncio.run(main_async(args.quick))


if __name__ == "__main__":
    main()
