"""The schedule: APScheduler triggers served by a simulated clock, in each zone, across DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import SimulatedClock
from bot.scheduling.scheduler import Job, Scheduler


def _source(jobs):
    async def source():
        return list(jobs)
    return source


async def test_advance_runs_each_fire_time_in_order_and_follows_dst():
    clock = SimulatedClock(datetime(2026, 3, 27, 0, tzinfo=UTC))
    ran: list[tuple[str, datetime]] = []

    async def record(name):
        ran.append((name, clock.now()))

    paris = CronTrigger(hour=9, minute=0, timezone=ZoneInfo("Europe/Paris"))
    tokyo = CronTrigger(hour=9, minute=0, timezone=ZoneInfo("Asia/Tokyo"))
    sched = Scheduler(clock, [_source([Job("paris", paris, record, {"name": "paris"}),
                                       Job("tokyo", tokyo, record, {"name": "tokyo"})])])
    await sched.advance(timedelta(days=4))
    paris_runs = [t for n, t in ran if n == "paris"]
    # 09:00 in Paris is 08:00 UTC before the change on 29 March, 07:00 UTC after it.
    assert [t.hour for t in paris_runs] == [8, 8, 7, 7]
    assert all(t.astimezone(ZoneInfo("Asia/Tokyo")).hour == 9 for n, t in ran if n == "tokyo")
    assert [t for _, t in ran] == sorted(t for _, t in ran)
    assert clock.now() == datetime(2026, 3, 31, 0, tzinfo=UTC)


async def test_stable_ids_replace_rather_than_add():
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    hour = {"h": 9}
    count = []

    async def tick():
        count.append(clock.now())

    async def source():
        return [Job("daily:1", CronTrigger(hour=hour["h"], minute=0, timezone=ZoneInfo("UTC")), tick)]

    sched = Scheduler(clock, [source])
    await sched.sync()
    hour["h"] = 10  # the organiser moved the post time
    await sched.sync()
    assert list(sched.jobs) == ["daily:1"]
    await sched.advance(timedelta(days=1))
    assert [t.hour for t in count] == [10]


async def test_a_job_that_fails_does_not_stop_the_others():
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    ok = []

    async def boom():
        raise RuntimeError("boom")

    async def fine():
        ok.append(1)

    trig = CronTrigger(hour=1, timezone=ZoneInfo("UTC"))
    sched = Scheduler(clock, [_source([Job("a", trig, boom), Job("b", trig, fine)])])
    assert await sched.advance(timedelta(days=2)) == 4
    assert ok == [1, 1]


async def test_with_the_real_clock_a_job_that_adds_jobs_is_followed_by_a_sync():
    from bot.clock import RealClock

    wanted = []
    far = CronTrigger(year=2099, timezone=ZoneInfo("UTC"))

    async def make_session():
        wanted.append(Job("remind:1", far, make_session))

    wanted.append(Job("round:1", far, make_session))

    async def source():
        return list(wanted)

    sched = Scheduler(RealClock(), [source])
    await sched.start()
    try:
        await sched._fire("round:1")  # what APScheduler calls when the trigger fires
        assert set(sched.jobs) == {"round:1", "remind:1"}
        assert sched._aps.get_job("remind:1") is not None
    finally:
        await sched.shutdown()
