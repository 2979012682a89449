"""Several bot processes on one PostgreSQL database (issue 16): delivery rate with a backlog,
takeover time after the leader dies, and interaction latency per process while delivery runs.
Prints markdown tables; asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_shards [--quick] [--students N] [--first-dms]
        [--engine postgres] [--database-url URL]

Two real ``python -m bot`` processes (shards 0 and 1 of 2) and the standalone emulator
(``python -m tests.emulator``, enforcing Discord's global limit of 50 requests per second and
the per-channel limit), all on this machine; PostgreSQL is a throwaway cluster (or the server
given). Half the students are in a server on shard 0, half on shard 1; each has one contact asked
two weeks ago, so its 3B and 7B reminders are both due: a backlog of 2 × students reminders.
The students have had DMs from the bot before (their DM channels are on record), as after
downtime; ``--first-dms``: none has, so each first reminder opens a DM channel.

1. Both processes start; one leads and delivers (``bot/leadership.py``).
2. While it delivers, each process gets slash commands at ``--rate`` per second in its own
   server (``/help``: read-only, so the load is the interaction path itself); latency is from
   the control route posting the interaction to the bot's answer reaching the emulator.
3. Half-way, the leader is killed (``kill -9``). Takeover = the kill → the other process
   logging that it leads; and → the next reminder delivered.
4. The rest is delivered by the new leader. Figures: DMs per second per phase (first to last
   DM, from the emulator's request log), 429s, the busiest second, and that every reminder
   went out exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from collections import Counter
from typing import Any

from benchmarks.common import machine_facts, markdown_table
from benchmarks.pg_engine import add_engine_options, pg_server, wants_postgres
from tests.emulator.control import EmulatorControl
from tests.emulator.standalone import StandaloneEmulator
from tests.shard_world import BotProcess, busiest_second, delivered, nudge_counts, seed

TARGET_DMS_PER_SECOND = 40.0
TARGET_TAKEOVER_SECONDS = 10.0
PATIENCE = 600.0
MESSAGE_POST = re.compile(r"^/channels/\d+/messages$")


async def wait_for(check: Any, what: str, limit: float = PATIENCE) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


class DmClock:
    """When each DM was sent, on the wall clock (epoch seconds): the successful message POSTs
    in the emulator's request log (the only messages the bot posts here are reminder DMs; the
    ``/help`` answers are interaction callbacks). Read incrementally, one call per poll."""

    def __init__(self, ctl: EmulatorControl) -> None:
        self.ctl = ctl
        self.sent: list[float] = []
        self._after = 0

    async def poll(self) -> int:
        log = await self.ctl.requests(after=self._after)
        self._after = log["total"]
        self.sent += [
            r["at"]
            for r in log["requests"]
            if r["method"] == "POST" and MESSAGE_POST.match(r["path"]) and r["status"] == 200
        ]
        return len(self.sent)


async def interaction_load(
    ctl: EmulatorControl, user_id: int, guild_id: int, rate: float, stop: asyncio.Event
) -> list[float]:
    """``/help`` at ``rate`` per second in ``guild_id`` until ``stop``; each latency (s)."""
    latencies: list[float] = []
    pending: set[asyncio.Task[None]] = set()

    async def one() -> None:
        started = time.monotonic()
        posted = await ctl.slash(user_id, guild_id, "help")
        answer = await ctl.interaction(posted["id"], wait=30)
        if answer["responded"]:
            latencies.append(time.monotonic() - started)

    while not stop.is_set():
        task = asyncio.create_task(one())
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*pending, return_exceptions=True)
    return latencies


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:.1f}" if seconds > 0 else "—"


def ms(values: list[float], q: float) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"


async def run(args: argparse.Namespace, admin_url: str, make_db: Any) -> None:
    url = await make_db("bench_shards")
    procs: list[BotProcess] = []
    async with (
        StandaloneEmulator(shards=2, rate_limit=50, channel_rate_limit="5/5") as emulator,
        emulator.control() as ctl,
    ):
        guilds = [(await ctl.add_guild(f"Club {s}", shard=s))["id"] for s in (0, 1)]
        users: dict[int, list[int]] = {}
        for n, guild_id in enumerate(guilds):
            users[guild_id] = []
            for i in range(args.students // 2):
                user = await ctl.add_user(f"student{n}_{i}")
                await ctl.add_member(guild_id, user["id"])
                users[guild_id].append(user["id"])
        askers = {}
        for guild_id in guilds:  # someone to run commands, with no reminders of their own
            asker = await ctl.add_user(f"asker{guild_id}")
            await ctl.add_member(guild_id, asker["id"])
            askers[guild_id] = asker["id"]
        everyone = [u for ids in users.values() for u in ids]
        seeding = time.monotonic()
        dm_channels = {}
        if not args.first_dms:  # students the bot has DMed before: their DM channel is known
            dm_channels = {user: await ctl.open_dm(user) for user in everyone}
        await seed(url, users, dm_channels)
        seeded_in = time.monotonic() - seeding
        total = (await nudge_counts(url)).get("pending", 0)
        print(f"Seeded {len(everyone):,} students, {total:,} due reminders in {seeded_in:.0f} s.\n")

        procs[:] = [BotProcess(emulator, url, 0), BotProcess(emulator, url, 1)]
        started = time.monotonic()
        for proc in procs:
            await proc.start()

        async def one_leads() -> bool:
            return any(p.leads for p in procs)

        await wait_for(one_leads, "a process leads", 120)
        leader = next(p for p in procs if p.leads)
        follower = next(p for p in procs if not p.leads)
        clock = DmClock(ctl)
        epoch = time.time() - time.monotonic()  # BotProcess times are monotonic
        stop = asyncio.Event()
        loads = {
            proc.shard: asyncio.create_task(
                interaction_load(
                    ctl, askers[guilds[proc.shard]], guilds[proc.shard], args.rate, stop
                )
            )
            for proc in procs
        }

        async def half_sent() -> bool:
            return await clock.poll() >= total // 2

        await wait_for(half_sent, "half the reminders are delivered")
        stop.set()  # the interaction load ends before the kill (an answer never comes then)
        latencies = {shard: await task for shard, task in loads.items()}
        killed_at = time.monotonic()
        await leader.kill()

        async def taken_over() -> bool:
            return follower.leads

        await wait_for(taken_over, "the other process leads", 120)
        assert follower.led_at is not None
        takeover = follower.led_at - killed_at

        led_at = follower.led_at + epoch

        async def all_sent() -> bool:
            return (await nudge_counts(url)).get("sent", 0) == total

        await wait_for(all_sent, "every reminder is delivered")
        await clock.poll()
        both = sorted(clock.sent)
        first_phase = [t for t in both if t <= killed_at + epoch]
        second_phase = [t for t in both if t > killed_at + epoch]
        # The first DM after the new leader took over (one between the kill and then was the
        # dead leader's, already on its way).
        next_dm = min(t for t in both if t > led_at) - (killed_at + epoch)
        copies = Counter(nudge for _, _, nudge in await delivered(ctl, everyone))
        status = await ctl.status()
        busiest = busiest_second((await ctl.requests())["requests"])
        for proc in procs:
            await proc.stop()
    once = len(copies) == total and max(copies.values(), default=0) == 1

    print(" · ".join(f"{k}: {v}" for k, v in machine_facts().items()))
    print(
        f"\nTwo bot processes (shards 0 and 1 of 2), emulator at 50 requests/s, {total:,} due"
        f" reminders for {len(everyone):,} students; ready and leading after"
        f" {leader.led_at - started:.1f} s (the leader: shard {leader.shard}).\n"
        if leader.led_at
        else ""
    )
    first_span = first_phase[-1] - first_phase[0] if first_phase else 0.0
    second_span = second_phase[-1] - second_phase[0] if second_phase else 0.0
    print(
        markdown_table(
            ("phase", "delivered by", "reminders", "DMs/s (first to last DM)"),
            [
                (
                    "before the kill",
                    f"shard {leader.shard} (leader)",
                    len(first_phase),
                    rate(len(first_phase), first_span),
                ),
                (
                    "after the takeover",
                    f"shard {follower.shard}",
                    len(second_phase),
                    rate(len(second_phase), second_span),
                ),
                (
                    "the follower while it followed",
                    f"shard {follower.shard}",
                    0,
                    "— (only the leader delivers)",
                ),
            ],
        )
    )
    print()
    print(
        markdown_table(
            ("figure", "measured", "target"),
            [
                (
                    "delivery, total (excluding the takeover gap)",
                    f"{rate(len(first_phase), first_span)} then "
                    f"{rate(len(second_phase), second_span)} DMs/s",
                    f"≥ {TARGET_DMS_PER_SECOND:g}",
                ),
                (
                    "delivery, wall clock incl. the takeover gap",
                    rate(len(both), both[-1] - both[0]) + " DMs/s" if both else "—",
                    "",
                ),
                ("takeover: kill → the other process leads", f"{takeover:.1f} s", "< 10 s"),
                ("takeover: kill → its first DM", f"{next_dm:.1f} s", ""),
                ("429s from the emulator", status["rate_limit"]["rejected"], "0"),
                ("busiest second (requests counted by the global limit)", busiest, "≤ 50"),
                ("every reminder delivered exactly once", "yes" if once else "**no**", "yes"),
                *(
                    (
                        f"`/help` on shard {shard} while the leader delivers: p50 / p99"
                        f" ({len(values)} at {args.rate:g}/s)",
                        f"{ms(values, 0.5)} / {ms(values, 0.99)}",
                        "",
                    )
                    for shard, values in sorted(latencies.items())
                ),
            ],
        )
    )
    if latencies:
        medians = {s: statistics.median(v) for s, v in latencies.items() if v}
        print(
            f"\n(Median `/help` latency per shard: {medians}; the leader was shard {leader.shard}.)"
        )


async def main_async(args: argparse.Namespace) -> None:
    with pg_server(args) as server:
        if server is None:
            print("bench_shards needs PostgreSQL: use --engine postgres or --database-url URL")
            sys.exit(2)
        try:
            await run(args, server.admin_url, server.create)
        finally:
            await server.drop("bench_shards")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 students instead of 2,000")
    parser.add_argument("--students", type=int, help="students (half per server)")
    parser.add_argument("--rate", type=float, default=5.0, help="/help per second per process")
    parser.add_argument(
        "--first-dms",
        action="store_true",
        help="students never DMed before (each first reminder opens their DM channel)",
    )
    add_engine_options(parser)
    args = parser.parse_args(argv)
    if args.students is None:
        args.students = 300 if args.quick else 2000
    if not wants_postgres(args):
        args.engine = "postgres"  # several processes need PostgreSQL: start a cluster
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
