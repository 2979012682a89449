"""The interaction benchmark's figures: percentiles, its markdown tables, profiles of the bot
process, the headline rows for ``run_all`` and a raw dump."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import markdown_table
from benchmarks.interaction_load import STEADY_MIX, BotProcess, Phase
from benchmarks.profiling import SpyRecorder, StackProfile

DEADLINE = 3.0  # Discord's limit for the initial response

# -- targets (PRODUCT.md, issue 6): measured, never asserted ------------------------------------
STEADY_P99_TARGET = 0.010
BURST_LAST_TARGET = 0.7
CPU_TARGET = 0.001


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def spread(values: Sequence[float]) -> tuple[str, str, str]:
    if not values:
        return ("—", "—", "—")
    return (ms(percentile(values, 50)), ms(percentile(values, 99)), ms(max(values)))


def latency_table(phases: Sequence[Phase]) -> str:
    rows = []
    for phase in phases:
        e2e = phase.end_to_end()
        rate = phase.n / phase.send_seconds if phase.send_seconds > 0 else float("inf")
        p50, p99, top = spread(e2e)
        late = sum(1 for value in e2e if value > DEADLINE) + phase.unanswered
        rows.append(
            (
                phase.name,
                f"{phase.n:,}",
                "all at once" if phase.name == "burst" else f"{rate:,.0f}/s",
                ms(phase.send_seconds),
                p50,
                f"**{p99}**",
                top,
                ms(phase.last_answer_after_start),
                f"**{late}**",
                str(len(phase.wrong)),
            )
        )
    return markdown_table(
        (
            "phase",
            "interactions",
            "offered rate",
            "first → last frame sent",
            "end-to-end p50",
            "p99",
            "max",
            "last answered after first sent",
            "past 3 s or unanswered",
            "unexpected replies",
        ),
        rows,
    )


def bot_table(phases: Sequence[Phase], lag: bool) -> str:
    rows = []
    for phase in phases:
        n = max(phase.n, 1)
        posted = spread(phase.bot_column(1))
        answered = spread(phase.bot_column(2))
        frame = spread(phase.bot_column(3))
        rows.append(
            (
                phase.name,
                " / ".join(posted),
                " / ".join(answered),
                " / ".join(frame),
                f"**{phase.bot_cpu / n * 1000:.2f} ms**",
                f"{phase.bot_user / n * 1000:.2f} / {phase.bot_sys / n * 1000:.2f} ms",
                f"{phase.bot_main_thread / n * 1000:.2f} ms",
                f"{phase.bot_cpu / max(phase.send_seconds, 1e-9):.0%}"
                if phase.name == "steady"
                else "—",
                f"{'/'.join(map(str, phase.gc_count))}: {ms(phase.gc_seconds)}, "
                f"longest {ms(phase.gc_longest)}",
                f"{phase.emulator_cpu / n * 1000:.2f} ms",
                f"{phase.others_cpu / max(phase.wall, 1e-9):.0%} of a core",
            )
            + ((f"{ms(phase.lag_longest)} ({phase.lag_over_10ms} over 10 ms)",) if lag else ())
        )
    return markdown_table(
        (
            "phase",
            "in the bot: frame arrived → callback posted (p50 / p99 / max)",
            "frame arrived → callback answered (p50 / p99 / max)",
            "frame decode + dispatch (p50 / p99 / max)",
            "bot CPU per interaction",
            "user / sys",
            "of which main thread",
            "bot CPU load",
            "GC runs gen 0/1/2: pause total, longest",
            "emulator + load CPU per interaction (not the bot's)",
            "other processes on the machine (should be ~0)",
            *(("event-loop lag: longest",) if lag else ()),
        ),
        rows,
    )


def heap_table(phases: Sequence[Phase]) -> str:
    rows = [
        (
            phase.name,
            f"{phase.heap.get('objects', 0):,}",
            ", ".join(f"{name} {count:,}" for name, count in phase.heap.get("by_type", [])),
        )
        for phase in phases
    ]
    return markdown_table(("after", "objects", "most common types"), rows)


def kind_table(phase: Phase) -> str:
    rows = []
    for kind, _ in STEADY_MIX:
        kinds = {kind}
        n = sum(1 for s in phase.sent if s.kind == kind)
        if not n:
            continue
        rows.append(
            (
                kind,
                f"{n:,}",
                *spread(phase.end_to_end(kinds)),
                " / ".join(spread(phase.bot_column(1, kinds))[:2]),
            )
        )
    return markdown_table(
        (
            "interaction",
            "count",
            "end-to-end p50",
            "p99",
            "max",
            "in the bot → callback posted (p50 / p99)",
        ),
        rows,
    )


class PhaseProfiler:
    """Profiles the bot process during a phase; :meth:`stop` returns a markdown summary."""

    def __init__(self, kind: str, bot: BotProcess, folder: Path) -> None:
        self.kind = kind
        self.bot = bot
        self.folder = folder
        self._spy: SpyRecorder | None = None

    def path(self, phase: str) -> Path:
        return self.folder / f"profile-{phase.split()[0]}.{self.kind}"

    async def start(self, phase: str) -> None:
        if self.kind == "py-spy":
            self._spy = SpyRecorder(self.bot.proc.pid, self.path(phase))
            await self._spy.start()
        else:
            await self.bot.ask(cmd="profile", on=True)

    async def stop(self, phase: str, interactions: int) -> str:
        where = self.path(phase)
        if self._spy is not None:
            spy, self._spy = self._spy, None
            return spy_tables(await spy.stop(), interactions, where)
        result = await self.bot.ask(cmd="profile", on=False, path=str(where))
        if not result.get("top"):
            return f"Full profile: `{where}`"
        rows = [
            (
                f"`{name}`",
                f"{calls:,}",
                f"{own * 1000:.0f} ms",
                f"{own / max(interactions, 1) * 1e6:.0f} µs",
                f"{cumulative * 1000:.0f} ms",
            )
            for name, calls, own, cumulative in result["top"]
        ]
        table = markdown_table(
            ("function (event-loop thread)", "calls", "own time", "per interaction", "cumulative"),
            rows,
        )
        return f"{table}\n\nFull profile: `{where}` (cProfile inflates call-heavy code)"


def spy_tables(profile: StackProfile, interactions: int, where: Path, top: int = 25) -> str:
    n = max(interactions, 1)
    total = max(profile.samples, 1)

    def row(frame: str, count: int) -> tuple[str, str, str]:
        per = profile.seconds(count) / n * 1e6
        return (f"`{frame}`", f"{count / total:.1%}", f"{per:.0f} µs")

    threads = markdown_table(
        ("thread", "share of samples", "CPU per interaction"),
        [row(name, count) for name, count in profile.by_thread.most_common()],
    )
    including = markdown_table(
        ("frame, including what it calls", "share", "per interaction"),
        [row(f, c) for f, c in profile.including.most_common(top)],
    )
    own = markdown_table(
        ("frame, own time (C code counts as its Python caller)", "share", "per interaction"),
        [row(f, c) for f, c in profile.own.most_common(top)],
    )
    return (
        f"{profile.samples:,} samples at {profile.rate}/s while running "
        f"(≈ {profile.seconds(profile.samples):.2f} CPU-s); raw stacks: `{where}`\n\n"
        f"{threads}\n\n{including}\n\n{own}"
    )


def headlines(steady: Phase, burst: Phase) -> list[dict[str, Any]]:
    steady_p99 = percentile(steady.end_to_end(), 99) if steady.end_to_end() else None
    last = burst.last_answer_after_start
    late = sum(1 for v in burst.end_to_end() if v > DEADLINE) + burst.unanswered
    cpu = (steady.bot_cpu + burst.bot_cpu) / max(steady.n + burst.n, 1)
    return [
        {
            "metric": f"steady {steady.n / max(steady.send_seconds, 1e-9):.0f}/s: e2e p99",
            "value": ms(steady_p99),
            "target": "< 10 ms",
            "met": steady_p99 is not None and steady_p99 < STEADY_P99_TARGET,
        },
        {
            "metric": f"burst of {burst.n:,}: last answered",
            "value": ms(last),
            "target": "≤ 0.7 s",
            "met": last is not None and last <= BURST_LAST_TARGET,
        },
        {
            "metric": f"burst of {burst.n:,}: past 3 s or unanswered",
            "value": str(late),
            "target": "0",
            "met": late == 0,
        },
        {
            "metric": "bot CPU per interaction (steady + burst)",
            "value": f"{cpu * 1000:.2f} ms",
            "target": "~1 ms",
            "met": cpu <= CPU_TARGET * 1.2,
        },
    ]


def dump(path: Path, phases: Sequence[Phase]) -> None:
    """One record per interaction: phase, kind, and its times in seconds (emulator clock:
    ``sent`` relative to the phase's first frame; bot clock: the three in-bot figures)."""
    records = []
    for phase in phases:
        first = phase.first_sent
        for s in phase.sent:
            ix, row = s.ix, phase.bot_rows.get(s.ix.id) or [None] * 4
            sent = ix.dispatched_monotonic
            arrived = ix.callback_arrived_monotonic
            records.append(
                {
                    "phase": phase.name,
                    "kind": s.kind,
                    "sent": None if sent is None else sent - first,
                    "e2e": None if sent is None or arrived is None else arrived - sent,
                    "bot_posted": row[1],
                    "bot_answered": row[2],
                    "frame": row[3],
                }
            )
    lags = [
        {"phase": phase.name, "at": at - phase.first_sent, "lag": lag}
        for phase in phases
        for at, lag in phase.lag_events
    ]
    path.write_text(json.dumps({"interactions": records, "loop_lag": lags}))
