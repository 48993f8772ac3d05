"""The daily post: at the group's local time, exactly once, across restarts and DST; never late."""

from datetime import UTC, datetime, timedelta

from bot.services.daily import post_daily
from tests.conftest import running_bot


async def _setup(bot, tz="Europe/Paris", post="09:00"):
    await bot.script(f"group setup timezone {tz} post-time {post}\njoin")


async def _posts(app) -> list[str]:
    return [r[0] for r in await app.db.all("SELECT key FROM outbox WHERE key LIKE 'daily:%' ORDER BY id")]


async def test_post_at_local_time_across_dst(tmp_path):
    async with running_bot(str(tmp_path / "a.db"), start=datetime(2026, 3, 27, 0, tzinfo=UTC)) as bot:
        await _setup(bot)
        await bot.app.advance(timedelta(days=4))
        rows = await bot.app.db.all("SELECT posted_at FROM daily_posts ORDER BY local_date")
        hours = [datetime.fromisoformat(r[0]).hour for r in rows]
        assert hours == [8, 8, 7, 7]  # 09:00 Paris before and after 29 March


async def test_stopped_after_queueing_then_delivered_once_after_restart(tmp_path):
    path = str(tmp_path / "r.db")
    start = datetime(2026, 3, 2, 7, tzinfo=UTC)
    async with running_bot(path, start=start) as bot:
        await _setup(bot)
        bot.app.deliverer = None  # the process "dies" before its deliverer runs
        await bot.app.advance(timedelta(hours=2, minutes=30))
        assert await _posts(bot.app) == ["daily:1:2026-03-02"]
        undelivered = await bot.app.db.scalar(
                "SELECT COUNT(*) FROM outbox WHERE status='pending' AND key LIKE 'daily:%'")
        assert undelivered == 1
    for _ in range(2):  # a restart delivers it; a second restart neither re-posts nor re-delivers
        async with running_bot(path, start=start + timedelta(hours=3)) as bot:
            delivered = bot.out.getvalue().count(">> #study\nDaily problem")
            assert await _posts(bot.app) == ["daily:1:2026-03-02"]
            assert await bot.app.db.scalar(
                "SELECT COUNT(*) FROM outbox WHERE status='delivered' AND key LIKE 'daily:%'") == 1
            if _ == 0:
                assert delivered == 1
            else:
                assert delivered == 0


async def test_down_at_post_time_posts_once_the_same_day_and_never_for_a_past_day(tmp_path):
    path = str(tmp_path / "c.db")
    async with running_bot(path, start=datetime(2026, 3, 2, 7, tzinfo=UTC)) as bot:
        await _setup(bot)
    # Back at 15:00 Paris the same day: one catch-up post.
    async with running_bot(path, start=datetime(2026, 3, 2, 14, tzinfo=UTC)) as bot:
        assert await _posts(bot.app) == ["daily:1:2026-03-02"]
        # The late run posted once: asked again the same day, nothing more goes out.
        assert await post_daily(bot.app.uow, bot.app.content, bot.app.clock.now(), 1) is False
    # Down all of 3 March, back on 4 March before post time: nothing for the 3rd, nothing yet for the 4th.
    async with running_bot(path, start=datetime(2026, 3, 4, 6, tzinfo=UTC)) as bot:
        assert await _posts(bot.app) == ["daily:1:2026-03-02"]
        await bot.app.advance(timedelta(hours=3))
        assert await _posts(bot.app) == ["daily:1:2026-03-02", "daily:1:2026-03-04"]


async def test_paused_groups_get_nothing(tmp_path):
    async with running_bot(str(tmp_path / "p.db")) as bot:
        await _setup(bot)
        await bot.say("group pause")
        await bot.app.advance(timedelta(days=2))
        assert await _posts(bot.app) == []
        await bot.say("group resume")
        await bot.app.advance(timedelta(days=1))
        assert len(await _posts(bot.app)) == 1


async def test_problem_commands(group):
    bot = group
    before = await bot.say("problem today")
    assert "The next daily problem comes" in before and "09:00" in before and "(Europe/Paris)" not in before
    assert "No daily problem has been posted here yet" in await bot.say("problem solved")
    await bot.app.advance(timedelta(hours=3))
    today = await bot.say("problem today")
    assert "Today's problem" in today and "Difficulty: easy" in today
    assert "Hint —" in await bot.say("problem hint")
    assert "solved" in await bot.say("problem solved minutes 12 felt easy")
    assert "already solved" in await bot.say("problem solved")
    assert "There is no problem 'nope'" in await bot.say("problem solved nope")
    assert "Practice —" in await bot.say("problem random hard topic graphs")
    assert "Difficulty: hard" in await bot.say("problem random hard topic graphs")
    assert "two-sum" in await bot.say("problem solved 1") or "Two Sum" in await bot.say("problem solved two-sum")
    assert "Leaderboard — week" in await bot.say("leaderboard")
    assert "streak: 1 day" in await bot.say("streak")


async def test_the_daily_fire_reads_a_summary_of_past_posts_that_equals_the_whole_history(tmp_path):
    """The selection's input is kept as one row per item and pattern (bounded, whatever the group's
    age); it must equal what the whole history of posts gives."""
    from bot.domain.selection import PostHistory
    from tests.units import units

    async with running_bot(str(tmp_path / "h.db")) as bot:
        await bot.say("group setup timezone Europe/Paris post-time 09:00 ml-days sat")
        await bot.say(":advance 40d")
        history = await units(bot.app).practice.history(1)
        assert len(history) >= 40
        kept = await units(bot.app).practice.post_history(1)
        assert kept == PostHistory.of(history)
        rows = await bot.app.db.scalar("SELECT COUNT(*) FROM post_counts WHERE group_id=1")
        assert rows == len({(h.kind, h.item_id) for h in history}) < len(history) + 1
