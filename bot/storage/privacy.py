"""A student's data rights: export and delete everything stored about them in one server.

Tables are discovered from the catalogue (SQLite's ``sqlite_master`` and pragmas,
PostgreSQL's ``pg_catalog`` for the current schema) rather than listed by hand, so a table
added by a future migration is exported and deleted too. Each table is classified as

* keyed by student: it has ``guild_id`` and ``user_id`` columns (students, contacts, events, …);
* keyed by contact: it has a ``contact_id`` column or a foreign key to ``contacts`` (checklist
  ticks, questions, interview notes, …);
* installation and server tables: listed in :data:`INSTALLATION_TABLES` (no student data);
* unclassified: anything else. The test suite fails on such a table, so whoever adds one
  decides how it relates to a student.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.database import Database, Source, Transaction, query_all
from bot.storage.engine import POSTGRES, SQLITE, engine_of, lock_student
from bot.storage.staff_audit import forget_student_in_audit
from bot.storage.timestamps import to_db

log = logging.getLogger(__name__)

# Tables that describe the installation, not any student. Add a table here only if it holds
# nothing about a person.
INSTALLATION_TABLES = frozenset(
    {
        "schema_migrations",
        "app_meta",
        # Server-level, kept by staff; no student's data in them.
        "guild_settings",
        "checklist_items",
        "staff_audit",  # names a student only until they delete their data (see below)
        # Servers the bot has left: the server's id, name and when (bot/storage/membership.py).
        "departed_guilds",
    }
)
EXPORT_FORMAT = "InfoCoach personal data export"
EXPORT_VERSION = 1
_JSON_COLUMN = re.compile(r"json_valid\s*\(\s*[\"`\[]?(\w+)[\"`\]]?\s*\)", re.IGNORECASE)
_PG_JSON_COLUMN = re.compile(
    r"json_valid\s*\(\s*\(*\"?(\w+)\"?\)*|\(*\"?(\w+)\"?\)*::jsonb?\b", re.IGNORECASE
)
"""A JSON column on PostgreSQL: TEXT with a CHECK calling ``json_valid`` (the migrations
define it there too) or casting it to json/jsonb, as ``pg_get_constraintdef`` prints it
(``CHECK (json_valid(payload))``, ``CHECK (((payload)::jsonb IS NOT NULL))``)."""
_OWN_CONTACTS = "SELECT id FROM contacts WHERE guild_id = :guild_id AND user_id = :user_id"


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    references: frozenset[str]  # tables this one has foreign keys to
    contact_columns: tuple[str, ...]  # columns holding a contact id
    json_columns: frozenset[str]  # columns constrained by json_valid(...)

    @property
    def keyed_by_student(self) -> bool:
        return "guild_id" in self.columns and "user_id" in self.columns


@dataclass(frozen=True, slots=True)
class StudentDataMap:
    """Which tables hold a student's data, and how to find their rows."""

    by_student: tuple[TableInfo, ...]
    by_contact: tuple[TableInfo, ...]
    installation: tuple[str, ...]
    unclassified: tuple[str, ...]

    def deletion_order(self) -> list[TableInfo]:
        """Contact-keyed tables first (their rows are found through ``contacts``), then the
        student-keyed ones; within each, a table before the tables it references."""
        return _children_first(self.by_contact) + _children_first(self.by_student)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _children_first(tables: Sequence[TableInfo]) -> list[TableInfo]:
    remaining = sorted(tables, key=lambda t: t.name)
    ordered: list[TableInfo] = []
    while remaining:
        free = [
            t
            for t in remaining
            if not any(t.name in other.references for other in remaining if other is not t)
        ]
        step = free or remaining[:1]  # a reference cycle: foreign-key actions sort it out
        ordered.extend(step)
        remaining = [t for t in remaining if t not in step]
    return ordered


