"""The organisers' roster (store.accountability.roster): activity per member, the aggregates of `group
stats`, and the rows of `group export`, each written through the repositories and read back."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.streaks import StreakMark
from bot.ports.storage import MockCompletion
from tests.contract.world import NOW, new_group, new_member, seed

H = timedelta(hours=1)
DAY = date(2026, 3, 2)
WEEK_OF = NOW - 9 * H  # Monday 00:00 UTC


async def _world(store):
    """ada (made the group), bo (solved and answered), cy (ticked a milestone, gave feedback), and a
    member of another group who must never appear."""
    world = await seed(store)
    g = world.group
    ada = world.member
    bo = await new_member(store, g, "bo", timezone="Asia/Kolkata")
    cy = await new_member(store, g, "cy")
    gone = await new_member(store, g, "gone")
    gone.active = False
    await store.members.save(gone)
    other = await new_group(store, "elsewhere")
    stranger = await new_member(store, other, "stranger")
    await store.practice.add_solve(bo.id, g.id, "two-sum", "problem", "easy", 12, "ok", NOW + H, DAY, None)
    await store.practice.count_solve(g.id, bo.id, "easy", StreakMark(DAY, 1, 1, 0, 1), WEEK_OF, WEEK_OF)
    await store.practice.add_solve(bo.id, g.id, "3sum", "problem", "medium", None, None, NOW + 2 * H, DAY, None)
    await store.practice.count_solve(g.id, bo.id, "medium", StreakMark(DAY, 1, 1, 0, 1), WEEK_OF, WEEK_OF)
    await store.practice.add_solve(stranger.id, other.id, "two-sum", "problem", "easy", None, None, NOW, DAY, None)
    await store.accountability.checkins.record_prompt(bo.id, DAY, NOW)
    await store.accountability.checkins.record_prompt(bo.id, DAY + timedelta(days=1), NOW + 24 * H)
    await store.accountability.checkins.save_answer(bo.id, g.id, DAY, {"done": "=1+1"}, NOW + 3 * H)
    await store.accountability.checkins.save_answer(cy.id, g.id, DAY + timedelta(days=2), {"next": "x"}, NOW + 48 * H)
    await store.milestones.tick(cy.id, "python-basics", NOW + 4 * H)
    round_id = await store.mock.add_round(g.id, "2026-03-08", NOW, 1, "greedy")
    held = await store.mock.add_session(round_id, g.id, "coding", NOW + 5 * H, NOW + 6 * H)
    await store.mock.add_seat(held, cy.id, 0, "two-sum")
    await store.mock.add_seat(held, ada.id, 1, "3sum")
    await store.mock.set_status_of(held, "done")
    await store.mock.give_feedback(held, cy.id, ada.id, (3, 3, 3, 3), "good", NOW + 50 * H)
    missed = await store.mock.add_session(round_id, g.id, "coding", NOW + 7 * H, NOW + 8 * H)
    await store.mock.add_seat(missed, bo.id, 0, None)
    cancelled = await store.mock.add_session(round_id, g.id, "coding", NOW + 7 * H, NOW + 8 * H)
    await store.mock.set_status_of(cancelled, "cancelled")
    return g, ada, bo, cy, gone, (held, missed, cancelled)


async def test_members_come_by_last_activity_with_their_figures(uow):
    g, ada, bo, cy, gone, _ = await uow.run(_world)
    async def read(store):
        roster = store.accountability.roster
        return (await roster.recent(g.id, 10), await roster.recent(g.id, 1, 1),
                await roster.activity([cy.id, bo.id, ada.id, gone.id, 10_000], WEEK_OF),
                await roster.activity([bo.id], WEEK_OF + timedelta(days=7)),
                await roster.activity([], WEEK_OF))

    order, second, rows, next_week, none = await uow.run(read)
    # cy's feedback (NOW+50h) is newer than bo's answer (NOW+3h); ada never did anything; gone has left
    assert order == [cy.id, bo.id, ada.id] and second == [bo.id]
    assert [r.member.id for r in rows] == [cy.id, bo.id, ada.id, gone.id], "in the order asked, unknown ids left out"
    by = {r.member.id: r for r in rows}
    assert by[cy.id].last_active == NOW + 50 * H and by[bo.id].last_active == NOW + 3 * H
    assert by[ada.id].last_active is None and by[ada.id].mark is None
    assert (by[bo.id].week_solves, by[bo.id].all_solves) == (2, 2)
    assert by[bo.id].mark == StreakMark(DAY, 1, 1, 0, 1) and by[bo.id].member.timezone == "Asia/Kolkata"
    assert (by[cy.id].week_solves, by[cy.id].all_solves) == (0, 0)
    assert by[ada.id].member.joined_at == NOW
    assert next_week[0].week_solves == 0 and next_week[0].all_solves == 2, "a week that has rolled over"
    assert none == []


async def test_milestones_activity_and_mock_completion(uow):
    g, ada, bo, cy, gone, _ = await uow.run(_world)

    async def read(store):
        roster = store.accountability.roster
        return (await roster.milestones_of([ada.id, cy.id]), await roster.milestones_of([]),
                await roster.active_since(g.id, NOW), await roster.active_since(g.id, NOW + 4 * H),
                await roster.active_since(g.id, NOW + 51 * H),
                await roster.mock_completion(g.id, NOW, NOW + 24 * H),
                await roster.mock_completion(g.id, NOW + 6 * H, NOW + 24 * H))

    done, nothing, since_now, since_4h, later, mocks, later_mocks = await uow.run(read)
    assert done == {cy.id: {"python-basics": NOW + 4 * H}} and nothing == {}
    assert (since_now, since_4h, later) == (2, 1, 0)  # bo and cy; then cy alone (milestone, feedback)
    # held: 1 of 2 not cancelled; its 2 seats, 1 gave feedback
    assert mocks == MockCompletion(scheduled=2, held=1, seats_held=2, feedback_given=1)
    assert later_mocks == MockCompletion(1, 0, 0, 0)


async def test_export_rows_are_the_members_own_and_bounded(uow):
    g, ada, bo, cy, gone, (held, missed, cancelled) = await uow.run(_world)

    async def read(store):
        roster = store.accountability.roster
        return (await roster.export_solves([bo.id, cy.id], 100), await roster.export_solves([bo.id], 1),
                await roster.export_checkins([bo.id, cy.id], 100), await roster.export_checkins([bo.id, cy.id], 2),
                await roster.export_sessions(g.id, 0, 100), await roster.export_sessions(g.id, held, 1))

    solves, one, checkins, two, sessions, after = await uow.run(read)
    assert [(s[0], s[1], s[3], s[4], s[6], s[7]) for s in solves] == [
        (bo.id, "two-sum", "easy", 12, NOW + H, DAY), (bo.id, "3sum", "medium", None, NOW + 2 * H, DAY)]
    assert len(one) == 1
    assert [(c[0], c[1], c[2], c[3] is not None, c[5], c[6]) for c in checkins] == [
        (bo.id, DAY, True, True, "=1+1", None),  # the raw words: the export guards them, not storage
        (bo.id, DAY + timedelta(days=1), True, False, None, None),  # prompted, not answered
        (cy.id, DAY + timedelta(days=2), False, True, None, "x")]  # answered without a prompt
    assert two == checkins[:2]
    assert [s[0] for s in sessions] == [held, missed, cancelled]
    first = sessions[0]
    assert first[1:6] == ("2026-03-08", "coding", NOW + 5 * H, NOW + 6 * H, "done")
    assert first[6] == (cy.id, ada.id) and first[7:] == (1, 0)
    assert sessions[1][6] == (bo.id,) and sessions[2][6] == ()
    assert [s[0] for s in after] == [missed]
