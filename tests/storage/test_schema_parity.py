"""SQLite's and PostgreSQL's migrations end in the same schema, and move data the same way.

Each engine has its own folder of numbered migrations (``bot/storage/migrations/sqlite`` and
``…/postgres``, same numbers and names). This builds both schemas from scratch and compares
them (tests/schema_shape.py says what "the same" means), so they cannot drift.

PostgreSQL: the server ``INFOCOACH_TEST_PG_URL`` names; else, on the PostgreSQL pass
(``INFOCOACH_TEST_BACKEND=postgres``), the suite's ``pg_url`` fixture when there is one; else
a throwaway cluster this module starts itself (Debian's ``initdb``; as the ``postgres`` user
when run as root) and stops at the end. Without a server and without ``initdb`` the tests fail
and say so: they are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.schema_shape import differences, postgres_shape, sqlite_shape

MIGRATIONS = Path(__file__).resolve().parents[2] / "bot" / "storage" / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# Columns holding a Discord id or a row id (or pointing at one), and counters without a bound:
# 64-bit on SQLite, so BIGINT on PostgreSQL.
_WIDE = re.compile(r"^(id|\w+_id|referred_by|snoozed_from|replan_pending)$")


def migration_files(engine: str) -> list[Path]:
    files = sorted(p for p in (MIGRATIONS / engine).iterdir() if _NAME.match(p.name))
    return files


def _initdb() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found)
    candidates = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    ranked = sorted(candidates, key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return ranked[-1] if ranked else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def scratch_cluster(initdb: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on loopback; its URL. Stopped and removed on exit."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="infocoach-parity-"))
    data = folder / "data"
    if as_root:
        shutil.chown(folder, user="postgres")
    pg_ctl = str(initdb.with_name("pg_ctl"))
    port = _free_port()
    started = False
    try:
        subprocess.run(
            [
                *prefix,
                str(initdb),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", f"{folder}/log", "-w", "start"],
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_server(request: pytest.FixtureRequest) -> Iterator[str]:
    url = os.environ.get("INFOCOACH_TEST_PG_URL")
    if not url and os.environ.get("INFOCOACH_TEST_BACKEND") == "postgres":
        with contextlib.suppress(pytest.FixtureLookupError):
            url = str(request.getfixturevalue("pg_url"))
    if url:
        yield url
        return
    initdb = _initdb()
    if initdb is None:
        pytest.fail(
            "the schema parity test needs PostgreSQL: install it (Debian: apt-get install"
            " postgresql, which provides initdb) or set INFOCOACH_TEST_PG_URL to a server"
        )
    with scratch_cluster(initdb) as started:
        yield started


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server``; its conninfo. Dropped on exit."""
    name = f"parity_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield psycopg.conninfo.make_conninfo(server, dbname=name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def apply_sqlite(path: Path, first: int = 1, last: int | None = None) -> None:
    """Apply SQLite's migrations first..last (numbers) to the file at ``path``."""
    conn = sqlite3.connect(path)
    try:
        for file in migration_files("sqlite")[first - 1 : last]:
            conn.executescript(file.read_text("utf-8"))
    finally:
        conn.close()


def apply_postgres(conninfo: str, first: int = 1, last: int | None = None) -> None:
    """Apply PostgreSQL's migrations first..last, each in its own transaction, as whole files."""
    with psycopg.connect(conninfo) as conn:
        for file in migration_files("postgres")[first - 1 : last]:
            with conn.transaction():
                conn.execute(file.read_text("utf-8"))


@pytest.fixture(scope="module")
def pg_migrated(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server) as conninfo:
        apply_postgres(conninfo)
        yield conninfo


@pytest.fixture
def sqlite_migrated(tmp_path: Path) -> Path:
    path = tmp_path / "parity.sqlite3"
    apply_sqlite(path)
    return path


def test_both_engines_have_the_same_migrations() -> None:
    sqlite_names = [p.name for p in migration_files("sqlite")]
    postgres_names = [p.name for p in migration_files("postgres")]
    assert sqlite_names, "no SQLite migrations found"
    assert postgres_names == sqlite_names
    numbers = [int(name[:4]) for name in sqlite_names]
    assert numbers == list(range(1, len(numbers) + 1))
    assert not list(MIGRATIONS.glob("*.sql")), "migrations live in sqlite/ and postgres/ now"


