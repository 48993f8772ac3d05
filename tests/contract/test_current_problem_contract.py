"""The current problem and undo (issue 14): the latest post a member has not solved, a post by its item,
how many members solved an item, a solve taken back, an application removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.domain.selection import Posted
from tests.contract.world import NOW, new_group, new_member, seed

DAY = date(2026, 3, 2)


def post(day: date, item: str, kind: str = "problem") -> Posted:
    return Posted(day, item, kind, "easy", "arrays")


async def solve(store, member, problem, *, day=DAY):
    return await store.practice.add_solve(member.id, member.group_id, problem, "problem", "easy", None, None, NOW,
                                          day, None)


async def test_the_latest_post_a_member_has_not_solved(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        g = world.group.id
        for offset, item in ((0, "a"), (1, "b"), (2, "c")):
            await store.practice.record_post(g, post(DAY + timedelta(days=offset), item), NOW)
        await store.practice.record_post(other.id, post(DAY + timedelta(days=5), "elsewhere"), NOW)
        await solve(store, world.member, "c")
        await solve(store, world.member, "a")
        return world, bob, other

    world, bob, other = await uow.run(setup)
    g, m = world.group.id, world.member.id

    async def read(store):
        return (await store.practice.latest_unsolved_post(g, m), await store.practice.latest_unsolved_post(g, bob.id),
                await store.practice.latest_unsolved_post(other.id + 99, m))

    assert await uow.run(read) == (post(DAY + timedelta(days=1), "b"), post(DAY + timedelta(days=2), "c"), None)
    await uow.run(lambda store: solve(store, world.member, "b"))
    assert await uow.run(lambda store: store.practice.latest_unsolved_post(g, m)) is None, "all solved"


async def test_a_post_is_found_by_its_item_the_latest_when_it_came_back(uow):
    async def setup(store):
        world = await seed(store)
        g = world.group.id
        await store.practice.record_post(g, post(DAY, "two-sum"), NOW)
        await store.practice.record_post(g, post(DAY + timedelta(days=1), "lru-cache"), NOW)
        await store.practice.record_post(g, post(DAY + timedelta(days=40), "two-sum"), NOW)
        return g

    g = await uow.run(setup)

    async def read(store):
        return (await store.practice.post_of_item(g, "two-sum"), await store.practice.post_of_item(g, "lru-cache"),
                await store.practice.post_of_item(g, "never-posted"), await store.practice.post_of_item(g + 9, "two-sum"))

    assert await uow.run(read) == (post(DAY + timedelta(days=40), "two-sum"), post(DAY + timedelta(days=1), "lru-cache"),
                                   None, None)


async def test_solvers_count_the_groups_active_members_once_each(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        gone = await new_member(store, world.group, "gone")
        other = await new_group(store, "other")
        stranger = await new_member(store, other, "stranger")
        for member in (world.member, bob, gone, stranger):
            await solve(store, member, "two-sum")
        await solve(store, world.member, "two-sum", day=DAY + timedelta(days=1))  # a repeat counts once
        await store.members.save(replace(gone, active=False))
        return world.group.id, other.id

    g, other = await uow.run(setup)

    async def read(store):
        return (await store.practice.solvers(g, "two-sum"), await store.practice.solvers(other, "two-sum"),
                await store.practice.solvers(g, "lru-cache"))

    assert await uow.run(read) == (2, 1, 0)


async def test_a_solve_taken_back_is_gone_with_its_day_and_only_that_one(uow):
    async def setup(store):
        world = await seed(store)
        await solve(store, world.member, "two-sum")
        await solve(store, world.member, "lru-cache", day=DAY + timedelta(days=1))
        return world.member

    m = await uow.run(setup)

    async def undo(store):
        return (await store.practice.remove_solve(m.id, "lru-cache"), await store.practice.remove_solve(m.id, "lru-cache"),
                await store.practice.remove_solve(m.id + 99, "two-sum"))

    assert await uow.run(undo) == (True, False, False)

    async def read(store):
        return await store.practice.solved_ids(m.id), await store.practice.solve_days(m.id)

    assert await uow.run(read) == ({"two-sum"}, [DAY])
    again = await uow.run(lambda store: solve(store, m, "lru-cache"))
    assert again.fresh, "a solve taken back counts as new when it is made again"


async def test_an_application_is_removed_only_by_its_own_member(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        applications = store.accountability.applications
        mine = await applications.add(world.member.id, "Acme", None, "applied", NOW)
        kept = await applications.add(world.member.id, "Globex", None, "onsite", NOW)
        return world.member.id, bob.id, mine, kept

    m, bob, mine, kept = await uow.run(setup)

    async def remove(store):
        applications = store.accountability.applications
        return [await applications.remove(bob, mine), await applications.remove(m, mine),
                await applications.remove(m, mine)]

    assert await uow.run(remove) == [False, True, False]
    apps = await uow.run(lambda store: store.accountability.applications.of_member(m))
    assert [a.id for a in apps] == [kept]
