"""Due kinds for mock interviews: per group the heads-up a day before pairing and the round; per session
the two reminders, the feedback prompt, and the end of a no-show report's dispute window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.domain.model import Group
from bot.domain.timeutil import WEEKDAYS, zone
from bot.ports import Store
from bot.scheduling.planner import DueKind, Fire
from bot.scheduling.subjects import group_ids, read_group, running
from bot.services.mock import feedback_prompt, heads_up, remind, report_deadline, run_round, settle_reports

if TYPE_CHECKING:
    from bot.scheduling.jobs import JobDeps

Times = tuple[datetime, datetime]  # a scheduled session's (starts at, ends at)


def due_kinds(deps: JobDeps) -> list[DueKind]:
    # -- per group ----------------------------------------------------------------------------------
    def heads_up_trigger(g: Group) -> CronTrigger | None:
        if not running(g):
            return None
        # "A day before" is the same wall-clock time the previous day, also across a DST change.
        day = WEEKDAYS.index(g.pairing_day)
        return CronTrigger(day_of_week=WEEKDAYS[(day - 1) % 7], hour=g.pairing_time.hour,
                           minute=g.pairing_time.minute, timezone=zone(g.timezone))

    def round_trigger(g: Group) -> CronTrigger | None:
        if not running(g):
            return None
        return CronTrigger(day_of_week=g.pairing_day, hour=g.pairing_time.hour, minute=g.pairing_time.minute,
                           timezone=zone(g.timezone))

    async def heads_up_run(fire: Fire) -> None:
        await heads_up(deps.uow, deps.content, fire.now, fire.subject)

    async def round_run(fire: Fire) -> None:
        # The sessions it creates record their change: after the commit their reminders are planned.
        await run_round(deps.uow, deps.content, fire.now, fire.subject)

    # -- per session ----------------------------------------------------------------------------------
    # A session's instants do not depend on its group being paused: a paused group's reminders come
    # due and send nothing (the services look), so a pause and a resume re-plan no session.
    async def read_times(store: Store, session_id: int) -> Times | None:
        return await store.mock.times(session_id)

    async def session_ids(store: Store, after: int, limit: int) -> list[int]:
        return await store.mock.upcoming_ids_after(deps.clock.now(), after, limit)

    def at(offset: timedelta, end: bool = False):
        # A date trigger reports its instant even once it has passed; next_due never plans such an instant.
        def trigger(times: Times) -> DateTrigger:
            return DateTrigger(times[1] if end else times[0] - offset)
        return trigger

    def reminder(which: str):
        async def run(fire: Fire) -> None:
            await remind(deps.uow, deps.content, fire.now, fire.subject, which)
        return run

    async def prompt_run(fire: Fire) -> None:
        await feedback_prompt(deps.uow, deps.content, fire.now, fire.subject)

    # A no-show report counts only once its 48 hours to dispute it are over: one instant per session,
    # the end of the window of its oldest open report (a settle re-plans the next, if any).
    async def read_report(store: Store, session_id: int) -> datetime | None:
        return report_deadline(await store.mock.first_open_report(session_id))

    async def reported_ids(store: Store, after: int, limit: int) -> list[int]:
        return await store.mock.report_session_ids_after(after, limit)

    async def settle_run(fire: Fire) -> None:
        await settle_reports(deps.uow, fire.now, fire.subject)

    return [
        DueKind("mock-no-show", "session", read_report, lambda when: DateTrigger(when), settle_run,
                subjects=reported_ids, grace=None),
        DueKind("mock-heads-up", "group", read_group, heads_up_trigger, heads_up_run, subjects=group_ids),
        DueKind("mock-round", "group", read_group, round_trigger, round_run, subjects=group_ids),
        DueKind("mock-remind-24h", "session", read_times, at(timedelta(hours=24)), reminder("24h"),
                subjects=session_ids),
        DueKind("mock-remind-1h", "session", read_times, at(timedelta(hours=1)), reminder("1h"),
                subjects=session_ids),
        DueKind("mock-feedback", "session", read_times, at(timedelta(0), end=True), prompt_run,
                subjects=session_ids),
    ]