def test_final_schemas_are_the_same(sqlite_migrated: Path, pg_migrated: str) -> None:
    sqlite_side = sqlite_shape(sqlite_migrated)
    postgres_side = postgres_shape(pg_migrated)
    assert {"contacts", "nudges"} <= set(sqlite_side)  # the reader saw the schema
    assert differences(sqlite_side, postgres_side) == []


def test_the_comparison_sees_a_drift(sqlite_migrated: Path, pg_server: str) -> None:
    """A PostgreSQL schema one index, one foreign-key action and one column short differs."""
    with fresh_database(pg_server) as conninfo:
        apply_postgres(conninfo)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("DROP INDEX nudges_live_by_user")
            conn.execute("ALTER TABLE students DROP COLUMN replan_pending")
            conn.execute("ALTER TABLE nudges DROP CONSTRAINT nudges_snoozed_from_fkey")
            conn.execute(
                "ALTER TABLE nudges ADD FOREIGN KEY (snoozed_from) REFERENCES nudges (id)"
                " ON DELETE CASCADE"
            )
        found = "\n".join(differences(sqlite_shape(sqlite_migrated), postgres_shape(conninfo)))
    assert "nudges index nudges_live_by_user" in found
    assert "students.replan_pending" in found
    assert "nudges foreign_keys" in found


def test_postgres_ids_are_bigint(pg_migrated: str) -> None:
    with psycopg.connect(pg_migrated) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN ('integer', 'smallint', 'bigint')"
        ).fetchall()
    wide = {(t, c): kind for t, c, kind in rows if _WIDE.match(c)}
    assert {("students", "guild_id"), ("nudges", "message_id")} <= set(wide)
    assert {key: kind for key, kind in wide.items() if kind != "bigint"} == {}


# The data-moving migrations (0009 employers from organizations, 0010 onboarding, 0012 retired
# contact ids, 0013 the deletion salt) give the same rows on both engines.
_SEED_AT = 8  # the last migration before 0009_employers
_STUDENTS = [
    (10, 1, "2026-01-01T09:00:00.000000+00:00"),
    (10, 2, "2026-01-02T09:00:00.000000+00:00"),
]
_ORGANIZATIONS = [
    (1, 1, "Acme"),
    (2, 1, "acme "),  # same employer: case and the trailing space
    (3, 1, "ACME\tCorp"),  # a tab is a space…
    (4, 1, "acme  corp"),  # …and a run of spaces one: same as 3
    (5, 1, "\u00c9mile"),  # SQLite's lower() folds ASCII letters only:
    (6, 1, "\u00e9mile"),  # É and é stay two employers
    (7, 1, "Big\u00a0\u00a0Co"),  # no-break spaces count as spaces
    (8, 1, "big co"),
    (9, 2, "Acme"),  # another student: their own employer
]


def _seed(execute: Any) -> None:
    for guild, user, at in _STUDENTS:
        execute(
            "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
            " VALUES (?, ?, ?, ?)",
            (guild, user, at, at),
        )
    for contact_id, user, organization in _ORGANIZATIONS:
        at = f"2026-02-{contact_id:02d}T10:00:00.000000+00:00"
        execute(
            "INSERT INTO contacts (id, guild_id, user_id, person, organization, created_at,"
            " updated_at) VALUES (?, 10, ?, 'Pat', ?, ?, ?)",
            (contact_id, user, organization, at, at),
        )
    # Contact 42 was deleted; the activity log still names it, so its id stays retired.
    execute(
        "INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)"
        " VALUES (10, 1, 42, 'contact_added', '{}', '2026-02-20T10:00:00.000000+00:00')",
        (),
    )


