"""Undo (issue 14): a solve taken back (streak, points and counts rebuilt, the post's counter too), an
application removed, any stage's milestones shown and ticked; personal actions answer privately."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.commands import build_registry
from bot.content import load_pack
from bot.reply import Reply

PACK = load_pack()
RM = PACK.roadmap("ml-engineer")


async def _stats(bot, name: str) -> tuple | None:
    row = await bot.app.db.one(
        "SELECT st.streak_current, st.week_easy + st.week_medium + st.week_hard, "
        "st.all_easy + st.all_medium + st.all_hard FROM member_stats st JOIN members m ON m.id = st.member_id "
        "WHERE m.name=?", (name,))
    return tuple(row) if row else None


async def _private(bot, user: str, line: str) -> Reply:
    return await bot.app.handle_text(await bot.adapter.caller(user), line)


async def test_a_solve_taken_back_rebuilds_streak_points_and_counts(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))  # Monday's post
    monday = await bot.app.db.scalar("SELECT item_id FROM daily_posts")
    await bot.say("problem solved")
    await bot.app.advance(timedelta(days=1))  # Tuesday's post
    tuesday = await bot.app.db.scalar("SELECT item_id FROM daily_posts ORDER BY local_date DESC LIMIT 1")
    assert "Streak: 2 days" in await bot.say("problem solved")
    assert await _stats(bot, "me") == (2, 2, 2)

    reply = await _private(bot, "me", f"problem unsolve {monday}")
    assert reply.private and not reply.error
    text = reply.plain_text()
    assert f"Took back your solve of '{PACK.problems[monday].title}'" in text and "Streak: 1 day" in text
    assert "Streak: 1 days" not in text
    assert await _stats(bot, "me") == (1, 1, 1)
    assert "streak: 1 day" in await bot.say("streak")
    assert "You have no solve of" in await bot.say(f"problem unsolve {monday}")
    assert "There is no problem 'nope'" in await bot.say("problem unsolve nope")

    board = await bot.say("leaderboard week")
    assert "me" in board
    await bot.say(f"problem unsolve {tuesday}")
    assert await _stats(bot, "me") is None  # no solve left: no stats row, no place on the board
    assert "streak: 0 days" in await bot.say("streak")
    assert "me solved" in await bot.say(f"problem solved {tuesday}")  # and it can be solved again
    assert await _stats(bot, "me") == (1, 1, 1)


async def test_taking_back_a_solve_of_the_days_problem_edits_its_counter_down(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))
    item = await bot.app.db.scalar("SELECT item_id FROM daily_posts")
    await bot.script("problem solved\n@alice problem solved")
    await bot.say(f"@alice problem unsolve {item}")
    await bot.say("@alice problem solved")  # the counter is 2 again: a fresh edit all the same
    rows = await bot.app.db.all("SELECT key, edit_of, payload FROM outbox WHERE edit_of IS NOT NULL ORDER BY id")
    key = "daily:1:2026-03-02"
    assert [r[0] for r in rows] == [f"{key}:solved:1", f"{key}:solved:2", f"{key}:solved:1:1", f"{key}:solved:2:1"]
    assert {r[1] for r in rows} == {key}
    shown = [Reply.from_json(json.loads(r[2])).plain_text() for r in rows]
    assert "Solved by 1 member." in shown[2] and "Solved by 2 members." in shown[3]


async def test_apply_remove_drops_one_application_and_asks_which_when_ambiguous(group):
    bot = group
    await bot.script('apply add Acme\napply add "Acme Labs" role MLE\napply add Globex')
    which = await _private(bot, "me", "apply remove ac")
    assert which.private and "could be" in which.plain_text() and "Which one?" in which.plain_text()
    assert {b.command for b in which.buttons} == {"apply remove Acme", 'apply remove "Acme Labs"'}
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM applications") == 3  # nothing removed
    removed = await _private(bot, "me", "apply remove acme")  # the exact name wins over the longer one
    assert removed.private and "Removed Acme, which stood at applied" in removed.plain_text()
    assert "Removed Acme Labs (MLE)" in await bot.say('apply remove "Acme Labs"')
    assert "You are not tracking 'Acme'" in await bot.say("apply remove Acme")
    assert "You are not tracking 'Globex'" in await bot.say("@alice apply remove Globex")  # only one's own
    listed = await bot.say("apply list")
    assert "Globex" in listed and "Acme" not in listed
    assert "needs COMPANY" in await bot.say("apply remove")


async def test_roadmap_stage_shows_any_stage_and_its_milestones_can_be_ticked(group):
    bot = group
    later = RM.stages[5]  # system design
    by_number = await _private(bot, "me", "roadmap 6")
    assert by_number.private
    text = by_number.plain_text()
    assert f"stage 6 of {len(RM.stages)}: {later.title}" in text and "(ahead of you)" in text
    for m in later.milestones:
        assert f"[ ] {m.id} — " in text
    assert await bot.say(f"roadmap {later.id}") == await bot.say("roadmap 6")
    assert await bot.say("roadmap SYSTEM") == await bot.say("roadmap 6")  # a unique start of the name
    assert await bot.say(f"roadmap {RM.stages[6].title}") == await bot.say("roadmap 7")
    assert "could be stage 3 or 4" in await bot.say("roadmap p")  # projects, portfolio
    assert "has no stage '9'" in await bot.say("roadmap 9")
    typo = await bot.say("roadmap dne")
    assert "has no stage 'dne'" in typo and "Did you mean" in typo and "roadmap done MILESTONE" in typo

    milestone = later.milestones[3].id
    ticked = await _private(bot, "me", f"roadmap done {milestone}")
    assert ticked.private and f"({later.title})" in ticked.plain_text()
    assert f"[x] {milestone} — " in await bot.say("roadmap 6")
    overview = await bot.say("roadmap")
    assert "Look ahead: stage 2" in overview and "a stage" in overview and "roadmap STAGE" in overview
    untick = await _private(bot, "me", f"roadmap undo {milestone}")
    assert untick.private and "Unticked" in untick.plain_text()
    assert f"[ ] {milestone} — " in await bot.say("roadmap 6")


def test_personal_actions_are_declared_private():
    registry = build_registry()
    for name in ("problem solved", "problem unsolve", "problem hint", "problem random", "roadmap", "roadmap done",
                 "roadmap undo", "apply remove", "apply add", "apply move", "apply list"):
        assert registry.get(tuple(name.split())).private, name
