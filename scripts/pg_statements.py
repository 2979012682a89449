"""Check that every SQL statement the storage modules run also runs on PostgreSQL.

Two steps (a development tool; the PostgreSQL test pass covers the same ground once the
adapter is in):

1. ``capture OUT.json [pytest args…]`` runs the given tests on SQLite and records every
   statement a ``bot/storage`` module sent (its text and the first parameters seen with it).
2. ``check OUT.json URL [--migrations DIR]`` creates a scratch database on the PostgreSQL
   server at ``URL`` (``postgresql://…/postgres``), applies the PostgreSQL migrations, then
   for each recorded statement (SQLite-only texts left out: their PostgreSQL twins, listed
   in :func:`postgres_twins`, are checked instead) translates the placeholders to ``$n``,
   prepares it, and runs it with the recorded parameters inside a savepoint that is rolled
   back. A syntax, name or type error fails; a constraint violation (the recorded values do
   not fit the scratch data) does not.

    python scripts/pg_statements.py capture /tmp/sql.json tests/storage tests/actions
    python scripts/pg_statements.py check /tmp/sql.json postgresql://postgres@127.0.0.1:55433/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STORAGE = ROOT / "bot" / "storage"
PLUMBING = {"database.py", "connections.py", "writer.py", "migrations.py", "engine.py"}
SQLITE_ONLY = re.compile(
    r"json_extract|json_set|json_group_array|json_each|sqlite_master|pragma|EXPLAIN"
    r"|^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b",
    re.I,
)
"""Texts of a storage module's SQLite branch (its PostgreSQL twin is in postgres_twins), and
the writer's transaction control (the adapter's business)."""


# -- capture -----------------------------------------------------------------------------------


def _storage_caller() -> str | None:
    """The bot/storage module (outside the plumbing) that sent the statement, if any."""
    frame = sys._getframe(3)  # past _record and the hook
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent == STORAGE and path.name not in PLUMBING:
            return path.name
        if path.parent != STORAGE:
            return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


class Capture:
    """A pytest plugin recording the statements storage modules send."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seen: dict[str, dict[str, Any]] = {}

    def _record(self, sql: str, params: Any) -> None:
        module = _storage_caller()
        if module is None or sql in self.seen:
            return
        if isinstance(params, dict):
            sample: Any = {k: _plain(v) for k, v in params.items()}
        else:
            sample = [_plain(v) for v in (params or ())]
        self.seen[sql] = {"module": module, "sql": sql, "params": sample}

    def pytest_configure(self, config: Any) -> None:
        from bot.storage import connections

        recorder = self

        write = connections.WriteConnection.execute
        fetch_one = connections.ReadConnection.fetch_one
        fetch_all = connections.ReadConnection.fetch_all

        def execute(self: Any, sql: str, parameters: Any = None) -> Any:
            recorder._record(sql, parameters)
            return write(self, sql, parameters)

        async def one(self: Any, sql: str, params: Any = ()) -> Any:
            recorder._record(sql, params)
            return await fetch_one(self, sql, params)

        async def many(self: Any, sql: str, params: Any = ()) -> Any:
            recorder._record(sql, params)
            return await fetch_all(self, sql, params)

        connections.WriteConnection.execute = execute  # type: ignore[method-assign]
        connections.ReadConnection.fetch_one = one  # type: ignore[method-assign]
        connections.ReadConnection.fetch_all = many  # type: ignore[method-assign]

    def pytest_unconfigure(self, config: Any) -> None:
        found = sorted(self.seen.values(), key=lambda s: s["sql"])
        self.out.write_text(json.dumps(found, indent=1))
        print(f"\nrecorded {len(self.seen)} statements in {self.out}")


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str | int | float) or value is None:
        return value
    return str(value)


# -- placeholders --------------------------------------------------------------------------------

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?(\d*)|(?<!:):([A-Za-z_]\w*)")


def translate(sql: str, params: Any) -> tuple[str, list[Any]]:
    """``?``, ``?N`` and ``:name`` → ``$n`` (quoted strings and ``::`` casts left alone), and
    the parameters in ``$n`` order."""
    order: list[Any] = []
    numbers: dict[Any, int] = {}
    plain = 0

    def place(match: re.Match[str]) -> str:
        nonlocal plain
        token = match.group(0)
        if token.startswith(("'", '"')) or token == "::":
            return token
        if token.startswith("?"):
            if match.group(1):
                key: Any = int(match.group(1)) - 1
            else:
                key = plain
                plain += 1
            value = params[key]
        else:
            key = match.group(2)
            value = params[key]
        if key not in numbers:
            order.append(value)
            numbers[key] = len(order)
        return f"${numbers[key]}"

    return _TOKEN.sub(place, sql), order


# -- the PostgreSQL branches -----------------------------------------------------------------------


