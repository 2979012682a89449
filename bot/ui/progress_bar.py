"""A text progress bar that renders the same on desktop and mobile."""

from __future__ import annotations


def progress_bar(done: int, total: int, width: int = 10) -> str:
    if total <= 0:
        return "░" * width + " 0/0"
    done = max(0, min(done, total))
    filled = round(width * done / total)
    percent = round(100 * done / total)
    return f"{'▓' * filled}{'░' * (width - filled)} {done}/{total} ({percent}%)"
