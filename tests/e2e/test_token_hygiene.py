"""Secrets never reach the log (issue 14, finding 6): at DEBUG, discord.py logs every request
URL (an interaction's callback and followups carry its token) and every gateway event (an
INTERACTION_CREATE carries ``"token"``). With the filter ``python -m bot`` installs on the root
handlers, none of them is written."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.log_redaction import REDACTED, RedactingFilter, install_redaction
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness


@pytest.fixture
def debug_log(world: World) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_redaction((world.emulator.token,))
    try:
        yield sink
    finally:
        root.setLevel(level)
        root.removeHandler(handler)
        for each in root.handlers:
            for f in [f for f in each.filters if isinstance(f, RedactingFilter)]:
                each.removeFilter(f)


async def test_interaction_tokens_and_the_bot_token_never_reach_the_debug_log(
    world: World, harness: BotHarness, debug_log: io.StringIO
):
    emu = world.emulator
    student = world.student()
    # A deferred reply with a followup: the callback URL and the webhook URL both carry the token.
    ix = await emu.slash(student, world.guild, "privacy export")
    await ix.message()
    token = ix.payload["token"]
    logged = debug_log.getvalue()
    assert "/interactions/" in logged  # DEBUG really logged the URLs
    assert "/webhooks/" in logged
    assert "INTERACTION_CREATE" in logged
    assert token not in logged
    assert emu.token not in logged
    assert f"/interactions/{ix.payload['id']}/{REDACTED}/callback" in logged
    assert f"/webhooks/{emu.application_id}/{REDACTED}" in logged


async def test_a_traceback_quoting_a_webhook_url_is_redacted(
    world: World, harness: BotHarness, debug_log: io.StringIO
):
    url = "https://discord.com/api/v10/webhooks/123456789012345678/aW50ZXJhY3Rpb246c2VjcmV0"
    try:
        raise RuntimeError(f"POST {url} failed")
    except RuntimeError:
        logging.getLogger("bot.somewhere").exception("while sending to %s", url)
    logged = debug_log.getvalue()
    assert "aW50ZXJhY3Rpb246c2VjcmV0" not in logged
    assert logged.count(f"/webhooks/123456789012345678/{REDACTED}") == 2  # message and traceback
