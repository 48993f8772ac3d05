"""Accountability: check-ins, the application tracker, design prompts and what the weekly digest reads."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain.checkins import DEFAULT_QUESTIONS, Answer, CheckinSettings
from bot.domain.events import ScheduleChanged
from tests.contract.world import NOW, new_group, new_member, seed

DAY = date(2026, 3, 2)
H = timedelta(hours=1)


def days(*offsets: int) -> list[date]:
    return [DAY + timedelta(days=o) for o in offsets]


# -- check-in settings -----------------------------------------------------------------------------


async def test_checkin_settings_default_until_saved_then_read_back_and_announce_a_schedule_change(uow):
    heard = []

    async def listener(events):
        heard.extend(events)

    world = await uow.run(seed)
    other = await uow.run(lambda store: new_group(store, "other"))
    uow.subscribe(listener)
    g = world.group.id
    assert await uow.run(lambda store: store.accountability.checkins.settings(g)) == CheckinSettings()
    assert await uow.run(lambda store: store.accountability.checkins.all_settings()) == {}
    mine = CheckinSettings(enabled=False, days=("tue", "thu"), time=time(18, 30), questions=("Q1?", "Q2?"))
    await uow.run(lambda store: store.accountability.checkins.save_settings(g, mine))
    assert heard == [ScheduleChanged("checkins", g)]
    assert await uow.run(lambda store: store.accountability.checkins.settings(g)) == mine
    theirs = CheckinSettings(days=("mon",), questions=())  # no questions: the defaults are asked
    await uow.run(lambda store: store.accountability.checkins.save_settings(other.id, theirs))
    mine = CheckinSettings(enabled=True, days=(), time=time(7, 0), questions=("Only one?",))
    await uow.run(lambda store: store.accountability.checkins.save_settings(g, mine))  # saved again: replaced

    async def read(store):
        return (await store.accountability.checkins.settings(g),
                await store.accountability.checkins.settings(other.id),
                await store.accountability.checkins.all_settings())

    theirs = CheckinSettings(days=("mon",), questions=DEFAULT_QUESTIONS)
    assert await uow.run(read) == (mine, theirs, {g: mine, other.id: theirs}), "all_settings: groups with a row"


# -- prompts, answers, history ---------------------------------------------------------------------


async def test_a_prompt_is_recorded_once_per_member_and_day(uow):
    world = await uow.run(seed)
    m = world.member.id

    async def work(store):
        checkins = store.accountability.checkins
        return [await checkins.record_prompt(m, DAY, NOW), await checkins.record_prompt(m, DAY, NOW + H, nudge=True),
                await checkins.record_prompt(m, DAY + timedelta(days=1), NOW, nudge=True), await checkins.history(m)]

    assert await uow.run(work) == [True, False, True, (days(0, 1), [], days(1))]


async def test_an_answer_is_saved_then_edited_slot_by_slot(uow):
    world = await uow.run(seed)
    m = world.member

    async def first(store):
        checkins = store.accountability.checkins
        return (await checkins.answer(m.id, DAY),
                await checkins.save_answer(m.id, m.group_id, DAY, {"done": "arrays", "next": "graphs"}, NOW))

    assert await uow.run(first) == (None, True)

    async def edit(store):
        return await store.accountability.checkins.save_answer(m.id, m.group_id, DAY, {"next": "trees",
                                                                                       "blockers": "none"}, NOW + H)

    assert await uow.run(edit) is False
    got = await uow.run(lambda store: store.accountability.checkins.answer(m.id, DAY))
    assert got == Answer(m.id, "ada", DAY, "arrays", "trees", "none", NOW, NOW + H, m.user_id)
    assert await uow.run(lambda store: store.accountability.checkins.answer(m.id, DAY + timedelta(days=1))) is None
    prompts, answers, nudges = await uow.run(lambda store: store.accountability.checkins.history(m.id))
    assert (prompts, answers, nudges) == ([], days(0), []), "an answer without a prompt still counts"


async def test_answers_between_are_the_groups_active_answers_changed_in_the_span_by_name(uow):
    async def setup(store):
        world = await seed(store, "mia")
        checkins = store.accountability.checkins
        bob = await new_member(store, world.group, "Bob")
        away = await new_member(store, world.group, "away")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        await checkins.save_answer(world.member.id, world.group.id, DAY, {"done": "mia 1"}, NOW)
        await checkins.save_answer(bob.id, world.group.id, DAY, {"done": "bob 1"}, NOW + H)
        await checkins.save_answer(bob.id, world.group.id, DAY + timedelta(days=1), {"done": "bob 2"}, NOW + 3 * H)
        await checkins.save_answer(world.member.id, world.group.id, DAY, {"next": "edited"}, NOW + 2 * H)  # an edit moves it
        await checkins.save_answer(away.id, world.group.id, DAY, {"done": "away"}, NOW + H)
        await checkins.save_answer(outsider.id, other.id, DAY, {"done": "elsewhere"}, NOW + H)
        away.active = False
        await store.members.save(away)
        return world

    world = await uow.run(setup)

    async def span(after, until):
        rows = await uow.run(lambda store: store.accountability.checkins.answers_between(world.group.id, after, until))
        return [(r.name, r.local_date, r.done) for r in rows]

    assert await span(None, NOW + 3 * H) == [("Bob", DAY, "bob 1"), ("Bob", DAY + timedelta(days=1), "bob 2"),
                                             ("mia", DAY, "mia 1")]
    assert await span(NOW + H, NOW + 2 * H) == [("mia", DAY, "mia 1")], "after is excluded, until included"
    assert await span(NOW + 3 * H, NOW + 9 * H) == []


async def test_group_history_and_counts_between_cover_active_members_prompts_and_answers(uow):
    async def setup(store):
        world = await seed(store)
        checkins = store.accountability.checkins
        bob = await new_member(store, world.group, "bob")
        away = await new_member(store, world.group, "away", active=False)
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        m = world.member
        for offset in (0, 1, 2, 7):
            await checkins.record_prompt(m.id, DAY + timedelta(days=offset), NOW)
        await checkins.save_answer(m.id, m.group_id, DAY, {"done": "x"}, NOW)
        await checkins.save_answer(m.id, m.group_id, DAY + timedelta(days=2), {"done": "x"}, NOW)
        await checkins.save_answer(m.id, m.group_id, DAY + timedelta(days=5), {"done": "unprompted"}, NOW)
        await checkins.record_prompt(bob.id, DAY, NOW)
        for member in (away, outsider):
            await checkins.record_prompt(member.id, DAY, NOW)
            await checkins.save_answer(member.id, member.group_id, DAY, {"done": "x"}, NOW)
        return world, bob

    world, bob = await uow.run(setup)
    g, m = world.group.id, world.member.id

    async def read(store):
        checkins = store.accountability.checkins
        return (await checkins.group_history(g), await checkins.counts_between(g, DAY, DAY + timedelta(days=7)),
                await checkins.counts_between(g, DAY + timedelta(days=1), DAY + timedelta(days=2)))

    history, week, one_day = await uow.run(read)
    assert {k: (sorted(p), sorted(a)) for k, (p, a) in history.items()} == {
        m: (days(0, 1, 2, 7), days(0, 2, 5)), bob.id: (days(0), [])}
    assert week == {m: (3, 2), bob.id: (1, 0)}, "[start, end): the prompt of day 7 is outside"
    assert one_day == {m: (1, 0)}


async def test_a_pause_is_kept_and_moved(uow):
    world = await uow.run(seed)
    m = world.member.id
    assert await uow.run(lambda store: store.accountability.checkins.paused_until(m)) is None
    await uow.run(lambda store: store.accountability.checkins.pause(m, DAY + timedelta(days=7)))
    assert await uow.run(lambda store: store.accountability.checkins.paused_until(m)) == DAY + timedelta(days=7)
    await uow.run(lambda store: store.accountability.checkins.pause(m, DAY + timedelta(days=1)))
    assert await uow.run(lambda store: store.accountability.checkins.paused_until(m)) == DAY + timedelta(days=1)


async def test_a_days_digest_is_recorded_once_and_the_latest_is_remembered(uow):
    world = await uow.run(seed)
    g = world.group.id

    async def work(store):
        checkins = store.accountability.checkins
        return [await checkins.last_digest_at(g), await checkins.record_digest(g, DAY, NOW, 3),
                await checkins.record_digest(g, DAY, NOW + H, 5), await checkins.record_digest(g, DAY + timedelta(days=1),
                                                                                 NOW + 24 * H, 0),
                await checkins.last_digest_at(g), await checkins.last_digest_at(g + 99)]

    assert await uow.run(work) == [None, True, False, True, NOW + 24 * H, None]


async def test_a_prompt_target_is_an_active_member_of_a_running_group_with_its_settings(uow):
    async def setup(store):
        world = await seed(store)
        tokyo = await new_member(store, world.group, "kenji", timezone="Asia/Tokyo")
        away = await new_member(store, world.group, "away", active=False)
        paused = await new_group(store, "paused", paused=True)
        resting = await new_member(store, paused, "resting")
        settings = CheckinSettings(days=("sat",), time=time(10, 15), questions=("Q?",))
        await store.accountability.checkins.save_settings(world.group.id, settings)
        return world, tokyo, away, resting, settings

    world, tokyo, away, resting, settings = await uow.run(setup)

    async def read(store):
        return [await store.accountability.checkins.prompt_target(m)
                for m in (world.member.id, tokyo.id, away.id, resting.id, tokyo.id + 99)]

    assert await uow.run(read) == [("UTC", settings), ("Asia/Tokyo", settings), None, None, None]
    other = await uow.run(lambda store: new_group(store, "defaults"))
    newcomer = await uow.run(lambda store: new_member(store, other, "new", timezone="Europe/Paris"))
    assert await uow.run(lambda store: store.accountability.checkins.prompt_target(newcomer.id)) == \
        ("Europe/Paris", CheckinSettings()), "a group that never changed its check-ins has the defaults"
    resumed = await uow.run(lambda store: store.groups.get(resting.group_id))
    resumed.paused = False
    await uow.run(lambda store: store.groups.save(resumed))
    assert await uow.run(lambda store: store.accountability.checkins.prompt_target(resting.id)) == \
        ("UTC", CheckinSettings())


async def test_prompt_targets_are_every_active_member_of_a_running_group_by_id(uow):
    async def setup(store):
        world = await seed(store)
        tokyo = await new_member(store, world.group, "kenji", timezone="Asia/Tokyo")
        await new_member(store, world.group, "away", active=False)
        paused = await new_group(store, "paused", paused=True)
        await new_member(store, paused, "resting")
        third = await new_group(store, "third")
        ada_third = await store.members.add(type(world.member)(id=0, group_id=third.id, user_id=world.user_id,
                                                               name="ada", joined_at=NOW))
        return world, tokyo, third, ada_third

    world, tokyo, third, ada_third = await uow.run(setup)
    assert await uow.run(lambda store: store.accountability.checkins.prompt_targets()) == [
        (world.member.id, world.group.id, "UTC"), (tokyo.id, world.group.id, "Asia/Tokyo"),
        (ada_third.id, third.id, "UTC")]


async def test_groups_of_user_are_the_persons_active_memberships(uow):
    async def setup(store):
        world = await seed(store)
        tokyo = await new_member(store, world.group, "kenji", timezone="Asia/Tokyo")
        paused = await new_group(store, "paused", paused=True)
        third = await new_group(store, "third")
        for group, active in ((third, True), (paused, False)):
            await store.members.add(type(world.member)(id=0, group_id=group.id, user_id=world.user_id, name="ada",
                                                       active=active, joined_at=NOW))
        return world, tokyo, third

    world, tokyo, third = await uow.run(setup)

    async def read(store):
        checkins = store.accountability.checkins
        return (await checkins.groups_of_user(world.user_id), await checkins.groups_of_user(tokyo.user_id),
                await checkins.groups_of_user(tokyo.user_id + 99))

    assert await uow.run(read) == ([world.group.id, third.id], [world.group.id], [])


# -- applications ----------------------------------------------------------------------------------


async def test_applications_are_tracked_once_per_company_newest_change_first(uow):
    world = await uow.run(seed)
    m = world.member.id

    async def work(store):
        applications = store.accountability.applications
        first = await applications.add(m, "Acme Corp", "MLE", "applied", NOW)
        second = await applications.add(m, "Globex", None, "referral", NOW + H)
        again = await applications.add(m, "  acme   CORP ", None, "onsite", NOW + 2 * H)  # the same company, typed again
        return first, second, again, await applications.of_member(m)

    first, second, again, apps = await uow.run(work)
    assert again is None and first != second
    assert [(x.id, x.company, x.role, x.stage, x.created_at, x.updated_at, x.announced_at) for x in apps] == [
        (second, "Globex", None, "referral", NOW + H, NOW + H, None),
        (first, "Acme Corp", "MLE", "applied", NOW, NOW, None)]
    await uow.run(lambda store: store.accountability.applications.move(first, "offer", NOW + 3 * H))
    apps = await uow.run(lambda store: store.accountability.applications.of_member(m))
    assert [(x.id, x.stage, x.updated_at, x.created_at) for x in apps] == [
        (first, "offer", NOW + 3 * H, NOW), (second, "referral", NOW + H, NOW + H)]
    assert await uow.run(lambda store: store.accountability.applications.of_member(m + 99)) == []


async def test_an_offer_is_announced_once_and_read_back_in_its_span(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        applications = store.accountability.applications
        ids = {"ada": await applications.add(world.member.id, "Acme", "MLE", "offer", NOW),
               "bob": await applications.add(bob.id, "Globex", None, "offer", NOW),
               "outsider": await applications.add(outsider.id, "Initech", None, "offer", NOW),
               "quiet": await applications.add(bob.id, "Hooli", None, "offer", NOW)}
        return world, bob, ids

    world, bob, ids = await uow.run(setup)

    async def announce(store):
        applications = store.accountability.applications
        return [await applications.mark_announced(ids["bob"], NOW + H), await applications.mark_announced(ids["ada"], NOW + 2 * H),
                await applications.mark_announced(ids["ada"], NOW + 5 * H), await applications.mark_announced(ids["outsider"], NOW + H)]

    assert await uow.run(announce) == [True, True, False, True]
    apps = await uow.run(lambda store: store.accountability.applications.of_member(world.member.id))
    assert apps[0].announced_at == NOW + 2 * H, "the first announcement stands"

    async def between(start, end):
        return await uow.run(lambda store: store.accountability.applications.announced_between(world.group.id, start, end))

    assert await between(NOW, NOW + 3 * H) == [("bob", "Globex", None, bob.user_id),
                                               ("ada", "Acme", "MLE", world.user_id)]
    assert await between(NOW + H, NOW + 2 * H) == [("bob", "Globex", None, bob.user_id)], "[start, end)"


async def test_stage_counts_cover_the_groups_active_members_and_leave_out_excluded_stages(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        away = await new_member(store, world.group, "away", active=False)
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        applications = store.accountability.applications
        for member, company, stage in ((world.member, "A", "applied"), (world.member, "B", "onsite"),
                                       (bob, "A", "applied"), (bob, "C", "rejected"), (away, "A", "applied"),
                                       (outsider, "A", "applied")):
            await applications.add(member.id, company, None, stage, NOW)
        return world.group.id

    g = await uow.run(setup)

    async def read(store):
        applications = store.accountability.applications
        return (await applications.stage_counts(g), await applications.stage_counts(g, exclude=("rejected",)),
                await applications.stage_counts(g, exclude=("applied", "onsite")), await applications.stage_counts(g + 99))

    assert await uow.run(read) == (({"applied": 2, "onsite": 1, "rejected": 1}, 2),
                                   ({"applied": 2, "onsite": 1}, 2), ({"rejected": 1}, 1), ({}, 0))


# -- design prompts --------------------------------------------------------------------------------


async def test_a_weeks_design_prompt_is_chosen_once_and_kept_in_week_order(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        design = store.accountability.design
        results = [await design.record(world.group.id, DAY + timedelta(days=7), "search-autocomplete", NOW),
                   await design.record(world.group.id, DAY, "recommender", NOW),
                   await design.record(world.group.id, DAY, "url-shortener", NOW + H),
                   await design.record(other.id, DAY, "feed-ranking", NOW)]
        return world.group.id, other.id, results

    g, other, results = await uow.run(setup)
    assert results == [True, True, False, True]

    async def read(store):
        design = store.accountability.design
        return (await design.for_week(g, DAY), await design.for_week(g, DAY + timedelta(days=14)), await design.history(g),
                await design.history(other))

    assert await uow.run(read) == ("recommender", None, ["recommender", "search-autocomplete"], ["feed-ranking"])


# -- what the weekly digest reads ------------------------------------------------------------------


async def test_a_weeks_digest_is_recorded_once(uow):
    world = await uow.run(seed)
    g = world.group.id

    async def work(store):
        digests = store.accountability.digests
        return [await digests.record_weekly(g, DAY, NOW), await digests.record_weekly(g, DAY, NOW + H),
                await digests.record_weekly(g, DAY + timedelta(days=7), NOW)]

    assert await uow.run(work) == [True, False, True]


async def test_the_digest_reads_solves_days_and_milestones_of_active_members_in_its_span(uow):
    async def setup(store):
        world = await seed(store)
        bob = await new_member(store, world.group, "bob")
        away = await new_member(store, world.group, "away")
        other = await new_group(store, "other")
        outsider = await new_member(store, other, "outsider")
        practice = store.practice

        async def solve(member, problem, at, kind="problem", difficulty="easy"):
            await practice.add_solve(member.id, member.group_id, problem, kind, difficulty, None, None, at, at.date(), None)

        await solve(world.member, "before", NOW - H)
        await solve(world.member, "start", NOW, difficulty="medium")
        await solve(bob, "middle", NOW + 2 * H, difficulty="hard")
        await solve(bob, "ml-question", NOW + 3 * H, kind="ml")
        await solve(world.member, "end", NOW + 24 * H)
        await solve(away, "away", NOW + H)
        await solve(outsider, "outsider", NOW + H)
        for member, milestone, at in ((world.member, "python", NOW - H), (bob, "numpy", NOW + 5 * H),
                                      (world.member, "pandas", NOW + H), (world.member, "late", NOW + 24 * H),
                                      (away, "away", NOW + H), (outsider, "x", NOW + H)):
            await store.milestones.tick(member.id, milestone, at)
        away.active = False
        await store.members.save(away)
        return world, bob

    world, bob = await uow.run(setup)
    g, m = world.group.id, world.member.id
    start, end = NOW, NOW + 24 * H

    async def read(store):
        digests = store.accountability.digests
        return (await digests.solves_between(g, start, end), await digests.solve_days(g), await digests.milestones_between(g, start, end))

    solves, solve_days, milestones = await uow.run(read)
    assert solves == [(m, NOW, "medium"), (bob.id, NOW + 2 * H, "hard")], "coding problems in [start, end), in time order"
    assert {k: sorted(v) for k, v in solve_days.items()} == {m: [DAY, DAY + timedelta(days=1)], bob.id: [DAY]}
    assert milestones == [(m, "pandas"), (bob.id, "numpy")]


async def test_the_digest_counts_mock_interviews_held_in_its_span(uow):
    async def setup(store):
        world = await seed(store)
        other = await new_group(store, "other")
        g = world.group.id
        round_id = await store.mock.add_round(g, "2026-W10", NOW, 1, "greedy")
        there = await store.mock.add_round(other.id, "2026-W10", NOW, 1, "greedy")
        sessions = {}
        for name, at, status in (("held", NOW + H, "done"), ("edge", NOW + 24 * H, "done"),
                                 ("missed", NOW + 2 * H, "missed"), ("planned", NOW + 3 * H, "scheduled"),
                                 ("first", NOW, "done")):
            sessions[name] = await store.mock.add_session(round_id, g, "coding", at, at + H)
            await store.mock.set_status_of(sessions[name], status)
        elsewhere = await store.mock.add_session(there, other.id, "coding", NOW + H, NOW + 2 * H)
        await store.mock.set_status_of(elsewhere, "done")
        return g

    g = await uow.run(setup)
    assert await uow.run(lambda store: store.accountability.digests.mocks_between(g, NOW, NOW + 24 * H)) == 2
    assert await uow.run(lambda store: store.accountability.digests.mocks_between(g, NOW + 25 * H, NOW + 48 * H)) == 0
