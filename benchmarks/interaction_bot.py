"""The bot side of the interaction benchmark: the real, unmodified bot in its own process,
timed from outside, driven by ``benchmarks.bench_interactions`` over stdin/stdout.

    python -m benchmarks.interaction_bot --api URL --gateway URL --token T --db PATH
        [--json auto|stdlib|orjson] [--profile none|cprofile|pyinstrument] [--diagnose]
        [--gc-freeze] [--stop-dynamic-views]

Instrumentation (no bot code is changed; discord.py is wrapped at three points):

* ``DiscordWebSocket.received_message`` — when a gateway frame arrived (before decompression
  and JSON parsing) and how long its synchronous handling took;
* the ``INTERACTION_CREATE`` parser — ties that arrival time to the interaction's id;
* ``AsyncWebhookAdapter.create_interaction_response`` — when the bot started posting the
  interaction's callback and when Discord (the emulator) answered it.

Also measured: CPU time (``getrusage``, all threads; ``thread_time`` of the event loop's
thread) and garbage-collector pauses (``gc.callbacks``). ``--diagnose`` adds a 2 ms timer that
reports event-loop lag (it costs CPU) and a heap census per mark. What-ifs, to measure a proposed
change without making it: ``--json stdlib|orjson`` (discord.py's ``speed`` extra),
``--gc-freeze`` and ``--stop-dynamic-views`` (see :func:`stop_dynamic_views`).

Protocol: one JSON object per line. The child prints ``{"ready": ...}`` once the bot is ready,
then answers each command read from stdin with one line:
``{"cmd": "mark"}`` → CPU and wall clocks now; ``{"cmd": "timings"}`` → the per-interaction
records since the last call (then cleared); ``{"cmd": "profile", "on": true|false, "path": P}``
→ start, or stop and write the profile to P with its top entries; ``{"cmd": "stop"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import discord.state
import discord.utils
import yarl
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.app import InfoCoachBot, create_bot
from bot.config import Settings
from bot.storage.database import is_postgres_url

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60.0
FAST_GUILD_READY_TIMEOUT = 0.05


class Timings:
    """Per-interaction timestamps (``time.perf_counter()`` in this process), keyed by id."""

    def __init__(self) -> None:
        self.frame_started: float | None = None  # the gateway frame being handled now
        self.frame_interaction: int | None = None
        self.arrived: dict[int, float] = {}
        self.parsed: dict[int, float] = {}  # seconds spent handling the frame synchronously
        self.callback_started: dict[int, float] = {}
        self.callback_done: dict[int, float] = {}

    def take(self) -> list[list[float | int | None]]:
        """``[id, arrived→callback posted, arrived→callback answered, frame handling]`` rows for
        every interaction seen since the last call; clears them."""
        rows: list[list[float | int | None]] = []
        for ix_id, arrived in self.arrived.items():
            start = self.callback_started.get(ix_id)
            done = self.callback_done.get(ix_id)
            rows.append(
                [
                    ix_id,
                    None if start is None else start - arrived,
                    None if done is None else done - arrived,
                    self.parsed.get(ix_id),
                ]
            )
        self.arrived.clear()
        self.parsed.clear()
        self.callback_started.clear()
        self.callback_done.clear()
        return rows


TIMINGS = Timings()


class GcPauses:
    """The garbage collector's pauses (they stop the event loop), through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        generation = int(info["generation"])
        self.count[generation] += 1
        self.seconds[generation] += pause
        self.longest = max(self.longest, pause)

    def snapshot(self) -> dict[str, Any]:
        """Counters since start; ``longest`` is reset by each snapshot."""
        longest, self.longest = self.longest, 0.0
        return {
            "gc_count": list(self.count),
            "gc_seconds": list(self.seconds),
            "gc_longest": longest,
        }


GC = GcPauses()


