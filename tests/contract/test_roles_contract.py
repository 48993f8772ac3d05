"""Stage and streak roles: a group's switch and what each member was last given."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.world import NOW, new_group, new_member, seed


async def test_roles_are_off_until_turned_on_and_a_switch_reports_a_change(uow):
    world = await uow.run(seed)
    gid = world.group.id
    assert await uow.run(lambda store: store.roles.enabled(gid)) is False

    async def switch(on: bool, when=NOW):
        return await uow.run(lambda store: store.roles.set_enabled(gid, on, when))

    assert await switch(False) is False, "off is the default: nothing changes"
    assert await switch(True) is True
    assert await switch(True, NOW + timedelta(hours=1)) is False
    assert await uow.run(lambda store: store.roles.enabled(gid)) is True
    assert await switch(False) is True
    assert await uow.run(lambda store: store.roles.enabled(gid)) is False


async def test_synced_roles_are_kept_per_member_listed_per_group_and_cleared(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        cleo = await new_member(store, other, "cleo")
        return world.group, other, world.member, bob, cleo

    group, other, ada, bob, cleo = await uow.run(setup)
    assert await uow.run(lambda store: store.roles.synced(ada.id)) is None

    async def give(store):
        await store.roles.set_synced(ada.id, group.id, ("Stage 1 · Fundamentals",), NOW)
        await store.roles.set_synced(ada.id, group.id, ("Stage 2 · ML basics", "7-day streak"), NOW)
        await store.roles.set_synced(bob.id, group.id, (), NOW)
        await store.roles.set_synced(cleo.id, other.id, ("Stage 1 · Fundamentals",), NOW)

    await uow.run(give)
    assert await uow.run(lambda store: store.roles.synced(ada.id)) == ("Stage 2 · ML basics", "7-day streak")
    assert await uow.run(lambda store: store.roles.synced(bob.id)) == ()
    assert await uow.run(lambda store: store.roles.synced_in_group(group.id)) == [
        (ada.id, ("Stage 2 · ML basics", "7-day streak")), (bob.id, ())]
    assert await uow.run(lambda store: store.roles.clear_group(group.id)) == 2
    assert await uow.run(lambda store: store.roles.synced_in_group(group.id)) == []
    assert await uow.run(lambda store: store.roles.synced(ada.id)) is None
    assert await uow.run(lambda store: store.roles.synced(cleo.id)) == ("Stage 1 · Fundamentals",), "per group"


async def test_a_member_deleted_takes_their_synced_roles_along(uow):
    async def setup(store):
        world = await seed(store)
        await store.roles.set_synced(world.member.id, world.group.id, ("7-day streak",), NOW)
        await store.members.delete(world.member.id)
        return world.member.id

    member_id = await uow.run(setup)
    assert await uow.run(lambda store: store.roles.synced(member_id)) is None
