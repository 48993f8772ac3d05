"""Mock interviews: participation, availability, avoid lists, rounds, sessions, seats and feedback."""

from __future__ import annotations

from datetime import time, timedelta

from bot.domain.availability import Window
from bot.domain.events import ScheduleChanged
from bot.domain.sessions import MockMember, Seat
from tests.contract.world import NOW, new_group, new_member, seed

H = timedelta(hours=1)


async def pair(store, names=("ada", "bob")):
    world = await seed(store, names[0])
    others = [await new_member(store, world.group, n) for n in names[1:]]
    return world, [world.member, *others]


async def session_of(store, group_id, round_id, seats, at=NOW, kind="coding", status=None):
    """A session with seats (member, role, item); returns its id."""
    sid = await store.mock.add_session(round_id, group_id, kind, at, at + H)
    for member, role, item in seats:
        await store.mock.add_seat(sid, member.id, role, item)
    if status:
        await store.mock.set_status_of(sid, status)
    return sid


# -- participation ---------------------------------------------------------------------------------


async def test_joining_pausing_skipping_and_joining_again(uow):
    world = await uow.run(seed)
    m = world.member.id

    async def work(store):
        mock = store.mock
        before = await mock.get(m), await mock.add_no_show(m)
        await mock.join(m, NOW)
        joined = await mock.get(m)
        await mock.set_kinds(m, ("coding", "ml-design"))
        await mock.set_skip(m, 2)
        shows = [await mock.add_no_show(m), await mock.add_no_show(m)]
        await mock.set_status(m, "paused")
        paused = await mock.get(m)
        await mock.join(m, NOW + H)  # back in: a clean slate, the kinds kept
        return before, joined, shows, paused, await mock.get(m)

    before, joined, shows, paused, again = await uow.run(work)
    assert before == (None, 0), "no row: nothing to count"
    assert joined == MockMember(m, "active", (), 0, 0)
    assert shows == [1, 2]
    assert paused == MockMember(m, "paused", ("coding", "ml-design"), 2, 2)
    assert again == MockMember(m, "active", ("coding", "ml-design"), 0, 0)


async def test_enrolled_are_the_groups_active_members_who_opted_in_by_id(uow):
    async def setup(store):
        world, (ada, bob, cy, dee) = await pair(store, ("ada", "bob", "cy", "dee"))
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        for m in (dee, ada, bob, cy, outsider):
            await store.mock.join(m.id, NOW)
        await store.mock.set_status(bob.id, "paused")
        cy.active = False
        await store.members.save(cy)
        return world.group.id, ada, dee

    g, ada, dee = await uow.run(setup)
    assert [e.member_id for e in await uow.run(lambda store: store.mock.enrolled(g))] == [ada.id, dee.id]


# -- availability and avoid lists ------------------------------------------------------------------


async def test_windows_are_kept_once_in_week_order_and_cleared(uow):
    world, (ada, bob) = await uow.run(pair)
    tue, mon_late, mon = Window("tue", time(19), time(21)), Window("mon", time(20), time(22)), Window("mon", time(8), time(9))
    sun = Window("sun", time(10), time(12))

    async def work(store):
        mock = store.mock
        added = [await mock.add_window(ada.id, w) for w in (sun, tue, mon_late, mon, tue)]
        await mock.add_window(bob.id, Window("wed", time(1), time(2)))
        return added, await mock.windows(ada.id)

    assert await uow.run(work) == ([True, True, True, True, False], [mon, mon_late, tue, sun])

    async def clear(store):
        return await store.mock.clear_windows(ada.id), await store.mock.windows(ada.id), await store.mock.windows(bob.id)

    assert await uow.run(clear) == (4, [], [Window("wed", time(1), time(2))])
    assert await uow.run(lambda store: store.mock.clear_windows(ada.id)) == 0


