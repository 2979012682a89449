"""Property tests for content loading (bot.content): whatever is written into a data file, loading
either succeeds or raises ContentError with a one-line message naming that file."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import string
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.content import EMAIL_WORD_LISTS, TEMPLATE_FIELDS, Content, ContentError, load_content
from bot.domain.drafts import DraftFacts, DraftKind, compose

DATA = Path(__file__).resolve().parents[2] / "data"
FILES = (
    "checklists/request.toml",
    "checklists/prepare.toml",
    "checklists/interview.toml",
    "checklists/followup.toml",
    "outreach_email.toml",
    "questions.toml",
    "templates.toml",
)
SHIPPED: dict[str, dict[str, Any]] = {
    name: tomllib.loads((DATA / name).read_text(encoding="utf-8")) for name in FILES
}
_COUNTER = itertools.count()

# --- a small TOML writer (inline tables and arrays only, which is all these files need) --------


def _toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return json.dumps(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(type(value))


def to_toml(document: dict[str, Any]) -> str:
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in document.items())


# --- writing a data folder with one file replaced ---------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("content")


def _data_dir_with(workspace: Path, name: str, body: bytes) -> Path:
    """A fresh copy of the shipped data folder whose ``name`` holds ``body``."""
    folder = workspace / f"data-{next(_COUNTER)}"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.sqlite3*"))
    (folder / name).write_bytes(body)
    return folder


def _load(workspace: Path, name: str, body: bytes) -> tuple[Content | None, str | None, Path]:
    folder = _data_dir_with(workspace, name, body)
    try:
        content = load_content(folder)
    except ContentError as error:
        message = str(error)
        assert str(folder / name) in message, message
        assert len(message.splitlines()) == 1, message
        return None, message, folder
    return content, None, folder


def _refused(workspace: Path, name: str, body: bytes) -> str:
    content, message, _ = _load(workspace, name, body)
    assert content is None, f"{name} was accepted:\n{body[:500]!r}"
    assert message is not None
    return message


def test_shipped_documents_survive_the_writer(workspace: Path) -> None:
    for name in FILES:
        body = to_toml(SHIPPED[name])
        assert tomllib.loads(body) == SHIPPED[name]
        content, message, _ = _load(workspace, name, body.encode())
        assert content is not None, message


# --- random bytes and random documents --------------------------------------------------------

files = st.sampled_from(FILES)
_FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_FUZZ
@given(name=files, body=st.binary(max_size=300))
@example(name="questions.toml", body=b"\xff\xfe[[questions]]")  # not UTF-8
@example(name="templates.toml", body=b"")
@example(name="outreach_email.toml", body=b"word_limit = 1\x00")
@example(name="checklists/request.toml", body=b"x = " + b"[" * 5000 + b"]" * 5000)
@example(name="checklists/request.toml", body=b"x = " + b"{a=" * 3000 + b"1" + b"}" * 3000)
def test_random_bytes_give_a_content_error(workspace: Path, name: str, body: bytes) -> None:
    _refused(workspace, name, body)  # the email rules too: their word lists are required


def test_the_email_word_lists_are_required(workspace: Path) -> None:
    for key in EMAIL_WORD_LISTS:
        document = json.loads(json.dumps(SHIPPED["outreach_email.toml"]))
        del document[key]
        message = _refused(workspace, "outreach_email.toml", to_toml(document).encode())
        assert f"{key} must be a non-empty list" in message
    shipped = SHIPPED["outreach_email.toml"]
    lists_only = {key: shipped[key] for key in EMAIL_WORD_LISTS}
    content, message, _ = _load(workspace, "outreach_email.toml", to_toml(lists_only).encode())
    assert content is not None, message
    assert (content.email_rules.word_limit, content.email_rules.connection_window) == (100, 30)


scalars = st.one_of(
    st.none(),  # written as nothing: the key is left out
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.dates(),
    st.times(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = sorted(
    {key for document in SHIPPED.values() for key in document}
    | {"id", "text", "why", "category", "phase", "title", "items", "questions"}
)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


documents = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), values, max_size=6).map(
    _without_none
)


@_FUZZ
@given(name=files, document=documents)
def test_random_documents_load_or_give_a_content_error(
    workspace: Path, name: str, document: dict[str, Any]
) -> None:
    _load(workspace, name, to_toml(document).encode())


# --- valid documents with one thing broken ----------------------------------------------------

wrong_types = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
"""Values that are never the text, list of tables or whole number a key needs."""

Mutation = Callable[[dict[str, Any], st.DataObject], str | None]
"""Breaks a document in place, or returns the broken file's text."""


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document.get("items") or document.get("questions") or []


