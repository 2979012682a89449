"""Shared fixtures: a real, migrated database, on SQLite (the default) or PostgreSQL.

``INFOCOACH_TEST_BACKEND=postgres`` runs the suite on PostgreSQL: a throwaway cluster is started
once for the session (:mod:`tests.pg_cluster`; or ``INFOCOACH_TEST_PG_URL`` names an existing
server), one database is migrated as a template, and each test gets its own copy
(``CREATE DATABASE … TEMPLATE``), dropped afterwards. Tests about SQLite itself are marked
``@pytest.mark.sqlite_only`` and skipped on that pass.

A "location" is what :func:`bot.storage.database.open_database` takes: a path (SQLite) or a
``postgresql://`` URL. ``db_location`` gives each test a fresh one; ``db`` opens it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage.database import Database, open_database

BACKEND = os.environ.get("INFOCOACH_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgres"):
    raise RuntimeError(f"INFOCOACH_TEST_BACKEND must be sqlite or postgres, got {BACKEND!r}")
ON_POSTGRES = BACKEND == "postgres"
TEMPLATE = "infocoach_template"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite itself (files, WAL, PRAGMAs); skipped on PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="about SQLite itself (INFOCOACH_TEST_BACKEND=postgres)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {BACKEND}"


class PgServer:
    """Creates and drops the tests' databases on one server (synchronously, with psycopg)."""

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self._admin = psycopg.connect(admin_url, autocommit=True)
        self._names = itertools.count(1)
        self._prefix = f"t{os.getpid()}_"

    def url(self, database: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    def make_template(self) -> None:
        from bot.storage.postgres import PostgresDatabase

        self._admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}_{os.getpid()} WITH (FORCE)")
        self._admin.execute(f"CREATE DATABASE {TEMPLATE}_{os.getpid()}")

        async def migrate() -> None:
            db = await PostgresDatabase.connect(self.url(f"{TEMPLATE}_{os.getpid()}"))
            await db.close()

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(migrate())
        finally:
            loop.close()

    def new_database(self) -> str:
        name = f"{self._prefix}{next(self._names)}"
        self._admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}_{os.getpid()}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        try:
            self._admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}_{os.getpid()} WITH (FORCE)")
        finally:
            self._admin.close()


class DbLocations:
    """Fresh database locations: ``new()`` one, ``dispose()`` it when done."""

    def __init__(self, factory: pytest.TempPathFactory, server: PgServer | None) -> None:
        self._factory = factory
        self.server = server

    def new(self, name: str = "test") -> Path | str:
        if self.server is not None:
            return self.server.new_database()
        return self._factory.mktemp("db") / f"{name}.sqlite3"

    def dispose(self, location: Path | str) -> None:
        if self.server is not None and isinstance(location, str):
            self.server.drop(location)


@pytest.fixture(scope="session")
def db_locations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbLocations]:
    if not ON_POSTGRES:
        yield DbLocations(tmp_path_factory, None)
        return
    from tests.pg_cluster import start_cluster

    cluster: Any = None
    admin_url = os.environ.get("INFOCOACH_TEST_PG_URL", "").strip()
    if not admin_url:
        cluster = start_cluster()
        admin_url = cluster.url("postgres")
    try:
        server = PgServer(admin_url)
        try:
            server.make_template()
            yield DbLocations(tmp_path_factory, server)
        finally:
            server.close()
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture
def db_location(db_locations: DbLocations, tmp_path: Path) -> Iterator[Path | str]:
    """A fresh location: ``tmp_path / "test.sqlite3"`` (not created yet), or a new PostgreSQL
    database (already migrated: a copy of the template)."""
    location = tmp_path / "test.sqlite3" if db_locations.server is None else db_locations.new()
    try:
        yield location
    finally:
        db_locations.dispose(location)


@pytest.fixture
async def db(db_location: Path | str) -> AsyncIterator[Database]:
    database = await open_database(db_location)
    try:
        yield database
    finally:
        await database.close()
