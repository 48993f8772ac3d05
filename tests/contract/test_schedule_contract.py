"""The schedule: the due-time index (one row per planned subject) and the claims of job runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.contract.world import NOW

H = timedelta(hours=1)


async def test_a_subject_is_planned_moved_and_unplanned_reporting_whether_anything_changed(uow):
    async def work(store):
        s = store.schedule
        return [await s.due_at("daily", 1), await s.plan("daily", 1, NOW), await s.plan("daily", 1, NOW),
                await s.due_at("daily", 1), await s.plan("daily", 1, NOW + H), await s.due_at("daily", 1),
                await s.plan("digest", 1, NOW), await s.count(), await s.count("daily"), await s.count("none"),
                await s.plan("daily", 1, None), await s.plan("daily", 1, None), await s.due_at("daily", 1),
                await s.due_at("digest", 1), await s.count()]

    assert await uow.run(work) == [None, True, False, NOW, True, NOW + H, True, 2, 1, 0, True, False, None, NOW, 1]


async def test_an_instant_without_a_timezone_is_refused(uow):
    with pytest.raises(ValueError):
        await uow.run(lambda store: store.schedule.plan("daily", 1, datetime(2026, 3, 2, 9)))
    assert await uow.run(lambda store: store.schedule.count()) == 0


async def test_due_rows_come_earliest_first_then_by_kind_and_subject_up_to_the_limit(uow):
    async def setup(store):
        for kind, subject, at in (("daily", 2, NOW), ("checkin", 9, NOW + H), ("daily", 1, NOW),
                                  ("checkin", 3, NOW), ("digest", 1, NOW - H), ("daily", 3, NOW + 2 * H)):
            await store.schedule.plan(kind, subject, at)

    await uow.run(setup)

    async def read(store):
        s = store.schedule
        return ([tuple(r) for r in await s.due(NOW, 10)], [tuple(r) for r in await s.due(NOW, 2)],
                [tuple(r) for r in await s.due(NOW - 2 * H, 10)], await s.next_due_at())

    assert await uow.run(read) == (
        [(NOW - H, "digest", 1), (NOW, "checkin", 3), (NOW, "daily", 1), (NOW, "daily", 2)],
        [(NOW - H, "digest", 1), (NOW, "checkin", 3)], [], NOW - H)
    await uow.run(lambda store: store.schedule.plan("digest", 1, None))
    assert await uow.run(lambda store: store.schedule.next_due_at()) == NOW


async def test_an_empty_schedule_has_no_next_instant(uow):
    assert await uow.run(lambda store: store.schedule.next_due_at()) is None
    assert await uow.run(lambda store: store.schedule.due(NOW, 10)) == []


async def test_a_run_is_claimed_once_per_due_instant_and_finished_once(uow):
    async def work(store):
        s = store.schedule
        return [await s.claim("daily", 1, NOW, NOW), await s.claim("daily", 1, NOW, NOW + H),
                await s.claim("daily", 2, NOW, NOW), await s.claim("daily", 1, NOW + 24 * H, NOW + 24 * H),
                await s.unfinished()]

    assert await uow.run(work) == [True, False, True, True, 3]
    await uow.run(lambda store: store.schedule.finish("daily", 1, NOW, NOW + H))
    assert await uow.run(lambda store: store.schedule.unfinished()) == 2
    assert await uow.run(lambda store: store.schedule.claim("daily", 1, NOW, NOW + 2 * H)) is False, \
        "a finished run is never run again"
    assert await uow.run(lambda store: store.schedule.release()) == 2
    assert await uow.run(lambda store: store.schedule.claim("daily", 1, NOW, NOW + 2 * H)) is False


async def test_released_runs_are_due_again_at_their_own_instant(uow):
    async def crash(store):
        s = store.schedule
        # each run moved its subject's row on to the next instant when it was claimed ...
        for subject, claimed_at in ((1, NOW), (2, NOW + 2 * H)):
            await s.claim("daily", subject, NOW, claimed_at)
            await s.plan("daily", subject, NOW + 24 * H)
        await s.claim("digest", 1, NOW, NOW)
        await s.plan("digest", 1, NOW - H)  # ... or the subject was re-planned to an earlier instant still
        await s.claim("daily", 3, NOW, NOW)
        await s.finish("daily", 3, NOW, NOW)
        await s.plan("daily", 3, NOW + 24 * H)
        # ... and the process died before finishing them

    await uow.run(crash)
    assert await uow.run(lambda store: store.schedule.release(NOW + H)) == 2, "only claims older than the lease"

    async def read(store):
        s = store.schedule
        return [await s.due_at(k, n) for k, n in (("daily", 1), ("daily", 2), ("digest", 1), ("daily", 3))]

    assert await uow.run(read) == [NOW, NOW + 24 * H, NOW - H, NOW + 24 * H]
    assert await uow.run(lambda store: store.schedule.unfinished()) == 1
    assert await uow.run(lambda store: store.schedule.claim("daily", 1, NOW, NOW + H)) is True, \
        "handed back, a run is claimed afresh"
    assert await uow.run(lambda store: store.schedule.release()) == 2
    assert await uow.run(lambda store: store.schedule.due_at("daily", 2)) == NOW
    assert await uow.run(lambda store: store.schedule.release()) == 0


async def test_finished_claims_of_old_instants_are_pruned_in_batches(uow):
    async def setup(store):
        s = store.schedule
        for day in range(5):
            at = NOW - timedelta(days=10 - day)
            await s.claim("daily", 1, at, at)
            await s.finish("daily", 1, at, at)
        await s.claim("daily", 2, NOW - timedelta(days=9), NOW)  # unfinished: kept for release
        await s.claim("daily", 1, NOW, NOW)
        await s.finish("daily", 1, NOW, NOW)  # recent: kept

    await uow.run(setup)
    cutoff = NOW - timedelta(days=1)
    assert await uow.run(lambda store: store.schedule.prune_runs(cutoff, limit=3)) == 3
    assert await uow.run(lambda store: store.schedule.prune_runs(cutoff, limit=3)) == 2
    assert await uow.run(lambda store: store.schedule.prune_runs(cutoff)) == 0
    assert await uow.run(lambda store: store.schedule.unfinished()) == 1
    assert await uow.run(lambda store: store.schedule.claim("daily", 1, NOW, NOW)) is False, "the recent one stays"
    assert await uow.run(lambda store: store.schedule.claim("daily", 1, NOW - timedelta(days=10), NOW)) is True, \
        "a pruned instant is long past: claiming it again is the planner's business, not the store's"


async def test_how_far_a_kind_was_seeded_is_kept_and_replaced(uow):
    assert await uow.run(lambda store: store.schedule.seeding("checkin")) is None
    await uow.run(lambda store: store.schedule.set_seeding("checkin", "v1", 500, False))
    assert tuple(await uow.run(lambda store: store.schedule.seeding("checkin"))) == ("v1", 500, False)
    await uow.run(lambda store: store.schedule.set_seeding("checkin", "v2", 0, True))
    await uow.run(lambda store: store.schedule.set_seeding("daily", "v1", 7, False))
    assert tuple(await uow.run(lambda store: store.schedule.seeding("checkin"))) == ("v2", 0, True)
    assert tuple(await uow.run(lambda store: store.schedule.seeding("daily"))) == ("v1", 7, False)
