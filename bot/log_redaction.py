"""Secrets never reach the log. At ``LOG_LEVEL=DEBUG`` discord.py logs every request URL
(interaction callbacks and followups carry the interaction's token in theirs) and every gateway
event (an ``INTERACTION_CREATE`` carries ``"token": …``); an exception's text can quote a
webhook URL. :class:`RedactingFilter` rewrites each record's message and traceback before any
handler formats it; :func:`install_redaction` puts it on every handler of the root logger, so it
applies at every level and to every logger that propagates there (discord.py's included)."""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # /webhooks/<application id>/<interaction or webhook token>[/messages/…]
    (re.compile(r"(/webhooks/\d+/)[^/\s?'\"]+"), rf"\1{REDACTED}"),
    # /interactions/<id>/<token>/callback
    (re.compile(r"(/interactions/\d+/)[^/\s?'\"]+"), rf"\1{REDACTED}"),
    # a JSON or dict-repr ``"token": "…"`` (gateway INTERACTION_CREATE, IDENTIFY)
    (re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]*"""), rf"\1{REDACTED}"),
    # anything shaped like a bot token (base64 id . timestamp . hmac)
    (re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"), REDACTED),
    # an Authorization header's value
    (re.compile(r"((?:Bot|Bearer) )[A-Za-z0-9_.\-]{20,}"), rf"\1{REDACTED}"),
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every known secret and every token-shaped string replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record in place (message with its arguments merged, and its traceback) so that
    whatever formats it next sees no secret. Never drops a record."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        cleaned = redact(message, self.secrets)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install_redaction(
    secrets: tuple[str, ...] = (), logger: logging.Logger | None = None
) -> RedactingFilter:
    """Put one :class:`RedactingFilter` on every handler of ``logger`` (the root logger by
    default); call it after the handlers are set up."""
    target = logger or logging.getLogger()
    redactor = RedactingFilter(secrets)
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