OPTIONAL_ENTRY_KEYS = frozenset({"why", "done_by", "before_meeting"})


def _drop_required_key(document: dict[str, Any], data: st.DataObject) -> str | None:
    entries = _entries(document)
    if entries and data.draw(st.booleans()):
        entry = data.draw(st.sampled_from(entries))
        required = [k for k in entry if k not in OPTIONAL_ENTRY_KEYS]
        del entry[data.draw(st.sampled_from(required))]
    elif "thank_you" in document:
        del document["thank_you"]["text"]
    elif "job_words" in document:
        key = data.draw(st.sampled_from(EMAIL_WORD_LISTS))
        if data.draw(st.booleans()):
            del document[key]
        else:
            document[key] = []
    else:
        del document[data.draw(st.sampled_from([k for k in document if k != "why"]))]
    return None


def _wrong_type(document: dict[str, Any], data: st.DataObject) -> str | None:
    entries = _entries(document)
    if entries and data.draw(st.booleans()):
        entry = data.draw(st.sampled_from(entries))
        key = data.draw(st.sampled_from(sorted(entry)))
        if key == "before_meeting":  # a true/false key: any boolean is the right type
            entry[key] = data.draw(wrong_types.filter(lambda v: not isinstance(v, bool)))
        else:
            entry[key] = data.draw(wrong_types)
    elif "thank_you" in document:
        document["thank_you"]["text"] = data.draw(wrong_types)
    else:
        key = data.draw(st.sampled_from(sorted(document)))
        value = data.draw(wrong_types)
        if key in ("word_limit", "connection_window"):
            value = data.draw(st.integers(max_value=0) | st.integers(min_value=1001) | st.text())
        document[key] = value
    return None


def _duplicate_id(document: dict[str, Any], data: st.DataObject) -> str | None:
    entries = _entries(document)
    if not entries:  # the same key twice
        key = data.draw(st.sampled_from(sorted(document)))
        return to_toml(document) + to_toml({key: document[key]})
    original = data.draw(st.sampled_from(entries))
    copy = dict(data.draw(st.sampled_from(entries)))
    copy["id"] = original["id"]
    entries.insert(data.draw(st.integers(0, len(entries))), copy)
    return None


def _bad_text(document: dict[str, Any], data: st.DataObject) -> str | None:
    blank = st.sampled_from(["", "   ", "\n\t", "\u3000"])
    entries = _entries(document)
    if entries:
        overlong = st.text(min_size=301, max_size=400).filter(
            lambda t: len(" ".join(t.split())) > 300
        )
        data.draw(st.sampled_from(entries))["text"] = data.draw(blank | overlong)
    elif "thank_you" in document:
        document["thank_you"]["text"] = data.draw(
            blank
            | st.sampled_from(["Dear {persn}", "Dear {person", "{person:d}", "{person!r}"])
            | st.sampled_from(["{person:{takeaway}}", "{0}", "{}", "{person.upper}", "x}"])
        )
    else:
        key = data.draw(st.sampled_from(EMAIL_WORD_LISTS))
        document[key] = [*document[key], data.draw(blank)]
    return None


