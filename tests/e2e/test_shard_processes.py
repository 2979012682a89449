"""Two real bot processes (``python -m bot``, shards 0 and 1 of 2) on one PostgreSQL database and
one emulator process enforcing Discord's 50 requests per second: every due nudge of students in
servers on both shards produces exactly one DM (by the nudge id its buttons carry), with no 429
and never more than 50 requests in a second; the leader is killed (``kill -9``) in the middle of
delivery and the other process takes over without sending anything twice or losing anything;
the killed process, restarted, rejoins as a follower, and a DM button click is handled (DM
interactions arrive on shard 0)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.storage.database import open_database
from tests.conftest import ON_POSTGRES, DbLocations
from tests.emulator.standalone import StandaloneEmulator
from tests.shard_world import (
    PATIENCE,
    BotProcess,
    busiest_second,
    delivered,
    eventually,
    nudge_counts,
    seed,
)

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="several processes need PostgreSQL")

STUDENTS_PER_SERVER = 15


async def test_two_shard_processes_deliver_each_nudge_once_through_a_leader_kill(
    db_locations: DbLocations, tmp_path: Path
) -> None:
    url = db_locations.new("shards")
    assert isinstance(url, str)
    procs: list[BotProcess] = []
    try:
        async with (
            StandaloneEmulator(shards=2, rate_limit=50) as emulator,
            emulator.control() as ctl,
        ):
            guilds = [(await ctl.add_guild(f"Club {s}", shard=s))["id"] for s in (0, 1)]
            users: dict[int, list[int]] = {}
            for n, guild_id in enumerate(guilds):
                users[guild_id] = []
                for i in range(STUDENTS_PER_SERVER):
                    user = await ctl.add_user(f"student{n}_{i}")
                    await ctl.add_member(guild_id, user["id"])
                    users[guild_id].append(user["id"])
            everyone = [u for ids in users.values() for u in ids]
            await seed(url, users)
            seeded = await nudge_counts(url)
            total = seeded.get("pending", 0)
            assert total == 2 * len(everyone)  # 3B and 7B each

            procs[:] = [BotProcess(emulator, url, 0), BotProcess(emulator, url, 1)]
            for proc in procs:
                await proc.start()

            async def one_leads() -> bool:
                return sum(p.leads for p in procs) == 1

            await eventually(one_leads, "one process leads", procs)
            leader = next(p for p in procs if p.leads)
            follower = next(p for p in procs if not p.leads)

            async def some_sent() -> bool:
                return len(await delivered(ctl, everyone)) >= total // 4

            await eventually(some_sent, "delivery is under way", procs)
            await leader.kill()  # kill -9 in the middle of delivery
            sent_before_kill = len(await delivered(ctl, everyone))
            assert sent_before_kill < total, "delivery finished before the kill: use more students"

            async def follower_leads() -> bool:
                return follower.leads

            await eventually(follower_leads, "the other process takes over", procs)

            async def all_sent() -> bool:
                counts = await nudge_counts(url)
                return counts.get("sent", 0) == total

            await eventually(all_sent, "every nudge is sent", procs)

            found = await delivered(ctl, everyone)
            per_nudge = Counter(nudge for _, _, nudge in found)
            assert len(per_nudge) == total  # nothing lost
            assert max(per_nudge.values()) == 1  # nothing twice
            # The leader holds one shard's servers in its cache; the frame of every reminder
            # still names the student's server (the other one is fetched once, over REST).
            for shard, guild_id in enumerate(guilds):
                for user_id in users[guild_id]:
                    for message in await ctl.dms(user_id):
                        assert message["text"].startswith(f"-# InfoCoach · Club {shard}\n"), (
                            message["text"][:80]
                        )
            status = await ctl.status()
            assert status["rate_limit"]["rejected"] == 0
            assert busiest_second((await ctl.requests())["requests"]) <= 50

            # The killed process comes back: a follower now; DM clicks reach shard 0.
            await leader.start()

            async def both_connected() -> bool:
                sessions = (await ctl.status())["sessions"]
                return sorted(s["shard"][0] for s in sessions if s["connected"]) == [0, 1]

            await eventually(both_connected, "the restarted process is connected", procs)
            user_id, message_id, nudge_id = found[0]
            (message,) = [m for m in await ctl.dms(user_id) if m["id"] == message_id]
            done = next(
                b["custom_id"]
                for b in message["buttons"]
                if b["custom_id"].startswith("ic:nd:done:")
            )
            click = await ctl.click(user_id, message_id, done)
            answer = await ctl.interaction(click["id"], wait=PATIENCE)
            assert answer["responded"]
            assert not leader.leads  # rejoined as a follower
            db = await open_database(url)
            try:
                action = await db.fetch_value("SELECT action FROM nudges WHERE id = ?", (nudge_id,))
            finally:
                await db.close()
            assert action == "done"
    finally:
        for proc in procs:
            await proc.stop()
        db_locations.dispose(url)
