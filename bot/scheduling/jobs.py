"""The job sources: each feature says which jobs should exist, from what the database holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from bot.domain.timeutil import zone
from bot.scheduling import accountability
from bot.scheduling.scheduler import Job, JobSource
from bot.services import daily, mock, retention

if TYPE_CHECKING:
    from bot.bootstrap import App


def job_sources(app: App) -> list[JobSource]:
    async def daily_posts() -> list[Job]:
        async def run(group_id: int) -> None:
            await daily.post_daily(app.db, app.content, app.clock.now(), group_id)

        return [
            Job(f"daily:{g.id}", CronTrigger(hour=g.post_time.hour, minute=g.post_time.minute, timezone=zone(g.timezone)),
                run, {"group_id": g.id})
            for g in await app.store.groups.all() if not g.paused
        ]

    async def housekeeping() -> list[Job]:
        async def prune() -> None:
            await retention.prune_outbox(app.db, app.clock.now(), app.settings.outbox_retention_days)

        # Once a day, at a quiet hour in most of the world; one job for all groups.
        return [Job("outbox-prune", CronTrigger(hour=3, minute=30, timezone=zone("UTC")), prune)]

    return [daily_posts, *accountability.job_sources(app), mock.job_source(app), housekeeping]