async def test_the_avoid_list_is_private_and_each_entry_counts_once(uow):
    world, (ada, bob, cy) = await uow.run(lambda store: pair(store, ("ada", "bob", "cy")))

    async def work(store):
        mock = store.mock
        return ([await mock.avoid(ada.id, bob.id), await mock.avoid(ada.id, bob.id), await mock.avoid(ada.id, cy.id)],
                await mock.avoided(ada.id), await mock.avoided(bob.id),
                [await mock.unavoid(ada.id, bob.id), await mock.unavoid(ada.id, bob.id)], await mock.avoided(ada.id))

    assert await uow.run(work) == ([True, False, True], {bob.id, cy.id}, set(), [True, False], {cy.id})


# -- rounds ----------------------------------------------------------------------------------------


async def test_a_round_is_added_once_per_key_and_recent_rounds_are_newest_first(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        g, mock = world.group.id, store.mock
        ids = [await mock.add_round(g, f"2026-W{10 + i}", NOW + timedelta(weeks=i), 7, "greedy") for i in range(3)]
        dup = await mock.add_round(g, "2026-W10", NOW + timedelta(weeks=9), 8, "optimal")
        there = await mock.add_round(other.id, "2026-W10", NOW, 1, "greedy")  # keys are per group
        return g, ids, dup, there

    g, ids, dup, there = await uow.run(setup)
    assert dup is None and there is not None and len(set(ids)) == 3

    async def read(store):
        mock = store.mock
        return (await mock.round_exists(g, "2026-W10"), await mock.round_exists(g, "2026-W99"),
                await mock.recent_rounds(g), await mock.recent_rounds(g, limit=2), await mock.round_at(ids[1]),
                await mock.round_at(there + ids[2] + 99))

    assert await uow.run(read) == (True, False, ids[::-1], ids[:0:-1], NOW + timedelta(weeks=1), None)


async def test_round_seats_and_sitouts_of_the_rounds_asked_for(uow):
    async def setup(store):
        world, (ada, bob, cy, dee) = await pair(store, ("ada", "bob", "cy", "dee"))
        g, mock = world.group.id, store.mock
        r1 = await mock.add_round(g, "w1", NOW, 1, "greedy")
        r2 = await mock.add_round(g, "w2", NOW + timedelta(weeks=1), 1, "greedy")
        s1 = await session_of(store, g, r1, [(ada, 0, "p1"), (bob, 1, "p2")])
        await session_of(store, g, r1, [(cy, 0, None), (dee, 1, None)], status="cancelled")
        s3 = await session_of(store, g, r2, [(ada, 1, None), (cy, 0, None)])
        await mock.add_sitout(r1, cy.id, "unpaired")
        await mock.add_sitout(r1, cy.id, "skipped")  # one sit-out per member and round: the first stands
        await mock.add_sitout(r1, dee.id, "skipped")
        await mock.add_sitout(r2, bob.id, "unpaired")
        return (r1, r2, s1, s3), (ada, bob, cy, dee)

    (r1, r2, s1, s3), (ada, bob, cy, dee) = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return (sorted(await mock.round_seats([r1])), sorted(await mock.round_seats([r1, r2])), await mock.round_seats([]),
                sorted(await mock.sitouts([r1, r2])), await mock.sitouts([]))

    one, both, none, sitouts, no_sitouts = await uow.run(read)
    assert one == sorted([(r1, s1, ada.id, 0), (r1, s1, bob.id, 1)]), "a cancelled session does not count"
    assert both == sorted(one + [(r2, s3, ada.id, 1), (r2, s3, cy.id, 0)])
    assert none == [] and no_sitouts == []
    assert sitouts == sorted([(r1, cy.id), (r2, bob.id)]), "only those left unpaired"


async def test_last_led_and_items_seen(uow):
    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        g, mock = world.group.id, store.mock
        r = await mock.add_round(g, "w1", NOW, 1, "greedy")
        await session_of(store, g, r, [(ada, 0, "p1"), (bob, 1, "p2")], at=NOW)
        await session_of(store, g, r, [(ada, 0, "p3"), (cy, 1, None)], at=NOW + 2 * H)
        await session_of(store, g, r, [(ada, 0, "p4"), (bob, 1, None)], at=NOW + 5 * H, status="cancelled")
        await session_of(store, g, r, [(bob, 0, "p5"), (cy, 2, "p6")], at=NOW + H)
        return ada, bob, cy

    ada, bob, cy = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return (await mock.last_led([ada.id, bob.id, cy.id]), await mock.last_led([]), await mock.items_seen(ada.id),
                await mock.items_seen(cy.id))

    assert await uow.run(read) == ({ada.id: NOW + 2 * H, bob.id: NOW + H}, {}, {"p1", "p3", "p4"}, {"p6"})


# -- sessions --------------------------------------------------------------------------------------


async def test_sessions_read_back_with_their_seats_by_id_round_member_and_pair(uow):
    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        g, mock = world.group.id, store.mock
        r1 = await mock.add_round(g, "w1", NOW, 1, "greedy")
        r2 = await mock.add_round(g, "w2", NOW + timedelta(weeks=1), 1, "greedy")
        a = await session_of(store, g, r1, [(bob, 1, "p2"), (ada, 0, "p1")], at=NOW + H, kind="system-design")
        b = await session_of(store, g, r1, [(cy, 0, None)], at=NOW)
        c = await session_of(store, g, r2, [(ada, 1, None), (bob, 0, None), (cy, 2, None)], at=NOW + timedelta(weeks=1))
        return g, (r1, r2), (a, b, c), (ada, bob, cy)

    g, (r1, r2), (a, b, c), (ada, bob, cy) = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return (await mock.session(a), await mock.session(a + b + c + 99), await mock.sessions_of_round(r1),
                await mock.latest_session(ada.id), await mock.latest_session(cy.id),
                await mock.sessions_with(ada.id, bob.id), await mock.sessions_with(ada.id, cy.id),
                await mock.sessions_with(bob.id, bob.id + 99))

    one, missing, of_round, latest_ada, latest_cy, ada_bob, ada_cy, nobody = await uow.run(read)
    assert (one.id, one.round_id, one.group_id, one.kind, one.starts_at, one.ends_at, one.status, one.proposed_at,
            one.proposed_by) == (a, r1, g, "system-design", NOW + H, NOW + 2 * H, "scheduled", None, None)
    assert one.seats == [Seat(a, ada.id, 0, "p1", None), Seat(a, bob.id, 1, "p2", None)], "by role"
    assert missing is None
    assert [s.id for s in of_round] == [a, b] and [len(s.seats) for s in of_round] == [2, 1]
    assert latest_ada.id == c and latest_cy.id == c and [t.role for t in latest_ada.seats] == [0, 1, 2]
    assert [s.id for s in ada_bob] == [c, a], "newest first"
    assert [s.id for s in ada_cy] == [c]
    assert nobody == []


async def test_confirming_proposing_moving_and_changing_a_sessions_status(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    async def setup(store):
        world, (ada, bob) = await pair(store)
        r = await store.mock.add_round(world.group.id, "w1", NOW, 1, "greedy")
        return await session_of(store, world.group.id, r, [(ada, 0, None), (bob, 1, None)]), ada, bob

    uow.subscribe(listener)
    sid, ada, bob = await uow.run(setup)
    assert ScheduleChanged("session", sid) in heard
    heard.clear()

    async def confirm(store):
        mock = store.mock
        result = [await mock.confirm(sid, ada.id, NOW), await mock.confirm(sid, ada.id, NOW + H)]
        await mock.propose(sid, bob.id, NOW + 3 * H)
        return result, await mock.session(sid)

    result, s = await uow.run(confirm)
    assert result == [True, False]
    assert [t.confirmed_at for t in s.seats] == [NOW, None]
    assert (s.proposed_at, s.proposed_by) == (NOW + 3 * H, bob.id)

    await uow.run(lambda store: store.mock.propose(sid, bob.id, None))  # withdrawn
    s = await uow.run(lambda store: store.mock.session(sid))
    assert (s.proposed_at, s.proposed_by) == (None, None)

    async def move(store):
        await store.mock.propose(sid, bob.id, NOW + 3 * H)
        await store.mock.move(sid, NOW + 3 * H, NOW + 4 * H)
        return await store.mock.session(sid)

    s = await uow.run(move)
    assert (s.starts_at, s.ends_at, s.proposed_at, s.proposed_by) == (NOW + 3 * H, NOW + 4 * H, None, None)
    assert [t.confirmed_at for t in s.seats] == [None, None], "a new time is confirmed afresh"
    assert heard == [ScheduleChanged("session", sid)]
    await uow.run(lambda store: store.mock.set_status_of(sid, "cancelled"))
    assert (await uow.run(lambda store: store.mock.session(sid))).status == "cancelled"


async def test_a_scheduled_sessions_times_and_the_pages_of_sessions_still_to_come(uow):
    async def setup(store):
        world, (ada, bob) = await pair(store)
        g = world.group.id
        r = await store.mock.add_round(g, "w1", NOW, 1, "greedy")
        ended = await session_of(store, g, r, [(ada, 0, None)], at=NOW - 3 * H)  # ends at NOW - 2h
        ids = [await session_of(store, g, r, [(ada, 0, None)], at=NOW + i * H) for i in range(-1, 4)]
        done = await session_of(store, g, r, [(bob, 0, None)], at=NOW + 5 * H, status="done")
        cancelled = await session_of(store, g, r, [(bob, 0, None)], at=NOW + 6 * H, status="cancelled")
        return ended, ids, done, cancelled

    ended, ids, done, cancelled = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return ([await mock.times(s) for s in (ids[0], ended, done, cancelled, cancelled + 99)],
                await mock.upcoming_ids_after(NOW, 0, 10), await mock.upcoming_ids_after(NOW, 0, 2),
                await mock.upcoming_ids_after(NOW, ids[2], 2), await mock.upcoming_ids_after(NOW, ids[-1], 2),
                await mock.upcoming_ids_after(NOW - 24 * H, 0, 10))

    times, upcoming, first, second, last, all_scheduled = await uow.run(read)
    assert times == [(NOW - H, NOW), (NOW - 3 * H, NOW - 2 * H), None, None, None], "only a scheduled session"
    assert upcoming == ids, "scheduled, ending at or after since (the one ending now included), by id"
    assert (first, second, last) == (ids[:2], ids[3:], [])
    assert all_scheduled == [ended, *ids]
    await uow.run(lambda store: store.mock.move(ids[0], NOW - 5 * H, NOW - 4 * H))
    assert await uow.run(lambda store: store.mock.times(ids[0])) == (NOW - 5 * H, NOW - 4 * H)
    assert ids[0] not in await uow.run(lambda store: store.mock.upcoming_ids_after(NOW, 0, 10))


# -- feedback --------------------------------------------------------------------------------------


async def test_feedback_is_recorded_corrected_and_read_as_ratings_and_history(uow):
    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        g, mock = world.group.id, store.mock
        r = await mock.add_round(g, "w1", NOW, 1, "greedy")
        early = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None)], at=NOW, status="done")
        late = await session_of(store, g, r, [(ada, 1, None), (cy, 0, None)], at=NOW + 5 * H, status="done")
        missed = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None)], at=NOW + 9 * H, status="missed")
        await session_of(store, g, r, [(ada, 0, None)], at=NOW + 20 * H)  # still scheduled
        return (early, late, missed), (ada, bob, cy)

    (early, late, missed), (ada, bob, cy) = await uow.run(setup)

    async def give(store):
        mock = store.mock
        return [await mock.give_feedback(late, cy.id, ada.id, (4, 4, 5), "clear", NOW + 6 * H),
                await mock.give_feedback(early, bob.id, ada.id, (2, 3, 3), None, NOW + H),
                await mock.give_feedback(early, bob.id, ada.id, (3, 3, 3), "corrected", NOW + 2 * H),
                await mock.give_feedback(missed, bob.id, ada.id, None, "no-show", NOW + 10 * H),
                await mock.give_feedback(early, ada.id, bob.id, (5, 5, 5), None, NOW + H)]

    assert await uow.run(give) == [True, True, False, True, True]

    async def read(store):
        mock = store.mock
        return (await mock.feedback_for(ada.id), await mock.feedback_for(cy.id), await mock.history_counts(ada.id),
                await mock.history_counts(cy.id), await mock.history_counts(cy.id + 99))

    assert await uow.run(read) == ([(NOW, (3, 3, 3)), (NOW + 5 * H, (4, 4, 5))], [], (2, 1, NOW + 5 * H),
                                   (1, 0, NOW + 5 * H), (0, 0, None))


