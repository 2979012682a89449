"""A contact the student already has is not added twice (review finding 10): the same person
at the same organization, case and spaces aside, from ``/request new`` and from a reminder's
"add a second person". The refusal names the contact they have and its stage (a closed one
points to ``/followup reopen``) and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.dm_steps import add_second_person
from bot.actions.followup import CloseReason, close_contact
from bot.actions.interview import log_meeting
from bot.actions.request import log_request_sent
from bot.clock import ManualClock
from bot.errors import UserError
from bot.storage.database import Database
from bot.storage.students import set_timezone
from tests.actions.test_nudge_responses import ALICE as NUDGED_USER
from tests.actions.test_nudge_responses import (
    PRESSED_AFTER,
    deliver,
    new_student,
    requested,
)

NOW = datetime(2027, 3, 22, 14, 0, tzinfo=UTC)  # Monday
SAM = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in ("contacts", "employers", "events", "nudges")
    }


async def refused(db: Database, call: Any) -> str:
    before = await snapshot(db)
    with pytest.raises(UserError) as raised:
        await call
    assert await snapshot(db) == before
    return raised.value.message


async def zone(ctx: ActionContext, who: StudentKey) -> None:
    async with ctx.db.transaction() as tx:
        await set_timezone(tx, who.guild_id, who.user_id, "America/Chicago", NOW)


async def test_the_same_person_at_the_same_organization_is_refused_naming_it(
    ctx: ActionContext, db: Database
) -> None:
    await add_new_contact(ctx, SAM, NewContact("Lee Chen", "Globex"))
    for person, organization in (
        ("Lee Chen", "Globex"),
        ("lee chen", "GLOBEX"),
        ("  Lee   Chen ", " globex  "),
    ):
        message = await refused(db, add_new_contact(ctx, SAM, NewContact(person, organization)))
        assert message == (
            "You already have **Lee Chen** at Globex (planned), so I didn't add them again. "
            "When your email to them is out, pick them from the list as you type in "
            "`/request sent`. If this is a different person with the same name, add them with "
            "something that tells them apart, e.g. their team after the name. Nothing was added."
        )
    # Another person there, the same name elsewhere, and another student are all fine.
    await add_new_contact(ctx, SAM, NewContact("Kim Park", "Globex"))
    await add_new_contact(ctx, SAM, NewContact("Lee Chen", "Initech"))
    await add_new_contact(ctx, BOB, NewContact("Lee Chen", "Globex"))
    assert await db.fetch_value("SELECT count(*) FROM contacts") == 4


async def test_a_referral_is_named_with_who_suggested_them_and_its_stage(
    ctx: ActionContext, db: Database
) -> None:
    # The walk: Jordan Ruiz referred Alex Kim; a week later Maya typed Alex Kim in again.
    await zone(ctx, SAM)
    jordan = await add_new_contact(ctx, SAM, NewContact("Jordan Ruiz", "Umbrella Corp"))
    logged = await log_meeting(
        ctx, SAM, jordan.id, notes="", takeaways="Learn SQL", referrals="Alex Kim — Globex"
    )
    assert len(logged.referral_ids) == 1
    message = await refused(db, add_new_contact(ctx, SAM, NewContact("Alex Kim", "globex")))
    assert message.startswith(
        "You already have **Alex Kim** at Globex (planned, suggested by Jordan Ruiz), so I "
        "didn't add them again. When your email to them is out, pick them from the list as you "
        "type in `/request sent`."
    )
    await log_request_sent(ctx, SAM, logged.referral_ids[0])
    message = await refused(db, add_new_contact(ctx, SAM, NewContact("Alex Kim", "Globex")))
    assert message.startswith(
        "You already have **Alex Kim** at Globex (requested, suggested by Jordan Ruiz), so I "
        "didn't add them again. Pick them from the list as you type in any command; "
        "`/progress` shows their next step."
    )


async def test_a_closed_one_points_to_reopening_it(ctx: ActionContext, db: Database) -> None:
    await zone(ctx, SAM)
    dana = await add_new_contact(ctx, SAM, NewContact("Dana *Brooks*", "Hooli"))
    await log_request_sent(ctx, SAM, dana.id)
    await close_contact(ctx, SAM, dana.id, CloseReason.DECLINED)
    message = await refused(db, add_new_contact(ctx, SAM, NewContact("dana *brooks*", "Hooli")))
    assert message == (
        "You already have **Dana \\*Brooks\\*** at Hooli (closed: declined), so I didn't add "
        "them again. To pick up with them, reopen them with `/followup reopen`: their history "
        "and checklists come back with them. Nothing was added."
    )


async def test_a_second_person_from_a_reminder_who_is_already_there_is_refused(
    ctx: ActionContext, db: Database, clock: ManualClock
) -> None:
    await new_student(db)
    first = await requested(ctx, clock)  # Ada at Acme
    nudge_id = await deliver(ctx, clock, first, "second_contact")
    clock.advance(PRESSED_AFTER)
    await add_second_person(ctx, NUDGED_USER, nudge_id, "Ben Ortiz", None)
    for name in ("ben  ORTIZ", "Ada"):
        message = await refused(db, add_second_person(ctx, NUDGED_USER, nudge_id, name, None))
        assert message.startswith("You already have **")
        assert "at Acme (" in message
