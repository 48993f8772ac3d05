"""The due-time index: planning (DST included), claims across timers and restarts, catch-up, and work
per fire bounded by what is due. Every test runs on a real database file and a simulated clock (or a
hand-moved one); nothing sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.clock import SimulatedClock
from bot.domain.events import MessageEnqueued, ScheduleChanged
from bot.scheduling.planner import Decision, DueKind, Fire, Planner, Ref, decide, next_due
from bot.scheduling.timer import Timer, prune_kind
from bot.storage.db import open_database
from bot.storage.schedule_repo import SqliteSchedule
from tests.units import HandClock

US = timedelta(microseconds=1)


# -- the test's world: settings in memory, every run recorded -------------------------------------------
@dataclass
class World:
    """Settings per (kind, subject): (timezone, hour, minute[, days]) or None; the runs made, in order."""

    settings: dict[tuple[str, int], Any] = field(default_factory=dict)
    runs: list[tuple[str, Fire]] = field(default_factory=list)  # (who ran it, the fire)
    fail: set[tuple[str, int]] = field(default_factory=set)

    def cron(self, name: str, family: str = "group", grace: timedelta | None = timedelta(hours=1),
             version: str = "1", related: dict | None = None) -> DueKind:
        async def read(store, subject):
            return self.settings.get((name, subject))

        def trigger(s):
            tz, hour, minute, *days = s
            return CronTrigger(day_of_week=days[0] if days else None, hour=hour, minute=minute,
                               timezone=ZoneInfo(tz))

        async def subjects(store, after, limit):
            return sorted(s for k, s in self.settings if k == name and s > after)[:limit]

        return DueKind(name, family, read, trigger, self.recorder(name), subjects=subjects, grace=grace,
                       version=version, related=related or {})

    def recorder(self, name: str, who: str = "", then=None):
        async def run(fire: Fire) -> None:
            self.runs.append((who, fire))
            if (name, fire.subject) in self.fail:
                raise RuntimeError("boom")
            if then is not None:
                await then(fire)
        return run

    def fired(self) -> list[tuple[str, int, datetime]]:
        return [(f.kind, f.subject, f.now) for _, f in self.runs]


class Counting:
    """The repositories' `db`, counting the statements that go through it."""

    def __init__(self, db):
        self._db = db
        self.statements: list[str] = []

    def __getattr__(self, name):
        method = getattr(self._db, name)
        if name not in ("one", "all", "scalar", "write", "execute", "insert"):
            return method

        async def call(sql, *args):
            self.statements.append(sql)
            return await method(sql, *args)
        return call


class Units:
    """A unit of work as the lead's `uow.run(work)`: `work(store)` in one `db.run` transaction."""

    def __init__(self, db):
        self.db = db
        self.counting = Counting(db)
        self.store = SimpleNamespace(schedule=SqliteSchedule(self.counting))

    async def run(self, work):
        return await self.db.run(lambda: work(self.store))

    async def changes(self) -> int:
        """Rows inserted, updated or deleted on this connection since it opened (SQLite's own count)."""
        async def read():
            return await self.db.scalar("SELECT total_changes()")
        return await self.db.run(read)

    async def rows(self) -> list[tuple]:
        async def read():
            return [tuple(r) for r in await self.db.all("SELECT kind, subject, due_at FROM due ORDER BY 1, 2")]
        return await self.db.run(read)


@pytest.fixture
async def db(tmp_path):
    async with open_database(str(tmp_path / "due.db")) as database:
        yield database


def oracle(trigger, start: datetime, end: datetime) -> list[datetime]:
    """The instants the old per-job scheduler ran: its `next_after` from each run, in UTC."""
    out, t = [], start
    while (t := trigger.get_next_fire_time(None, t + US)) is not None and t.astimezone(UTC) <= end:
        t = t.astimezone(UTC)
        out.append(t)
    return out


