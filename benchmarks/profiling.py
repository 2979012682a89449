"""Sampling another process with py-spy (``pip install py-spy``) and summarising where its CPU
time went: per thread, the costliest frames including their callees, and by own time.

py-spy reads the target's memory from outside (``--nonblocking``: without pausing it). With
``--gil`` it records only the thread holding the GIL, so samples / rate ≈ seconds of Python
execution, the resource every interaction competes for (SQLite's C code releases the GIL and is
not in these samples; it shows in the bot's CPU time). C code that keeps the GIL counts as the
Python frame that called it (no ``--native``)."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Frames every stack shares (the interpreter, the event loop, thread bootstrap, our wrappers):
# left out of the "including callees" ranking, where they would only say "everything".
GENERIC = re.compile(
    r"<frozen runpy>|asyncio/(base_events|events|runners)\.py|threading\.py\)|"
    r"benchmarks/interaction_bot\.py|^<module>|^main \("
)
LINE_NUMBER = re.compile(r":\d+\)$")


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.is_file() else shutil.which("py-spy")


class SpyRecorder:
    """``py-spy record --pid`` from :meth:`start` until :meth:`stop` (raw collapsed stacks)."""

    def __init__(self, pid: int, path: Path, rate: int = 1000) -> None:
        self.pid = pid
        self.path = path
        self.rate = rate
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        exe = py_spy()
        if exe is None:
            raise RuntimeError("py-spy is not installed (pip install py-spy)")
        self._proc = await asyncio.create_subprocess_exec(
            exe,
            "record",
            "--pid",
            str(self.pid),
            "--format",
            "raw",
            "--rate",
            str(self.rate),
            "--nonblocking",
            "--gil",
            "--threads",
            "--output",
            str(self.path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.3)  # attached and sampling

    async def stop(self) -> StackProfile:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(proc.wait(), 30)
        return StackProfile.read(self.path, self.rate)


@dataclass
class StackProfile:
    rate: int
    samples: int = 0
    by_thread: Counter[str] = field(default_factory=Counter)
    including: Counter[str] = field(default_factory=Counter)
    own: Counter[str] = field(default_factory=Counter)

    @classmethod
    def read(cls, path: Path, rate: int) -> StackProfile:
        profile = cls(rate)
        if not path.is_file():
            return profile
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            parts = stack.split(";")
            frames = [
                LINE_NUMBER.sub(")", f)
                for f in parts
                if f and not f.startswith(("process ", "thread ", '"'))
            ]
            if not frames:
                continue
            profile.samples += count
            loop = any("BaseEventLoop.run_forever" in f for f in frames)
            profile.by_thread["event loop (main) thread" if loop else "other threads"] += count
            for frame in set(frames):
                if not GENERIC.search(frame):
                    profile.including[frame] += count
            profile.own[frames[-1]] += count
        return profile

    def seconds(self, samples: int) -> float:
        return samples / self.rate
