"""The secrets in a PostgreSQL URL, for messages and logs (the one redactor: :mod:`bot.config`
and :mod:`bot.__main__` use it too).

libpq (and asyncpg) take the password from the URL's user info (``user:password@host``) or from
a ``password=`` query parameter; both are hidden. The URL is split by hand, never through
``urlsplit(...).port`` (a malformed port raises ``ValueError``) nor ``urlsplit`` itself (an
unbalanced ``[`` does): redacting a URL never fails, whatever the operator typed.
"""

from __future__ import annotations

from urllib.parse import unquote, unquote_plus

HIDDEN = "***"
_QUERY_SECRETS = frozenset({"password"})


def _split(url: str) -> tuple[str, str, str, str, str]:
    """``(scheme://, netloc, path, query, #fragment)``: concatenated, they give ``url`` back
    (``query`` without its ``?``)."""
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    else:
        head += sep
    rest, hash_, fragment = rest.partition("#")
    before_query, question, query = rest.partition("?")
    if sep:
        cut = before_query.find("/")
        netloc, path = (before_query, "") if cut < 0 else (before_query[:cut], before_query[cut:])
    else:
        netloc, path = "", before_query
    return head, netloc, path + question, query, hash_ + fragment


def _query_key(item: str) -> str:
    return unquote_plus(item.partition("=")[0]).strip().lower()


def redact_url(url: str) -> str:
    """``url`` with its password (user info, or ``password=`` parameter) replaced by ``***``."""
    head, netloc, path, query, fragment = _split(url)
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}:{HIDDEN}@{host}"
    if query:
        items = query.split("&")
        query = "&".join(
            f"{item.partition('=')[0]}={HIDDEN}" if _query_key(item) in _QUERY_SECRETS else item
            for item in items
        )
    return head + netloc + path + query + fragment


def url_secrets(url: str) -> tuple[str, ...]:
    """The passwords in ``url`` as written and as decoded (what a log line could quote),
    for the log redaction filter; empty when there is none."""
    _head, netloc, _path, query, _fragment = _split(url)
    found: list[str] = []
    userinfo, at, _host = netloc.rpartition("@")
    if at and ":" in userinfo:
        raw = userinfo.partition(":")[2]
        found += [raw, unquote(raw)]
    for item in query.split("&") if query else ():
        if _query_key(item) in _QUERY_SECRETS:
            raw = item.partition("=")[2]
            found += [raw, unquote_plus(raw)]
    return tuple(dict.fromkeys(s for s in found if s))