_AFTER = [
    "SELECT id, guild_id, user_id, name, created_at, updated_at FROM employers ORDER BY id",
    "SELECT id, employer_id FROM contacts ORDER BY id",
    "SELECT guild_id, user_id, start_pointed_at FROM students ORDER BY guild_id, user_id",
]
_NEW_CONTACT = (
    "INSERT INTO contacts (guild_id, user_id, person, organization, created_at, updated_at)"
    " VALUES (10, 1, 'Sam', 'New', 'x', 'x') RETURNING id"
)
_NEW_EMPLOYER = (
    "INSERT INTO employers (guild_id, user_id, name, created_at, updated_at)"
    " VALUES (10, 1, 'New', 'x', 'x') RETURNING id"
)
_SALT = "SELECT value FROM app_meta WHERE key = 'deletion_salt'"


def test_data_migrations_agree(tmp_path: Path, pg_server: str) -> None:
    path = tmp_path / "data.sqlite3"
    apply_sqlite(path, last=_SEED_AT)
    conn = sqlite3.connect(path)
    with conn:
        _seed(conn.execute)
    conn.close()
    apply_sqlite(path, first=_SEED_AT + 1)
    conn = sqlite3.connect(path)
    try:
        sqlite_rows = [[tuple(r) for r in conn.execute(q).fetchall()] for q in _AFTER]
        with conn:
            sqlite_new = (
                conn.execute(_NEW_CONTACT).fetchone()[0],
                conn.execute(_NEW_EMPLOYER).fetchone()[0],
            )
        sqlite_salt = conn.execute(_SALT).fetchone()[0]
    finally:
        conn.close()

    with fresh_database(pg_server) as conninfo:
        apply_postgres(conninfo, last=_SEED_AT)
        with psycopg.connect(conninfo) as pg:
            _seed(lambda sql, params: pg.execute(sql.replace("?", "%s"), params))
        apply_postgres(conninfo, first=_SEED_AT + 1)
        with psycopg.connect(conninfo) as pg:
            postgres_rows = [[tuple(r) for r in pg.execute(q).fetchall()] for q in _AFTER]
            row_contact = pg.execute(_NEW_CONTACT).fetchone()
            row_employer = pg.execute(_NEW_EMPLOYER).fetchone()
            assert row_contact is not None
            assert row_employer is not None
            postgres_new = (row_contact[0], row_employer[0])
            postgres_salt = pg.execute(_SALT).fetchone()[0]

    employers = sqlite_rows[0]
    assert [(e[0], e[2], e[3]) for e in employers] == [
        (1, 1, "Acme"),
        (3, 1, "ACME\tCorp"),
        (5, 1, "\u00c9mile"),
        (6, 1, "\u00e9mile"),
        (7, 1, "Big\u00a0\u00a0Co"),
        (9, 2, "Acme"),
    ]
    assert sqlite_rows[1] == [
        (1, 1),
        (2, 1),
        (3, 3),
        (4, 3),
        (5, 5),
        (6, 6),
        (7, 7),
        (8, 7),
        (9, 9),
    ]
    assert [r[2] for r in sqlite_rows[2]] == [s[2] for s in _STUDENTS]
    assert postgres_rows == sqlite_rows
    # Retired ids stay retired: the next contact is past the deleted 42, the next employer past
    # the ones the migration created with explicit ids.
    assert sqlite_new == (43, 10)
    assert postgres_new == sqlite_new
    for salt in (sqlite_salt, postgres_salt):
        assert re.fullmatch(r"[0-9a-f]{32}", salt)


@pytest.mark.parametrize("column", ["events.payload", "staff_audit.detail"])
def test_json_columns_reject_what_is_not_json(
    column: str, sqlite_migrated: Path, pg_migrated: str
) -> None:
    table, name = column.split(".")
    owner = "user_id" if table == "events" else "staff_user_id"
    kind = "kind" if table == "events" else "action"
    insert = (
        f"INSERT INTO {table} (guild_id, {owner}, {kind}, {name}, at) VALUES (1, 2, 'k', ?, 'x')"
    )
    conn = sqlite3.connect(sqlite_migrated)
    try:
        conn.execute(insert, ('{"a": [1, 2]}',))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert, ("{not json",))
    finally:
        conn.close()
    with psycopg.connect(pg_migrated) as pg:
        pg.execute(insert.replace("?", "%s"), ('{"a": [1, 2]}',))
        pg.rollback()
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute(insert.replace("?", "%s"), ("{not json",))