# The catalogue, per engine: every table's columns in order (``pk``: the column's place in
# the primary key, 0 if not in it), its foreign keys, and where JSON columns are declared.
_SQLITE_COLUMNS = (
    "SELECT m.name AS tbl, p.name AS col, p.pk AS pk"
    " FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p"
    " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " ORDER BY m.name, p.cid"
)
_SQLITE_KEYS = (
    'SELECT m.name AS tbl, f."table" AS target, f."from" AS col'
    " FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f"
    " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)
_SQLITE_DEFINITIONS = (
    "SELECT name AS tbl, sql FROM sqlite_master"
    " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)
_PG_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
_PG_COLUMNS = (
    "SELECT t.relname AS tbl, a.attname AS col,"
    " coalesce(array_position(k.conkey, a.attnum), 0) AS pk"
    " FROM pg_class AS t JOIN pg_attribute AS a"
    " ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " LEFT JOIN pg_constraint AS k ON k.conrelid = t.oid AND k.contype = 'p'"
    f" WHERE t.relkind IN ('r', 'p') AND t.relnamespace = {_PG_SCHEMA}"
    " ORDER BY t.relname, a.attnum"
)
_PG_KEYS = (
    "SELECT t.relname AS tbl, r.relname AS target, a.attname AS col"
    " FROM pg_constraint AS k JOIN pg_class AS t ON t.oid = k.conrelid"
    " JOIN pg_class AS r ON r.oid = k.confrelid"
    " JOIN pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)"
    f" WHERE k.contype = 'f' AND t.relnamespace = {_PG_SCHEMA}"
)
_PG_DEFINITIONS = (
    "SELECT t.relname AS tbl, pg_get_constraintdef(k.oid) AS sql"
    " FROM pg_constraint AS k JOIN pg_class AS t ON t.oid = k.conrelid"
    f" WHERE k.contype = 'c' AND t.relnamespace = {_PG_SCHEMA}"
)
_CATALOGUE = {
    SQLITE: (_SQLITE_COLUMNS, _SQLITE_KEYS, _SQLITE_DEFINITIONS, _JSON_COLUMN),
    POSTGRES: (_PG_COLUMNS, _PG_KEYS, _PG_DEFINITIONS, _PG_JSON_COLUMN),
}


async def student_data_map(source: Source) -> StudentDataMap:
    """Classify every table of the database (see the module docstring)."""
    columns_sql, keys_sql, definitions_sql, json_column = _CATALOGUE[engine_of(source)]
    columns = await query_all(source, columns_sql)
    keys = await query_all(source, keys_sql)
    names: dict[str, list[str]] = {}
    primary: dict[str, list[tuple[int, str]]] = {}
    json_of: dict[str, set[str]] = {}
    for row in columns:
        names.setdefault(row["tbl"], []).append(row["col"])
        if row["pk"]:
            primary.setdefault(row["tbl"], []).append((row["pk"], row["col"]))
    for row in await query_all(source, definitions_sql):
        for match in json_column.finditer(row["sql"] or ""):
            json_of.setdefault(row["tbl"], set()).update(g for g in match.groups() if g)
    references: dict[str, set[str]] = {}
    contact_keys: dict[str, set[str]] = {}
    for row in keys:
        references.setdefault(row["tbl"], set()).add(row["target"])
        if row["target"] == "contacts":
            contact_keys.setdefault(row["tbl"], set()).add(row["col"])

    by_student: list[TableInfo] = []
    by_contact: list[TableInfo] = []
    installation: list[str] = []
    unclassified: list[str] = []
    for name, cols in names.items():
        contact_cols = contact_keys.get(name, set())
        if "contact_id" in cols:
            contact_cols = contact_cols | {"contact_id"}
        info = TableInfo(
            name=name,
            columns=tuple(cols),
            primary_key=tuple(col for _, col in sorted(primary.get(name, []))),
            references=frozenset(references.get(name, set())),
            contact_columns=tuple(sorted(contact_cols)),
            json_columns=frozenset(c for c in json_of.get(name, set()) if c in cols),
        )
        if info.keyed_by_student:
            by_student.append(info)
        elif info.contact_columns:
            by_contact.append(info)
        elif name in INSTALLATION_TABLES:
            installation.append(name)
        else:
            unclassified.append(name)
    if unclassified:
        log.warning(
            "tables not covered by export/delete (classify them in bot/storage/privacy.py): %s",
            ", ".join(unclassified),
        )
    return StudentDataMap(
        tuple(by_student), tuple(by_contact), tuple(installation), tuple(unclassified)
    )


def _where(table: TableInfo) -> str:
    """The condition that selects the student's rows of ``table``."""
    if table.keyed_by_student:
        return "guild_id = :guild_id AND user_id = :user_id"
    return " OR ".join(f"{_quote(col)} IN ({_OWN_CONTACTS})" for col in table.contact_columns)


def _order(table: TableInfo, engine: str) -> str:
    if table.primary_key:
        return ", ".join(_quote(c) for c in table.primary_key)
    return "ctid" if engine == POSTGRES else "rowid"


def _plain(row: aiosqlite.Row, table: TableInfo) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for column in table.columns:
        value = row[column]
        if column in table.json_columns and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, bytes):
            value = value.hex()
        result[column] = value
    return result


async def _rows(source: Source, table: TableInfo, owner: dict[str, int]) -> list[dict[str, Any]]:
    rows = await query_all(
        source,
        f"SELECT * FROM {_quote(table.name)} WHERE {_where(table)}"
        f" ORDER BY {_order(table, engine_of(source))}",
        owner,
    )
    return [_plain(row, table) for row in rows]


async def export_student_data(
    db: Database, guild_id: int, user_id: int, now: datetime
) -> dict[str, Any]:
    """Everything stored about one student in one server, as JSON-ready data.

    Top level: ``export`` (what this is), then one list of rows per student-keyed table
    (``students``, ``contacts``, ``events``, …). Each contact carries, under each contact-keyed
    table's name, its rows there (``checklist_ticks``, ``contact_questions``, …). Every column
    is included as stored; JSON columns (event payloads) are parsed.
    """
    tables = await student_data_map(db)
    owner = {"guild_id": guild_id, "user_id": user_id}
    export: dict[str, Any] = {
        "export": {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": to_db(now),
            "server_id": guild_id,
            "user_id": user_id,
            "scope": "Everything InfoCoach stores about you in this server. Data from other "
            "servers is kept separately and is not included.",
        }
    }
    for table in sorted(tables.by_student, key=lambda t: t.name):
        if table.name in export:
            raise RuntimeError(f"table {table.name!r} clashes with a key of the export")
        export[table.name] = await _rows(db, table, owner)
    contacts = {contact["id"]: contact for contact in export.get("contacts", [])}
    for table in sorted(tables.by_contact, key=lambda t: t.name):
        for contact in contacts.values():
            if table.name in contact:
                raise RuntimeError(f"table {table.name!r} clashes with a column of contacts")
            contact[table.name] = []
        for row in await _rows(db, table, owner):
            owner_contact = next(row[c] for c in table.contact_columns if row[c] in contacts)
            contacts[owner_contact][table.name].append(row)
    return export


async def count_student_data(db: Database, guild_id: int, user_id: int) -> dict[str, int]:
    """How many rows each table holds about the student in this server (tables with none
    left out)."""
    tables = await student_data_map(db)
    owner = {"guild_id": guild_id, "user_id": user_id}
    counts: dict[str, int] = {}
    for table in tables.deletion_order():
        rows = await query_all(
            db, f"SELECT count(*) FROM {_quote(table.name)} WHERE {_where(table)}", owner
        )
        if rows[0][0]:
            counts[table.name] = int(rows[0][0])
    return counts


async def delete_student_data(tx: Transaction, guild_id: int, user_id: int) -> dict[str, int]:
    """Delete every row about the student in this server, inside the caller's transaction.

    Returns the rows deleted per table (tables with none left out). Other servers and other
    students are untouched: every condition is scoped to (guild_id, user_id) or to the
    student's own contacts in this server.
    """
    # PostgreSQL: none of the student's own actions (which hold this lock) runs meanwhile.
    await lock_student(tx, guild_id, user_id)
    tables = await student_data_map(tx)
    owner = {"guild_id": guild_id, "user_id": user_id}
    counts: dict[str, int] = {}
    for table in tables.deletion_order():
        cursor = await tx.execute(f"DELETE FROM {_quote(table.name)} WHERE {_where(table)}", owner)
        if cursor.rowcount > 0:
            counts[table.name] = cursor.rowcount
    # The staff audit log is the server's record of what staff did: its entries about the
    # student stay, without saying which student.
    await forget_student_in_audit(tx, guild_id, user_id)
    return counts
