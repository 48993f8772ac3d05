"""The job sources: each feature says which jobs should exist, from what the database holds."""

from __future__ import annotations

from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from bot.content import ContentPack
from bot.domain.timeutil import zone
from bot.ports import Clock, UnitOfWork
from bot.scheduling import accountability, mock_jobs
from bot.scheduling.scheduler import Job, JobSource
from bot.services import daily, retention


@dataclass(frozen=True)
class JobDeps:
    """What jobs need from the composition root: the unit of work, the content, the clock, settings."""

    uow: UnitOfWork
    content: ContentPack
    clock: Clock
    outbox_retention_days: int = 14


def job_sources(deps: JobDeps) -> list[JobSource]:

    async def daily_posts() -> list[Job]:
        async def run(group_id: int) -> None:
            await daily.post_daily(deps.uow, deps.content, deps.clock.now(), group_id)

        return [
            Job(f"daily:{g.id}", CronTrigger(hour=g.post_time.hour, minute=g.post_time.minute, timezone=zone(g.timezone)),
                run, {"group_id": g.id})
            for g in await deps.uow.run(lambda store: store.groups.all()) if not g.paused
        ]

    async def housekeeping() -> list[Job]:
        async def prune() -> None:
            await retention.prune_outbox(deps.uow, deps.clock.now(), deps.outbox_retention_days)

        # Once a day, at a quiet hour in most of the world; one job for all groups.
        return [Job("outbox-prune", CronTrigger(hour=3, minute=30, timezone=zone("UTC")), prune)]

    return [daily_posts, *accountability.job_sources(deps), mock_jobs.job_source(deps), housekeeping]
