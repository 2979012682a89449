"""``python -m bot`` start-up failures: one clear line, exit status 2, no traceback."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.log_redaction import install_redaction

ROOT = Path(__file__).resolve().parent.parent


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "INFOCOACH_"))}
    base["INFOCOACH_DB_PATH"] = str(tmp_path / "bot.sqlite3")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env here
        env={**base, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_missing_token_names_the_variable_and_the_readme(tmp_path: Path):
    result = run_bot(tmp_path)
    assert_one_clear_line(result, "DISCORD_TOKEN", "README")
    explicit = run_bot(tmp_path, "run")
    assert_one_clear_line(explicit, "DISCORD_TOKEN", "README")
    assert explicit.stderr == result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before touching the database


def test_migrate_needs_no_token(tmp_path: Path):
    result = run_bot(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout
    assert (tmp_path / "bot.sqlite3").is_file()


def test_check_needs_no_token_but_mentions_it(tmp_path: Path):
    result = run_bot(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "are valid" in result.stdout
    assert "DISCORD_TOKEN is not set" in result.stdout
    with_token = run_bot(tmp_path, "check", DISCORD_TOKEN="x")
    assert with_token.returncode == 0, with_token.stderr
    assert "DISCORD_TOKEN" not in with_token.stdout


def test_check_without_a_token_still_checks_settings_and_content(tmp_path: Path):
    bad_setting = run_bot(tmp_path, "check", INFOCOACH_DEV_GUILD="abc")
    assert_one_clear_line(bad_setting, "INFOCOACH_DEV_GUILD")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    (data / "outreach_email.toml").write_text("word_limit = 0\n", encoding="utf-8")
    bad_content = run_bot(tmp_path, "check", INFOCOACH_DATA_DIR=str(data))
    assert_one_clear_line(bad_content, "outreach_email.toml", "word_limit")


def test_malformed_content_names_file_and_item(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.sqlite3*"))
    path = data / "checklists" / "prepare.toml"
    text = path.read_text(encoding="utf-8")
    second_id = text.split('id = "')[2].split('"')[0]
    path.write_text(text.replace(f'id = "{second_id}"', 'id = "Not Valid!"'), encoding="utf-8")
    result = run_bot(tmp_path, DISCORD_TOKEN="x", INFOCOACH_DATA_DIR=str(data))
    assert_one_clear_line(result, "prepare.toml", "item 2")


def test_unwritable_database_path_is_named(tmp_path: Path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    result = run_bot(tmp_path, DISCORD_TOKEN="x", INFOCOACH_DB_PATH=str(blocker / "db.sqlite3"))
    assert_one_clear_line(result, str(blocker / "db.sqlite3"))


def test_migrate_verb_creates_the_database(tmp_path: Path):
    result = run_bot(tmp_path, "migrate", DISCORD_TOKEN="x")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bot.sqlite3").is_file()


def test_backup_verb_writes_a_copy(tmp_path: Path):
    assert run_bot(tmp_path, "migrate").returncode == 0
    result = run_bot(tmp_path, "backup", str(tmp_path / "b" / "copy.sqlite3"))  # no token needed
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b" / "copy.sqlite3").is_file()
    missing = run_bot(
        tmp_path,
        "backup",
        str(tmp_path / "x.sqlite3"),
        INFOCOACH_DB_PATH=str(tmp_path / "nope.sqlite3"),
    )
    assert_one_clear_line(missing, "no database")


def test_backup_on_postgresql_points_at_pg_dump(tmp_path: Path):
    result = run_bot(
        tmp_path,
        "backup",
        str(tmp_path / "copy"),
        INFOCOACH_DB_PATH="",
        INFOCOACH_DATABASE_URL="postgresql://bot:secret@127.0.0.1:1/infocoach",
    )
    assert_one_clear_line(result, "pg_dump")
    assert "secret" not in result.stderr


def test_an_unreachable_postgresql_server_is_one_line(tmp_path: Path):
    result = run_bot(
        tmp_path,
        "migrate",
        INFOCOACH_DB_PATH="",
        INFOCOACH_DATABASE_URL="postgresql://bot:secret@127.0.0.1:1/infocoach",
    )
    assert_one_clear_line(
        result, "INFOCOACH_DATABASE_URL: cannot reach the PostgreSQL server", "127.0.0.1:1"
    )
    assert "secret" not in result.stderr


def test_a_malformed_postgresql_url_is_one_line_without_its_password(tmp_path: Path):
    for url in (
        "postgresql://bot:secret@127.0.0.1:notaport/infocoach",
        "postgresql://bot:secret@[::1/infocoach",
        "postgresql://bot@127.0.0.1:1/infocoach?password=secret",
    ):
        result = run_bot(tmp_path, "migrate", INFOCOACH_DB_PATH="", INFOCOACH_DATABASE_URL=url)
        assert_one_clear_line(result, "INFOCOACH_DATABASE_URL: cannot")
        assert "secret" not in result.stderr, url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:Pw-0nly-Here@127.0.0.1:1/infocoach",
        "postgresql://bot@127.0.0.1:1/infocoach?sslmode=disable&password=Pw-0nly-Here",
    ],
)
def test_the_database_password_never_reaches_the_log(
    url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    for key in [k for k in os.environ if k.startswith(("DISCORD_", "INFOCOACH_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("INFOCOACH_DATABASE_URL", url)
    try:
        assert main(["check"]) == 0  # installs the log redaction, as every verb does
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("probe").warning("connecting to %s", url)
            logging.getLogger("probe").warning("password was %s", "Pw-0nly-Here")
    finally:
        install_redaction(())  # leave the session's handlers as they were
    assert "connecting to postgresql://bot" in caplog.text
    assert "Pw-0nly-Here" not in caplog.text


def test_both_database_settings_are_refused(tmp_path: Path):
    result = run_bot(tmp_path, "check", INFOCOACH_DATABASE_URL="postgresql://x@h/d")
    assert_one_clear_line(result, "INFOCOACH_DATABASE_URL", "INFOCOACH_DB_PATH")


def test_part_of_the_shards_on_sqlite_is_refused_before_anything_starts(tmp_path: Path):
    result = run_bot(
        tmp_path, DISCORD_TOKEN="x", INFOCOACH_SHARD_COUNT="2", INFOCOACH_SHARD_IDS="0"
    )
    assert_one_clear_line(result, "INFOCOACH_SHARD_IDS", "SQLite", "INFOCOACH_DATABASE_URL")
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before touching the database
    bad_ids = run_bot(tmp_path, DISCORD_TOKEN="x", INFOCOACH_SHARD_IDS="0")
    assert_one_clear_line(bad_ids, "INFOCOACH_SHARD_COUNT")
