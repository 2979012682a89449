"""The alarm stops at once when leadership is lost (its running jobs cancelled), and starts
again when it is regained."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.nudges.alarm import SWEEP_JOB, NudgeAlarm

PATIENCE = 10.0


async def test_shutdown_cancels_a_running_job_and_the_alarm_can_start_again():
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def dispatch() -> None:
        return None

    async def next_due() -> datetime | None:
        return None

    async def long_job() -> None:  # e.g. a membership sweep under way
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    alarm = NudgeAlarm(dispatch, next_due, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)))
    alarm.start()
    alarm.every("membership", timedelta(hours=1), long_job, first_in=timedelta(0))
    await asyncio.wait_for(started.wait(), PATIENCE)

    alarm.shutdown()
    assert not alarm.running
    await asyncio.wait_for(cancelled.wait(), PATIENCE)
    alarm.wake_at(datetime(2026, 12, 1, tzinfo=UTC))  # ignored while stopped
    assert alarm.armed_for is None

    alarm.start()  # leadership regained
    try:
        assert alarm.running
        assert {job.id for job in alarm.scheduler.get_jobs()} >= {SWEEP_JOB}
        assert alarm.scheduler.get_job("membership") is None  # the old jobs are gone
    finally:
        alarm.shutdown()