# -- the lifecycle of issue 15 ---------------------------------------------------------------------


async def test_set_windows_replaces_a_members_windows(uow):
    world, (ada, bob) = await uow.run(pair)
    keep = [Window("sat", time(10), time(14)), Window("mon", time(8), time(9))]

    async def work(store):
        await store.mock.add_window(ada.id, Window("sun", time(1), time(2)))
        await store.mock.add_window(bob.id, Window("wed", time(1), time(2)))
        await store.mock.set_windows(ada.id, keep)
        first = await store.mock.windows(ada.id)
        await store.mock.set_windows(ada.id, [])
        return first, await store.mock.windows(ada.id), await store.mock.windows(bob.id)

    assert await uow.run(work) == (keep[::-1], [], [Window("wed", time(1), time(2))])


async def test_cancel_bump_room_and_seats_of_a_session(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        r = await store.mock.add_round(world.group.id, "w1", NOW, 1, "exact")
        sid = await store.mock.add_session(r, world.group.id, "coding", NOW + H, NOW + 2 * H, "room12345678")
        for member, role in ((ada, 0), (bob, 1), (cy, 2)):
            await store.mock.add_seat(sid, member.id, role, None)
        return sid, ada, bob, cy

    sid, ada, bob, cy = await uow.run(setup)
    uow.subscribe(listener)

    async def work(store):
        mock = store.mock
        fresh = await mock.session(sid)
        await mock.set_room(sid, "another-room")  # a room, once given, stays
        removed = [await mock.remove_seat(sid, ada.id), await mock.remove_seat(sid, ada.id)]
        await mock.set_seat(sid, bob.id, 0, "p1")
        await mock.set_seat(sid, cy.id, 1, "p2")
        bumped = await mock.bump(sid)
        await mock.propose(sid, bob.id, NOW + 3 * H, NOW + 4 * H)
        proposed = await mock.session(sid)
        cancelled = [await mock.cancel(sid), await mock.cancel(sid)]
        return fresh, removed, bumped, proposed, cancelled, await mock.session(sid), await mock.bump(sid + 99)

    fresh, removed, bumped, proposed, cancelled, after, nothing = await uow.run(work)
    assert (fresh.room, fresh.sequence, fresh.proposed_end) == ("room12345678", 0, None)
    assert removed == [True, False] and bumped == 1 and nothing == 0
    assert [(t.member_id, t.role, t.item_id) for t in proposed.seats] == [(bob.id, 0, "p1"), (cy.id, 1, "p2")]
    assert (proposed.proposed_at, proposed.proposed_end, proposed.room) == (NOW + 3 * H, NOW + 4 * H, "room12345678")
    assert cancelled == [True, False], "only a scheduled session is cancelled"
    assert (after.status, after.sequence, after.proposed_at, after.proposed_end) == ("cancelled", 2, None, None)
    assert heard.count(ScheduleChanged("session", sid)) == 1

    async def move_bumps(store):
        sid2 = await store.mock.add_session(after.round_id, after.group_id, "coding", NOW, NOW + H)
        await store.mock.move(sid2, NOW + H, NOW + 2 * H)
        return await store.mock.session(sid2)

    moved = await uow.run(move_bumps)
    assert (moved.room, moved.sequence) == (None, 1)


async def test_sessions_of_a_member_and_of_a_group_and_who_is_busy(uow):
    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        g, mock = world.group.id, store.mock
        r = await mock.add_round(g, "w1", NOW, 1, "exact")
        ro = await mock.add_round(other.id, "w1", NOW, 1, "exact")
        past = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None)], at=NOW - 30 * H, status="done")
        soon = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None)], at=NOW + H)
        gone = await session_of(store, g, r, [(ada, 0, None), (cy, 1, None)], at=NOW + 2 * H, status="cancelled")
        later = await session_of(store, g, r, [(cy, 0, None), (bob, 1, None)], at=NOW + 50 * H)
        await session_of(store, other.id, ro, [(outsider, 0, None)], at=NOW + H)
        return g, (past, soon, gone, later), (ada, bob, cy)

    g, (past, soon, gone, later), (ada, bob, cy) = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return ([s.id for s in await mock.sessions_of(ada.id, NOW)], [s.id for s in await mock.sessions_of(bob.id, NOW - 40 * H)],
                [s.id for s in await mock.cancelled_of(ada.id, NOW)], [s.id for s in await mock.cancelled_of(ada.id, NOW + 3 * H)],
                [s.id for s in await mock.group_sessions(g, NOW - 40 * H)], await mock.busy(g, NOW),
                await mock.busy(g, NOW + 10 * H), await mock.busy(g, NOW + 99 * H))

    assert await uow.run(read) == ([soon], [past, soon, later], [gone], [], [past, soon, later],
                                   {ada.id, bob.id, cy.id}, {bob.id, cy.id}, set())


