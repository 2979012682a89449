"""The request pacer: a background request (the membership sweep's lookup) waits until no
reminder is waiting for a token, so lookups never slow a backlog of DMs."""

from __future__ import annotations

import asyncio

from bot.pacing import TokenBucket


async def test_a_background_request_gives_way_to_every_waiting_one():
    bucket = TokenBucket(200, capacity=1)  # one token every 5 ms
    order: list[str] = []

    async def take(name: str, *, background: bool = False) -> None:
        await bucket.acquire(background=background)
        order.append(name)

    deliveries = [asyncio.create_task(take(f"dm{n}")) for n in range(3)]
    await asyncio.sleep(0)  # reminders wait for tokens, then a lookup comes, then more reminders
    background = asyncio.create_task(take("lookup", background=True))
    await asyncio.sleep(0)
    deliveries += [asyncio.create_task(take(f"dm{n}")) for n in range(3, 6)]
    await asyncio.gather(background, *deliveries)
    assert order == ["dm0", "dm1", "dm2", "dm3", "dm4", "dm5", "lookup"]


async def test_a_background_request_goes_at_once_when_nobody_waits():
    bucket = TokenBucket(200, capacity=1)
    await asyncio.wait_for(bucket.acquire(background=True), 1)
    await asyncio.wait_for(bucket.acquire(), 1)