class LoopLag:
    """Opt-in: how late a 2 ms sleep wakes up (the event loop blocked, or busy, that long)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.over_10ms = 0
        self.events: list[tuple[float, float]] = []  # (monotonic at wake-up, lag) over 10 ms

    async def run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.002)
            now = time.monotonic()
            lag = now - before - 0.002
            self.longest = max(self.longest, lag)
            if lag > 0.010:
                self.over_10ms += 1
                self.events.append((now, lag))

    def snapshot(self) -> dict[str, Any]:
        longest, self.longest = self.longest, 0.0
        events, self.events = self.events, []
        return {"lag_longest": longest, "lag_over_10ms": self.over_10ms, "lag_events": events}


LAG = LoopLag()


def heap_census(top: int = 12) -> dict[str, Any]:
    """Opt-in: GC-tracked objects by type (the gen-2 collection's work grows with them)."""
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    return {"objects": sum(counts.values()), "by_type": counts.most_common(top)}


def instrument(bot: InfoCoachBot) -> None:
    """Wrap discord.py (not the bot) at the three points listed in the module docstring."""
    timings = TIMINGS
    received = discord.gateway.DiscordWebSocket.received_message

    async def timed_received(self: discord.gateway.DiscordWebSocket, msg: Any, /) -> None:
        timings.frame_started = started = time.perf_counter()
        timings.frame_interaction = None
        try:
            await received(self, msg)
        finally:
            ix_id = timings.frame_interaction
            if ix_id is not None:
                timings.parsed[ix_id] = time.perf_counter() - started
            timings.frame_started = None

    discord.gateway.DiscordWebSocket.received_message = timed_received  # type: ignore[method-assign]

    parsers = bot._connection.parsers
    parse_interaction = parsers["INTERACTION_CREATE"]

    def timed_parse(data: Any) -> None:
        ix_id = int(data["id"])
        timings.frame_interaction = ix_id
        timings.arrived[ix_id] = timings.frame_started or time.perf_counter()
        parse_interaction(data)

    parsers["INTERACTION_CREATE"] = timed_parse

    respond = AsyncWebhookAdapter.create_interaction_response

    def timed_respond(
        self: AsyncWebhookAdapter, interaction_id: int, token: str, **kwargs: Any
    ) -> Any:
        request = respond(self, interaction_id, token, **kwargs)

        async def timed() -> Any:
            timings.callback_started[int(interaction_id)] = time.perf_counter()
            try:
                return await request
            finally:
                timings.callback_done[int(interaction_id)] = time.perf_counter()

        return timed()

    AsyncWebhookAdapter.create_interaction_response = timed_respond  # type: ignore[method-assign]


def stop_dynamic_views() -> None:
    """What-if (not the bot's behaviour): stop a view as soon as discord.py has stored it when
    every item in it is a ``DynamicItem``. Such items are dispatched by their registered class,
    so the stored view is never used, yet discord.py gives every view sent in an ephemeral
    message a 15-minute timeout: the view, its items and a sleeping timeout task stay alive (and
    in every full garbage collection) for 15 minutes per ``/request checklist``."""
    store = discord.state.ConnectionState.store_view

    def store_then_stop(self: Any, view: Any, message_id: int | None = None) -> None:
        store(self, view, message_id)
        children = getattr(view, "children", None)
        if children and all(isinstance(i, discord.ui.DynamicItem) for i in children):
            view.stop()

    discord.state.ConnectionState.store_view = store_then_stop  # type: ignore[method-assign]


def choose_json(mode: str) -> str:
    """discord.py reads ``utils._from_json``/``_to_json`` at call time: swap them to measure
    the stdlib against orjson (what the ``speed`` extra installs) in one environment."""
    if mode == "stdlib":
        discord.utils._from_json = json.loads

        def to_json(obj: Any) -> str:
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)

        discord.utils._to_json = to_json
    elif mode == "orjson":
        import orjson  # optional: only when asked for

        discord.utils._from_json = orjson.loads

        def to_orjson(obj: Any) -> str:
            return orjson.dumps(obj).decode("utf-8")

        discord.utils._to_json = to_orjson
    return "orjson" if discord.utils._from_json is not json.loads else "stdlib"


def clocks() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu": time.process_time(),
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "main_thread": time.thread_time(),  # commands are read on the event loop's thread
        "wall": time.perf_counter(),
        "monotonic": time.monotonic(),
        **GC.snapshot(),
        **LAG.snapshot(),
    }


