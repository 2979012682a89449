"""Placeholder translation from SQLite's forms to PostgreSQL's ``$n`` (bot/storage/sql_text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.storage.sql_text import PlaceholderError, to_pyformat, translate


def test_question_marks_are_numbered_in_order():
    text, bind = translate("SELECT * FROM t WHERE a = ? AND b = ?")
    assert text == "SELECT * FROM t WHERE a = $1 AND b = $2"
    assert bind((1, "x")) == (1, "x")


def test_numbered_question_marks_keep_their_numbers():
    text, bind = translate("UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2")
    assert text == "UPDATE t SET a = $2 WHERE id = $1 AND b = $2"
    assert bind((7, "v")) == (7, "v")


def test_a_bare_question_mark_after_a_numbered_one_takes_the_next_number():
    text, _ = translate("SELECT ?3, ?")
    assert text == "SELECT $3, $4"


def test_names_are_numbered_by_first_use_and_bound_by_name():
    text, bind = translate("SELECT :b, :a, :b")
    assert text == "SELECT $1, $2, $1"
    assert bind({"a": 1, "b": 2, "unused": 3}) == (2, 1)


def test_quoted_text_comments_and_casts_are_left_alone():
    sql = (
        "SELECT 'a ? :b ''?''', \"c?:d\", x::jsonb, y ->> 'k' -- ? :c\n"
        "/* ? :e */ FROM t WHERE z = ? AND w = $$ ? $$"
    )
    text, bind = translate(sql)
    assert text == sql.replace("z = ?", "z = $1")
    assert bind(("v",)) == ("v",)


def test_time_like_text_in_strings_is_not_a_name():
    text, _ = translate("SELECT strftime('%H:%M', at) FROM t WHERE k = :k")
    assert text == "SELECT strftime('%H:%M', at) FROM t WHERE k = $1"


def test_the_translation_is_cached_per_statement_string():
    sql = "SELECT 1 WHERE ? = ?"
    assert translate(sql) is translate(sql)


def test_wrong_parameters_are_refused():
    _, bind = translate("SELECT ?, ?")
    with pytest.raises(PlaceholderError):
        bind((1,))
    with pytest.raises(PlaceholderError):
        bind({"a": 1})
    _, named = translate("SELECT :a")
    with pytest.raises(PlaceholderError):
        named((1,))
    with pytest.raises(PlaceholderError):
        named({"b": 1})
    with pytest.raises(PlaceholderError):
        translate("SELECT :a, ?")


def test_pyformat_for_psycopg_doubles_percent_signs_and_orders_values():
    text, bind = to_pyformat("SELECT ?2, 'x%', a LIKE '%' || ?1 FROM t WHERE b % 2 = 0")
    assert text == "SELECT %s, 'x%%', a LIKE '%%' || %s FROM t WHERE b %% 2 = 0"
    assert bind(("one", "two")) == ("two", "one")


# -- property: placeholders outside quotes are translated, everything else kept as written --

_word = st.sampled_from(["SELECT", "a", "b1", "FROM", "t", "=", ",", "(", ")", "+", " ", "\n"])
_literal = st.text(alphabet="ab ?:$%-*/'\"", max_size=8).map(
    lambda s: "'" + s.replace("'", "''") + "'"
)
_ident = st.text(alphabet="ab ?:", max_size=6).map(lambda s: '"' + s + '"')
_comment = st.text(alphabet="ab ?:'", max_size=8).map(lambda s: "-- " + s + "\n")
_cast = st.sampled_from(["::jsonb", "::text", "::bigint"])
_piece = st.one_of(_word, _literal, _ident, _comment, _cast, st.just("?"), st.just(":name"))


@given(st.lists(_piece, max_size=30))
def test_translation_of_random_statements(pieces: list[str]):
    sql = " ".join(pieces)
    positional = sum(1 for p in pieces if p == "?")
    named = any(p == ":name" for p in pieces)
    if positional and named:
        with pytest.raises(PlaceholderError):
            translate(sql)
        return
    expected_parts = []
    counter = 0
    for piece in pieces:
        if piece == "?":
            counter += 1
            expected_parts.append(f"${counter}")
        elif piece == ":name":
            expected_parts.append("$1")
        else:
            expected_parts.append(piece)
    text, bind = translate(sql)
    assert text == " ".join(expected_parts)
    if named:
        assert bind({"name": 5}) == (5,)
    else:
        assert bind(tuple(range(positional))) == tuple(range(positional))
