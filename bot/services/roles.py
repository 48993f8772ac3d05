"""Stage and streak roles: with `group roles on`, each member holds a role for their roadmap stage
("Stage 3 · Experience and real projects") and one for the longest streak they have reached (7, 30 or
100 days). Off by default; on Discord the bot needs Manage Roles (docs/discord.md).

The roles are platform things, so they travel through the outbox like any message: a `RoleSync`
reply addressed to the member (in their queue, after what was sent to them before), which the
platform's messenger turns into role changes in the server of the group. A sync is queued only when what the
member should hold differs from what they were last given (`store.roles.synced`), so running this
after a command costs one read while roles are off and two or three while they are on.

Nothing here runs on a timer: a stage moves only when a member ticks or unticks a milestone, and a
streak role marks the longest streak reached (an achievement, kept when a streak ends), which grows
only with a solve. Syncing after the member's own commands that move them (declared `moves_roles`:
join, leave, a tick, a solve) is therefore enough (see `after_command`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.content import Roadmap
from bot.domain.model import Group, Member
from bot.domain.progress import current_stage
from bot.domain.streaks import streak
from bot.domain.timeutil import local_date
from bot.ports import Store
from bot.reply import Reply, RoleSync

STREAK_DAYS = (7, 30, 100)
ROLE_NAME_MAX = 100  # Discord's limit on a role name
KEY = "roles"  # outbox key prefix of role syncs


def stage_role(number: int, title: str) -> str:
    name = f"Stage {number} · {' '.join(title.split())}"
    return name if len(name) <= ROLE_NAME_MAX else name[: ROLE_NAME_MAX - 1] + "…"


def streak_role(days: int) -> str:
    return f"{days}-day streak"


def managed_roles(roadmap: Roadmap) -> tuple[str, ...]:
    """Every role the bot hands out for this roadmap: one per stage, one per streak length."""
    return (*(stage_role(i + 1, s.title) for i, s in enumerate(roadmap.stages)),
            *(streak_role(d) for d in STREAK_DAYS))


def wanted_roles(roadmap: Roadmap, done: set[str], best_streak: int) -> tuple[str, ...]:
    """The roles a member should hold: their current stage, and the longest streak length reached."""
    here = current_stage(roadmap, done)
    roles = [stage_role(here + 1, roadmap.stages[here].title)] if roadmap.stages else []
    reached = [d for d in STREAK_DAYS if best_streak >= d]
    if reached:
        roles.append(streak_role(reached[-1]))
    return tuple(roles)


def _key(group_id: int, member_id: int, now: datetime, last: tuple[str, ...] | None,
         roles: tuple[str, ...]) -> str:
    digest = hashlib.sha256(repr((now.isoformat(), last, roles)).encode()).hexdigest()[:12]
    return f"{KEY}:{group_id}:{member_id}:{digest}"


async def _queue(store: Store, roadmap: Roadmap, group: Group, member_id: int, user_id: int,
                 roles: tuple[str, ...], last: tuple[str, ...] | None, now: datetime) -> None:
    # What was given before is managed too, so a role of a roadmap the group left is taken back.
    managed = tuple(sorted(set(managed_roles(roadmap)) | set(last or ()) | set(roles)))
    await store.outbox.enqueue(_key(group.id, member_id, now, last, roles), Reply(roles=RoleSync(roles, managed)),
                               now, group_id=group.id, user_id=user_id)
    await store.roles.set_synced(member_id, group.id, roles, now)


async def sync_member(store: Store, roadmap: Roadmap, group: Group, member: Member, now: datetime) -> bool:
    """Queue the member's roles when they changed (the group's roles being on); True when queued. A
    member who left holds none of them."""
    if member.active:
        done = set(await store.milestones.done(member.id))
        best = streak(await store.practice.solve_days(member.id), local_date(now, member.timezone)).best
        roles = wanted_roles(roadmap, done, best)
    else:
        roles = ()
    last = await store.roles.synced(member.id)
    if last == roles or (last is None and not roles):
        return False
    await _queue(store, roadmap, group, member.id, member.user_id, roles, last, now)
    return True


async def after_command(store: Store, roadmap: Roadmap, group: Group, user_id: int, now: datetime) -> bool:
    """The hook run after a command that may move roles (`moves_roles` in its declaration: join, leave,
    a tick, a solve), in its unit of work, by the dispatcher: keeps the caller's roles up to date when
    the group gives roles (a `join` gets them, a `leave` takes them back). One read when it gives none."""
    if not await store.roles.enabled(group.id):
        return False
    member = await store.members.of_user(group.id, user_id)
    if member is None:  # not a member, or forget-me: the person and their ids are gone
        return False
    return await sync_member(store, roadmap, group, member, now)


async def turn_on(store: Store, roadmap: Roadmap, group: Group, now: datetime) -> tuple[bool, int]:
    """`group roles on`: (whether it was off, how many members' roles were queued now)."""
    changed = await store.roles.set_enabled(group.id, True, now)
    queued = 0
    for member in await store.members.active(group.id):
        queued += await sync_member(store, roadmap, group, member, now)
    return changed, queued


async def turn_off(store: Store, roadmap: Roadmap, group: Group, now: datetime) -> tuple[bool, int]:
    """`group roles off`: the roles given are taken back. (whether it was on, how many members)."""
    changed = await store.roles.set_enabled(group.id, False, now)
    taken = 0
    for member_id, held in await store.roles.synced_in_group(group.id):
        member = await store.members.get(member_id)
        if member is None or not held:
            continue
        await _queue(store, roadmap, group, member_id, member.user_id, (), held, now)
        taken += 1
    await store.roles.clear_group(group.id)
    return changed, taken
