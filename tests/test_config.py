"""Settings come from the environment over an optional .env file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DB_PATH, ConfigError, load_settings
from bot.config import redact_url as config_redact_url
from bot.storage.database_url import redact_url, url_secrets


def test_token_is_required(tmp_path: Path):
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings({}, tmp_path / "missing.env")


def test_token_can_be_left_out_for_the_verbs_that_do_not_connect(tmp_path: Path):
    settings = load_settings({}, tmp_path / "missing.env", need_token=False)
    assert settings.discord_token == ""
    assert settings.db_path == DEFAULT_DB_PATH
    given = load_settings({"DISCORD_TOKEN": " t "}, tmp_path / "missing.env", need_token=False)
    assert given.discord_token == "t"
    with pytest.raises(ConfigError, match="INFOCOACH_DEV_GUILD"):  # the rest is still checked
        load_settings({"INFOCOACH_DEV_GUILD": "abc"}, tmp_path / "missing.env", need_token=False)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nexport DISCORD_TOKEN='from-file'\nINFOCOACH_DEV_GUILD=123\nLOG_LEVEL=debug\n"
    )
    settings = load_settings({"INFOCOACH_DB_PATH": str(tmp_path / "x.db")}, dotenv)
    assert settings.discord_token == "from-file"
    assert settings.dev_guild_id == 123
    assert settings.log_level == "DEBUG"
    assert settings.db_path == tmp_path / "x.db"
    assert load_settings({"DISCORD_TOKEN": "env"}, dotenv).discord_token == "env"


def test_defaults(tmp_path: Path):
    settings = load_settings({"DISCORD_TOKEN": "t"}, tmp_path / "none.env")
    assert settings.db_path == DEFAULT_DB_PATH
    assert settings.db_path.name == "infocoach.sqlite3"
    assert settings.dev_guild_id is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("INFOCOACH_DEV_GUILD", "abc", "server id"), ("LOG_LEVEL", "LOUD", "LOG_LEVEL")],
)
def test_malformed_values(tmp_path: Path, key: str, value: str, message: str):
    with pytest.raises(ConfigError, match=message):
        load_settings({"DISCORD_TOKEN": "t", key: value}, tmp_path / "none.env")


def test_malformed_dotenv_line(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DISCORD_TOKEN\n")
    with pytest.raises(ConfigError, match=r"\.env, line 1"):
        load_settings({}, dotenv)


def test_a_malformed_dotenv_line_is_never_echoed(tmp_path: Path):
    # A token pasted without its "DISCORD_TOKEN=": the error names the line, not its text.
    secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123"
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# my bot\nLOG_LEVEL=INFO\n{secret}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, dotenv)
    assert "line 3" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret[:10] not in str(caught.value)


def test_settings_repr_redacts_the_token(tmp_path: Path):
    settings = load_settings({"DISCORD_TOKEN": "super-secret-token"}, tmp_path / "none.env")
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(settings)
    assert "discord_token='<redacted>'" in repr(settings)
    assert "backup_keep=7" in repr(settings)


def test_guild_grace_days(tmp_path: Path):
    assert load_settings({"DISCORD_TOKEN": "t"}, tmp_path / "n.env").guild_grace_days == 30
    settings = load_settings(
        {"DISCORD_TOKEN": "t", "INFOCOACH_GUILD_GRACE_DAYS": "7"}, tmp_path / "n.env"
    )
    assert settings.guild_grace_days == 7
    with pytest.raises(ConfigError, match="INFOCOACH_GUILD_GRACE_DAYS"):
        load_settings({"DISCORD_TOKEN": "t", "INFOCOACH_GUILD_GRACE_DAYS": "0"}, tmp_path / "n")


def test_backup_settings(tmp_path: Path):
    settings = load_settings(
        {"DISCORD_TOKEN": "t", "INFOCOACH_BACKUP_DIR": str(tmp_path), "INFOCOACH_BACKUP_KEEP": "3"},
        tmp_path / "none.env",
    )
    assert (settings.backup_dir, settings.backup_keep) == (tmp_path, 3)
    with pytest.raises(ConfigError, match="INFOCOACH_BACKUP_KEEP"):
        load_settings({"DISCORD_TOKEN": "t", "INFOCOACH_BACKUP_KEEP": "0"}, tmp_path / "none.env")


def test_a_database_url_selects_postgresql_and_is_shown_without_its_password(tmp_path: Path):
    url = "postgresql://bot:hunter2@db.example:5432/infocoach"
    settings = load_settings({"INFOCOACH_DATABASE_URL": url}, tmp_path / "n.env", need_token=False)
    assert settings.database_location == url
    assert "hunter2" not in repr(settings)
    assert "postgresql://bot:***@db.example:5432/infocoach" in repr(settings)
    plain = load_settings({}, tmp_path / "n.env", need_token=False)
    assert plain.database_url is None
    assert plain.database_location == DEFAULT_DB_PATH


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"INFOCOACH_DATABASE_URL": "postgresql://x@h/d", "INFOCOACH_DB_PATH": "/tmp/x.db"},
            "INFOCOACH_DATABASE_URL and INFOCOACH_DB_PATH are both set",
        ),
        ({"INFOCOACH_DATABASE_URL": "mysql://u:pw@h/d"}, "INFOCOACH_DATABASE_URL must be"),
    ],
)
def test_database_url_mistakes_name_the_variable(tmp_path: Path, env: dict[str, str], message: str):
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(env, tmp_path / "n.env", need_token=False)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown", "secrets"),
    [
        ("postgresql://bot:s3cret@db:5432/app", "postgresql://bot:***@db:5432/app", ["s3cret"]),
        (
            "postgresql://bot@db/app?sslmode=require&password=s3cret",
            "postgresql://bot@db/app?sslmode=require&password=***",
            ["s3cret"],
        ),
        # a malformed port is never parsed (urlsplit's .port raises ValueError on it)
        ("postgresql://bot:s3cret@db:notaport/app", "postgresql://bot:***@db:notaport/app", None),
        ("postgresql://bot:s3cret@[::1/app", "postgresql://bot:***@[::1/app", None),
        ("postgresql://bot:p%40ss@db/app", "postgresql://bot:***@db/app", ["p%40ss", "p@ss"]),
        ("postgresql://db/app", "postgresql://db/app", []),
    ],
)
def test_one_redactor_hides_the_password_wherever_the_url_puts_it(
    tmp_path: Path, url: str, shown: str, secrets: list[str] | None
):
    assert redact_url(url) == shown
    assert config_redact_url is redact_url  # config, the CLI and PostgreSQL share it
    if secrets is not None:
        assert list(url_secrets(url)) == secrets
    settings = load_settings(
        {"DISCORD_TOKEN": "t", "INFOCOACH_DATABASE_URL": url}, tmp_path / "none.env"
    )
    assert "s3cret" not in repr(settings)
    assert shown in repr(settings)


URL = "postgresql://bot@db.example/infocoach"


def test_shards_are_unset_by_default(tmp_path: Path):
    settings = load_settings({"DISCORD_TOKEN": "t"}, tmp_path / "none.env")
    assert (settings.shard_count, settings.shard_ids) == (None, None)
    assert not settings.sharded
    assert settings.all_shards_here


@pytest.mark.parametrize(
    ("env", "count", "ids", "here"),
    [
        ({"INFOCOACH_SHARD_COUNT": "2"}, 2, None, True),  # one process, every shard
        ({"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "1, 0"}, 2, (1, 0), True),
        ({"INFOCOACH_SHARD_COUNT": "1", "INFOCOACH_SHARD_IDS": "0"}, 1, (0,), True),
        (
            {
                "INFOCOACH_SHARD_COUNT": "4",
                "INFOCOACH_SHARD_IDS": "0,2",
                "INFOCOACH_DATABASE_URL": URL,
            },
            4,
            (0, 2),
            False,
        ),
    ],
)
def test_shard_settings(
    tmp_path: Path, env: dict[str, str], count: int, ids: tuple[int, ...] | None, here: bool
):
    settings = load_settings({"DISCORD_TOKEN": "t", **env}, tmp_path / "none.env")
    assert (settings.shard_count, settings.shard_ids) == (count, ids)
    assert settings.sharded
    assert settings.all_shards_here is here


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INFOCOACH_SHARD_IDS": "0"}, "INFOCOACH_SHARD_IDS needs INFOCOACH_SHARD_COUNT"),
        ({"INFOCOACH_SHARD_COUNT": "0"}, "INFOCOACH_SHARD_COUNT must be a whole number"),
        ({"INFOCOACH_SHARD_COUNT": "two"}, "INFOCOACH_SHARD_COUNT must be a whole number"),
        ({"INFOCOACH_SHARD_COUNT": "-1"}, "INFOCOACH_SHARD_COUNT must be a whole number"),
        ({"INFOCOACH_SHARD_COUNT": "9" * 5000}, "INFOCOACH_SHARD_COUNT must be a whole number"),
        ({"INFOCOACH_SHARD_COUNT": "²"}, "INFOCOACH_SHARD_COUNT must be a whole number"),
        (
            {"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "0;1"},
            "INFOCOACH_SHARD_IDS must be shard numbers",
        ),
        (
            {"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "0,,1"},
            "INFOCOACH_SHARD_IDS must be shard numbers",
        ),
        (
            {"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "1,1"},
            "INFOCOACH_SHARD_IDS names a shard twice",
        ),
        (
            {"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "0,2"},
            "INFOCOACH_SHARD_IDS must be from 0 to 1",
        ),
        (  # part of the shards on SQLite: another process would need the same file
            {"INFOCOACH_SHARD_COUNT": "2", "INFOCOACH_SHARD_IDS": "1"},
            "INFOCOACH_SHARD_IDS=1 runs part of the 2 shards, but only one process may use an "
            "SQLite database",
        ),
    ],
)
def test_shard_mistakes_name_the_variable(tmp_path: Path, env: dict[str, str], message: str):
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": "t", **env}, tmp_path / "none.env")
    text = str(caught.value)
    assert text.startswith(message.split(" ", 1)[0])
    assert message in text
    assert "\n" not in text