# -- planning across DST ------------------------------------------------------------------------------
async def test_planning_across_dst_gives_the_cron_triggers_instants(db):
    """A group's posts in New York and a member's prompts in Berlin, at an ordinary hour, at an hour
    that does not exist on the spring day and at one that happens twice in the autumn, from March to
    November 2026: the timer runs exactly the instants today's cron triggers give."""
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)
    world = World()
    cases = {("daily", 1): ("America/New_York", 9, 0), ("daily", 2): ("America/New_York", 2, 30),
             ("daily", 3): ("America/New_York", 1, 30), ("checkin", 11): ("Europe/Berlin", 9, 0),
             ("checkin", 12): ("Europe/Berlin", 2, 30)}
    world.settings.update(cases)
    planner = Planner([world.cron("daily"), world.cron("checkin", family="member")])
    clock = SimulatedClock(start)
    timer = Timer(Units(db), clock, planner)
    await timer.start()
    ran = await timer.advance(end - start)

    by_ref = {ref: [now for k, s, now in world.fired() if (k, s) == ref] for ref in cases}
    for ref, s in cases.items():
        expected = oracle(planner.kinds[ref[0]].trigger(s), start, end)
        assert by_ref[ref] == expected, ref
    assert ran == sum(len(v) for v in by_ref.values())
    assert all(f.due_at == f.now for _, f in world.runs)  # on time, every one

    def hours(ref, first, last):
        return [t.strftime("%m-%d %H:%M") for t in by_ref[ref] if first <= t.strftime("%m-%d") <= last]

    # Fixed facts of the zones, independent of APScheduler: 09:00 New York is 14:00 UTC until 8 March,
    # 13:00 after; 09:00 Berlin is 08:00 UTC until 29 March, 07:00 after, and 08:00 again from 25 October.
    assert hours(("daily", 1), "03-07", "03-09") == ["03-07 14:00", "03-08 13:00", "03-09 13:00"]
    assert hours(("checkin", 11), "03-28", "03-30") == ["03-28 08:00", "03-29 07:00", "03-30 07:00"]
    assert hours(("checkin", 11), "10-24", "10-26") == ["10-24 07:00", "10-25 08:00", "10-26 08:00"]
    # What the cron triggers do at the edges, kept as is: 02:30 that never happens runs at 03:30 EDT;
    # the 01:30 that happens twice runs twice (EDT, then EST), each its own claim.
    assert hours(("daily", 2), "03-07", "03-09") == ["03-07 07:30", "03-08 07:30", "03-09 06:30"]
    assert hours(("daily", 3), "10-31", "11-02") == ["10-31 05:30", "11-01 05:30", "11-01 06:30", "11-02 06:30"]
    assert hours(("checkin", 12), "10-24", "10-26") == ["10-24 00:30", "10-25 00:30", "10-25 01:30",
                                                         "10-26 01:30"]


def test_next_due_is_strictly_later_in_utc_and_never_a_passed_date():
    ny = CronTrigger(hour=1, minute=30, timezone=ZoneInfo("America/New_York"))
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = next_due(ny, first)
    assert second == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, the repeated hour
    # Asked from the zoned time (wall-clock arithmetic) this would come back as the same instant.
    assert next_due(ny, second.astimezone(ZoneInfo("America/New_York"))) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert next_due(DateTrigger(at), at - US) == at
    assert next_due(DateTrigger(at), at) is None  # a date trigger reports its instant even once passed
    assert next_due(None, at) is None