class Profiler:
    """cProfile (deterministic; inflates call-heavy code) or pyinstrument (sampling)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._profiler: Any = None

    def start(self) -> None:
        if self.kind == "cprofile":
            import cProfile

            self._profiler = cProfile.Profile()
            self._profiler.enable()
        elif self.kind == "pyinstrument":
            import pyinstrument

            self._profiler = pyinstrument.Profiler(interval=0.0005, async_mode="disabled")
            self._profiler.start()

    def stop(self, path: Path, top: int = 25) -> dict[str, Any]:
        profiler, self._profiler = self._profiler, None
        if profiler is None:
            return {"top": []}
        if self.kind == "cprofile":
            profiler.disable()
            profiler.dump_stats(str(path))
            return {"top": cprofile_top(path, top), "path": str(path)}
        profiler.stop()
        path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        return {"top": [], "path": str(path)}


def cprofile_top(path: Path, top: int) -> list[list[Any]]:
    """``[function, calls, own seconds, cumulative seconds]`` for the top functions by own time."""
    stats = pstats.Stats(str(path), stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].removeprefix(f"{ROOT}/")
        rows.append([f"{where}:{line}({name})", calls, own, cumulative])
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:top]


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def serve(args: argparse.Namespace) -> None:
    discord.http.Route.BASE = args.api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway)
    json_mode = choose_json(args.json)
    if is_postgres_url(args.db):
        settings = Settings(discord_token=args.token, database_url=args.db)
    else:
        settings = Settings(discord_token=args.token, db_path=Path(args.db))
    bot = create_bot(settings)
    state = bot._connection
    state.guild_ready_timeout = min(state.guild_ready_timeout, FAST_GUILD_READY_TIMEOUT)
    instrument(bot)
    runner = asyncio.create_task(bot.start(args.token), name="bot")

    async def ready() -> None:
        await bot.wait_until_ready()
        await bot.nudges_started.wait()

    waiter = asyncio.create_task(ready())
    done, _ = await asyncio.wait(
        {runner, waiter}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if waiter not in done:
        waiter.cancel()
        if runner in done:
            runner.result()
        raise TimeoutError("the bot did not become ready")
    profiler = Profiler(args.profile)
    if args.stop_dynamic_views:
        stop_dynamic_views()
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    lag_task = asyncio.create_task(LAG.run()) if args.diagnose else None
    emit(
        {
            "ready": True,
            "gc_frozen": gc.get_freeze_count(),
            "what_if": what_ifs(args),
            "objects": len(gc.get_objects()),
            "json": json_mode,
            "compression": compression_name(),
            **clocks(),
        }
    )

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            command = json.loads(line)
            name = command["cmd"]
            if name == "mark":
                emit({**clocks(), **(heap_census() if args.diagnose else {})})
            elif name == "timings":
                emit({"rows": TIMINGS.take()})
            elif name == "profile":
                if command["on"]:
                    profiler.start()
                    emit({"profiling": args.profile})
                else:
                    emit(profiler.stop(Path(command["path"])))
            elif name == "stop":
                break
    finally:
        if lag_task is not None:
            lag_task.cancel()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    emit({"stopped": True})


def what_ifs(args: argparse.Namespace) -> list[str]:
    chosen = []
    if args.gc_freeze:
        chosen.append("gc.freeze() once ready")
    if args.stop_dynamic_views:
        chosen.append("fully dynamic views stopped once stored")
    return chosen


def compression_name() -> str:
    context = discord.utils._ActiveDecompressionContext
    return str(getattr(context, "COMPRESSION_TYPE", "?"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", required=True, help="an SQLite file, or a postgresql:// URL")
    parser.add_argument("--json", choices=("auto", "stdlib", "orjson"), default="auto")
    parser.add_argument("--profile", choices=("none", "cprofile", "pyinstrument"), default="none")
    parser.add_argument("--gc-freeze", action="store_true", help="what-if: gc.freeze() once ready")
    parser.add_argument(
        "--stop-dynamic-views", action="store_true", help="what-if: see stop_dynamic_views()"
    )
    parser.add_argument(
        "--diagnose", action="store_true", help="event-loop lag (2 ms timer) and a heap census"
    )
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
