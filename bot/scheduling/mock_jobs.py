"""Job sources for mock interviews: per group the heads-up a day before pairing and the round; per session
the reminders and the feedback prompt."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.domain.timeutil import WEEKDAYS, zone
from bot.ports import Store
from bot.scheduling.scheduler import Job
from bot.services.mock import feedback_prompt, heads_up, remind, run_round


def job_source(deps):
    """`deps` is bot.scheduling.jobs.JobDeps."""
    """Per group: the heads-up a day before pairing and the round; per session: reminders and the prompt."""

    async def heads_up_job(group_id: int) -> None:
        await heads_up(deps.uow, deps.content, deps.clock.now(), group_id)

    async def round_job(group_id: int) -> None:
        await run_round(deps.uow, deps.content, deps.clock.now(), group_id)

    async def remind_job(session_id: int, which: str) -> None:
        await remind(deps.uow, deps.content, deps.clock.now(), session_id, which)

    async def prompt_job(session_id: int) -> None:
        await feedback_prompt(deps.uow, deps.content, deps.clock.now(), session_id)

    async def jobs() -> list[Job]:
        out = []
        now = deps.clock.now()

        async def read(store: Store):
            return await store.groups.all(), await store.mock.upcoming(now)

        groups, upcoming = await deps.uow.run(read)
        for g in groups:
            if g.paused:
                continue
            tz = zone(g.timezone)
            day = WEEKDAYS.index(g.pairing_day)
            at = g.pairing_time
            # "A day before" is the same wall-clock time the previous day, also across a DST change.
            out.append(Job(f"mock-heads-up:{g.id}", CronTrigger(day_of_week=WEEKDAYS[(day - 1) % 7], hour=at.hour,
                                                                minute=at.minute, timezone=tz),
                           heads_up_job, {"group_id": g.id}))
            out.append(Job(f"mock-round:{g.id}", CronTrigger(day_of_week=g.pairing_day, hour=at.hour,
                                                             minute=at.minute, timezone=tz),
                           round_job, {"group_id": g.id}))
        # A date trigger reports its instant even once passed, so only instants still ahead become jobs.
        for s in upcoming:
            for which, when in (("24h", s.starts_at - timedelta(hours=24)), ("1h", s.starts_at - timedelta(hours=1)),
                                ("feedback", s.ends_at)):
                if when <= now:
                    continue
                if which == "feedback":
                    out.append(Job(f"mock-feedback:{s.id}", DateTrigger(when), prompt_job, {"session_id": s.id}))
                else:
                    out.append(Job(f"mock-remind:{s.id}:{which}", DateTrigger(when), remind_job,
                                   {"session_id": s.id, "which": which}))
        return out

    return jobs