def _bad_id_or_key(document: dict[str, Any], data: st.DataObject) -> str | None:
    entries = _entries(document)
    if entries:
        entry = data.draw(st.sampled_from(entries))
        if data.draw(st.booleans()):
            entry["id"] = data.draw(
                st.sampled_from(["", "Has Caps", "-lead", "a" * 33, "ünï", "a b"])
            )
        elif "items" in document:
            entry[data.draw(st.sampled_from(["ID", "txt", "note"]))] = "x"
        else:
            entry["category"] = data.draw(st.sampled_from(["gossip", "Trends", ""]))
    elif "thank_you" in document:
        document["thank_you"] = data.draw(st.sampled_from(["text", ["text"]]))
    else:
        document["word_limit"] = data.draw(st.sampled_from([True, 0, 1001, 1.5, "100"]))
    return None


MUTATIONS: dict[str, Mutation] = {
    "drop a required key": _drop_required_key,
    "give a key the wrong type": _wrong_type,
    "duplicate an id": _duplicate_id,
    "empty or overlong text": _bad_text,
    "bad id, key or category": _bad_id_or_key,
}


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=files, mutation=st.sampled_from(sorted(MUTATIONS)), data=st.data())
def test_broken_documents_give_a_content_error_naming_the_file(
    workspace: Path, name: str, mutation: str, data: st.DataObject
) -> None:
    document = json.loads(json.dumps(SHIPPED[name]))  # a deep copy (the files are JSON-safe)
    body = MUTATIONS[mutation](document, data) or to_toml(document)
    _refused(workspace, name, body.encode())


def test_a_checklist_for_another_phase_or_with_too_many_items(workspace: Path) -> None:
    request = json.loads(json.dumps(SHIPPED["checklists/request.toml"]))
    assert "says phase" in _refused(workspace, "checklists/prepare.toml", to_toml(request).encode())
    request["items"] = [{"id": f"i{n}", "text": "x"} for n in range(16)]
    assert "the most is 15" in _refused(
        workspace, "checklists/request.toml", to_toml(request).encode()
    )


def test_a_folder_where_a_file_should_be(workspace: Path) -> None:
    folder = _data_dir_with(workspace, "questions.toml", b"")
    (folder / "questions.toml").unlink()
    (folder / "questions.toml").mkdir()
    with pytest.raises(ContentError, match=r"questions\.toml: cannot be read"):
        load_content(folder)


# --- templates that load can always be filled in ----------------------------------------------

placeholder_text = st.lists(
    st.sampled_from(sorted(TEMPLATE_FIELDS["thank_you"])).map(lambda f: "{" + f + "}")
    | st.sampled_from(["{{", "}}", "{", "}", ":", "!", "{person:d}", "{person!r}", "{x}"])
    | st.sampled_from(["{person:>{takeaway}}", "{person[0]}", "{person.upper}", "{0}", "{}"])
    | st.text(alphabet=string.ascii_letters + " \n,.", max_size=10),
    min_size=1,
    max_size=12,
).map("".join)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=placeholder_text, fill=st.text(max_size=30))
@example(text="Dear {person:d},", fill="Ada")  # loaded, then ValueError when filled in
@example(text="Dear {person!z},", fill="Ada")
@example(text="Dear {person:{takeaway}},", fill="Ada")  # KeyError when filled in
def test_a_template_that_loads_can_be_filled_in(workspace: Path, text: str, fill: str) -> None:
    document = json.loads(json.dumps(SHIPPED["templates.toml"]))
    document["thank_you"] = {"text": text}
    content, _message, _ = _load(workspace, "templates.toml", to_toml(document).encode())
    if content is None:
        return
    facts = DraftFacts(
        person=fill, organization=fill, student=fill, takeaways=fill or None, meeting_day=fill
    )
    outline = compose(DraftKind.THANK_YOU, content.templates, facts)
    assert isinstance(outline, str)
