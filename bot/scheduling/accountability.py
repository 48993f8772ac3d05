"""Due kinds for accountability: the check-in prompt of each member (in the member's own timezone), the
daily check-in digest, the weekly digest and the weekly design prompt (in the group's timezone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from bot.domain.checkins import CheckinSettings
from bot.domain.model import Group
from bot.domain.timeutil import zone
from bot.ports import Store
from bot.scheduling.planner import DueKind, Fire
from bot.scheduling.subjects import group_ids, read_group, running
from bot.services import checkins, digest

if TYPE_CHECKING:
    from bot.scheduling.jobs import JobDeps


def due_kinds(deps: JobDeps) -> list[DueKind]:
    # -- per member: the check-in prompt -------------------------------------------------------------
    async def read_target(store: Store, member_id: int) -> tuple[str, CheckinSettings] | None:
        # None for a member who left or a paused group: nothing is planned for them.
        return await store.accountability.checkins.prompt_target(member_id)

    def prompt_trigger(target: tuple[str, CheckinSettings]) -> CronTrigger | None:
        tz, s = target
        if not (s.enabled and s.days):
            return None
        return CronTrigger(day_of_week=s.cron_days(), hour=s.time.hour, minute=s.time.minute, timezone=zone(tz))

    async def member_ids(store: Store, after: int, limit: int) -> list[int]:
        return await store.members.active_ids_after(after, limit)

    async def members_of(store: Store, group_id: int) -> list[int]:
        return await store.members.active_ids(group_id)

    async def prompt(fire: Fire) -> None:
        await checkins.prompt(deps.uow, fire.now, fire.subject)

    # A change of the group's check-in settings, or its pause or resume (recorded as the same change by
    # the groups repository), moves every member's prompt; any other change of a group moves none.
    checkin = DueKind("checkin", "member", read_target, prompt_trigger, prompt, subjects=member_ids,
                      related={"checkins": members_of})

    # -- per group: the day's digest of answers ------------------------------------------------------
    async def read_digest(store: Store, group_id: int) -> tuple[Group, CheckinSettings] | None:
        group = await store.groups.get(group_id)
        if group is None:
            return None
        return group, await store.accountability.checkins.settings(group_id)

    def digest_trigger(found: tuple[Group, CheckinSettings]) -> CronTrigger | None:
        g, s = found
        if not (running(g) and s.enabled):
            return None
        at = s.digest_time()
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone(g.timezone))

    async def day_digest(fire: Fire) -> None:
        await checkins.post_day_digest(deps.uow, fire.now, fire.subject)

    async def same_group(store: Store, group_id: int) -> list[int]:
        return [group_id]

    checkin_digest = DueKind("checkin-digest", "group", read_digest, digest_trigger, day_digest,
                             subjects=group_ids, related={"checkins": same_group})

    # -- per group: the weekly digest and the design prompt -------------------------------------------
    def weekly_trigger(g: Group) -> CronTrigger | None:
        return CronTrigger(**digest.weekly_trigger_fields(g)) if running(g) else None

    def design_trigger(g: Group) -> CronTrigger | None:
        if not running(g):
            return None
        return CronTrigger(day_of_week="mon", hour=g.post_time.hour, minute=g.post_time.minute,
                           timezone=zone(g.timezone))

    async def weekly(fire: Fire) -> None:
        await digest.post_weekly(deps.uow, deps.content, fire.now, fire.subject)

    async def design(fire: Fire) -> None:
        await digest.post_weekly_design(deps.uow, deps.content, fire.now, fire.subject)

    return [
        checkin,
        checkin_digest,
        DueKind("digest", "group", read_group, weekly_trigger, weekly, subjects=group_ids),
        DueKind("design", "group", read_group, design_trigger, design, subjects=group_ids),
    ]
