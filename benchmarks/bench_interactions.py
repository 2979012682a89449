"""Interaction load: 1,000 students ticking checklist items and logging stages, end to end through
the emulator. Prints markdown tables; asserts nothing about timing.

    .venv/bin/python -m benchmarks.bench_interactions [--quick] [--json auto|stdlib|orjson]
        [--profile none|py-spy|cprofile|pyinstrument] [--diagnose] [--students N] [--rate R]
        [--seconds S] [--burst N] [--keep DIR] [--dump FILE]
        [--engine sqlite|postgres] [--database-url URL]
        what-ifs (benchmark-only changes to the bot process): [--gc-freeze] [--stop-dynamic-views]

Two processes, so the emulator's own CPU never counts against the bot (2-core machine): this
process runs the emulator (and the load), the real bot runs in ``benchmarks.interaction_bot``
(started here, driven over its stdin/stdout; it connects to the emulator over loopback exactly as
to Discord: gateway websocket with zlib-stream, REST over HTTP).

1. World: one guild with N members (the emulator), and for each of them a student with a time zone
   and one contact, written through the bot's own storage functions before the bot starts.
2. Render (warm-up): every student runs ``/request checklist``, so each has the rendered checklist
   message whose numbered buttons (``ChecklistTick``) the next phases click.
3. Steady: R interactions per second for S seconds, random students: 70 % checklist ticks (a click
   on the student's latest checklist message), 10 % ``/request sent``, 10 % ``/request
   checklist``, 10 % ``/settings quiet-hours``.
4. Burst: every student clicks one checklist button at the same moment (all N frames written back
   to back in one go).

On PostgreSQL (``--engine postgres``: a throwaway cluster with the server's default settings on
loopback, see :mod:`benchmarks.pg_engine`; ``--database-url``: an existing server) the bot process
opens the database by URL (``INFOCOACH_DATABASE_URL``'s path through ``open_database``); the
server's processes share the 2 cores with the bot and the emulator, and their CPU per phase is
reported on its own line.

Figures: end to end = the emulator writing the INTERACTION_CREATE frame → the bot's callback
request reaching the emulator's route. In the bot (timed from outside by wrapping discord.py):
the frame's arrival → the callback posted, and → the callback answered; the bot process's CPU
time (all threads, ``getrusage``) over each phase divided by its interactions.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine_facts, markdown_table
from benchmarks.interaction_load import (
    BotProcess,
    Student,
    World,
    build_world,
    run_phase,
    seed,
    steady_plan,
)
from benchmarks.interaction_report import (
    PhaseProfiler,
    bot_table,
    dump,
    headlines,
    heap_table,
    kind_table,
    latency_table,
)
from benchmarks.pg_engine import PgServer, add_engine_options, pg_server, server_cpu_seconds
from benchmarks.profiling import py_spy
from benchmarks.run_all import write_headlines
from tests.emulator import DiscordEmulator
from tests.emulator.load import LoadDriver

# -- main ---------------------------------------------------------------------------------------
PG_DATABASE = "bench_interactions"


async def run(args: argparse.Namespace, workdir: Path, server: PgServer | None = None) -> None:
    rng = random.Random(args.seed)
    began = time.perf_counter()
    emu = DiscordEmulator()
    await emu.start()
    bot: BotProcess | None = None
    server_cpu: dict[str, float] = {}
    pg_facts = await server.facts() if server is not None else None

    def cpu_of_server() -> float:
        return (server_cpu_seconds(server) if server is not None else None) or 0.0

    try:
        guild_id, users = build_world(emu, args.students)
        db_path: Path | str = workdir / "load.sqlite3"
        if server is not None:
            db_path = await server.create(PG_DATABASE)
        contact_ids = await seed(db_path, guild_id, users)
        world = World(
            emu, guild_id, [Student(u, c) for u, c in zip(users, contact_ids, strict=True)]
        )
        log(f"world: {args.students:,} students seeded in {time.perf_counter() - began:.1f} s")
        child_profile = args.profile if args.profile in ("cprofile", "pyinstrument") else "none"
        options = ["--json", args.json, "--profile", child_profile]
        options += ["--gc-freeze"] * args.gc_freeze + ["--diagnose"] * args.diagnose
        options += ["--stop-dynamic-views"] * args.stop_dynamic_views
        bot = await BotProcess.start(emu, db_path, options)
        load = LoadDriver(emu)
        profiler = None if args.profile == "none" else PhaseProfiler(args.profile, bot, workdir)

        render_plan = [("request checklist", s) for s in world.students]
        log("render: every student opens their checklist ...")
        render, _ = await run_phase(
            "render (warm-up)", bot, load, world, render_plan, rate=args.render_rate, rng=rng
        )
        total = int(args.rate * args.seconds)
        log(f"steady: {total:,} interactions at {args.rate:g}/s ...")
        plan = steady_plan(world, total, rng)
        before = cpu_of_server()
        steady, steady_profile = await run_phase(
            "steady", bot, load, world, plan, rate=args.rate, rng=rng, profiler=profiler
        )
        server_cpu["steady"] = cpu_of_server() - before
        await asyncio.sleep(0.5)
        burst_plan = [("tick", s) for s in world.students[: args.burst]]
        log(f"burst: {len(burst_plan):,} simultaneous clicks ...")
        before = cpu_of_server()
        burst, burst_profile = await run_phase(
            "burst", bot, load, world, burst_plan, rate=None, rng=rng, profiler=profiler
        )
        server_cpu["burst"] = cpu_of_server() - before
    finally:
        if bot is not None:
            await bot.stop()
        await emu.stop()
        if server is not None:
            await server.drop(PG_DATABASE)

    phases = [render, steady, burst]
    facts = machine_facts()
    if bot is not None:
        ready = bot.ready
        facts["bot process"] = (
            f"separate process; JSON: {ready.get('json')}; gateway compression: "
            f"{ready.get('compression')}; {ready.get('objects', 0):,} GC-tracked objects when "
            f"ready"
        )
        facts["what-ifs (not the bot's own behaviour)"] = (
            "; ".join(ready.get("what_if") or []) or "none"
        )
    facts["database"] = pg_facts or "SQLite (WAL, group commit: the bot's default)"
    print(f"# Interaction load{' (--quick)' if args.quick else ''}\n")
    print(markdown_table(("machine", ""), facts.items()))
    print(
        f"\n## End to end ({args.students:,} students; emulator frame written → callback "
        "received)\n"
    )
    print(latency_table(phases))
    print("\n## Inside the bot process (timed by wrapping discord.py; CPU from getrusage)\n")
    print(bot_table(phases, args.diagnose))
    if server is not None and server.cluster is not None:
        print(
            "\nPostgreSQL server CPU (its processes, from /proc; counted in no column above): "
            + "; ".join(
                f"{name} {seconds:.2f} s = {seconds / max(len(phase.sent), 1) * 1000:.2f}"
                " ms per interaction"
                for name, seconds, phase in (
                    ("steady", server_cpu.get("steady", 0.0), steady),
                    ("burst", server_cpu.get("burst", 0.0), burst),
                )
            )
        )
    busy = [
        p.name
        for p in phases
        if p.others_cpu - server_cpu.get(p.name, 0.0) > 0.1 * max(p.wall, 1e-9)
    ]
    if busy:
        print(
            f"\n**Other processes used more than 10 % of a core during: {', '.join(busy)}.** "
            "These figures are not representative; rerun on a quiet machine."
        )
    if args.diagnose:
        print("\n## The bot's heap after each phase (GC-tracked objects)\n")
        print(heap_table(phases))
    print("\n## Steady phase by interaction\n")
    print(kind_table(steady))
    wrong = [w for phase in phases for w in phase.wrong]
    if wrong:
        print(f"\nUnexpected replies ({len(wrong)}), first 5:\n")
        for line in wrong[:5]:
            print(f"- {line}")
    for title, profile in (("steady", steady_profile), ("burst", burst_profile)):
        if profile is not None:
            print(f"\n## Where the bot's CPU went during {title} ({args.profile})\n")
            print(profile)
    rows = headlines(steady, burst)
    print("\n## Targets\n")
    print(
        markdown_table(
            ("figure", "measured", "target", "met"),
            ((r["metric"], r["value"], r["target"], "yes" if r["met"] else "**no**") for r in rows),
        )
    )
    write_headlines(rows)
    if args.dump is not None:
        dump(args.dump, phases)
    print(f"\nTotal wall time: {time.perf_counter() - began:.0f} s")


def log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def raise_fd_limit() -> None:
    """A burst opens up to one HTTP connection per interaction on each side."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s of steady load instead of 10 s")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="steady interactions/second")
    parser.add_argument("--seconds", type=float, help="steady duration (default 10; --quick 3)")
    parser.add_argument("--burst", type=int, default=1000, help="simultaneous clicks")
    parser.add_argument("--render-rate", type=float, default=250.0, help=argparse.SUPPRESS)
    parser.add_argument("--json", choices=("auto", "stdlib", "orjson"), default="auto")
    parser.add_argument(
        "--profile",
        choices=("none", "py-spy", "cprofile", "pyinstrument"),
        default="none",
        help="profile the bot during the steady and burst phases (py-spy: from outside)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="what-if: the bot process calls gc.freeze() once ready (not the bot's behaviour)",
    )
    parser.add_argument(
        "--stop-dynamic-views",
        action="store_true",
        help="what-if: the bot process stops views made only of DynamicItems once discord.py"
        " stored them (see benchmarks/interaction_bot.py; not the bot's behaviour)",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="a 2 ms timer in the bot reports how late the event loop wakes it (costs CPU), and"
        " a census of the bot's heap after each phase",
    )
    parser.add_argument("--keep", type=Path, help="keep the database and profiles in this folder")
    parser.add_argument("--dump", type=Path, help="write every interaction's timings here (JSON)")
    parser.add_argument("--seed", type=int, default=1)
    add_engine_options(parser)
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 3.0 if args.quick else 10.0
    args.burst = min(args.burst, args.students)
    if args.json == "orjson" and importlib.util.find_spec("orjson") is None:
        parser.error("--json orjson: orjson is not installed (pip install orjson)")
    if args.profile == "py-spy" and py_spy() is None:
        parser.error("--profile py-spy: py-spy is not installed (pip install py-spy)")
    raise_fd_limit()
    with pg_server(args) as server:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            asyncio.run(run(args, args.keep, server))
            return
        with tempfile.TemporaryDirectory(prefix="bench-interactions-") as tmp:
            asyncio.run(run(args, Path(tmp), server))


if __name__ == "__main__":
    main()
