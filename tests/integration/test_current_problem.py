"""The current problem (issue 14): a group set up after its post time gets today's problem at once;
before the day's post, `problem today`, `problem solved` and `problem hint` mean the latest posted
problem; the daily post's "Another problem" and "Solved" buttons, and the solve counter kept on the
post by edits through the outbox (only the newest edit waiting is sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.content import load_pack
from bot.reply import Reply
from bot.text import Rich
from tests.conftest import running_bot

PACK = load_pack()
PARIS_11 = datetime(2026, 3, 2, 10, tzinfo=UTC)  # 11:00 in Paris on Monday 2 March, after a 09:00 post


async def _daily_keys(app) -> list[str]:
    return [r[0] for r in await app.db.all(
        "SELECT key FROM outbox WHERE key LIKE 'daily:%' AND edit_of IS NULL ORDER BY id")]


async def _posted(app) -> list[str]:
    return [r[0] for r in await app.db.all("SELECT item_id FROM daily_posts ORDER BY local_date")]


def _title(item_id: str) -> str:
    return PACK.problems[item_id].title


async def test_a_group_set_up_after_its_post_time_gets_todays_problem_at_once(tmp_path):
    async with running_bot(str(tmp_path / "late.db"), start=PARIS_11) as bot:
        out = await bot.say("group setup timezone Europe/Paris post-time 09:00")
        assert ">> #study\nDaily problem — " in out, out
        assert await _daily_keys(bot.app) == ["daily:1:2026-03-02"]
        # Set up again the same day (post time moved earlier still): nothing more.
        await bot.say("group setup post-time 08:00")
        await bot.say("join")
        await bot.app.advance(timedelta(hours=12))  # 23:00 in Paris: still Monday
        assert await _daily_keys(bot.app) == ["daily:1:2026-03-02"]
        out = bot.out.getvalue()
        assert out.count(">> #study\nDaily problem — ") == 1
        await bot.app.advance(timedelta(hours=9))  # Tuesday 08:00 in Paris: the scheduled post, once
        assert await _daily_keys(bot.app) == ["daily:1:2026-03-02", "daily:1:2026-03-03"]
        assert bot.out.getvalue().count(">> #study\nDaily problem — ") == 2
        assert len(set(await _posted(bot.app))) == 2


async def test_a_group_set_up_before_its_post_time_waits_for_it(tmp_path):
    async with running_bot(str(tmp_path / "early.db"), start=PARIS_11) as bot:
        out = await bot.say("group setup timezone Europe/Paris post-time 14:00")
        assert ">> #study" not in out and await _daily_keys(bot.app) == []
        await bot.app.advance(timedelta(hours=3))
        assert await _daily_keys(bot.app) == ["daily:1:2026-03-02"]


async def test_a_paused_group_set_up_again_after_post_time_gets_nothing(tmp_path):
    async with running_bot(str(tmp_path / "paused.db"), start=PARIS_11) as bot:
        await bot.say("group setup timezone Europe/Paris post-time 14:00")
        await bot.say("group pause")
        await bot.say("group setup post-time 09:00")
        assert await _daily_keys(bot.app) == []


async def test_before_the_first_post_nothing_suggests_solving_a_problem_not_posted(group):
    bot = group  # set up at 08:00 in Paris; the first post comes at 09:00
    today = await bot.say("problem today")
    assert "The next daily problem comes" in today and "09:00" in today and "Europe/Paris" not in today
    hint = await bot.say("problem hint")
    assert "No daily problem has been posted here yet" in hint and "problem solved" not in hint
    assert "problem random easy" in hint
    solved = await bot.say("problem solved")
    assert "No daily problem has been posted here yet" in solved
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM solves") == 0


async def test_before_the_days_post_the_latest_posted_problem_is_the_current_one(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))  # Monday 11:00 in Paris: Monday's post is out
    monday = (await _posted(bot.app))[0]
    await bot.app.advance(timedelta(hours=20))  # Tuesday 07:00 in Paris: Tuesday's is not
    today = await bot.say("problem today")
    assert f"Latest problem — {_title(monday)}" in today
    assert "The next daily problem comes" in today and "03 Mar 2026 09:00" in today
    assert "(Europe/Paris)" not in today
    hint = await bot.say("problem hint")
    assert f"Hint — {_title(monday)}" in hint
    solved = await bot.say("problem solved felt ok")
    assert f"me solved '{_title(monday)}'" in solved
    assert "already solved" in await bot.say("problem solved")  # a second press counts it once
    assert f"alice solved '{_title(monday)}'" in await bot.say("@alice problem solved")
    rows = await bot.app.db.all("SELECT m.name, s.problem_id FROM solves s JOIN members m ON m.id = s.member_id "
                                "ORDER BY m.name")
    assert [tuple(r) for r in rows] == [("alice", monday), ("me", monday)]


async def test_before_the_post_solved_means_the_latest_posted_problem_not_yet_solved(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))  # Monday's post
    await bot.app.advance(timedelta(days=1))  # Tuesday's post
    monday, tuesday = await _posted(bot.app)
    assert f"me solved '{_title(tuesday)}'" in await bot.say("problem solved")
    await bot.app.advance(timedelta(hours=20))  # Wednesday 07:00 in Paris, before its post
    assert f"me solved '{_title(monday)}'" in await bot.say("problem solved")  # the one left behind
    assert f"Hint — {_title(tuesday)}" in await bot.say("problem hint")  # all solved: the latest


async def test_another_problem_is_private_of_the_same_difficulty_and_never_the_posts_own(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))
    item = (await _posted(bot.app))[0]
    post = Reply.from_json(json.loads(await bot.app.db.scalar(
        "SELECT payload FROM outbox WHERE key='daily:1:2026-03-02'")))
    labels = {b.label: b.command for b in post.buttons}
    assert "Skip" not in labels
    assert labels["Another problem"] == f"problem random {PACK.problems[item].difficulty}"
    caller = await bot.adapter.caller("me")
    seen = set()
    for _ in range(12):
        reply = await bot.app.handle_text(caller, labels["Another problem"])
        assert reply.private and not reply.error
        picked = next(f.value for f in reply.fields if f.name == "Id")
        assert picked != item and PACK.problems[picked].difficulty == PACK.problems[item].difficulty
        seen.add(picked)
        await bot.app.advance(timedelta(minutes=1))
    assert len(seen) > 1, "each press draws afresh"
    posts = await bot.app.db.scalar("SELECT COUNT(*) FROM daily_posts")
    assert posts == 1 and (await _posted(bot.app))[0] == item, "the group's post is unchanged"


async def test_the_solved_button_answers_privately_and_edits_the_counter_on_the_post(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))
    item = (await _posted(bot.app))[0]
    post_row = await bot.app.db.one("SELECT payload, status FROM outbox WHERE key='daily:1:2026-03-02'")
    assert post_row[1] == "delivered"
    post = Reply.from_json(json.loads(post_row[0]))
    solved = next(b.command for b in post.buttons if b.label == "Solved")
    assert solved == f"problem solved {item}"
    reply = await bot.app.handle_text(await bot.adapter.caller("alice"), solved)
    assert reply.private and "alice solved" in reply.plain_text()
    await bot.say(f"@bob {solved}")
    await bot.say(f"@bob {solved}")  # a repeat changes no count: no edit
    rows = await bot.app.db.all("SELECT key, edit_of, payload FROM outbox WHERE edit_of IS NOT NULL ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == [("daily:1:2026-03-02:solved:1", "daily:1:2026-03-02"),
                                           ("daily:1:2026-03-02:solved:2", "daily:1:2026-03-02")]
    first, second = (Reply.from_json(json.loads(r[2])) for r in rows)
    assert "Solved by 1 member." in first.plain_text() and "Solved by 2 members." in second.plain_text()
    # The same post, with the counter: built by the same function.
    assert isinstance(second.text, Rich) and isinstance(post.text, Rich)
    assert second.text.parts[:len(post.text.parts)] == post.text.parts
    assert second.text.plain() == post.text.plain() + "\nSolved by 2 members."
    assert (second.title, second.fields, second.buttons, second.footer, second.tone) == (
        post.title, post.fields, post.buttons, post.footer, post.tone)
    today = await bot.say("problem today")
    assert "Solved by 2 members." in today


class Recorder:
    """A platform that keeps every message it is handed and gives each an id, so edits have a target."""

    platform = "console"

    def __init__(self):
        self.sent = []

    async def deliver(self, message, channel_ref, user_ref):
        self.sent.append(message)
        return message.target if message.edit_of is not None else f"msg-{message.id}"  # an edit keeps its id


async def test_two_quick_solves_leave_only_the_newest_edit_delivered(group):
    bot = group
    platform = Recorder()
    bot.app.use_messenger(platform)
    await bot.app.advance(timedelta(hours=3))
    post = next(m for m in platform.sent if m.key == "daily:1:2026-03-02")
    deliverer, bot.app.deliverer = bot.app.deliverer, None  # the two solves land before delivery runs
    await bot.say("@alice problem solved")
    await bot.say("@bob problem solved")
    bot.app.deliverer = deliverer
    await bot.app.deliver_now()
    edits = [m for m in platform.sent if m.edit_of is not None]
    assert [(m.key, m.edit_of, m.target) for m in edits] == [
        ("daily:1:2026-03-02:solved:2", "daily:1:2026-03-02", f"msg-{post.id}")]
    assert "Solved by 2 members." in edits[0].reply.plain_text()
    statuses = await bot.app.db.all("SELECT key, status, ref FROM outbox WHERE edit_of IS NOT NULL ORDER BY id")
    assert [tuple(r) for r in statuses] == [("daily:1:2026-03-02:solved:1", "delivered", None),
                                           ("daily:1:2026-03-02:solved:2", "delivered", f"msg-{post.id}")]


async def test_on_the_console_two_quick_solves_show_one_edit_of_the_post(group):
    bot = group
    await bot.app.advance(timedelta(hours=3))
    deliverer, bot.app.deliverer = bot.app.deliverer, None
    await bot.say("@alice problem solved")
    await bot.say("@bob problem solved")
    bot.app.deliverer = deliverer
    start = len(bot.out.getvalue())
    await bot.app.deliver_now()
    shown = bot.out.getvalue()[start:]
    assert shown.count("Solved by ") == 1 and "Solved by 2 members." in shown, shown
