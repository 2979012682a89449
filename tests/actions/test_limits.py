"""The limits of bot/domain/limits.py, enforced through the real actions on a real SQLite file:
the open-contacts limit (closed contacts don't count), and that the limits other modules use
are the ones in limits.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.actions.contacts import NewContact, add_contact_at_employer, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import CloseReason, close_contact, reopen_contact
from bot.clock import ManualClock
from bot.domain import limits
from bot.errors import UserError
from bot.storage.contacts import add_contact
from bot.storage.students import count_open_contacts, ensure_student

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


async def seed_contacts(ctx: ActionContext, who: StudentKey, count: int) -> list[int]:
    """``count`` planned contacts stored directly (fast)."""
    ids: list[int] = []
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, NOW)
        for n in range(count):
            ids.append(
                await add_contact(
                    tx,
                    guild_id=who.guild_id,
                    user_id=who.user_id,
                    person=f"Person {n}",
                    organization=f"Org {n % 40}",
                    role=None,
                    connection=None,
                    now=NOW,
                )
            )
    return ids


async def test_the_contact_past_the_limit_is_refused_with_the_limit_and_what_to_do(
    ctx: ActionContext,
) -> None:
    await seed_contacts(ctx, ALICE, limits.MAX_OPEN_CONTACTS - 1)
    last = await add_new_contact(ctx, ALICE, NewContact("Last One", "Contoso"))
    assert last.person == "Last One"
    before = await ctx.db.fetch_value("SELECT count(*) FROM contacts")
    events_before = await ctx.db.fetch_value("SELECT count(*) FROM events")
    with pytest.raises(UserError) as refused:
        await add_new_contact(ctx, ALICE, NewContact("One Too Many", "Fabrikam"))
    message = str(refused.value)
    assert f"{limits.MAX_OPEN_CONTACTS} open contacts" in message
    assert "/followup close" in message
    assert "Nothing was added" in message
    assert await ctx.db.fetch_value("SELECT count(*) FROM contacts") == before
    assert await ctx.db.fetch_value("SELECT count(*) FROM events") == events_before
    # no employer was created for the refused contact either
    assert await ctx.db.fetch_value("SELECT count(*) FROM employers WHERE name = 'Fabrikam'") == 0


async def test_closing_a_contact_makes_room(ctx: ActionContext) -> None:
    ids = await seed_contacts(ctx, ALICE, limits.MAX_OPEN_CONTACTS)
    with pytest.raises(UserError):
        await add_new_contact(ctx, ALICE, NewContact("Waiting", "Contoso"))
    await close_contact(ctx, ALICE, ids[0], CloseReason.DECLINED)
    assert await count_open_contacts(ctx.db, ALICE.guild_id, ALICE.user_id) == (
        limits.MAX_OPEN_CONTACTS - 1
    )
    added = await add_contact_at_employer(ctx, ALICE, NewContact("Waiting", "Contoso"))
    assert added.contact.person == "Waiting"


async def test_the_limit_is_per_student_and_per_server(ctx: ActionContext) -> None:
    await seed_contacts(ctx, ALICE, limits.MAX_OPEN_CONTACTS)
    assert (await add_new_contact(ctx, BOB, NewContact("Bob's", "Contoso"))).user_id == BOB.user_id
    other = await add_new_contact(ctx, ALICE_ELSEWHERE, NewContact("Elsewhere", "Contoso"))
    assert other.guild_id == ALICE_ELSEWHERE.guild_id


def test_the_refusal_counts_the_room_left_for_several() -> None:
    message = limits.too_many_contacts(limits.MAX_OPEN_CONTACTS - 2, 5)
    assert message is not None
    assert "these 5 contacts" in message
    assert "room for 2 more" in message
    assert limits.too_many_contacts(limits.MAX_OPEN_CONTACTS - 5, 5) is None


def test_every_module_uses_the_limits_of_limits_py() -> None:
    from bot.domain import employers, referrals
    from bot.storage import questions

    assert employers.MAX_EMPLOYERS == limits.MAX_EMPLOYERS
    # Still defined in their own modules (owned elsewhere); they must not drift apart.
    assert questions.MAX_QUESTIONS == limits.MAX_QUESTIONS
    assert referrals.MAX_REFERRALS == limits.MAX_REFERRALS
    # the method's ~40 employers with a few contacts each fit far below the limits
    assert limits.MAX_OPEN_CONTACTS >= 40 * 5


async def test_reopening_counts_against_the_limit_too(ctx: ActionContext) -> None:
    """Close, add, reopen must not get round the limit; a second reopen click is a plain
    refusal, not a failure."""
    ids = await seed_contacts(ctx, ALICE, limits.MAX_OPEN_CONTACTS)
    await close_contact(ctx, ALICE, ids[0], CloseReason.DECLINED)
    await add_new_contact(ctx, ALICE, NewContact("Took The Room", "Contoso"))
    with pytest.raises(UserError) as refused:
        await reopen_contact(ctx, ALICE, ids[0])
    assert f"{limits.MAX_OPEN_CONTACTS} open contacts" in str(refused.value)
    assert "/followup reopen" in str(refused.value)
    row = await ctx.db.fetch_one("SELECT stage FROM contacts WHERE id = ?", (ids[0],))
    assert row is not None
    assert row[0] == "closed"

    await close_contact(ctx, ALICE, ids[1], CloseReason.DECLINED)
    reopened = await reopen_contact(ctx, ALICE, ids[0])
    assert reopened.stage.value == "planned"
    assert await count_open_contacts(ctx.db, ALICE.guild_id, ALICE.user_id) == (
        limits.MAX_OPEN_CONTACTS
    )
