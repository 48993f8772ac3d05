"""The unit of work itself: one transaction per unit, nothing left of a unit that raised, a store that
cannot outlive its unit, events after commit only, isolation between units, and forget-me reaching
every repository."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.domain.events import MessageEnqueued, ScheduleChanged
from bot.domain.model import Group, Member
from bot.domain.selection import PostHistory
from bot.reply import Reply
from tests.contract.everything import Written, empty, snapshot, write_group, write_member
from tests.contract.world import NOW, new_member, seed


class Boom(Exception):
    pass


async def four(store):
    world = await seed(store, "ada")
    return world.group, [world.member] + [await new_member(store, world.group, n) for n in ("bob", "cy", "dee")]


async def test_a_unit_returns_what_its_work_returns_and_commits_it(uow):
    async def work(store):
        await store.runtime.set("k", "v")
        return {"answer": 42}

    assert await uow.run(work) == {"answer": 42}
    assert await uow.run(lambda store: store.runtime.get("k")) == "v"


async def test_what_the_readers_see_was_written_through_every_repository(uow):
    """The control for the two tests below: after a commit every read says something about the member
    (so "nothing" after a rollback or forget-me means the rows went, not that the read is blind)."""
    group, (ada, bob, cy, dee) = await uow.run(four)

    async def write(store):
        return await write_member(store, group, ada, bob)

    written = await uow.run(write)
    seen = await snapshot(uow, written)
    assert [name for name, value in seen.items() if empty(value)] == []


async def test_a_unit_that_raises_leaves_no_trace_in_any_repository(uow):
    group, (ada, bob, cy, dee) = await uow.run(four)
    before = await snapshot(uow, Written.of(group, ada, bob))
    made: dict[str, object] = {}

    async def everything_then_raise(store):
        made["written"] = await write_member(store, group, ada, bob)
        await write_group(store, group)
        uid = await store.users.add("new", NOW)
        cid = await store.channels.add("new-channel")
        made["group"] = await store.groups.add(Group(id=0, channel_id=cid, name="#new", created_at=NOW))
        made["member"] = await store.members.add(Member(id=0, group_id=made["group"].id, user_id=uid, name="new",
                                                        joined_at=NOW))
        made["ids"] = uid, cid
        await store.links.link("slack", "channel", "C-new", cid)
        group.paused = True
        await store.groups.save(group)
        await store.members.save(Member(**{**vars(bob), "name": "renamed"}))
        await store.schedule.plan("daily", group.id, NOW)
        await store.schedule.claim("daily", group.id, NOW, NOW)
        await store.schedule.set_seeding("daily", "v1", group.id, True)
        raise Boom("the unit fails after every write")

    with pytest.raises(Boom):
        await uow.run(everything_then_raise)
    seen = await snapshot(uow, made["written"])
    assert {name: value for name, value in seen.items() if value != before[name]} == {}
    assert [name for name, value in seen.items() if not empty(value)] == [
        "groups.with_member", "groups.created_by", "members.get", "members.of_user", "members.by_name",
        "members.named", "members.active", "members.names", "checkins.groups_of_user"], "ada joined before"
    uid, cid = made["ids"]

    async def the_rest(store):
        return (await store.groups.get(made["group"].id), await store.channels.name(cid),
                await store.members.get(made["member"].id), await store.links.internal("slack", "channel", "C-new"),
                (await store.groups.get(group.id)).paused, (await store.members.get(bob.id)).name,
                await store.practice.post_for(group.id, made["written"].member.joined_at.date()),
                await store.accountability.design.history(group.id),
                await store.accountability.checkins.last_digest_at(group.id),
                await store.runtime.get(f"group-{group.id}"), [g.id for g in await store.groups.all()],
                await store.practice.post_history(group.id), await store.outbox.next_due_at(),
                await store.schedule.count(), await store.schedule.unfinished(), await store.schedule.seeding("daily"))

    assert await uow.run(the_rest) == (None, None, None, None, False, "bob", None, [], None, None, [group.id],
                                       PostHistory({}, {}), None, 0, 0, None)
    # the rows it meant to write can all be written now: nothing half-done is in the way
    assert (await uow.run(lambda store: store.hints.next_tier(ada.id, "two-sum", 3, NOW))) == 0
    again = await uow.run(lambda store: write_group(store, group))
    assert again is None
    assert await uow.run(lambda store: store.accountability.design.history(group.id)) == ["recommender"]


async def test_forget_me_leaves_nothing_of_the_member_in_any_repository_and_all_of_everyone_else(uow):
    group, (ada, bob, cy, dee) = await uow.run(four)

    async def write(store):
        await write_group(store, group)
        return await write_member(store, group, ada, bob), await write_member(store, group, cy, dee)

    ada_rows, cy_rows = await uow.run(write)
    cy_before = await snapshot(uow, cy_rows)

    async def forget(store):  # what `forget-me` does (bot/commands/membership.py), through the ports alone
        rewritten = await store.outbox.forget_user(ada.user_id, group.id)
        await store.members.delete(ada.id)
        await store.groups.remove_organiser(group.id, ada.user_id)
        gone = await store.users.delete_if_orphan(ada.user_id)
        store.db.purge_log_after_commit()
        return rewritten, gone

    assert await uow.run(forget) == (1, True)
    left = await snapshot(uow, ada_rows)
    assert {name: value for name, value in left.items() if not empty(value)} == {}
    assert await snapshot(uow, cy_rows) == cy_before, "nobody else loses anything"

    async def group_rows(store):
        return (await store.practice.history(group.id), await store.accountability.design.history(group.id),
                await store.accountability.checkins.last_digest_at(group.id),
                (await store.mock.session(ada_rows.session_id)).seats)

    history, design, digest, seats = await uow.run(group_rows)
    assert (len(history), design, digest) == (1, ["recommender"], NOW), "the group's own rows stay"
    assert [s.member_id for s in seats] == [bob.id], "a shared session keeps the partner's seat"


async def test_a_newcomer_who_gets_a_forgotten_persons_ids_inherits_nothing(uow):
    """Ids may be used again once their rows are gone (SQLite's are): whoever joins next, perhaps with the
    forgotten person's user and member ids, must find nothing of theirs."""
    async def setup(store):
        world = await seed(store, "bob")
        ada = await new_member(store, world.group, "ada")  # the newest person and member: ids free to reuse
        return world.group, world.member, ada

    group, bob, ada = await uow.run(setup)
    ada_rows = await uow.run(lambda store: write_member(store, group, ada, bob))

    async def forget(store):
        await store.outbox.forget_user(ada.user_id, group.id)
        await store.members.delete(ada.id)
        await store.groups.remove_organiser(group.id, ada.user_id)
        return await store.users.delete_if_orphan(ada.user_id)

    assert await uow.run(forget)
    newcomer = await uow.run(lambda store: new_member(store, group, "ada"))  # even the same display name
    seen = await snapshot(uow, replace(ada_rows, member=newcomer))
    assert [name for name, value in seen.items() if not empty(value)] == [
        "groups.with_member", "members.get", "members.of_user", "members.by_name", "members.named",
        "members.active", "members.names", "checkins.groups_of_user"], "only that they joined"


def every_repository(store, world):
    """One call through each repository of a store, reads and writes."""
    m, g = world.member.id, world.group
    return [
        lambda: store.runtime.get("k"), lambda: store.runtime.set("k", "changed"),
        lambda: store.links.internal("discord", "user", "1"), lambda: store.users.add("x", NOW),
        lambda: store.channels.name(1), lambda: store.groups.all(), lambda: store.members.get(m),
        lambda: store.milestones.tick(m, "late", NOW), lambda: store.outbox.due(NOW),
        lambda: store.outbox.enqueue("late", Reply(text="x"), NOW, group_id=g.id, channel_id=g.channel_id),
        lambda: store.practice.solved_ids(m), lambda: store.mock.get(m),
        lambda: store.hints.next_tier(m, "p", 3, NOW), lambda: store.buttons.command("k"),
        lambda: store.accountability.checkins.settings(g.id),
        lambda: store.accountability.applications.of_member(m),
        lambda: store.accountability.design.history(g.id),
        lambda: store.accountability.digests.solve_days(g.id),
        lambda: store.schedule.plan("daily", g.id, NOW),
    ]


async def test_a_store_cannot_be_used_after_its_unit_has_ended(uow):
    kept = []

    async def keeps(store):
        kept.append(store)
        await store.runtime.set("k", "v")

    await uow.run(keeps)

    async def raises(store):
        kept.append(store)
        raise Boom

    with pytest.raises(Boom):
        await uow.run(raises)
    world = await uow.run(seed)
    for store in kept:
        calls = every_repository(store, world)
        for call in calls:
            with pytest.raises(RuntimeError):
                await call()
        with pytest.raises(RuntimeError):
            store.db.purge_log_after_commit()

    async def read(store):
        return (await store.runtime.get("k"), await store.outbox.get("late"),
                await store.milestones.done(world.member.id), [g.id for g in await store.groups.all()],
                await store.schedule.count())

    assert await uow.run(read) == ("v", None, {}, [world.group.id], 0), "a stale store wrote nothing"


async def test_a_unit_awaiting_anything_but_its_store_fails_whole(uow):
    class Elsewhere:
        def __await__(self):
            yield "something that is not the store"

    async def strays(store):
        await store.runtime.set("k", "v")
        await Elsewhere()

    with pytest.raises(RuntimeError):
        await uow.run(strays)
    assert await uow.run(lambda store: store.runtime.get("k")) is None


async def test_a_failing_unit_sees_no_bystander_and_no_bystander_sees_it(uow):
    """The isolation hole of issue 13: a job's transaction that inserted and then failed, next to a
    bystander's read and write, gave {'dirty_read': 1, 'after_rollback': 0}: the bystander saw the
    uncommitted row, and its own write was swallowed by the other transaction's rollback."""
    seen: dict[str, int] = {}

    async def job(store) -> None:
        await store.runtime.set("job", "uncommitted")
        raise Boom("the job fails after its insert")

    async def bystander(store) -> None:
        seen["dirty_read"] = int(await store.runtime.get("job") is not None)
        await store.runtime.set("bystander", "mine")

    results = await asyncio.gather(uow.run(job), uow.run(bystander), return_exceptions=True)
    assert isinstance(results[0], Boom) and results[1] is None
    seen["after_rollback"] = int(await uow.run(lambda store: store.runtime.get("bystander")) == "mine")
    assert seen == {"dirty_read": 0, "after_rollback": 1}
    assert await uow.run(lambda store: store.runtime.get("job")) is None


async def test_units_run_together_commit_or_fail_each_on_its_own(uow):
    def unit(key: str, fail: bool = False):
        async def work(store):
            await store.runtime.set(key, "v")
            if fail:
                raise Boom(key)
            return key
        return work

    results = await asyncio.gather(*(uow.run(unit(f"k{i}", fail=i == 3)) for i in range(8)), return_exceptions=True)
    assert [r if isinstance(r, str) else type(r).__name__ for r in results] == \
        ["k0", "k1", "k2", "Boom", "k4", "k5", "k6", "k7"]

    async def read(store):
        return [k for k in (f"k{i}" for i in range(8)) if await store.runtime.get(k) == "v"]

    assert await uow.run(read) == ["k0", "k1", "k2", "k4", "k5", "k6", "k7"]


async def test_events_recorded_in_a_unit_reach_listeners_once_and_only_after_commit(uow):
    heard: list[list] = []
    committed: list[bool] = []

    async def listener(events) -> None:
        heard.append(events)
        # after commit: what the unit wrote is there for anyone to read
        committed.append(bool(await uow.run(lambda store: store.groups.all())))

    async def second(events) -> None:
        heard.append(["second", *events])

    uow.subscribe(listener)
    uow.subscribe(second)

    async def setup(store):
        channel = await store.channels.add("study")
        group = await store.groups.add(Group(id=0, channel_id=channel, name="#study", created_at=NOW))
        store.db.record(ScheduleChanged("group", group.id))  # recorded twice, heard once
        store.db.record(ScheduleChanged("checkins", group.id))
        return group

    group = await uow.run(setup)
    assert heard == [[ScheduleChanged("group", group.id), ScheduleChanged("checkins", group.id)],
                     ["second", ScheduleChanged("group", group.id), ScheduleChanged("checkins", group.id)]]
    assert committed == [True]

    async def fails(store):
        await store.outbox.enqueue("k", Reply(text="x"), NOW, group_id=group.id, channel_id=group.channel_id)
        store.db.record(MessageEnqueued("k"))
        raise Boom("rolled back")

    with pytest.raises(Boom):
        await uow.run(fails)
    assert len(heard) == 2, "a unit that rolled back tells nobody"
    await uow.run(lambda store: store.runtime.set("quiet", "x"))
    assert len(heard) == 2, "a unit that recorded nothing tells nobody"


async def test_a_listener_that_fails_undoes_nothing(uow):
    async def broken(events) -> None:
        raise Boom("after commit")

    uow.subscribe(broken)
    world = await uow.run(seed)
    assert (await uow.run(lambda store: store.groups.get(world.group.id))) == world.group
