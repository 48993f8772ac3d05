"""Job sources for accountability: check-in prompts per member (in the member's own timezone), the daily
check-in digest, the weekly digest and the weekly design prompt (in the group's timezone)."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

from bot.domain.checkins import CheckinSettings
from bot.domain.timeutil import zone
from bot.scheduling.scheduler import Job, JobSource
from bot.services import checkins, digest


def job_sources(deps) -> list[JobSource]:
    """`deps` is bot.scheduling.jobs.JobDeps."""
    async def checkin_jobs() -> list[Job]:
        async def prompt(member_id: int) -> None:
            await checkins.prompt(deps.uow, deps.clock.now(), member_id)

        async def day_digest(group_id: int) -> None:
            await checkins.post_day_digest(deps.uow, deps.clock.now(), group_id)

        async def read(store):
            repo = store.accountability.checkins
            return await repo.all_settings(), await store.groups.all(), await repo.prompt_targets()

        settings, groups, targets = await deps.uow.run(read)
        groups = [g for g in groups if not g.paused]
        jobs = []
        for member_id, group_id, tz in targets:
            s = settings.get(group_id, CheckinSettings())
            if s.enabled and s.days:
                jobs.append(Job(
                    f"checkin:{group_id}:{member_id}",
                    CronTrigger(day_of_week=s.cron_days(), hour=s.time.hour, minute=s.time.minute, timezone=zone(tz)),
                    prompt, {"member_id": member_id},
                ))
        for g in groups:
            s = settings.get(g.id, CheckinSettings())
            if s.enabled:
                at = s.digest_time()
                jobs.append(Job(f"checkin-digest:{g.id}",
                                CronTrigger(hour=at.hour, minute=at.minute, timezone=zone(g.timezone)),
                                day_digest, {"group_id": g.id}))
        return jobs

    async def weekly_jobs() -> list[Job]:
        async def weekly(group_id: int) -> None:
            await digest.post_weekly(deps.uow, deps.content, deps.clock.now(), group_id)

        async def design(group_id: int) -> None:
            await digest.post_weekly_design(deps.uow, deps.content, deps.clock.now(), group_id)

        jobs = []
        for g in await deps.uow.run(lambda store: store.groups.all()):
            if g.paused:
                continue
            jobs.append(Job(f"digest:{g.id}", CronTrigger(**digest.weekly_trigger_fields(g)), weekly,
                            {"group_id": g.id}))
            jobs.append(Job(f"design:{g.id}", CronTrigger(day_of_week="mon", hour=g.post_time.hour,
                                                          minute=g.post_time.minute, timezone=zone(g.timezone)),
                            design, {"group_id": g.id}))
        return jobs

    return [checkin_jobs, weekly_jobs]