def postgres_twins() -> Iterator[dict[str, Any]]:
    """The PostgreSQL texts of the storage modules' engine branches, with sample parameters."""
    from bot.storage import delivery, events, nudges, privacy, staff_audit
    from bot.storage.engine import POSTGRES

    now = "2025-01-06T09:00:00.000000Z"
    yield {
        "module": "nudges.py",
        "sql": nudges.CLAIM_DUE_SQL_PG,
        "params": {"now": now, "limit": 10},
    }
    yield {
        "module": "nudges.py",
        "sql": nudges.CLAIM_FAIR_SQL_PG,
        "params": {"now": now, "limit": 10, "per_user": 2, "skip": "[1, 2]"},
    }
    yield {
        "module": "staff_audit.py",
        "sql": staff_audit._FORGET[POSTGRES],
        "params": [10, 20],
    }
    yield {
        "module": "delivery.py",
        "sql": delivery._FOR_CONTACT[POSTGRES],
        "params": {
            "guild_id": 10,
            "user_id": 20,
            "contact_id": 1,
            "default_days": 14,
            "default_minutes": 20,
            "with_questions": 1,
            "with_referrals": 1,
        },
    }
    field = events._JSON_FIELD[POSTGRES]
    yield {
        "module": "events.py",
        "sql": "SELECT id, kind, payload FROM events WHERE guild_id = ? AND user_id = ?"
        " AND at >= ? AND contact_id = ? AND kind IN (?, ?)"
        f" AND {field.format(key='phase')} = ? AND {field.format(key='item')} = ?"
        " ORDER BY at DESC, id DESC LIMIT 1",
        "params": [10, 20, now, 1, "checklist_ticked", "checklist_unticked", "request", "x"],
    }
    for sql in privacy._CATALOGUE[POSTGRES][:3]:
        assert isinstance(sql, str)
        yield {"module": "privacy.py", "sql": sql, "params": []}


# -- check -------------------------------------------------------------------------------------


INTEGRITY = {"23503", "23505", "23514", "23502"}  # foreign key, unique, check, not null
UNDEFINED_TABLE = "42P01"  # privacy's statements about tables the tests create on SQLite


async def check(statements: list[dict[str, Any]], url: str, migrations: list[str]) -> int:
    import asyncpg  # type: ignore[import-not-found, unused-ignore]

    name = f"pgsql_check_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    failures = 0
    try:
        conn = await asyncpg.connect(url.rsplit("/", 1)[0] + "/" + name)
        try:
            for script in migrations:
                await conn.execute(script)
            # One student with a contact, so the sample parameters often find rows.
            await conn.execute(
                "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
                " VALUES (10, 20, 'x', 'x');"
                "INSERT INTO contacts (guild_id, user_id, person, organization, created_at,"
                " updated_at) VALUES (10, 20, 'Ann', 'Acme', 'x', 'x')"
            )
            for item in statements:
                failures += not await _check_one(conn, item)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()
    print(f"{len(statements)} statements checked, {failures} failed")
    return 1 if failures else 0


async def _check_one(conn: Any, item: dict[str, Any]) -> bool:
    import asyncpg

    sql, params = translate(item["sql"], item["params"])
    tx = conn.transaction()
    await tx.start()
    try:
        statement = await conn.prepare(sql)
        await statement.fetch(*params)
        return True
    except asyncpg.PostgresError as exc:
        if exc.sqlstate in INTEGRITY:
            return True
        if exc.sqlstate == UNDEFINED_TABLE and item["module"] == "privacy.py":
            print(f"skipped (a table a test made): {sql[:80]}")
            return True
        _report(item, sql, params, exc)
        return False
    except (asyncpg.exceptions.DataError, TypeError, ValueError) as exc:
        _report(item, sql, params, exc)
        return False
    finally:
        await tx.rollback()


def _report(item: dict[str, Any], sql: str, params: list[Any], exc: Exception) -> None:
    print(f"FAIL {item['module']}: {type(exc).__name__}: {exc}\n  {sql}\n  params={params}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("out", type=Path)
    cap.add_argument("pytest_args", nargs=argparse.REMAINDER)
    chk = sub.add_parser("check")
    chk.add_argument("recorded", type=Path)
    chk.add_argument("url")
    chk.add_argument(
        "--migrations", type=Path, default=STORAGE / "migrations" / "postgres", help="folder"
    )
    args = parser.parse_args()
    if args.command == "capture":
        import pytest

        code = pytest.main(["-q", "-p", "no:cacheprovider", *args.pytest_args], [Capture(args.out)])
        return int(code)
    recorded = json.loads(args.recorded.read_text())
    statements = [s for s in recorded if not SQLITE_ONLY.search(s["sql"])]
    statements += list(postgres_twins())
    scripts = [p.read_text(encoding="utf-8") for p in sorted(args.migrations.glob("*.sql"))]
    return asyncio.run(check(statements, args.url, scripts))


if __name__ == "__main__":
    sys.exit(main())
