"""Every benchmark in ``benchmarks/``, one command, one combined table.

    .venv/bin/python -m benchmarks.run_all [--quick] [--only NAME ...] [--timeout SECONDS]
        [--engine sqlite|postgres] [--database-url URL]

Runs each ``benchmarks/bench_*.py`` (and always the expected ones: nudges, storage, interactions)
as ``python -m benchmarks.<name> [--quick]`` in its own process, one after another (they measure
time and CPU, so never in parallel). Prints the combined table first, then each script's own
tables. A script that is missing, exits non-zero or runs past the timeout is a **FAILED** row;
the others still run, and the exit status is 1.

``--engine postgres`` / ``--database-url URL`` go to the scripts that take them (those using
:func:`benchmarks.pg_engine.add_engine_options`: storage, interactions, nudges); each starts its
own throwaway cluster. The others measure SQLite only, and their rows say so.

Headline figures: a script may call :func:`write_headlines` with rows
``{"metric", "value", "target", "met"}``; when run from here they land in the combined table
(when the script is run on its own, the call does nothing). A script that writes none gets one
row pointing at its own tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXPECTED = ("bench_nudges", "bench_storage", "bench_interactions")
HEADLINES_ENV = "BENCH_HEADLINES"
TAIL_LINES = 15  # of a failed script's output, shown under its heading


def write_headlines(rows: Sequence[dict[str, Any]]) -> None:
    """For scripts: report headline figures to ``run_all`` (no-op when run on their own)."""
    target = os.environ.get(HEADLINES_ENV)
    if target:
        Path(target).write_text(json.dumps(list(rows), ensure_ascii=False), encoding="utf-8")


@dataclass
class Outcome:
    name: str
    status: str  # "ok" or "FAILED (why)"
    seconds: float = 0.0
    output: str = ""
    headlines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def discover(only: Sequence[str] | None) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    names = [*EXPECTED, *(n for n in found if n not in EXPECTED)]
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        names = [n for n in names if n in wanted] + sorted(wanted - set(names))
    return names


def takes_engine(name: str) -> bool:
    """Whether ``benchmarks/<name>.py`` takes ``--engine`` / ``--database-url``."""
    path = HERE / f"{name}.py"
    return path.is_file() and "add_engine_options(" in path.read_text(encoding="utf-8")


def run_one(name: str, quick: bool, timeout: float, engine_args: Sequence[str] = ()) -> Outcome:
    if not (HERE / f"{name}.py").is_file():
        return Outcome(name, "FAILED (script missing)")
    extra = [*(["--quick"] if quick else []), *engine_args]
    print(f"== {name} {' '.join(extra)}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-headlines-") as tmp:
        headlines_file = Path(tmp) / "headlines.json"
        env = {**os.environ, HEADLINES_ENV: str(headlines_file)}
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}", *extra],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            return Outcome(
                name, f"FAILED (timed out after {timeout:g} s)", time.perf_counter() - started, out
            )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            return Outcome(name, f"FAILED (exit {done.returncode})", seconds, done.stdout)
        headlines: list[dict[str, Any]] = []
        if headlines_file.is_file():
            try:
                headlines = list(json.loads(headlines_file.read_text(encoding="utf-8")))
            except ValueError:
                headlines = [{"metric": "(headlines unreadable)", "value": "", "target": ""}]
        return Outcome(name, "ok", seconds, done.stdout, headlines)


def met_text(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "**no**"
    return ""


def combined_table(outcomes: Sequence[Outcome]) -> str:
    lines = [
        "| benchmark | status | wall time | figure | measured | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        status = "ok" if o.ok else f"**{o.status}**"
        wall = f"{o.seconds:.0f} s" if o.seconds else "—"
        rows = o.headlines or [
            {"metric": "see its tables below" if o.ok else "—", "value": "", "target": ""}
        ]
        for i, row in enumerate(rows):
            head = (o.name, status, wall) if i == 0 else ("", "", "")
            cells = (
                *head,
                str(row.get("metric", "")),
                str(row.get("value", "")),
                str(row.get("target", "")),
                met_text(row.get("met")),
            )
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="each script's --quick sizes")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. interactions storage")
    parser.add_argument(
        "--timeout", type=float, help="per script, seconds (default 900 with --quick, else 3600)"
    )
    parser.add_argument(
        "--engine", choices=("sqlite", "postgres"), default="sqlite", help="see the docstring"
    )
    parser.add_argument("--database-url", metavar="URL", help="an existing PostgreSQL server")
    args = parser.parse_args(argv)
    timeout = args.timeout or (900.0 if args.quick else 3600.0)
    engine_args = (
        ["--database-url", args.database_url]
        if args.database_url
        else (["--engine", args.engine] if args.engine != "sqlite" else [])
    )
    began = time.perf_counter()
    outcomes = []
    for name in discover(args.only):
        forwarded = engine_args if engine_args and takes_engine(name) else []
        outcome = run_one(name, args.quick, timeout, forwarded)
        if engine_args and not forwarded:
            outcome.name += " (SQLite only)"
        outcomes.append(outcome)

    print(f"# InfoCoach benchmarks{' (--quick)' if args.quick else ''}\n")
    try:
        from benchmarks.common import machine_facts  # tolerate a broken common.py

        facts = machine_facts()
        print(" · ".join(f"{k}: {v}" for k, v in facts.items()) + "\n")
    except Exception as exc:  # the table must print even if a shared helper is broken
        print(f"(machine facts unavailable: {exc!r})\n")
    print(combined_table(outcomes))
    print(f"\nTotal wall time: {time.perf_counter() - began:.0f} s")
    for o in outcomes:
        print(f"\n---\n\n<!-- {o.name}: {o.status} -->\n")
        if o.ok:
            print(o.output.rstrip())
        elif o.output:
            tail = o.output.rstrip().splitlines()[-TAIL_LINES:]
            print("Last lines of its output:\n\n```\n" + "\n".join(tail) + "\n```")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