def test_decide_runs_on_time_or_within_grace_once_and_skips_late_and_gone():
    daily = CronTrigger(hour=9, minute=0, timezone=ZoneInfo("UTC"))
    due = datetime(2026, 3, 2, 9, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert decide(daily, due, due, hour) == Decision(True, due + timedelta(days=1), "due")
    assert decide(daily, due, due + timedelta(minutes=59), hour).run  # late, within grace
    assert decide(daily, due, due + 2 * hour, hour) == Decision(False, due + timedelta(days=1), "late")
    # A week down with no grace: the missed instant runs once, and the next one is the next to come.
    assert decide(daily, due, due + timedelta(days=6, hours=1), None) == Decision(True, due + timedelta(days=7), "due")
    assert decide(None, due, due, None) == Decision(False, None, "gone")


# -- the old scheduler's public behaviour, kept ------------------------------------------------------------
async def test_advance_runs_each_instant_in_kind_subject_order_with_the_callbacks(db):
    world = World()
    for g in (2, 10, 1):
        world.settings[("daily", g)] = ("Europe/Paris", 9, 0)
    world.settings[("design", 1)] = ("Europe/Paris", 9, 0)
    world.settings[("checkin", 5)] = ("Asia/Tokyo", 9, 0)
    world.fail.add(("daily", 2))
    times, jobs = [], []

    async def on_time(now):
        times.append(now)

    async def after_job():
        jobs.append(len(world.runs))

    clock = SimulatedClock(datetime(2026, 3, 27, 0, tzinfo=UTC))
    planner = Planner([world.cron("daily"), world.cron("design"), world.cron("checkin", "member")])
    timer = Timer(Units(db), clock, planner, on_time=on_time, after_job=after_job)
    await timer.start()
    assert await timer.advance(timedelta(days=4)) == 4 * 5  # the failing run counts, and stops nothing
    paris = [f.now for _, f in world.runs if f.kind == "daily" and f.subject == 1]
    assert [t.hour for t in paris] == [8, 8, 7, 7]  # 09:00 Paris, before and after 29 March
    assert [f.now for _, f in world.runs] == sorted(f.now for _, f in world.runs)
    first_paris = [(f.kind, f.subject) for _, f in world.runs if f.now == paris[0]]
    assert first_paris == [("daily", 1), ("daily", 2), ("daily", 10), ("design", 1)]
    assert sum(1 for _, f in world.runs if (f.kind, f.subject) == ("daily", 2)) == 4  # it fails, and comes back
    instants = sorted({f.now for _, f in world.runs})
    assert times == [*instants, datetime(2026, 3, 31, 0, tzinfo=UTC)]
    assert jobs == [*range(1, 21), 20]  # after each run, and once at the end
    assert clock.now() == datetime(2026, 3, 31, 0, tzinfo=UTC)


async def test_a_changed_setting_replaces_the_instant_never_adds_one(db):
    world = World()
    world.settings[("daily", 1)] = ("UTC", 9, 0)
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    units = Units(db)
    timer = Timer(units, clock, Planner([world.cron("daily")]))
    await timer.start()
    world.settings[("daily", 1)] = ("UTC", 10, 0)  # the organiser moved the post time
    assert await timer.replan([Ref("daily", 1)]) == 1
    assert await units.rows() == [("daily", 1, "2026-01-01T10:00:00.000000+00:00")]
    await timer.advance(timedelta(days=1))
    assert [t.hour for _, _, t in world.fired()] == [10]
    world.settings[("daily", 1)] = None  # the group is gone (or paused): its row goes
    await timer.replan([Ref("daily", 1)])
    assert await units.rows() == []
    # Gone without anyone re-planning it: the instant comes, finds nothing due, and does not run.
    world.settings[("daily", 2)] = ("UTC", 9, 0)
    await timer.replan([Ref("daily", 2)])
    world.settings[("daily", 2)] = None
    assert await timer.advance(timedelta(days=1)) == 0
    assert await units.rows() == []


async def test_a_job_that_plans_new_subjects_is_followed_in_the_same_advance(db):
    """A pairing round creates a session; the session's reminder is planned by the round's change and
    runs within the same advance (what `sync()` after every job did before)."""
    world = World()
    world.settings[("round", 1)] = ("UTC", 18, 0, "sun")
    sessions: dict[int, datetime] = {}
    clock = SimulatedClock(datetime(2026, 3, 1, tzinfo=UTC))  # a Sunday
    timer: Timer

    async def make_session(fire: Fire) -> None:
        sessions[7] = fire.now + timedelta(hours=25)
        await timer.changed([("session", 7)])

    async def session(store, sid):
        return sessions.get(sid)

    remind = DueKind("remind-24h", "session", session, lambda at: DateTrigger(at - timedelta(hours=24)),
                     world.recorder("remind-24h"))
    cron = world.cron("round")
    pairing = DueKind("round", "group", cron.read, cron.trigger, world.recorder("round", then=make_session),
                      subjects=cron.subjects)
    timer = Timer(Units(db), clock, Planner([pairing, remind]))
    await timer.start()
    await timer.advance(timedelta(days=1))
    assert world.fired() == [("round", 1, datetime(2026, 3, 1, 18, tzinfo=UTC)),
                             ("remind-24h", 7, datetime(2026, 3, 1, 19, tzinfo=UTC))]
    sessions[8] = clock.now() + timedelta(hours=1)  # a reminder whose instant has passed is never planned
    assert await timer.changed([("session", 8)]) == 0


async def test_events_after_commit_replan_what_they_name(db):
    """`uow.subscribe(timer.on_events)`: a group's change re-plans that group's kinds, and through
    `related` its members' prompts; nothing else is written."""
    world = World()
    members = {1: [11, 12], 2: [21, 22]}
    for g in members:
        world.settings[("daily", g)] = ("UTC", 9, 0)
        for m in members[g]:
            world.settings[("checkin", m)] = ("Europe/Berlin", 9, 0)

    async def of_group(store, group_id):
        return members[group_id]

    units = Units(db)
    planner = Planner([world.cron("daily"), world.cron("checkin", "member", related={"checkins": of_group})])
    timer = Timer(units, SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC)), planner)
    await timer.start()
    before = dict(((k, s), t) for k, s, t in await units.rows())
    world.settings[("daily", 1)] = ("UTC", 10, 0)
    for m in members[1]:
        world.settings[("checkin", m)] = ("Europe/Berlin", 7, 15)
    world.settings[("daily", 2)] = ("UTC", 11, 0)  # changed, but nobody says so: not re-planned
    changes = await units.changes()
    await timer.on_events([ScheduleChanged("group", 1), ScheduleChanged("checkins", 1), MessageEnqueued("k")])
    assert await units.changes() - changes == 3
    after = dict(((k, s), t) for k, s, t in await units.rows())
    assert {ref for ref in after if after[ref] != before[ref]} == {("daily", 1), ("checkin", 11), ("checkin", 12)}


