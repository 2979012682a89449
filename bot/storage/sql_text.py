"""One SQL text for both engines: SQLite's placeholders translated to PostgreSQL's ``$n``.

The storage modules write ``?`` (in order), ``?N`` (the N-th value) or ``:name`` (a value by
name), as SQLite reads them. asyncpg takes only ``$1, $2, ...`` with the values in a tuple, so
:func:`translate` rewrites a statement once (the result is cached per statement string) and
returns a binder that turns the caller's parameters into that tuple.

Placeholders inside quoted strings (``'a ? b'``), quoted identifiers (``"a:b"``), comments
(``-- ?`` and ``/* ? */``) and dollar-quoted strings are left alone, and so is PostgreSQL's
``::type`` cast (``value::jsonb`` is not the parameter ``:jsonb``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

Binder = Callable[[Sequence[Any] | Mapping[str, Any] | None], tuple[Any, ...]]
"""Turns a statement's parameters (as the storage modules pass them) into asyncpg's tuple."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIGITS = re.compile(r"[0-9]+")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


class PlaceholderError(ValueError):
    """A statement mixes named and positional placeholders, or numbers them oddly."""


def _skip_quoted(sql: str, i: int, quote: str) -> int:
    """The index just past the quoted run starting at ``i`` (doubled quotes stay inside)."""
    j = i + 1
    n = len(sql)
    while j < n:
        if sql[j] == quote:
            if j + 1 < n and sql[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n  # unterminated: leave the rest alone (the server will say what is wrong)


def _scan(sql: str) -> tuple[str, list[int] | list[str]]:
    """The translated text and, per ``$n`` in order of n, the source position (an int, for
    ``?`` forms: the 1-based index into the caller's sequence) or the name."""
    out: list[str] = []
    positional_max = 0
    names: list[str] = []
    uses_positional = False
    i = 0
    n = len(sql)
    start = 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            i = _skip_quoted(sql, i, c)
            continue
        if c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c == "$":
            tag = _DOLLAR_TAG.match(sql, i)
            if tag is not None:
                end = sql.find(tag.group(0), tag.end())
                i = n if end < 0 else end + len(tag.group(0))
                continue
            i += 1
            continue
        if c == "?":
            digits = _DIGITS.match(sql, i + 1)
            if digits is not None:
                index = int(digits.group(0))
                if index < 1:
                    raise PlaceholderError(f"?{index} in {sql!r}: placeholders count from 1")
                end = digits.end()
            else:
                index = positional_max + 1
                end = i + 1
            positional_max = max(positional_max, index)
            uses_positional = True
            out.append(sql[start:i])
            out.append(f"${index}")
            i = start = end
            continue
        if c == ":":
            if sql.startswith("::", i):
                i += 2  # a cast: value::jsonb
                continue
            ident = _IDENT.match(sql, i + 1)
            if ident is not None and (i == 0 or not _is_word(sql[i - 1])):
                name = ident.group(0)
                if name not in names:
                    names.append(name)
                out.append(sql[start:i])
                out.append(f"${names.index(name) + 1}")
                i = start = ident.end()
                continue
            i += 1
            continue
        i += 1
    out.append(sql[start:])
    if uses_positional and names:
        raise PlaceholderError(f"{sql!r} mixes named and positional placeholders")
    if names:
        return "".join(out), names
    return "".join(out), list(range(1, positional_max + 1))


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, Binder]:
    """``(postgres_sql, binder)`` for a statement written with SQLite's placeholders."""
    text, slots = _scan(sql)
    if slots and isinstance(slots[0], str):
        names = [str(s) for s in slots]
        return text, _named_binder(sql, names)
    return text, _positional_binder(sql, len(slots))


def _named_binder(sql: str, names: list[str]) -> Binder:
    def bind(params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[Any, ...]:
        if not isinstance(params, Mapping):
            raise PlaceholderError(f"{sql!r} takes named parameters ({', '.join(names)})")
        try:
            return tuple(params[name] for name in names)
        except KeyError as exc:
            raise PlaceholderError(f"no value for :{exc.args[0]} in {sql!r}") from None

    return bind


def _positional_binder(sql: str, count: int) -> Binder:
    def bind(params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[Any, ...]:
        if params is None:
            params = ()
        if isinstance(params, Mapping):
            raise PlaceholderError(f"{sql!r} takes positional parameters, got names")
        values = tuple(params)
        if len(values) != count:
            raise PlaceholderError(f"{sql!r} takes {count} parameters, {len(values)} given")
        return values

    return bind


def to_pyformat(sql: str) -> tuple[str, Binder]:
    """The same statement for psycopg (``%s`` placeholders, literal ``%`` doubled): used by
    the tests' synchronous query helper. Values bound by position, in ``$n`` order."""
    text, bind = translate(sql)
    out: list[str] = []
    order: list[int] = []
    i = 0
    n = len(text)
    start = 0
    while i < n:
        c = text[i]
        if c in "'\"":
            j = _skip_quoted(text, i, c)
            out.append(text[start:j].replace("%", "%%"))
            i = start = j
            continue
        if c == "%":
            out.append(text[start:i] + "%%")
            i = start = i + 1
            continue
        if c == "$":
            digits = _DIGITS.match(text, i + 1)
            if digits is not None:
                out.append(text[start:i] + "%s")
                order.append(int(digits.group(0)))
                i = start = digits.end()
                continue
            tag = _DOLLAR_TAG.match(text, i)
            if tag is not None:
                end = text.find(tag.group(0), tag.end())
                j = n if end < 0 else end + len(tag.group(0))
                out.append(text[start:j].replace("%", "%%"))
                i = start = j
                continue
        if c == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            j = n if end < 0 else end + 1
            out.append(text[start:j].replace("%", "%%"))
            i = start = j
            continue
        i += 1
    out.append(text[start:])

    def bind_pyformat(params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[Any, ...]:
        values = bind(params)
        return tuple(values[k - 1] for k in order)

    return "".join(out), bind_pyformat
