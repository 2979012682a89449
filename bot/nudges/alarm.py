"""APScheduler as the alarm clock: one job that fires at the next due nudge, a periodic safety
sweep, and daily housekeeping. The nudges table stays the source of truth; no job per nudge and
no pickled job store (see ENGINEERING.md for why)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)

DISPATCH_JOB = "nudge-dispatch"
SWEEP_JOB = "nudge-sweep"
SWEEP_EVERY = timedelta(minutes=1)


class NudgeAlarm:
    """Wakes ``dispatch`` at the next due time. Times come from the bot's clock; the delay
    until then is scheduled on the real clock, so an injected clock works too."""

    def __init__(
        self,
        dispatch: Callable[[], Awaitable[object]],
        next_due: Callable[[], Awaitable[datetime | None]],
        clock: Clock,
    ) -> None:
        self._dispatch = dispatch
        self._next_due = next_due
        self._clock = clock
        self.scheduler = self._new_scheduler()
        self.armed_for: datetime | None = None  # the due time the dispatch job is set for

    @staticmethod
    def _new_scheduler() -> AsyncIOScheduler:
        return AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Start once; later calls do nothing."""
        if self.scheduler.running:
            return
        self.scheduler.start()
        self.scheduler.add_job(
            self._run_and_rearm,
            IntervalTrigger(seconds=SWEEP_EVERY.total_seconds(), timezone=UTC),
            id=SWEEP_JOB,
            replace_existing=True,
        )
        self.scheduler.add_job(self.rearm, id="nudge-initial-arm", replace_existing=True)

    def every(
        self,
        job_id: str,
        interval: timedelta,
        func: Callable[[], Awaitable[object]],
        *,
        first_in: timedelta = timedelta(minutes=5),
    ) -> None:
        """A periodic job (housekeeping, summaries); failures are logged, never fatal."""

        async def run() -> None:
            try:
                await func()
            except Exception:
                log.exception("scheduled job %s failed; it runs again in %s", job_id, interval)

        self.scheduler.add_job(
            run,
            IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
            id=job_id,
            replace_existing=True,
            next_run_time=datetime.now(UTC) + first_in,
        )

    def shutdown(self) -> None:
        """Stop every job (those running are cancelled, by the scheduler's shutdown on the next
        turn of the event loop) and forget them. :meth:`start` and :meth:`every` may be called
        again afterwards (leadership lost, then regained)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            self.scheduler = self._new_scheduler()
        self.armed_for = None

    def wake_at(self, due: datetime) -> None:
        """Make sure the dispatcher runs by ``due`` (moves the job earlier, never later)."""
        if not self.scheduler.running:
            return
        if self.armed_for is not None and self.armed_for <= due:
            return
        self.armed_for = due
        delay = max(timedelta(0), due - self._clock.now())
        run_date = datetime.now(UTC) + delay
        self.scheduler.add_job(
            self._run_and_rearm,
            DateTrigger(run_date=run_date, timezone=UTC),
            id=DISPATCH_JOB,
            replace_existing=True,
        )

    async def rearm(self) -> None:
        """Point the dispatch job at the earliest pending nudge."""
        self.armed_for = None
        due = await self._next_due()
        if due is not None:
            self.wake_at(due)

    async def _run_and_rearm(self) -> None:
        try:
            await self._dispatch()
        except Exception:
            log.exception("nudge dispatch failed; the sweep will try again")
        await self.rearm()