# -- a re-plan and a fire touch only their subject ------------------------------------------------------
async def test_a_replan_or_a_fire_writes_only_its_own_subject(db):
    world = World()
    for m in range(1, 1001):
        world.settings[("checkin", m)] = ("Europe/Berlin", 6 + m % 12, m % 60)
    world.settings[("checkin", 1000)] = ("Europe/Berlin", 5, 0)  # the earliest, alone
    units = Units(db)
    clock = SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC))
    timer = Timer(units, clock, Planner([world.cron("checkin", "member")]))
    await timer.start()
    before = await units.rows()
    assert len(before) == 1000

    world.settings[("checkin", 7)] = ("America/New_York", 9, 0)
    changes = await units.changes()
    assert await timer.replan([Ref("checkin", 7)]) == 1
    assert await units.changes() - changes == 1  # one row of due, nothing else
    assert await timer.replan([Ref("checkin", 7)]) == 0  # unchanged settings write nothing
    assert await units.changes() - changes == 1
    moved = [(a, b) for a, b in zip(before, await units.rows(), strict=True) if a != b]
    assert [a[:2] for a, _ in moved] == [("checkin", 7)]

    before = await units.rows()
    changes = await units.changes()
    assert await timer.advance(timedelta(hours=4, minutes=30)) == 1  # 05:00 Berlin = 04:00 UTC
    # The claim, the subject's next instant, and the claim marked finished: three rows, one subject.
    assert await units.changes() - changes == 3
    moved = [(a, b) for a, b in zip(before, await units.rows(), strict=True) if a != b]
    assert [a[:2] for a, _ in moved] == [("checkin", 1000)]


