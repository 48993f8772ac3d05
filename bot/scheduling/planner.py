"""Due-time planning: what is due when, kept as one row per (kind, subject) in the database.

A *due kind* is declared once: its name, how to read a subject's settings from the store, and a pure
function from those settings to an APScheduler trigger in the right timezone (the group's, or the
member's own for a check-in prompt), or None when nothing is due. The next instant is always the
trigger's own `get_next_fire_time`, asked exactly as the old per-job scheduler asked it, so DST
behaviour is what the cron triggers give.

The database holds only the next instant of each subject (`store.schedule`, bot/storage/schedule_repo.py).
A change re-plans the subjects it names; a fire re-plans the one subject that fired. Nothing here
walks every group or member, except `seed_page`, which plans a kind for all its subjects one bounded
page at a time (first start after the upgrade, or a kind whose rules changed).

Everything async here is the body of a unit of work: it awaits the store and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)
_TICK = timedelta(microseconds=1)


class Ref(NamedTuple):
    """One subject of one kind: ("daily", group_id), ("checkin", member_id), ("mock-feedback", session_id)."""

    kind: str
    subject: int


@dataclass(frozen=True)
class Fire:
    """A claimed run: the instant it was due and the moment it actually runs (later after a restart)."""

    kind: str
    subject: int
    due_at: datetime
    now: datetime

    @property
    def late(self) -> timedelta:
        return self.now - self.due_at


class ScheduleRepo(Protocol):
    """What the planner needs of `store.schedule` (bot/storage/schedule_repo.SqliteSchedule)."""

    async def plan(self, kind: str, subject: int, due_at: datetime | None) -> bool: ...
    async def due(self, now: datetime, limit: int) -> Sequence[tuple[datetime, str, int]]: ...
    async def next_due_at(self) -> datetime | None: ...
    async def claim(self, kind: str, subject: int, due_at: datetime, now: datetime) -> bool: ...
    async def finish(self, kind: str, subject: int, due_at: datetime, now: datetime) -> None: ...
    async def release(self, claimed_before: datetime | None = None) -> int: ...
    async def seeding(self, kind: str) -> tuple[str, int, bool] | None: ...
    async def set_seeding(self, kind: str, version: str, seeded_after: int, complete: bool) -> None: ...


class ScheduleStore(Protocol):
    schedule: ScheduleRepo


Read = Callable[[Any, int], Awaitable[Any]]
Subjects = Callable[[Any, int, int], Awaitable[Sequence[int]]]
Related = Callable[[Any, int], Awaitable[Iterable[int]]]


@dataclass(frozen=True)
class DueKind:
    """One kind of scheduled work.

    - `family`: what the subject id names ("group", "member", "session", "global"); a change to that
      thing re-plans this kind's subject of the same id (see `Planner.affected`).
    - `read(store, subject)`: the subject's settings, or None when the subject is gone.
    - `trigger(settings)`: pure; the trigger in the right timezone, or None when nothing is due
      (a paused group, check-ins off).
    - `run(fire)`: the work, outside any unit of work (it opens its own).
    - `subjects(store, after, limit)`: subject ids greater than `after`, ascending, at most `limit`;
      used to plan the kind for everyone, a page at a time. None: subjects come from re-plans only.
    - `related`: other families whose change moves this kind's instants, each with a function naming
      the subjects concerned (a group's check-in settings -> its members' prompts). Bounded by the
      size of one group, never by the number of groups.
    - `grace`: a run found later than this (the bot was down) is skipped, not run late; the subject
      moves on to its next instant. An hour, as APScheduler's misfire grace was. None: always run.
    - `version`: change it when the rules in `trigger` change, so every subject is planned again.
    """

    name: str
    family: str
    read: Read
    trigger: Callable[[Any], BaseTrigger | None]
    run: Callable[[Fire], Awaitable[None]]
    subjects: Subjects | None = None
    related: Mapping[str, Related] = field(default_factory=dict)
    grace: timedelta | None = timedelta(hours=1)
    version: str = "1"


# -- pure planning ------------------------------------------------------------------------------------
def next_due(trigger: BaseTrigger | None, after: datetime) -> datetime | None:
    """The trigger's first instant strictly after `after`, in UTC (None: never again).

    Asked as the per-job scheduler asked it (from one microsecond later, with no previous fire), in
    UTC: adding the microsecond to a zoned time would be wall-clock arithmetic and, in the repeated
    hour of a DST change, land an hour early. A date trigger reports its instant even once it has
    passed, hence the final comparison."""
    if trigger is None:
        return None
    after = after.astimezone(UTC)
    when = trigger.get_next_fire_time(None, after + _TICK)
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when if when > after else None


@dataclass(frozen=True)
class Decision:
    run: bool
    next_at: datetime | None
    why: str  # "due", "late" or "gone": for the log and the tests


def decide(trigger: BaseTrigger | None, due_at: datetime, now: datetime, grace: timedelta | None) -> Decision:
    """What to do with a planned instant that has come: run it or not, and the subject's next instant.

    `trigger` is built from the subject's settings as they are now: None (the subject is gone, the
    group paused, check-ins off) means the instant does not run and the row goes, even if whoever made
    that change did not re-plan. The next instant is counted from `now` when the run is late, so a bot
    that was down for a week runs a missed instant once (or skips it, past `grace`), never once per
    missed day.

    The instant itself is not checked against the trigger: for an hour that does not exist on the
    spring day the trigger's instant (03:30 for 02:30) is not one it gives when asked from just
    before it, so such a check would drop exactly the DST cases; keeping the index true is the
    re-plan's job."""
    if trigger is None:
        return Decision(False, None, "gone")
    nxt = next_due(trigger, max(due_at, now))
    if grace is not None and now - due_at > grace:
        return Decision(False, nxt, "late")
    return Decision(True, nxt, "due")


