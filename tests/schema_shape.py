"""The shape of a schema, normalised so that SQLite's and PostgreSQL's can be compared.

``sqlite_shape(path)`` and ``postgres_shape(conninfo)`` read the catalogue of a database and
return the same structure for equivalent schemas::

    {table: {
        "columns": [(name, family, not_null, default, generated), ...],   # in column order
        "primary_key": (col, ...),
        "unique": {(cols_or_expressions, where), ...},   # UNIQUE constraints, not indexes
        "foreign_keys": {((col, ...), target, (target_col, ...), on_delete), ...},
        "indexes": {name: (unique, (col_or_expression, ...), where), ...},
        "json_columns": {col, ...},                     # CHECK (json_valid(col))
    }}

Normalisation (what counts as "the same"):
* type family: INTEGER/BIGINT/SMALLINT → "integer", TEXT/VARCHAR → "text" (PostgreSQL's BIGINT
  for 64-bit ids is SQLite's INTEGER, which is always 64-bit);
* a primary-key column is NOT NULL on both (SQLite: an INTEGER PRIMARY KEY or a WITHOUT ROWID
  table's key; any other SQLite primary-key column may hold NULL and keeps what the catalogue
  says);
* ``generated``: the engine assigns the id (SQLite's INTEGER PRIMARY KEY, with or without
  AUTOINCREMENT; PostgreSQL's identity or serial column); such a column's default is None;
* defaults: the literal without PostgreSQL's ``::type`` casts;
* index columns: a column name, ``lower(col)`` for SQLite's ``col COLLATE NOCASE`` and
  PostgreSQL's expression ``lower(col)``, other expressions as their text; partial-index
  conditions lower-cased without casts, brackets or spaces, ``x = ANY (ARRAY[a, b])`` read as
  ``x IN (a, b)``.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

Shape = dict[str, dict[str, Any]]

_INTEGER = {"integer", "int", "bigint", "smallint", "int2", "int4", "int8"}
_TEXT = {"text", "character varying", "varchar", "character", "char"}
_JSON_CHECK = re.compile(r"json_valid\s*\(\s*[\"`\[]?(\w+)[\"`\]]?\s*\)", re.IGNORECASE)
_CAST = re.compile(r"::[a-z_ ]+(\[\])?", re.IGNORECASE)
_ANY_ARRAY = re.compile(r"=\s*ANY\s*\(\s*ARRAY\s*\[(.*?)\]\s*\)", re.IGNORECASE | re.DOTALL)
_WHERE = re.compile(r"\bWHERE\b(.*)$", re.IGNORECASE | re.DOTALL)
_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def family(declared: str) -> str:
    """The normalised type family of a declared column type."""
    name = declared.strip().lower()
    base = re.sub(r"\(.*\)$", "", name).strip()
    if base in _INTEGER:
        return "integer"
    if base in _TEXT:
        return "text"
    return base


def default_literal(value: str | None) -> str | None:
    if value is None:
        return None
    text = _CAST.sub("", value.strip())
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def condition(where: str | None) -> str | None:
    """A partial index's condition in a form both engines' catalogues reduce to."""
    if where is None:
        return None
    text = _CAST.sub("", where)
    text = _ANY_ARRAY.sub(lambda m: f" IN ({m.group(1)})", text)
    text = text.lower().replace("(", "").replace(")", "")
    return re.sub(r"\s+", "", text)


def _sqlite_where(sql: str | None) -> str | None:
    if not sql:
        return None
    match = _WHERE.search(sql)
    return condition(match.group(1).strip().rstrip(";")) if match else None


def sqlite_shape(path: Path | str, exclude: frozenset[str] = frozenset()) -> Shape:
    """The shape of the SQLite database at ``path`` (sqlite_* tables and ``exclude`` left out)."""
    conn = sqlite3.connect(path)
    try:
        return _sqlite_shape(conn, exclude)
    finally:
        conn.close()


def _sqlite_shape(conn: sqlite3.Connection, exclude: frozenset[str]) -> Shape:
    shape: Shape = {}
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    for table, table_sql in tables:
        if table in exclude:
            continue
        without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*;?\s*$", table_sql, re.I))
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        pk = tuple(col for _, col in sorted((row[5], row[1]) for row in info if row[5]))
        rowid_alias = (
            pk[0]
            if len(pk) == 1
            and not without_rowid
            and any(row[1] == pk[0] and row[2].strip().upper() == "INTEGER" for row in info)
            else None
        )
        columns = []
        for _cid, name, declared, notnull, dflt, in_pk in info:
            generated = name == rowid_alias
            not_null = bool(notnull) or (bool(in_pk) and (without_rowid or generated))
            columns.append((name, family(declared), not_null, default_literal(dflt), generated))
        foreign: dict[int, list[tuple[int, str, str, str, str]]] = {}
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            fid, seq, target, src, dst, _on_update, on_delete = fk[:7]
            foreign.setdefault(fid, []).append((seq, src, target, dst, on_delete))
        foreign_keys = set()
        for parts in foreign.values():
            parts.sort()
            foreign_keys.add(
                (
                    tuple(p[1] for p in parts),
                    parts[0][2],
                    tuple(p[3] for p in parts),
                    parts[0][4].upper(),
                )
            )
        unique: set[tuple[tuple[str, ...], str | None]] = set()
        indexes: dict[str, tuple[bool, tuple[str, ...], str | None]] = {}
        for _seq, index, is_unique, origin, _partial in conn.execute(
            f'PRAGMA index_list("{table}")'
        ).fetchall():
            if origin == "pk":
                continue
            keys = []
            for row in conn.execute(f'PRAGMA index_xinfo("{index}")').fetchall():
                _seqno, cid, name, _desc, collation, key = row
                if not key:
                    continue
                if cid == -2:
                    keys.append("<expression>")
                elif collation and collation.upper() == "NOCASE":
                    keys.append(f"lower({name})")
                else:
                    keys.append(name)
            (index_sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
            ).fetchone()
            where = _sqlite_where(index_sql)
            if origin == "u":
                unique.add((tuple(keys), where))
            else:
                indexes[index] = (bool(is_unique), tuple(keys), where)
        shape[table] = {
            "columns": columns,
            "primary_key": pk,
            "unique": unique,
            "foreign_keys": foreign_keys,
            "indexes": indexes,
            "json_columns": {
                c for c in _JSON_CHECK.findall(table_sql) if c in {col[0] for col in columns}
            },
        }
    return shape


def postgres_shape(conninfo: str, exclude: frozenset[str] = frozenset()) -> Shape:
    """The shape of the PostgreSQL database ``conninfo`` names (schema ``public``)."""
    import psycopg  # the `test` extra; imported here so SQLite-only use needs no driver

    with psycopg.connect(conninfo, autocommit=True) as conn:
        return _postgres_shape(conn, exclude)


def _postgres_shape(conn: Any, exclude: frozenset[str]) -> Shape:
    shape: Shape = {}
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        ).fetchall()
    ]
    for table in tables:
        if table in exclude:
            continue
        columns = []
        for name, data_type, nullable, default, identity in conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default, is_identity"
            " FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall():
            generated = identity == "YES" or bool(default and default.startswith("nextval("))
            columns.append(
                (
                    name,
                    family(data_type),
                    nullable == "NO",
                    None if generated else default_literal(default),
                    generated,
                )
            )
        constraints = conn.execute(
            "SELECT con.contype, con.conname, con.confdeltype, target.relname,"
            " ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, pos)"
            "       JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num"
            "       ORDER BY k.pos),"
            " ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, pos)"
            "       JOIN pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.num"
            "       ORDER BY k.pos),"
            " pg_get_constraintdef(con.oid)"
            " FROM pg_constraint AS con LEFT JOIN pg_class AS target ON target.oid = con.confrelid"
            " WHERE con.conrelid = %s::regclass",
            (f'public."{table}"',),
        ).fetchall()
        pk: tuple[str, ...] = ()
        unique: set[tuple[tuple[str, ...], str | None]] = set()
        foreign_keys = set()
        json_columns: set[str] = set()
        constraint_names = set()
        for contype, conname, deltype, target, cols, target_cols, definition in constraints:
            if contype == "p":
                pk = tuple(cols)
                constraint_names.add(conname)
            elif contype == "u":
                unique.add((tuple(cols), None))
                constraint_names.add(conname)
            elif contype == "f":
                foreign_keys.add((tuple(cols), target, tuple(target_cols), _ON_DELETE[deltype]))
            elif contype == "c":
                json_columns.update(_JSON_CHECK.findall(definition))
        indexes: dict[str, tuple[bool, tuple[str, ...], str | None]] = {}
        for name, is_unique, nkeys, oid, predicate in conn.execute(
            "SELECT c.relname, i.indisunique, i.indnkeyatts, i.indexrelid,"
            " pg_get_expr(i.indpred, i.indrelid)"
            " FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass",
            (f'public."{table}"',),
        ).fetchall():
            if name in constraint_names:
                continue
            keys = []
            for position in range(1, nkeys + 1):
                (key,) = conn.execute(
                    "SELECT pg_get_indexdef(%s, %s, true)", (oid, position)
                ).fetchone()
                key = key.strip('"')
                keys.append(key if re.fullmatch(r"\w+|lower\(\w+\)", key) else "<expression>")
            indexes[name] = (bool(is_unique), tuple(keys), condition(predicate))
        names = {col[0] for col in columns}
        shape[table] = {
            "columns": columns,
            "primary_key": pk,
            "unique": unique,
            "foreign_keys": foreign_keys,
            "indexes": indexes,
            "json_columns": json_columns & names,
        }
    return shape


def differences(
    left: Shape, right: Shape, names: tuple[str, str] = ("sqlite", "postgres")
) -> list[str]:
    """Readable lines for every way ``left`` and ``right`` differ (empty: the same)."""
    lines: list[str] = []
    for table in sorted(set(left) - set(right)):
        lines.append(f"table {table}: only on {names[0]}")
    for table in sorted(set(right) - set(left)):
        lines.append(f"table {table}: only on {names[1]}")
    for table in sorted(set(left) & set(right)):
        a, b = left[table], right[table]
        columns_a = {c[0]: c for c in a["columns"]}
        columns_b = {c[0]: c for c in b["columns"]}
        for col in sorted(set(columns_a) | set(columns_b)):
            if columns_a.get(col) != columns_b.get(col):
                lines.append(
                    f"{table}.{col}: {names[0]} {columns_a.get(col)}"
                    f" != {names[1]} {columns_b.get(col)}"
                )
        order_a = [c[0] for c in a["columns"]]
        order_b = [c[0] for c in b["columns"]]
        if set(order_a) == set(order_b) and order_a != order_b:
            lines.append(f"{table}: column order {order_a} != {order_b}")
        for key in ("primary_key", "unique", "foreign_keys", "json_columns"):
            if a[key] != b[key]:
                lines.append(f"{table} {key}: {names[0]} {a[key]} != {names[1]} {b[key]}")
        for index in sorted(set(a["indexes"]) | set(b["indexes"])):
            if a["indexes"].get(index) != b["indexes"].get(index):
                lines.append(
                    f"{table} index {index}: {names[0]} {a['indexes'].get(index)}"
                    f" != {names[1]} {b['indexes'].get(index)}"
                )
    return lines