# -- claims -----------------------------------------------------------------------------------------------
async def test_two_timers_on_one_database_run_each_instant_once(tmp_path):
    """Two timers, each with its own connection to one file and its own clock, race over three days
    of 40 subjects: every (kind, subject, instant) runs once, and both timers did run some."""
    path = str(tmp_path / "shared.db")
    world = World()
    for s in range(1, 41):
        world.settings[("daily", s)] = ("Europe/Berlin", 9 + s % 3, 0)
    start = datetime(2026, 3, 2, tzinfo=UTC)

    running = {"a": asyncio.Event(), "b": asyncio.Event()}

    async def one(who: str, db):
        async def work():  # a job writes something, as a real one enqueues its message
            await db.execute("CREATE TABLE IF NOT EXISTS effects (who TEXT)")
            await db.execute("INSERT INTO effects VALUES (?)", (who,))

        async def effect(fire):
            # The first run of each waits for the other's first: both are then inside the first instant
            # (13 subjects, batches of 7), so they contend for it rather than take turns by luck.
            if not running[who].is_set():
                running[who].set()
                await asyncio.wait_for(running["b" if who == "a" else "a"].wait(), timeout=10)
            await db.run(work)

        kind = world.cron("daily")
        kind = DueKind(kind.name, kind.family, kind.read, kind.trigger,
                       world.recorder("daily", who=who, then=effect), subjects=kind.subjects)
        timer = Timer(Units(db), SimulatedClock(start), Planner([kind]), batch=7, only_process=False)
        await timer.start()
        return await timer.advance(timedelta(days=3))

    async with open_database(path) as a, open_database(path) as b:
        ran_a, ran_b = await asyncio.gather(one("a", a), one("b", b))
        async def unfinished():
            return await SqliteSchedule(a).unfinished()
        assert await a.run(unfinished) == 0

    counts = Counter((f.kind, f.subject, f.due_at) for _, f in world.runs)
    assert set(counts.values()) == {1}
    expected = {("daily", s, t) for (_, s), v in world.settings.items()
                for t in oracle(world.cron("daily").trigger(v), start, start + timedelta(days=3))}
    assert set(counts) == expected
    assert ran_a + ran_b == len(expected) == 120
    assert ran_a > 0 and ran_b > 0  # a real race: each took some of the work
    first = min(f.due_at for _, f in world.runs)
    assert {who for who, f in world.runs if f.due_at == first} == {"a", "b"}


async def test_a_claim_is_taken_once_across_connections(tmp_path):
    path = str(tmp_path / "claims.db")
    due = datetime(2026, 3, 2, 9, tzinfo=UTC)
    async with open_database(path) as a, open_database(path) as b:
        async def claim(db):
            async def work():
                return await SqliteSchedule(db).claim("daily", 1, due, due)
            return await db.run(work)
        assert await claim(a) is True
        assert await claim(b) is False
        assert await claim(a) is False


async def test_a_replayed_instant_is_not_run_again_after_a_restart(db):
    """A script that resumes from before an instant it already ran (the clock it saved is older than
    the run) re-plans the subject onto that same instant: the claim keeps it from running twice."""
    world = World()
    world.settings[("daily", 1)] = ("UTC", 9, 0)
    planner = Planner([world.cron("daily")])
    units = Units(db)
    first = Timer(units, SimulatedClock(datetime(2026, 3, 2, 8, tzinfo=UTC)), planner)
    await first.start()
    assert await first.advance(timedelta(hours=2)) == 1

    again = Timer(units, SimulatedClock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC)), planner)
    await again.start()
    await again.replan([Ref("daily", 1)])  # a command replayed by the script: back onto 09:00 today
    assert await units.rows() == [("daily", 1, "2026-03-02T09:00:00.000000+00:00")]
    assert await again.advance(timedelta(days=1, hours=1)) == 1  # tomorrow's, not today's again
    assert [t.day for _, _, t in world.fired()] == [2, 3]


# -- catch-up -----------------------------------------------------------------------------------------------
async def test_catch_up_runs_a_missed_instant_once_and_skips_one_past_grace(db):
    world = World()
    world.settings[("daily", 1)] = ("UTC", 9, 0)
    world.settings[("daily", 2)] = ("UTC", 6, 0)
    planner = Planner([world.cron("daily")])
    units = Units(db)
    await Timer(units, SimulatedClock(datetime(2026, 3, 2, 5, tzinfo=UTC)), planner).start()  # then down

    # Back at 09:30: 09:00 was missed by half an hour (run once, late); 06:00 by 3.5 h (past grace).
    # One row a batch: the catch-up goes on to the end, batch after batch.
    back = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    await Timer(units, SimulatedClock(back), planner, batch=1).start()
    assert [(f.subject, f.due_at.hour, f.now) for _, f in world.runs] == [(1, 9, back)]
    assert await units.rows() == [("daily", 1, "2026-03-03T09:00:00.000000+00:00"),
                                  ("daily", 2, "2026-03-03T06:00:00.000000+00:00")]
    await Timer(units, SimulatedClock(back + timedelta(minutes=5)), planner).start()  # another restart
    assert len(world.runs) == 1