async def test_sitouts_of_a_round_with_their_reasons(uow):
    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        r = await store.mock.add_round(world.group.id, "w1", NOW, 1, "exact")
        for member, reason in ((cy, "odd-count"), (ada, "no-shared-window"), (bob, "snoozed")):
            await store.mock.add_sitout(r, member.id, reason)
        r2 = await store.mock.add_round(world.group.id, "w2", NOW + H, 1, "exact")
        return r, r2, (ada, bob, cy)

    r, r2, (ada, bob, cy) = await uow.run(setup)

    async def read(store):
        return (await store.mock.sitouts_of_round(r), await store.mock.sitouts_of_round(r2),
                sorted(await store.mock.sitouts([r])))

    assert await uow.run(read) == ([(ada.id, "no-shared-window"), (bob.id, "snoozed"), (cy.id, "odd-count")], [],
                                   sorted([(r, ada.id), (r, cy.id)])), "left over: odd count and no shared window"


async def test_no_show_reports_open_settle_and_dispute(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    async def setup(store):
        world, (ada, bob, cy) = await pair(store, ("ada", "bob", "cy"))
        g = world.group.id
        r = await store.mock.add_round(g, "w1", NOW, 1, "exact")
        s1 = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None), (cy, 2, None)], at=NOW)
        s2 = await session_of(store, g, r, [(ada, 0, None), (bob, 1, None)], at=NOW + 5 * H)
        return g, s1, s2, (ada, bob, cy)

    g, s1, s2, (ada, bob, cy) = await uow.run(setup)
    uow.subscribe(listener)

    async def report(store):
        mock = store.mock
        await mock.give_feedback(s1, ada.id, bob.id, None, None, NOW + 2 * H)
        await mock.give_feedback(s1, cy.id, bob.id, None, None, NOW + 3 * H)
        await mock.give_feedback(s1, bob.id, ada.id, (3, 3, 3, 3), "fine", NOW + 3 * H, "hire")
        await mock.give_feedback(s2, bob.id, ada.id, None, None, NOW + 7 * H)
        attended = [await mock.attend(s1, bob.id, NOW + 4 * H), await mock.attend(s1, bob.id, NOW + 5 * H)]
        return (attended, await mock.reports(s1), await mock.first_open_report(s1), await mock.first_open_report(s2 + 99),
                await mock.report_session_ids_after(0, 10), await mock.report_session_ids_after(s1, 10),
                await mock.report_session_ids_after(0, 1), await mock.session(s1))

    attended, reports, first, none, ids, after_first, one, session = await uow.run(report)
    assert ScheduleChanged("session", s1) in heard and ScheduleChanged("session", s2) in heard
    assert attended == [True, False] and session.seat(bob.id).attended_at == NOW + 4 * H
    assert [(r.by, r.about, r.created_at, r.state, r.settled_at) for r in reports] == [
        (ada.id, bob.id, NOW + 2 * H, "open", None), (cy.id, bob.id, NOW + 3 * H, "open", None)], "ratings are not reports"
    assert (first, none) == (NOW + 2 * H, None)
    assert (ids, after_first, one) == ([s1, s2], [s2], [s1])

    async def settle(store):
        mock = store.mock
        counted = [await mock.settle_report(s1, ada.id, bob.id, "counted", NOW + 50 * H),
                   await mock.settle_report(s1, ada.id, bob.id, "disputed", NOW + 51 * H)]
        disputed = [await mock.dispute(s1, bob.id, NOW + 52 * H), await mock.dispute(s1, bob.id, NOW + 53 * H)]
        # A rating over a settled report keeps its outcome.
        await mock.give_feedback(s1, ada.id, bob.id, (2, 2, 2, 2), None, NOW + 54 * H, "no")
        return (counted, disputed, await mock.reports(s1), await mock.first_open_report(s1),
                await mock.disputed(g, NOW), await mock.disputed(g, NOW + 60 * H), await mock.report_session_ids_after(0, 10))

    counted, disputed, reports, first, seen, later, ids = await uow.run(settle)
    assert counted == [True, False] and disputed == [1, 0]
    assert [(r.by, r.state) for r in reports] == [(cy.id, "disputed")]
    assert first is None and ids == [s2]
    assert [(r.session_id, r.by, r.about, r.state, r.settled_at) for r in seen] == [(s1, cy.id, bob.id, "disputed",
                                                                                    NOW + 52 * H)]
    assert later == []


