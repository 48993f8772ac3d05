"""The due kinds: each feature declares what is due when (bot/scheduling/planner.py, DueKind).

This module holds the daily post and the housekeeping, and gathers the kinds of the other features
(accountability.py, mock_jobs.py). A kind's `read` and `subjects` run inside a unit of work and await
nothing but the store; its `run` is a service call that opens its own units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.content import ContentPack
from bot.domain.model import Group
from bot.domain.timeutil import zone
from bot.ports import Clock, UnitOfWork
from bot.scheduling import accountability, mock_jobs
from bot.scheduling.planner import DueKind, Fire, daily_global
from bot.scheduling.subjects import group_ids, read_group, running
from bot.scheduling.timer import prune_kind
from bot.services import daily, retention


@dataclass(frozen=True)
class JobDeps:
    """What jobs need from the composition root: the unit of work, the content, the clock, settings."""

    uow: UnitOfWork
    content: ContentPack
    clock: Clock
    outbox_retention_days: int = 14


def daily_kind(deps: JobDeps) -> DueKind:
    def trigger(g: Group) -> CronTrigger | None:
        if not running(g):
            return None
        return CronTrigger(hour=g.post_time.hour, minute=g.post_time.minute, timezone=zone(g.timezone))

    async def run(fire: Fire) -> None:
        # A late run (the bot was down at post time) still posts today's problem, but only once today's
        # post time has passed: a day that has passed is never posted late, and a bot back before the
        # post time waits for it. Hence no grace: lateness is judged by the group's own day.
        await daily.post_daily(deps.uow, deps.content, fire.now, fire.subject,
                               only_after_post_time=fire.late > timedelta(0))

    return DueKind("daily", "group", read_group, trigger, run, subjects=group_ids, grace=None)


def housekeeping(deps: JobDeps) -> list[DueKind]:
    async def prune(fire: Fire) -> None:
        await retention.prune_outbox(deps.uow, fire.now, deps.outbox_retention_days)

    # Once a day, at a quiet hour in most of the world; one run for all groups (subject 0).
    return [daily_global("outbox-prune", 3, 30, prune), prune_kind(deps.uow)]


def due_kinds(deps: JobDeps) -> list[DueKind]:
    return [daily_kind(deps), *accountability.due_kinds(deps), *mock_jobs.due_kinds(deps), *housekeeping(deps)]