async def test_a_run_cut_short_by_a_crash_is_handed_back_and_runs_once(db):
    world = World()
    world.settings[("daily", 1)] = ("UTC", 9, 0)
    planner = Planner([world.cron("daily")])
    units = Units(db)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await Timer(units, SimulatedClock(at - timedelta(hours=1)), planner).start()
    # The process claims 09:00 and dies before the job ends: the claim is open, the row moved on.
    fires, _ = await units.run(lambda store: planner.claim_due(store, at, 10))
    assert [f.subject for f in fires] == [1]
    assert await units.run(lambda store: store.schedule.unfinished()) == 1

    # A process that shares the database with others waits for the lease; this one is alone (the file
    # lock), so its start hands the run back, and the run is made once, at its own instant.
    restart = Timer(units, SimulatedClock(at - timedelta(minutes=30)), planner)  # the script resumes earlier
    await restart.start()
    assert await restart.advance(timedelta(hours=1)) == 1
    assert [(f.due_at, f.now) for _, f in world.runs] == [(at, at)]
    assert await units.run(lambda store: store.schedule.unfinished()) == 0
    await Timer(units, SimulatedClock(at + timedelta(hours=1)), planner).start()
    assert len(world.runs) == 1


async def test_release_with_a_lease_hands_back_only_old_claims(db):
    units = Units(db)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)

    async def claim_two(store):
        await store.schedule.claim("daily", 1, at, at)
        await store.schedule.claim("daily", 2, at, at + timedelta(minutes=20))
        await store.schedule.plan("daily", 1, at + timedelta(days=1))

    await units.run(claim_two)
    assert await units.run(lambda store: store.schedule.release(at + timedelta(minutes=15))) == 1
    assert await units.rows() == [("daily", 1, "2026-03-02T09:00:00.000000+00:00")]  # due again, earlier
    assert await units.run(lambda store: store.schedule.unfinished()) == 1


async def test_with_the_real_clock_catch_up_runs_in_the_background_in_bounded_batches(db):
    world = World()
    for s in range(1, 26):
        world.settings[("daily", s)] = ("UTC", 9, 0)
    world.settings[("daily", 99)] = ("UTC", 12, 0)
    done = asyncio.Event()

    async def count(fire):
        if len(world.runs) == 25 or fire.subject == 99:
            done.set()

    kind = world.cron("daily")
    kind = DueKind(kind.name, "group", kind.read, kind.trigger, world.recorder("daily", then=count),
                   subjects=kind.subjects)
    units = Units(db)
    clock = HandClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
    planner = Planner([kind])
    await units.run(lambda store: planner.seed_page(store, kind, clock.now(), 100))  # planned, then down
    clock.t = datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    timer = Timer(units, clock, planner, batch=10, max_sleep=3600)
    units.counting.statements.clear()
    await timer.start()
    assert world.runs == []  # start returned at once: the catch-up is the timer's first pass
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
        assert sorted(f.subject for _, f in world.runs) == list(range(1, 26))
        selects = [s for s in units.counting.statements if s.startswith("SELECT due_at, kind, subject")]
        assert len(selects) == 3  # 10 + 10 + 5: bounded batches, never the whole table
        # The loop now waits for 12:00 (up to an hour); the clock moves there and a wake makes it look
        # at once.
        await asyncio.wait_for(timer.waiting.wait(), timeout=10)
        done.clear()
        clock.t = datetime(2026, 3, 2, 12, tzinfo=UTC)
        timer.wake()
        await asyncio.wait_for(done.wait(), timeout=10)
        assert world.runs[-1][1].subject == 99
    finally:
        await timer.stop()


# -- bounded work -------------------------------------------------------------------------------------------
async def _one_step(tmp_path, n: int) -> tuple[int, list[str], int]:
    """n subjects planned; the statements of one fire of the three due first, and the rows it ran."""
    world = World()
    for s in range(1, n + 1):
        world.settings[("checkin", s)] = ("Europe/Berlin", 10 + s % 10, s % 60)
    for s in (3, 5, 8):
        world.settings[("checkin", s)] = ("Europe/Berlin", 6, 0)  # 05:00 UTC, before everyone else
    async with open_database(str(tmp_path / f"n{n}.db")) as db:
        units = Units(db)
        clock = SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC))
        timer = Timer(units, clock, Planner([world.cron("checkin", "member")]), seed_batch=500)
        await timer.start()
        planned = await units.run(lambda store: store.schedule.count())
        units.counting.statements.clear()
        await timer.advance(timedelta(hours=5))
        return planned, list(units.counting.statements), len(world.runs)


