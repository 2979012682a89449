"""Settings read from the environment, with an optional untracked ``.env`` file beside it.

Only ``DISCORD_TOKEN`` is required, and only to run the bot: the admin verbs (``check``,
``migrate``, ``backup``) never talk to Discord. The environment wins over ``.env`` so that a
deployment can override a developer's file without editing it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from bot.storage.database_url import redact_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB_PATH = DEFAULT_DATA_DIR / "infocoach.sqlite3"
DEFAULT_GUILD_GRACE_DAYS = 30
SECRET_SETTINGS = frozenset({"discord_token"})
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
README_SETUP_SECTION = "README.md, section “Create the Discord application”"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str
    """Empty when the settings were loaded without ``need_token`` and none is set."""
    db_path: Path = DEFAULT_DB_PATH
    data_dir: Path = DEFAULT_DATA_DIR
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    backup_dir: Path | None = None  # nightly backups go here when set
    backup_keep: int = 7
    guild_grace_days: int = DEFAULT_GUILD_GRACE_DAYS
    """How long a server's data is kept after the bot leaves it (re-added within: all kept)."""
    database_url: str | None = None
    """``INFOCOACH_DATABASE_URL``: a ``postgresql://`` URL selects PostgreSQL (then
    ``db_path`` is unused)."""
    shard_count: int | None = None
    """``INFOCOACH_SHARD_COUNT``: how many shards the bot runs as in all (None: discord.py's
    single connection, as without sharding)."""
    shard_ids: tuple[int, ...] | None = None
    """``INFOCOACH_SHARD_IDS``: the shards this process holds (None: all of them)."""

    @property
    def sharded(self) -> bool:
        """Run as an ``AutoShardedBot`` (a shard count was given)."""
        return self.shard_count is not None

    @property
    def all_shards_here(self) -> bool:
        """This process holds every shard (it may then own an SQLite file)."""
        if self.shard_count is None or self.shard_ids is None:
            return True
        return set(self.shard_ids) == set(range(self.shard_count))

    @property
    def database_location(self) -> Path | str:
        """What :func:`bot.storage.database.open_database` takes: the URL, or the path."""
        return self.database_url if self.database_url else self.db_path

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_SETTINGS:
                value = "<redacted>" if value else ""
            elif f.name == "database_url" and value:
                value = redact_url(value)
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal ``KEY=value`` file: comments, blank lines, optional quotes, ``export``."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            # Never echo the line: it may be a token pasted without its ``DISCORD_TOKEN=``.
            raise ConfigError(
                f"{path}, line {number}: expected KEY=value (the line is not shown: it may "
                "hold a secret)"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
    *,
    need_token: bool = True,
) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``) over ``dotenv_path``.

    ``need_token=False`` (for the verbs that never connect to Discord) accepts a missing
    ``DISCORD_TOKEN``; the settings then carry an empty one."""
    env = dict(read_dotenv(dotenv_path if dotenv_path is not None else PROJECT_ROOT / ".env"))
    env.update(os.environ if environ is None else environ)

    token = env.get("DISCORD_TOKEN", "").strip()
    if not token and need_token:
        raise ConfigError(
            f"DISCORD_TOKEN is not set: put your bot token in the environment or in .env "
            f"(see {README_SETUP_SECTION})."
        )

    db_path = Path(env["INFOCOACH_DB_PATH"]).expanduser() if env.get("INFOCOACH_DB_PATH") else None
    database_url = env.get("INFOCOACH_DATABASE_URL", "").strip() or None
    if database_url is not None:
        if db_path is not None:
            raise ConfigError(
                "INFOCOACH_DATABASE_URL and INFOCOACH_DB_PATH are both set: keep one "
                "(the URL selects PostgreSQL, the path an SQLite file)."
            )
        if not database_url.startswith(POSTGRES_SCHEMES):
            scheme = database_url.partition(":")[0][:20]  # never the rest: it may hold a password
            raise ConfigError(
                "INFOCOACH_DATABASE_URL must be a postgresql://user:password@host:port/database "
                f"URL (PostgreSQL is the only server supported), got one starting {scheme!r}."
            )

    dev_guild: int | None = None
    raw_guild = env.get("INFOCOACH_DEV_GUILD", "").strip()
    if raw_guild:
        if not raw_guild.isdigit():
            raise ConfigError(
                f"INFOCOACH_DEV_GUILD must be a server id (digits), got {raw_guild!r}."
            )
        dev_guild = int(raw_guild)

    data_dir = (
        Path(env["INFOCOACH_DATA_DIR"]).expanduser()
        if env.get("INFOCOACH_DATA_DIR")
        else DEFAULT_DATA_DIR
    )

    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}.")

    backup_dir = (
        Path(env["INFOCOACH_BACKUP_DIR"]).expanduser() if env.get("INFOCOACH_BACKUP_DIR") else None
    )
    raw_keep = env.get("INFOCOACH_BACKUP_KEEP", "7").strip() or "7"
    if not raw_keep.isdigit() or int(raw_keep) < 1:
        raise ConfigError(
            f"INFOCOACH_BACKUP_KEEP must be a whole number of at least 1, got {raw_keep!r}."
        )

    raw_grace = env.get("INFOCOACH_GUILD_GRACE_DAYS", "").strip() or str(DEFAULT_GUILD_GRACE_DAYS)
    if not raw_grace.isascii() or not raw_grace.isdigit() or not 1 <= int(raw_grace) <= 3650:
        raise ConfigError(
            "INFOCOACH_GUILD_GRACE_DAYS must be a whole number of days from 1 to 3650, "
            f"got {raw_grace!r}."
        )

    shard_count, shard_ids = _shards(env)

    settings = Settings(
        discord_token=token,
        db_path=db_path or DEFAULT_DB_PATH,
        data_dir=data_dir,
        dev_guild_id=dev_guild,
        log_level=level,
        backup_dir=backup_dir,
        backup_keep=int(raw_keep),
        guild_grace_days=int(raw_grace),
        database_url=database_url,
        shard_count=shard_count,
        shard_ids=shard_ids,
    )
    if database_url is None and not settings.all_shards_here:
        assert shard_ids is not None
        raise ConfigError(
            f"INFOCOACH_SHARD_IDS={','.join(map(str, shard_ids))} runs part of the "
            f"{shard_count} shards, but only one process may use an SQLite database: set "
            "INFOCOACH_DATABASE_URL (PostgreSQL) to run the shards as several processes."
        )
    return settings


MAX_SHARDS = 16384  # far above what any one bot needs; a typo's 10^9 is refused


def _small_number(text: str) -> bool:
    """ASCII digits only, and few of them (``int`` refuses thousands of digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    """``INFOCOACH_SHARD_COUNT`` and ``INFOCOACH_SHARD_IDS`` (ids need the count; each
    distinct, from 0 to count - 1)."""
    raw_count = env.get("INFOCOACH_SHARD_COUNT", "").strip()
    raw_ids = env.get("INFOCOACH_SHARD_IDS", "").strip()
    if not raw_count:
        if raw_ids:
            raise ConfigError(
                "INFOCOACH_SHARD_IDS needs INFOCOACH_SHARD_COUNT (how many shards there are "
                "in all), e.g. INFOCOACH_SHARD_COUNT=2 INFOCOACH_SHARD_IDS=0."
            )
        return None, None
    if not _small_number(raw_count) or not 1 <= int(raw_count) <= MAX_SHARDS:
        raise ConfigError(
            f"INFOCOACH_SHARD_COUNT must be a whole number from 1 to {MAX_SHARDS}, "
            f"got {raw_count[:20]!r}."
        )
    count = int(raw_count)
    if not raw_ids:
        return count, None
    parts = [part.strip() for part in raw_ids.split(",")]
    if not all(_small_number(part) for part in parts):
        raise ConfigError(
            "INFOCOACH_SHARD_IDS must be shard numbers separated by commas (e.g. 0,1), "
            f"got {raw_ids[:40]!r}."
        )
    ids = tuple(int(part) for part in parts)
    if len(set(ids)) != len(ids):
        raise ConfigError(f"INFOCOACH_SHARD_IDS names a shard twice: {raw_ids[:40]!r}.")
    if any(i >= count for i in ids):
        raise ConfigError(
            f"INFOCOACH_SHARD_IDS must be from 0 to {count - 1} (INFOCOACH_SHARD_COUNT is "
            f"{count}), got {raw_ids[:40]!r}."
        )
    return count, ids