async def test_round_figures_count_paired_sat_out_held_missed_and_counted(uow):
    async def setup(store):
        world, (ada, bob, cy, dee) = await pair(store, ("ada", "bob", "cy", "dee"))
        g, mock = world.group.id, store.mock
        r1 = await mock.add_round(g, "w1", NOW, 1, "exact")
        r2 = await mock.add_round(g, "w2", NOW + timedelta(weeks=1), 1, "exact")
        held = await session_of(store, g, r1, [(ada, 0, None), (bob, 1, None)], at=NOW + H, status="done")
        missed = await session_of(store, g, r1, [(cy, 0, None), (dee, 1, None)], at=NOW + 2 * H, status="missed")
        await session_of(store, g, r1, [(ada, 0, None), (cy, 1, None)], at=NOW + 3 * H, status="cancelled")
        await mock.give_feedback(missed, cy.id, dee.id, None, None, NOW + 4 * H)
        await mock.settle_report(missed, cy.id, dee.id, "counted", NOW + 60 * H)
        attended = await session_of(store, g, r1, [(ada, 0, None), (bob, 1, None)], at=NOW + 5 * H)
        await mock.attend(attended, bob.id, NOW + 7 * H)  # unrated, but bob said he took part: held
        await mock.add_sitout(r2, ada.id, "odd-count")
        await session_of(store, g, r2, [(bob, 0, None), (cy, 1, None)], at=NOW + timedelta(weeks=1, hours=1))
        return g, held

    g, held = await uow.run(setup)

    async def read(store):
        mock = store.mock
        return (await mock.round_figures(g, NOW, NOW + timedelta(days=7)),
                await mock.round_figures(g, NOW, NOW + timedelta(days=8)),
                await mock.round_figures(g + 99, NOW, NOW + timedelta(days=8)),
                # a window after the first round: its pairing is not in it, but the slots that fell in it are
                await mock.round_figures(g, NOW + 1.5 * H, NOW + timedelta(days=8)))

    assert await uow.run(read) == ((4, 0, 2, 1, 1), (4, 1, 2, 1, 1), (0, 0, 0, 0, 0), (2, 1, 1, 1, 1))