async def test_ten_thousand_subjects_the_earliest_found_and_fired_with_bounded_work(tmp_path):
    small = await _one_step(tmp_path, 100)
    large = await _one_step(tmp_path, 10_000)
    assert (small[0], large[0]) == (100, 10_000)
    assert small[2] == large[2] == 3
    # The same statements, in the same number, whether 100 or 10,000 subjects are planned: the earliest
    # instant; the batch due then (one select, and a claim and a next instant for each of the three);
    # each run marked finished; the earliest instant again, which lies past the span.
    assert large[1] == small[1]
    assert len(large[1]) == 1 + (1 + 3 * 2) + 3 + 1


async def test_the_due_queries_use_the_time_index(db):
    async def plans():
        out = {}
        for name, sql in (("next", "SELECT due_at FROM due ORDER BY due_at LIMIT 1"),
                          ("due", "SELECT due_at, kind, subject FROM due WHERE due_at <= ? "
                                  "ORDER BY due_at, kind, subject LIMIT ?")):
            params = () if name == "next" else ("2026-03-02T00:00:00.000000+00:00", 10)
            out[name] = " | ".join(r[3] for r in await db.all("EXPLAIN QUERY PLAN " + sql, params))
        return out

    found = await db.run(plans)
    for name, plan in found.items():
        assert "due_by_time" in plan, (name, plan)
        assert "TEMP B-TREE" not in plan, (name, plan)  # no sort: rows come in index order
    assert "SEARCH" in found["due"]  # a range of the index, not the table


async def test_seeding_plans_every_subject_a_page_at_a_time_and_resumes(db):
    world = World()
    for s in range(1, 1201):
        world.settings[("checkin", s)] = ("Asia/Kolkata", 9, 0)
    units = Units(db)
    clock = SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC))
    kind = world.cron("checkin", "member")
    planner = Planner([kind])
    assert await units.run(lambda store: planner.seed_page(store, kind, clock.now(), 500)) == (False, 500)
    assert await units.run(lambda store: store.schedule.count()) == 500  # then the process stops
    timer = Timer(units, clock, planner, seed_batch=500)
    units.counting.statements.clear()
    await timer.start()
    assert await units.run(lambda store: store.schedule.count()) == 1200
    plans = [s for s in units.counting.statements if s.startswith("INSERT INTO due (kind, subject, due_at) VALUES")]
    assert len(plans) == 700  # resumed after the first page: the rest, once each
    await Timer(units, clock, planner).start()  # planned for all: nothing to do
    assert await units.run(lambda store: store.schedule.seeding("checkin")) == ("1", 1200, True)

    world.settings[("checkin", 5)] = ("Asia/Kolkata", 10, 0)  # a rule changed in the code: version 2
    await units.run(lambda store: store.schedule.plan("checkin", 6, None))
    await Timer(units, clock, Planner([world.cron("checkin", "member", version="2")])).start()
    rows = {s: t for _, s, t in await units.rows()}
    assert len(rows) == 1200 and rows[5].startswith("2026-03-02T04:30") and rows[6].startswith("2026-03-02T03:30")


async def test_a_row_of_a_kind_no_longer_declared_is_dropped(db):
    units = Units(db)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await units.run(lambda store: store.schedule.plan("retired", 1, at))
    timer = Timer(units, SimulatedClock(at - timedelta(hours=1)), Planner([]))
    assert await timer.advance(timedelta(hours=2)) == 0
    assert await units.rows() == []


async def test_finished_claims_are_pruned_in_bounded_units(db):
    units = Units(db)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)

    async def history(store):
        for s in range(12):
            await store.schedule.claim("daily", s, at, at)
            await store.schedule.finish("daily", s, at, at)
        await store.schedule.claim("daily", 99, at, at)  # still running: kept

    await units.run(history)
    kind = prune_kind(units, keep=timedelta(days=2))
    assert await units.run(lambda store: store.schedule.prune_runs(at, 5)) == 0  # nothing older yet
    await kind.run(Fire(kind.name, 0, at, at + timedelta(days=3)))

    async def left():
        return await db.all("SELECT subject FROM job_runs")
    assert [r[0] for r in await db.run(left)] == [99]
