"""``python -m bot``: run the bot. Also ``check``, ``migrate`` and ``backup PATH``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

import discord

from bot.app import create_bot
from bot.config import ConfigError, Settings, load_settings
from bot.content import ContentError, load_content
from bot.log_redaction import install_redaction
from bot.storage.backup import backup_database
from bot.storage.database import StorageError, open_database
from bot.storage.database_url import redact_url, url_secrets

EXIT_CONFIG = 2


async def _run(settings: Settings) -> None:
    bot = create_bot(settings)
    await bot.open_storage()  # fail on an unwritable database before connecting to Discord
    async with bot:
        await bot.start(settings.discord_token)


async def _migrate(settings: Settings) -> None:
    db = await open_database(settings.database_location)
    await db.close()


def _where(settings: Settings) -> str:
    """The database named for the operator (a URL without its password)."""
    if settings.database_url:
        return redact_url(settings.database_url)
    return str(settings.db_path)


PG_DUMP_HINT = (
    "backup is for the SQLite file; on PostgreSQL use pg_dump, e.g. "
    'pg_dump --format=custom --file=infocoach.dump "$INFOCOACH_DATABASE_URL" '
    "(restore with pg_restore --clean --dbname=...)"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the InfoCoach bot.")
    parser.add_argument(
        "verb",
        nargs="?",
        default="run",
        choices=["run", "check", "migrate", "backup"],
        help="run (default): start the bot; check: validate settings and data/; "
        "migrate: create or upgrade the database and exit; backup PATH: write a consistent "
        "copy of the database to PATH (safe while the bot runs)",
    )
    parser.add_argument("path", nargs="?", help="where backup writes the copy")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(need_token=args.verb == "run")  # only run talks to Discord
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        # Tokens never reach the log, whatever the level (discord.py logs URLs at DEBUG).
        secrets = [settings.discord_token]
        if settings.database_url:  # its password, in the user info or a password= parameter
            secrets.extend(url_secrets(settings.database_url))
        install_redaction(tuple(secrets))
        if args.verb == "check":
            load_content(settings.data_dir)
            print(f"settings and {settings.data_dir} are valid")
            if not settings.discord_token:
                print("DISCORD_TOKEN is not set yet: running the bot will need it")
        elif args.verb == "backup":
            if settings.database_url:
                raise StorageError(PG_DUMP_HINT)
            if not args.path:
                parser.error("backup needs a PATH, e.g. python -m bot backup backups/today.sqlite3")
            if not settings.db_path.is_file():
                raise StorageError(f"there is no database at {settings.db_path} to back up")
            try:
                made = backup_database(settings.db_path, Path(args.path))
            except (sqlite3.Error, OSError) as exc:
                raise StorageError(f"backup to {args.path} failed: {exc}") from exc
            print(f"backed up {settings.db_path} to {made}")
        elif args.verb == "migrate":
            asyncio.run(_migrate(settings))
            print(f"database {_where(settings)} is up to date")
        else:
            asyncio.run(_run(settings))
    except (ConfigError, ContentError, StorageError) as exc:
        print(f"infocoach: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except discord.LoginFailure:
        print(
            "infocoach: Discord rejected DISCORD_TOKEN; copy a fresh one from the developer "
            "portal (README.md, “Create the Discord application”).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
