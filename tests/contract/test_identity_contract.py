"""Links, users, channels, groups, members and milestones: who is who, and in which group."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

from bot.domain.events import ScheduleChanged
from bot.domain.model import Group, Member
from tests.contract.world import NOW, new_group, new_member, seed

# -- links -----------------------------------------------------------------------------------------


async def test_links_map_platform_ids_both_ways_and_never_mix_platforms_or_kinds(uow):
    async def work(store):
        before = await store.links.internal("discord", "user", "123")
        await store.links.link("discord", "user", "123", 7)
        return (before, await store.links.internal("discord", "user", "123"),
                await store.links.external("discord", "user", 7),
                await store.links.internal("slack", "user", "123"), await store.links.external("slack", "user", 7),
                await store.links.internal("discord", "channel", "123"),
                await store.links.external("discord", "channel", 7))

    assert await uow.run(work) == (None, 7, "123", None, None, None, None)
    # and it was committed: a later unit reads it
    assert await uow.run(lambda store: store.links.internal("discord", "user", "123")) == 7


async def test_linking_an_external_id_again_points_it_at_the_new_internal_id(uow):
    async def work(store):
        await store.links.link("discord", "user", "123", 7)
        await store.links.link("discord", "user", "123", 8)
        return (await store.links.internal("discord", "user", "123"),
                await store.links.external("discord", "user", 8), await store.links.external("discord", "user", 7))

    assert await uow.run(work) == (8, "123", None)


async def test_forgetting_an_internal_id_drops_its_links_on_every_platform_and_only_of_that_kind(uow):
    async def work(store):
        await store.links.link("discord", "user", "d-1", 7)
        await store.links.link("slack", "user", "s-1", 7)
        await store.links.link("discord", "channel", "c-1", 7)
        await store.links.link("discord", "user", "d-2", 9)
        await store.links.forget("user", 7)
        return (await store.links.internal("discord", "user", "d-1"), await store.links.internal("slack", "user", "s-1"),
                await store.links.external("discord", "user", 7), await store.links.internal("discord", "channel", "c-1"),
                await store.links.internal("discord", "user", "d-2"))

    assert await uow.run(work) == (None, None, None, 7, 9)


# -- users -----------------------------------------------------------------------------------------


async def test_users_get_new_ids_and_a_rename_shows_where_the_name_is_read(uow):
    async def work(store):
        group = await new_group(store)
        first, second = await store.users.add("ada", NOW), await store.users.add("ada", NOW)
        await store.groups.add_organiser(group.id, first, None, NOW)  # not a member: listed by person name
        await store.users.rename(first, "Ada L.")
        await store.users.rename(first, "Ada L.")  # the same name again changes nothing
        return first, second, [name for _, name, _ in await store.groups.organisers(group.id)]

    first, second, names = await uow.run(work)
    assert first != second
    assert names == ["Ada L."]


async def test_a_user_is_removed_only_with_the_last_membership_and_grant(uow):
    async def setup(store):
        world = await seed(store)  # ada created the group, is a member, and organises another group
        other = await new_group(store, "other")
        await store.groups.add_organiser(other.id, world.user_id, None, NOW)
        await store.links.link("discord", "user", "ada#1", world.user_id)
        return world, other

    world, other = await uow.run(setup)

    async def still_a_member(store):
        return await store.users.delete_if_orphan(world.user_id)

    assert not await uow.run(still_a_member)

    async def leaves(store):
        await store.members.delete(world.member.id)
        return await store.users.delete_if_orphan(world.user_id)

    assert not await uow.run(leaves), "an organiser grant elsewhere still needs the person"

    async def loses_grant(store):
        await store.groups.remove_organiser(other.id, world.user_id)
        return await store.users.delete_if_orphan(world.user_id)

    assert await uow.run(loses_grant)

    async def read(store):
        return (await store.links.internal("discord", "user", "ada#1"),
                (await store.groups.get(world.group.id)).created_by, await store.groups.organisers(other.id))

    assert await uow.run(read) == (None, None, []), "links go with the person; the group forgets its creator"


# -- channels --------------------------------------------------------------------------------------


async def test_channels_keep_their_names(uow):
    async def work(store):
        a, b = await store.channels.add("study"), await store.channels.add("other")
        return a != b, await store.channels.name(a), await store.channels.name(b), await store.channels.name(a + b + 99)

    assert await uow.run(work) == (True, "study", "other", None)


# -- groups ----------------------------------------------------------------------------------------


async def test_a_group_reads_back_as_it_was_added_by_id_by_channel_and_in_all(uow):
    async def work(store):
        creator = await store.users.add("ada", NOW)
        first = await new_group(store, "one", created_by=creator)
        second = await new_group(store, "two", timezone="Asia/Tokyo", post_time=time(7, 30), pairing_day="wed",
                                 pairing_time=time(20, 15), roadmap="swe", pace_weeks=3, paused=True, space_id=5,
                                 ml_days=("tue", "sat"))
        return (first, second, await store.groups.get(second.id), await store.groups.by_channel(second.channel_id),
                await store.groups.all(), await store.groups.get(second.id + 99),
                await store.groups.by_channel(second.channel_id + 99))

    first, second, got, by_channel, every, missing, no_channel = await uow.run(work)
    assert first.id != second.id and first.id > 0
    assert got == second and by_channel == second
    assert (got.timezone, got.post_time, got.pairing_day, got.pairing_time, got.roadmap, got.pace_weeks,
            got.paused, got.space_id, got.ml_days, got.created_at) == \
        ("Asia/Tokyo", time(7, 30), "wed", time(20, 15), "swe", 3, True, 5, ("tue", "sat"), NOW)
    assert every == [first, second], "all groups, in the order they were made"
    assert missing is None and no_channel is None


async def test_saving_a_group_changes_its_settings_and_nothing_else(uow):
    async def setup(store):
        return await seed(store)

    world = await uow.run(setup)
    changed = replace(world.group, name="#renamed", timezone="Asia/Tokyo", post_time=time(7, 30), pairing_day="mon",
                      pairing_time=time(6, 0), roadmap="swe", pace_weeks=4, paused=True, ml_days=())

    async def save(store):
        await store.groups.save(changed)

    await uow.run(save)
    again = await uow.run(lambda store: store.groups.by_channel(world.group.channel_id))
    assert again == changed
    assert (again.created_at, again.created_by, again.channel_id) == (NOW, world.user_id, world.group.channel_id)


async def test_for_caller_resolves_platform_refs_to_ids_group_membership_and_rights(uow):
    async def setup(store):
        world = await seed(store)
        stranger = await store.users.add("bob", NOW)
        lonely = await store.channels.add("lonely")  # a channel without a group
        for ref, uid in (("U-ada", world.user_id), ("U-bob", stranger)):
            await store.links.link("slack", "user", ref, uid)
        await store.links.link("slack", "channel", "C-study", world.group.channel_id)
        await store.links.link("slack", "channel", "C-lonely", lonely)
        return world, stranger, lonely

    world, stranger, lonely = await uow.run(setup)

    async def ask(*refs, platform="slack"):
        return await uow.run(lambda store: store.groups.for_caller(platform, *refs))

    assert await ask("U-nobody", "C-nowhere") == (None, None, None, None, False)
    assert await ask("U-ada", "C-study", platform="discord") == (None, None, None, None, False)
    assert await ask("U-bob", "C-lonely") == (stranger, lonely, None, None, False)
    assert await ask("U-bob", "C-study") == (stranger, world.group.channel_id, world.group, None, False)
    assert await ask("U-ada", "C-study") == (world.user_id, world.group.channel_id, world.group, world.member, False)
    await uow.run(lambda store: store.groups.add_organiser(world.group.id, world.user_id, None, NOW))
    assert (await ask("U-ada", "C-study"))[4] is True


async def test_with_member_reads_the_channels_group_the_users_membership_and_rights(uow):
    async def setup(store):
        world = await seed(store)
        bob = await store.users.add("bob", NOW)
        await store.groups.add_organiser(world.group.id, bob, world.user_id, NOW)
        return world, bob, await store.channels.add("lonely")

    world, bob, lonely = await uow.run(setup)

    async def ask(channel_id, user_id):
        return await uow.run(lambda store: store.groups.with_member(channel_id, user_id))

    assert await ask(lonely, world.user_id) == (None, None, False)
    assert await ask(world.group.channel_id, world.user_id) == (world.group, world.member, False)
    assert await ask(world.group.channel_id, bob) == (world.group, None, True)


async def test_organiser_grants_are_idempotent_listed_oldest_first_and_revocable(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        bob = await new_member(store, world.group, "bob")
        await store.users.rename(bob.user_id, "robert")  # a member is listed by their name in the group
        cy = await store.users.add("cy", NOW)  # a person who is not a member
        return world, other, bob, cy

    world, other, bob, cy = await uow.run(setup)
    g = world.group.id

    async def grant(store):
        return [await store.groups.add_organiser(g, cy, world.user_id, NOW + timedelta(minutes=2)),
                await store.groups.add_organiser(g, bob.user_id, None, NOW + timedelta(minutes=1)),
                await store.groups.add_organiser(g, cy, None, NOW + timedelta(minutes=5))]

    assert await uow.run(grant) == [True, True, False]

    async def read(store):
        return (await store.groups.organisers(g), await store.groups.is_organiser(g, cy),
                await store.groups.is_organiser(g, world.user_id), await store.groups.is_organiser(other.id, cy),
                await store.groups.organisers(other.id))

    assert await uow.run(read) == (
        [(bob.user_id, "bob", NOW + timedelta(minutes=1)), (cy, "cy", NOW + timedelta(minutes=2))],
        True, False, False, [])

    async def revoke(store):
        return [await store.groups.remove_organiser(g, cy), await store.groups.remove_organiser(g, cy),
                await store.groups.is_organiser(g, cy)]

    assert await uow.run(revoke) == [True, False, False]
    assert [uid for uid, _, _ in await uow.run(lambda store: store.groups.organisers(g))] == [bob.user_id]


async def test_adding_and_saving_groups_and_members_tells_the_listeners_after_commit(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    uow.subscribe(listener)
    world = await uow.run(seed)
    assert heard == [ScheduleChanged("group", world.group.id), ScheduleChanged("member", world.member.id)]
    heard.clear()

    async def change(store):
        await store.groups.save(world.group)
        await store.members.save(world.member)
        await store.members.delete(world.member.id)

    await uow.run(change)
    assert heard == [ScheduleChanged("group", world.group.id), ScheduleChanged("member", world.member.id)]


# -- members ---------------------------------------------------------------------------------------


async def test_a_member_reads_back_by_id_and_by_user_and_saves_what_may_change(uow):
    world = await uow.run(seed)
    m = world.member

    async def read(store):
        return (await store.members.get(m.id), await store.members.of_user(m.group_id, m.user_id),
                await store.members.get(m.id + 99), await store.members.of_user(m.group_id + 99, m.user_id))

    assert await uow.run(read) == (m, m, None, None)
    assert (m.timezone, m.target, m.level, m.active, m.joined_at) == ("UTC", "general", "beginner", True, NOW)
    changed = replace(m, name="Ada", timezone="Europe/Paris", target="faang", level="advanced", active=False)
    await uow.run(lambda store: store.members.save(changed))
    again = await uow.run(lambda store: store.members.get(m.id))
    assert again == changed and again.target_count == 150


async def test_members_are_found_by_name_in_any_case_with_or_without_at_and_only_while_active(uow):
    async def setup(store):
        world = await seed(store)
        twin = await new_member(store, world.group, "ADA")
        gone = await new_member(store, world.group, "ada", active=False)
        other = await new_group(store, "other")
        elsewhere = await new_member(store, other, "ada")
        return world, twin, gone, elsewhere

    world, twin, gone, elsewhere = await uow.run(setup)
    g = world.group.id

    async def read(store):
        return (await store.members.by_name(g, "@Ada"), await store.members.named(g, "@ada"),
                await store.members.named(g, "bob"), await store.members.by_name(g, "bob"),
                await store.members.named(elsewhere.group_id, "Ada"))

    one, named, none, nobody, there = await uow.run(read)
    assert one.id in {world.member.id, twin.id}
    assert [m.id for m in named] == [world.member.id, twin.id], "every active namesake, oldest first"
    assert none == [] and nobody is None
    assert [m.id for m in there] == [elsewhere.id]


async def test_active_members_their_count_and_names(uow):
    async def setup(store):
        world = await seed(store, "mia")
        zed = await new_member(store, world.group, "zed")
        await new_member(store, world.group, "away", active=False)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        await new_member(store, other, "outsider")
        return world, zed, bob

    world, zed, bob = await uow.run(setup)
    g = world.group.id

    async def read(store):
        return ([m.id for m in await store.members.active(g)], await store.members.count_active(g),
                await store.members.names(g), await store.members.count_active(g + 99))

    assert await uow.run(read) == ([world.member.id, zed.id, bob.id], 3, ["bob", "mia", "zed"], 0)


async def test_a_deleted_member_is_gone_everywhere_members_are_read(uow):
    world = await uow.run(seed)
    m = world.member
    await uow.run(lambda store: store.members.delete(m.id))

    async def read(store):
        return (await store.members.get(m.id), await store.members.of_user(m.group_id, m.user_id),
                await store.members.by_name(m.group_id, "ada"), await store.members.active(m.group_id),
                await store.members.names(m.group_id), await store.groups.with_member(world.group.channel_id, m.user_id))

    assert await uow.run(read) == (None, None, None, [], [], (world.group, None, False))


async def test_a_new_member_object_gets_its_id_from_the_store(uow):
    async def work(store):
        group = await new_group(store)
        uid = await store.users.add("ada", NOW)
        member = Member(id=0, group_id=group.id, user_id=uid, name="ada", joined_at=NOW)
        added = await store.members.add(member)
        return member, added, await store.groups.add(Group(id=0, channel_id=await store.channels.add("x"), name="#x",
                                                           created_at=NOW))

    member, added, group = await uow.run(work)
    assert added is member and member.id > 0 and group.id > 0


# -- milestones ------------------------------------------------------------------------------------


async def test_milestones_tick_once_untick_once_and_remember_when(uow):
    world = await uow.run(seed)
    m = world.member.id

    async def work(store):
        return [await store.milestones.tick(m, "python", NOW),
                await store.milestones.tick(m, "python", NOW + timedelta(days=1)),  # ticking twice counts once
                await store.milestones.tick(m, "numpy", NOW + timedelta(hours=1)),
                await store.milestones.done(m)]

    assert await uow.run(work) == [True, False, True, {"python": NOW, "numpy": NOW + timedelta(hours=1)}]

    async def undo(store):
        return [await store.milestones.untick(m, "python"), await store.milestones.untick(m, "python"),
                await store.milestones.done(m)]

    assert await uow.run(undo) == [True, False, {"numpy": NOW + timedelta(hours=1)}]


async def test_milestones_by_group_cover_its_active_members_only(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        away = await new_member(store, world.group, "away", active=False)
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        nothing = await new_member(store, world.group, "nothing")
        for member, milestone in ((world.member, "python"), (world.member, "numpy"), (bob, "python"),
                                  (away, "python"), (outsider, "python")):
            await store.milestones.tick(member.id, milestone, NOW)
        return world, bob, nothing

    world, bob, nothing = await uow.run(setup)
    done = await uow.run(lambda store: store.milestones.done_by_group(world.group.id))
    assert done == {world.member.id: {"python", "numpy"}, bob.id: {"python"}}
    assert nothing.id not in done


# -- paging (the schedule plans every group and member a page at a time) ---------------------------


async def test_group_ids_come_in_pages_after_a_given_id(uow):
    async def setup(store):
        return [(await new_group(store, f"g{i}")).id for i in range(5)]

    ids = await uow.run(setup)

    async def pages(store):
        return (await store.groups.ids_after(0, 2), await store.groups.ids_after(ids[1], 2),
                await store.groups.ids_after(ids[3], 2), await store.groups.ids_after(ids[4], 2))

    assert await uow.run(pages) == (ids[:2], ids[2:4], ids[4:], [])


async def test_active_member_ids_of_a_group_and_of_every_group_in_pages(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        ids = [world.member.id]
        for group, name, active in ((other, "o1", True), (world.group, "away", False), (world.group, "bob", True),
                                    (other, "o2", True), (other, "gone", False)):
            member = await new_member(store, group, name, active=active)
            ids.append(member.id if active else -member.id)
        return world.group.id, other.id, ids

    g, other, ids = await uow.run(setup)
    active = [i for i in ids if i > 0]

    async def read(store):
        return (await store.members.active_ids(g), await store.members.active_ids(other),
                await store.members.active_ids_after(0, 3), await store.members.active_ids_after(active[2], 3),
                await store.members.active_ids_after(active[-1], 3))

    assert await uow.run(read) == ([ids[0], ids[3]], [ids[1], ids[4]], active[:3], active[3:], [])


async def test_pausing_or_resuming_a_group_also_moves_its_members_check_in_prompts(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    world = await uow.run(seed)
    uow.subscribe(listener)
    group = world.group
    await uow.run(lambda store: store.groups.save(replace(group, name="#renamed")))
    assert heard == [ScheduleChanged("group", group.id)], "a change that is not a pause moves no member's prompt"
    heard.clear()
    await uow.run(lambda store: store.groups.save(replace(group, paused=True)))
    assert set(heard) == {ScheduleChanged("group", group.id), ScheduleChanged("checkins", group.id)}
    heard.clear()
    await uow.run(lambda store: store.groups.save(replace(group, paused=True, name="#again")))
    assert heard == [ScheduleChanged("group", group.id)], "still paused: nothing flipped"
    heard.clear()
    await uow.run(lambda store: store.groups.save(replace(group, paused=False)))
    assert set(heard) == {ScheduleChanged("group", group.id), ScheduleChanged("checkins", group.id)}


async def test_a_persons_reading_zone_is_that_of_their_latest_active_membership(uow):
    async def work(store):
        first = await seed(store, "ada")
        second = await new_group(store, "second")
        nobody = await store.users.add("nobody", NOW)
        before = await store.members.zone_of_user(first.member.user_id)
        first.member.timezone = "Asia/Kolkata"
        await store.members.save(first.member)
        again = await store.members.add(Member(id=0, group_id=second.id, user_id=first.member.user_id, name="ada",
                                               timezone="America/New_York", joined_at=NOW))
        latest = await store.members.zone_of_user(first.member.user_id)
        again.active = False
        await store.members.save(again)
        after_leaving = await store.members.zone_of_user(first.member.user_id)
        return before, latest, after_leaving, await store.members.zone_of_user(nobody)

    assert await uow.run(work) == ("UTC", "America/New_York", "Asia/Kolkata", None)
