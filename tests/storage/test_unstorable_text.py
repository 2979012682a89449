"""PostgreSQL's text cannot hold a NUL (SQLite's can). Typed text is checked before it reaches
SQL (bot.validation.clean_text); should a path miss that, the PostgreSQL adapter turns the
server's refusal into a clear private refusal with nothing written, not a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.storage.database import Database
from tests.conftest import ON_POSTGRES
from tests.dbquery import query

SCRATCH = "CREATE TABLE scratch (id BIGINT PRIMARY KEY, note TEXT, data TEXT)"
INSERT = "INSERT INTO scratch (id, note, data) VALUES (?, ?, ?)"


async def test_a_nul_that_reaches_sql_is_refused_on_postgres_and_nothing_is_written(
    db: Database, db_location: Path | str
):
    async with db.transaction() as tx:
        await tx.execute(SCRATCH)
        await tx.execute(INSERT, (1, "fine", "{}"))
    if not ON_POSTGRES:
        async with db.transaction() as tx:  # SQLite stores it as is
            await tx.execute(INSERT, (2, "Ada\x00Lovelace", "{}"))
        (row,) = query(db_location, "SELECT note FROM scratch WHERE id = 2")
        assert row[0] == "Ada\x00Lovelace"
        return
    with pytest.raises(UserError, match=r"can't be saved.*U\+0000"):
        async with db.transaction() as tx:
            await tx.execute(INSERT, (2, "also fine", "{}"))
            await tx.execute(INSERT, (3, "Ada\x00Lovelace", "{}"))
    with pytest.raises(UserError, match="can't be saved"):
        await db.fetch_all("SELECT id FROM scratch WHERE note LIKE ?", ("%\x00%",))
    # The same in JSON: the text is fine, but jsonb has no NUL either.
    with pytest.raises(UserError, match="can't be saved"):
        async with db.transaction() as tx:
            await tx.execute(INSERT, (4, "json", json.dumps({"note": "a\x00b"})))
            await tx.execute("SELECT data::jsonb ->> 'note' FROM scratch WHERE id = 4")
    assert [tuple(r) for r in query(db_location, "SELECT id, note FROM scratch")] == [(1, "fine")]
    async with db.transaction() as tx:  # the connection is usable again
        await tx.execute(INSERT, (5, "after", "{}"))
    assert len(query(db_location, "SELECT id FROM scratch")) == 2
