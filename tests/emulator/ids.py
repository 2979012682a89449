"""Snowflake and timestamp helpers."""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

_last_snowflake = 0
_counter = itertools.count()


def snowflake() -> int:
    """Return a new, strictly increasing, realistic Discord snowflake."""
    global _last_snowflake
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    candidate = (ms << 22) | (1 << 17) | (next(_counter) & 0xFFF)
    if candidate <= _last_snowflake:
        candidate = _last_snowflake + 1
    _last_snowflake = candidate
    return candidate


def snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A new snowflake whose ``(id >> 22) % shard_count == shard_id`` (a server on that
    shard): its timestamp is moved up to ``shard_count - 1`` ms ahead. Still increasing."""
    global _last_snowflake
    base = snowflake()
    ms = base >> 22
    ms += (shard_id - ms) % shard_count
    candidate = (ms << 22) | (base & ((1 << 22) - 1))
    if candidate < base:  # pragma: no cover - only if the ms did not move
        candidate = base
    _last_snowflake = max(_last_snowflake, candidate)
    return candidate


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()


def new_token(prefix: str) -> str:
    return f"{prefix}.{secrets.token_urlsafe(24)}"
