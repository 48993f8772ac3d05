"""The schedule: what runs when, computed from the database, served by APScheduler's triggers.

Features contribute job sources: functions that read the database and return the jobs that should
exist, each with a stable id built from our own ids. `sync()` makes the live schedule match them, so
rescheduling replaces and never adds. With the real clock APScheduler's AsyncIOScheduler fires the
jobs; with the simulated clock `advance()` asks the same triggers for their fire times in the span
and runs those jobs in time order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str  # stable, from our ids: "daily:12", "checkin:12:34"
    trigger: BaseTrigger
    func: Callable[..., Awaitable[Any]]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def next_after(self, instant: datetime) -> datetime | None:
        # Cron triggers work in whole seconds: asking from just after `instant` never returns it again.
        return self.trigger.get_next_fire_time(None, instant + timedelta(microseconds=1))


JobSource = Callable[[], Awaitable[Iterable[Job]]]


class Scheduler:
    def __init__(self, clock: Clock, sources: Iterable[JobSource] = (), after_job: Callable[[], Awaitable[None]] | None = None,
                 on_time: Callable[[datetime], Awaitable[None]] | None = None):
        self.clock = clock
        self.on_time = on_time  # told where simulated time stands, so a restarted script resumes there
        self.sources: list[JobSource] = list(sources)
        self.jobs: dict[str, Job] = {}
        self.after_job = after_job
        self._aps: AsyncIOScheduler | None = None
        self.runs: list[tuple[datetime, str]] = []
        self.running = False  # started: changes re-sync from now on (start itself syncs once)

    async def desired(self) -> dict[str, Job]:
        jobs: dict[str, Job] = {}
        for source in self.sources:
            for job in await source():
                if job.id in jobs:
                    raise ValueError(f"two jobs share the id {job.id}")
                jobs[job.id] = job
        return jobs

    async def sync(self) -> None:
        wanted = await self.desired()
        if self._aps is not None:
            for job_id in set(self.jobs) - set(wanted):
                if self._aps.get_job(job_id):
                    self._aps.remove_job(job_id)
            for job_id, job in wanted.items():
                old = self.jobs.get(job_id)
                if old is None or str(old.trigger) != str(job.trigger) or repr(old.trigger) != repr(job.trigger):
                    self._aps.add_job(
                        self._fire, job.trigger, id=job_id, args=[job_id], replace_existing=True,
                        coalesce=True, misfire_grace_time=3600, max_instances=1,
                    )
        self.jobs = wanted

    async def start(self) -> None:
        """Real clock: hand the triggers to APScheduler."""
        if not self.clock.simulated:
            self._aps = AsyncIOScheduler(timezone="UTC")
            self._aps.start()
        self.running = True
        await self.sync()

    async def shutdown(self) -> None:
        self.running = False
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    async def _fire(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        await self._run(job)
        # A job may change what should be scheduled (a pairing round creates sessions with reminders),
        # so the live schedule is rebuilt after each; `advance` does the same on every step.
        await self.sync()

    async def _run(self, job: Job) -> None:
        self.runs.append((self.clock.now(), job.id))
        try:
            await job.func(**job.kwargs)
        except Exception:
            log.exception("job %s failed", job.id)
        if self.after_job is not None:
            await self.after_job()

    async def advance(self, delta: timedelta) -> int:
        """Simulated clock: move time forward, running every job that falls due, in time order."""
        if not self.clock.simulated:
            raise RuntimeError("advance needs the simulated clock")
        end = self.clock.now() + delta
        ran = 0
        while True:
            await self.sync()
            cursor = self.clock.now()
            fire_times = [(job.next_after(cursor), job_id) for job_id, job in self.jobs.items()]
            fire_times = [(t, j) for t, j in fire_times if t is not None and t <= end]
            if not fire_times:
                break
            first = min(t for t, _ in fire_times)
            self.clock.set(first)
            for _, job_id in sorted((t, j) for t, j in fire_times if t == first):
                await self._run(self.jobs[job_id])
                ran += 1
            # Saved only once the jobs ran: a crash in between replays them (their effects are idempotent).
            if self.on_time is not None:
                await self.on_time(first)
        self.clock.set(end)
        if self.on_time is not None:
            await self.on_time(end)
        if self.after_job is not None:
            await self.after_job()
        return ran