# -- the planner over the store -----------------------------------------------------------------------

async def _always(store: Any, subject: int) -> bool:
    return True


async def _only_zero(store: Any, after: int, limit: int) -> list[int]:
    return [0] if after < 0 else []


def daily_global(name: str, hour: int, minute: int, run: Callable[[Fire], Awaitable[None]]) -> DueKind:
    """A kind with one run a day for all groups (subject 0, family "global"), at `hour:minute` UTC."""
    return DueKind(name, "global", _always, lambda _: CronTrigger(hour=hour, minute=minute, timezone=UTC), run,
                   subjects=_only_zero)


class Planner:
    """The declared kinds, and the unit-of-work bodies that plan, claim and seed them."""

    def __init__(self, kinds: Iterable[DueKind]):
        self.kinds: dict[str, DueKind] = {}
        for kind in kinds:
            if kind.name in self.kinds:
                raise ValueError(f"two due kinds share the name {kind.name}")
            self.kinds[kind.name] = kind

    def refs(self, family: str, subject: int) -> list[Ref]:
        """Every kind whose subject is this thing: ("group", 12) -> daily:12, design:12, ..."""
        return [Ref(k.name, subject) for k in self.kinds.values() if k.family == family]

    async def affected(self, store: Any, changes: Iterable[tuple[str, int]]) -> list[Ref]:
        """The subjects a set of changes moves: (family, id) pairs, as the repositories record them."""
        out: dict[Ref, None] = {}
        for family, ident in changes:
            for ref in self.refs(family, ident):
                out[ref] = None
            for kind in self.kinds.values():
                if family in kind.related:
                    for subject in await kind.related[family](store, ident):
                        out[Ref(kind.name, subject)] = None
        return list(out)

    async def trigger_of(self, store: Any, ref: Ref) -> BaseTrigger | None:
        kind = self.kinds[ref.kind]
        settings = await kind.read(store, ref.subject)
        return None if settings is None else kind.trigger(settings)

    async def replan(self, store: ScheduleStore, refs: Iterable[Ref], now: datetime) -> int:
        """Plan each named subject's next instant after `now`; returns how many rows changed. Run it in
        the unit that made the change (the index then moves with the setting, atomically) or in one
        of its own after the commit."""
        changed = 0
        for ref in refs:
            when = next_due(await self.trigger_of(store, Ref(*ref)), now)
            changed += await store.schedule.plan(ref[0], ref[1], when)
        return changed

    async def claim_due(self, store: ScheduleStore, now: datetime, limit: int) -> tuple[list[Fire], int]:
        """Take up to `limit` due rows: each is claimed (when it should run) and moved on to its next
        instant in this same transaction, so no other timer sees it again and a re-plan that lands on
        an instant already run cannot run it twice. Returns the claimed fires, in order, and how many
        rows were looked at (a full batch means there may be more)."""
        rows = await store.schedule.due(now, limit)
        fires = []
        for due_at, name, subject in rows:
            kind = self.kinds.get(name)
            if kind is None:  # a kind this version no longer declares
                await store.schedule.plan(name, subject, None)
                continue
            settings = await kind.read(store, subject)
            decision = decide(None if settings is None else kind.trigger(settings), due_at, now, kind.grace)
            if decision.run and await store.schedule.claim(name, subject, due_at, now):
                fires.append(Fire(name, subject, due_at, now))
            elif decision.why == "late":
                log.info("%s for %s was due at %s; skipped, %s late", name, subject, due_at, now - due_at)
            await store.schedule.plan(name, subject, decision.next_at)
        return fires, len(rows)

    async def seed_page(self, store: ScheduleStore, kind: DueKind, now: datetime, limit: int) -> tuple[bool, int]:
        """Plan the next page of a kind's subjects. Returns whether the kind is now planned for all of
        them, and how many rows changed."""
        state = await store.schedule.seeding(kind.name)
        version, after, complete = state if state is not None else (None, -1, False)
        if version == kind.version and complete:
            return True, 0
        if version != kind.version:  # new, or its rules changed: every subject again, from the first
            after = -1
        subjects = list(await kind.subjects(store, after, limit)) if kind.subjects is not None else []
        changed = await self.replan(store, [Ref(kind.name, s) for s in subjects], now)
        complete = len(subjects) < limit
        await store.schedule.set_seeding(kind.name, kind.version, subjects[-1] if subjects else after, complete)
        return complete, changed
