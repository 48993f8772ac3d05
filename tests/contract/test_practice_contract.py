"""Practice: daily posts, solves, member stats and standings, review cards."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.scoring import WEIGHTS, MemberStats, rank
from bot.domain.selection import Posted, PostHistory
from bot.domain.streaks import StreakMark
from tests.contract.world import NOW, new_group, new_member, seed

DAY = date(2026, 3, 2)
WEEK = NOW - timedelta(hours=9)  # the week began at midnight UTC on this Monday
MONTH = WEEK - timedelta(days=1)  # ... and the month on the Sunday before: any instant will do


def post(day: date, item: str = "two-sum", difficulty: str = "easy") -> Posted:
    return Posted(day, item, "problem", difficulty, "arrays")


async def solve(store, member, problem, difficulty="easy", *, now=NOW, day=DAY, kind="problem", event=None):
    return await store.practice.add_solve(member.id, member.group_id, problem, kind, difficulty, None, None, now, day,
                                          event)


# -- daily posts -----------------------------------------------------------------------------------


async def test_a_days_post_is_recorded_once_and_the_first_one_stands(uow):
    world = await uow.run(seed)
    g = world.group.id

    async def work(store):
        return [await store.practice.record_post(g, post(DAY, "two-sum"), NOW),
                await store.practice.record_post(g, post(DAY, "three-sum", "medium"), NOW)]

    assert await uow.run(work) == [True, False]
    assert await uow.run(lambda store: store.practice.post_for(g, DAY)) == post(DAY, "two-sum")
    assert await uow.run(lambda store: store.practice.record_post(g, post(DAY, "again"), NOW)) is False


async def test_posts_read_by_day_latest_and_in_date_order_per_group(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        for day, item in ((DAY + timedelta(days=2), "c"), (DAY, "a"), (DAY + timedelta(days=1), "b")):
            await store.practice.record_post(world.group.id, post(day, item), NOW)
        await store.practice.record_post(other.id, post(DAY + timedelta(days=9), "elsewhere"), NOW)
        return world.group.id, other.id

    g, other = await uow.run(setup)

    async def read(store):
        return (await store.practice.post_for(g, DAY + timedelta(days=1)), await store.practice.post_for(g, DAY - timedelta(days=1)),
                await store.practice.latest_post(g), [p.item_id for p in await store.practice.history(g)],
                await store.practice.latest_post(other + 99), await store.practice.history(other + 99))

    assert await uow.run(read) == (post(DAY + timedelta(days=1), "b"), None, post(DAY + timedelta(days=2), "c"),
                                   ["a", "b", "c"], None, [])


async def test_post_history_counts_each_items_posts_and_each_patterns_last_day(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        g, practice = world.group.id, store.practice
        empty = await practice.post_history(g)
        for day, item, kind, pattern in ((DAY, "two-sum", "problem", "arrays"),
                                         (DAY + timedelta(days=3), "two-sum", "problem", "arrays"),
                                         (DAY + timedelta(days=1), "lru-cache", "problem", "design"),
                                         (DAY + timedelta(days=2), "bias-variance", "ml", "stats"),
                                         (DAY - timedelta(days=5), "valid-parens", "problem", "arrays")):
            await practice.record_post(g, Posted(day, item, kind, "easy", pattern), NOW)
        await practice.record_post(g, Posted(DAY, "not-posted", "problem", "easy", "graphs"), NOW)  # day taken
        await practice.record_post(other.id, Posted(DAY, "two-sum", "problem", "easy", "trees"), NOW)
        return g, other.id, empty

    g, other, empty = await uow.run(setup)
    assert empty == PostHistory({}, {})
    assert await uow.run(lambda store: store.practice.post_history(g)) == PostHistory(
        {("problem", "two-sum"): 2, ("problem", "lru-cache"): 1, ("ml", "bias-variance"): 1,
         ("problem", "valid-parens"): 1},
        {"arrays": DAY + timedelta(days=3), "design": DAY + timedelta(days=1)})
    assert await uow.run(lambda store: store.practice.post_history(other)) == PostHistory(
        {("problem", "two-sum"): 1}, {"trees": DAY})

    async def agrees(store):
        return await store.practice.post_history(g) == PostHistory.of(await store.practice.history(g))

    assert await uow.run(agrees), "the summary is what the full history adds up to"


# -- solves ----------------------------------------------------------------------------------------


async def test_a_solve_counts_once_and_hands_back_the_streak_mark_kept_for_the_member(uow):
    world = await uow.run(seed)
    m = world.member
    mark = StreakMark(DAY, 1, 1, 0, 1)

    async def first(store):
        result = await solve(store, m, "two-sum")
        await store.practice.count_solve(m.group_id, m.id, "easy", mark, WEEK, MONTH)
        return result

    fresh = await uow.run(first)
    assert (fresh.fresh, fresh.mark) == (True, None), "no mark before the first counted solve"
    again = await uow.run(lambda store: solve(store, m, "two-sum", now=NOW + timedelta(hours=1)))
    assert (again.fresh, again.mark) == (False, mark)
    other = await uow.run(lambda store: solve(store, m, "valid-parens", day=DAY + timedelta(days=1)))
    assert (other.fresh, other.mark) == (True, mark)


async def test_solved_ids_days_and_counts_by_difficulty_and_kind(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        m = world.member
        await solve(store, m, "two-sum", "easy")
        await solve(store, m, "two-sum", "easy", day=DAY + timedelta(days=3))  # a repeat adds no day
        await solve(store, m, "lru-cache", "medium")
        await solve(store, m, "median-of-two", "hard", day=DAY + timedelta(days=1))
        await solve(store, m, "bias-variance", "easy", kind="ml")
        await solve(store, bob, "bob-only", "hard")
        return world.member

    m = await uow.run(setup)

    async def read(store):
        return (await store.practice.solved_ids(m.id), sorted(await store.practice.solve_days(m.id)),
                await store.practice.counts_by_difficulty(m.id), await store.practice.counts_by_difficulty(m.id, "ml"),
                await store.practice.solved_ids(m.id + 99))

    ids, days, problems, ml, nobody = await uow.run(read)
    assert ids == {"two-sum", "lru-cache", "median-of-two", "bias-variance"}
    assert days == [DAY, DAY + timedelta(days=1)]
    assert problems == {"easy": 1, "medium": 1, "hard": 1}
    assert ml == {"easy": 1}
    assert nobody == set()


# -- member stats and standings --------------------------------------------------------------------


def stats(member_id: int, week=(0, 0, 0), month=(0, 0, 0), all_time=None, mark=None, week_of=WEEK, month_of=MONTH):
    return MemberStats(member_id, mark, week_of, week, month_of, month, all_time if all_time is not None else month)


async def test_counted_solves_add_up_per_period_and_a_new_period_starts_again(uow):
    world = await uow.run(seed)
    m = world.member
    next_week = WEEK + timedelta(days=7)
    mark1, mark2 = StreakMark(DAY, 1, 1, 0, 1), StreakMark(DAY + timedelta(days=7), 1, 1, 0, 1)

    async def count(store):
        await store.practice.count_solve(m.group_id, m.id, "easy", mark1, WEEK, MONTH)
        await store.practice.count_solve(m.group_id, m.id, "hard", mark1, WEEK, MONTH)
        await store.practice.count_solve(m.group_id, m.id, "medium", mark2, next_week, MONTH)

    await uow.run(count)

    async def read(store):
        return {period: await store.practice.standings(m.group_id, period, since)
                for period, since in (("week", next_week), ("month", MONTH), ("all", None))} | \
            {"old week": await store.practice.standings(m.group_id, "week", WEEK)}

    got = await uow.run(read)
    assert got["week"] == [(m.id, "ada", {"easy": 0, "medium": 1, "hard": 0}, "UTC", mark2)]
    assert got["month"] == [(m.id, "ada", {"easy": 1, "medium": 1, "hard": 1}, "UTC", mark2)]
    assert got["all"] == [(m.id, "ada", {"easy": 1, "medium": 1, "hard": 1}, "UTC", mark2)]
    assert got["old week"] == [], "a period that rolled over is not the one asked for"


async def test_standings_cover_active_members_with_a_solve_in_the_period(uow):
    async def setup(store):
        world = await seed(store)
        tokyo = await new_member(store, world.group, "kenji", timezone="Asia/Tokyo")
        idle = await new_member(store, world.group, "idle")
        away = await new_member(store, world.group, "away", active=False)
        stale = await new_member(store, world.group, "stale")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        mark = StreakMark(DAY, 3, 5, 1, 3)
        await store.practice.replace_stats(world.group.id, [
            stats(world.member.id, week=(1, 0, 0), month=(2, 1, 0), mark=mark),
            stats(tokyo.id, week=(0, 0, 2), month=(0, 0, 2)),
            stats(idle.id),  # no solve at all
            stats(away.id, week=(5, 5, 5), month=(5, 5, 5)),
            stats(stale.id, week=(4, 0, 0), month=(4, 0, 0), week_of=WEEK - timedelta(days=7)),
        ])
        await store.practice.replace_stats(other.id, [stats(outsider.id, week=(9, 9, 9), month=(9, 9, 9))])
        return world, tokyo, stale, mark

    world, tokyo, stale, mark = await uow.run(setup)
    g = world.group.id
    week = await uow.run(lambda store: store.practice.standings(g, "week", WEEK))
    assert sorted(week) == sorted([
        (world.member.id, "ada", {"easy": 1, "medium": 0, "hard": 0}, "UTC", mark),
        (tokyo.id, "kenji", {"easy": 0, "medium": 0, "hard": 2}, "Asia/Tokyo", None),
    ])
    everyone = await uow.run(lambda store: store.practice.standings(g, "all", None))
    assert {row[0] for row in everyone} == {world.member.id, tokyo.id, stale.id}


async def test_standings_cut_to_the_top_keep_every_tie_and_rank_as_the_full_table(uow):
    async def setup(store):
        world = await seed(store, "ann")
        names = ("bea", "cal", "dan", "eve")
        members = [world.member] + [await new_member(store, world.group, n) for n in names]
        # (points, solves) under WEIGHTS (1, 3, 7): ann (21, 3), bea (10, 4), cal (10, 2), dan (10, 4), eve (1, 1)
        alls = [(0, 0, 3), (3, 0, 1), (0, 1, 1), (3, 0, 1), (1, 0, 0)]
        await store.practice.replace_stats(world.group.id, [stats(m.id, all_time=a) for m, a in zip(members, alls, strict=True)])
        return world.group.id, {m.name: m.id for m in members}

    g, ids = await uow.run(setup)

    async def table(top):
        return await uow.run(lambda store: store.practice.standings(g, "all", None, top=top, weights=WEIGHTS))

    assert {row[0] for row in await table(1)} == {ids["ann"]}
    assert {row[0] for row in await table(2)} == {ids["ann"], ids["bea"], ids["dan"]}, "ties with the 2nd stay"
    assert {row[0] for row in await table(4)} == {ids["ann"], ids["bea"], ids["dan"], ids["cal"]}
    full = await table(None)
    assert {row[0] for row in await table(50)} == {row[0] for row in full} == set(ids.values())
    ranked = [s.name for s in rank(full)]
    assert ranked == ["ann", "bea", "dan", "cal", "eve"]
    assert [s.name for s in rank(await table(2))][:2] == ranked[:2]
    # without weights every solve is worth one: bea and dan tie for the first place on (4, 4)
    assert {row[0] for row in await uow.run(lambda store: store.practice.standings(g, "all", None, top=1))} == \
        {ids["bea"], ids["dan"]}


async def test_replacing_stats_replaces_the_groups_rows_only(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        await store.practice.replace_stats(world.group.id, [stats(world.member.id, month=(1, 0, 0)),
                                                            stats(bob.id, month=(0, 1, 0))])
        await store.practice.replace_stats(other.id, [stats(outsider.id, month=(0, 0, 1))])
        return world, bob, other, outsider

    world, bob, other, outsider = await uow.run(setup)

    async def again(store):
        await store.practice.replace_stats(world.group.id, [stats(bob.id, month=(2, 0, 0))])
        return ([r[0] for r in await store.practice.standings(world.group.id, "all", None)],
                (await store.practice.standings(world.group.id, "all", None))[0][2],
                [r[0] for r in await store.practice.standings(other.id, "all", None)])

    assert await uow.run(again) == ([bob.id], {"easy": 2, "medium": 0, "hard": 0}, [outsider.id])
    await uow.run(lambda store: store.practice.replace_stats(world.group.id, []))
    assert await uow.run(lambda store: store.practice.standings(world.group.id, "all", None)) == []


async def test_a_group_made_through_the_store_never_waits_for_a_stats_rebuild(uow):
    async def work(store):
        world = await seed(store)
        before = await store.practice.groups_without_stats()
        await store.practice.replace_stats(world.group.id, [])
        return before, await store.practice.groups_without_stats()

    assert await uow.run(work) == ([], [])


async def test_stats_sources_sum_each_members_solves_by_period_and_difficulty(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        m = world.member
        await solve(store, m, "old-easy", "easy", now=MONTH - timedelta(days=3), day=DAY - timedelta(days=4))
        await solve(store, m, "month-medium", "medium", now=MONTH + timedelta(hours=1), day=DAY - timedelta(days=1))
        await solve(store, m, "week-hard", "hard", now=WEEK + timedelta(hours=2), day=DAY)
        await solve(store, m, "week-easy", "easy", now=WEEK + timedelta(hours=3), day=DAY)
        await solve(store, bob, "bob-easy", "easy", now=WEEK, day=DAY)
        await solve(store, outsider, "outsider", "hard", now=WEEK, day=DAY)
        return world, bob

    world, bob = await uow.run(setup)
    rows = await uow.run(lambda store: store.practice.stats_sources(world.group.id, WEEK, MONTH))
    by_member = {r[0]: (sorted(r[1]), *r[2:]) for r in rows}
    assert by_member == {
        world.member.id: ([DAY - timedelta(days=4), DAY - timedelta(days=1), DAY], (1, 0, 1), (1, 1, 1), (2, 1, 1)),
        bob.id: ([DAY], (1, 0, 0), (1, 0, 0), (1, 0, 0)),
    }


# -- review cards ----------------------------------------------------------------------------------


async def test_review_events_wait_for_the_card_which_takes_them_in_and_comes_due(uow):
    world = await uow.run(seed)
    m = world.member

    async def solves(store):
        await solve(store, m, "two-sum", event="hard@1")
        await solve(store, m, "two-sum", event="ok@2")  # a repeat adds its event
        await solve(store, m, "two-sum", event=None)  # ... and one without changes nothing
        await solve(store, m, "no-review", event=None)
        return await store.practice.unreviewed(m.id)

    assert await uow.run(solves) == [("two-sum", None, "hard@1;ok@2")]
    due = NOW + timedelta(days=3)

    async def fold(store):
        await store.practice.save_card(m.id, "two-sum", '{"card": 1}', due)
        return await store.practice.unreviewed(m.id), await store.practice.due_reviews(m.id, NOW)

    assert await uow.run(fold) == ([], [("two-sum", due)])

    async def later(store):
        await solve(store, m, "two-sum", event="easy@3")
        return await store.practice.unreviewed(m.id)

    assert await uow.run(later) == [("two-sum", '{"card": 1}', "easy@3")], "the card comes back with the new event"


async def test_due_reviews_are_the_members_cards_by_due_date_upcoming_ones_included(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        for member, problem, days in ((world.member, "later", 5), (world.member, "overdue", -2),
                                      (world.member, "soon", 1), (bob, "bobs", -9)):
            await solve(store, member, problem, event="hard@1")
            await store.practice.save_card(member.id, problem, "{}", NOW + timedelta(days=days))
        await solve(store, world.member, "no-card")
        return world.member

    m = await uow.run(setup)

    async def read(store):
        return await store.practice.due_reviews(m.id, NOW), await store.practice.due_reviews(m.id, NOW, limit=2)

    every, two = await uow.run(read)
    assert every == [("overdue", NOW - timedelta(days=2)), ("soon", NOW + timedelta(days=1)),
                     ("later", NOW + timedelta(days=5))]
    assert two == every[:2]
