
"""Member stats (streak marks and week/month/all tallies) are kept by each solve; they must always equal
what a rebuild from the solves themselves gives, across week and month ends, DST and timezone moves."""

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta

from bot.domain.scoring import period_start
from bot.domain.streaks import carry, streak
from bot.domain.timeutil import local_date
from bot.services import practice
from bot.storage.db import bundled_migrations, open_database
from tests.conftest import running_bot
from tests.units import each_statement_commits, units

MEMBERS = {"ann": "America/New_York", "bo": "Asia/Kolkata", "cy": "Europe/London", "dee": "Pacific/Auckland"}


async def _view(app, group):
    """The leaderboard of each period and every member's streak today, as the stored stats give them."""
    now = app.clock.now()
    boards = {}
    for period in ("week", "month", "all"):
        rows = await units(app).practice.standings(group.id, period, period_start(period, now, group.timezone))
        boards[period] = sorted((mid, name, tuple(sorted(by.items()))) for mid, name, by, _, _ in rows if any(by.values()))
    marks = {}
    for mid, _, _, tz, mark in await units(app).practice.standings(group.id, "all", None):
        st = carry(mark, local_date(now, tz))
        marks[mid] = (st.current, st.best, st.freezes, st.solved_today)
    return boards, marks


async def _rebuilt(app, group):
    """The same view after throwing the stored stats away and building them from the solves."""
    async with each_statement_commits(app.db):
        await practice.build_stats(units(app), group, app.clock.now())
    return await _view(app, group)


async def test_stats_kept_by_solves_equal_a_rebuild_over_six_weeks(tmp_path):
    rng = random.Random(5)
    # Starts on Thursday 19 March 2026: crosses London's DST change (29 March), a month end and week ends.
    async with running_bot(str(tmp_path / "s.db"), start=datetime(2026, 3, 19, 12, tzinfo=UTC)) as bot:
        await bot.script("group setup timezone Europe/London\n" + "\n".join(
            f"@{name} join\n@{name} profile timezone {tz}" for name, tz in MEMBERS.items()))
        group = await units(bot.app).groups.get(1)
        ids = sorted(bot.app.content.problems)
        checked = 0
        for day in range(42):
            for hour, name in sorted((rng.randint(0, 23), name) for name in MEMBERS):
                if rng.random() < 0.75:
                    bot.clock.set(datetime(2026, 3, 19, tzinfo=UTC) + timedelta(days=day, hours=hour))
                    problem = rng.choice(ids[:40])  # a small pool, so repeats (which count once) happen
                    reply = await bot.say(f"@{name} problem solved {problem} felt {rng.choice(['easy', 'ok', 'hard'])}")
                    assert "solved" in reply, reply
            bot.clock.set(datetime(2026, 3, 19, 23, 59, tzinfo=UTC) + timedelta(days=day))
            kept = await _view(bot.app, group)
            assert kept == await _rebuilt(bot.app, group), f"day {day}"
            checked += bool(kept[0]["week"])
        assert checked > 30
        solves = await bot.app.db.scalar("SELECT COUNT(*) FROM solves")
        assert sum(by[1] for row in kept[0]["all"] for by in row[2]) == solves, "all time counts every solve once"
        # The streaks agree with the whole-history rule too.
        for member in await units(bot.app).members.active(group.id):
            days = await units(bot.app).practice.solve_days(member.id)
            full = streak(days, local_date(bot.clock.now(), member.timezone))
            assert kept[1][member.id] == (full.current, full.best, full.freezes, full.solved_today)


async def test_moving_the_groups_timezone_moves_its_week(tmp_path):
    # A solve on Sunday 22 March at 20:00 UTC: in London's week of 16 March, but in Tokyo's week of
    # 23 March (Monday began there at 15:00 UTC on Sunday).
    async with running_bot(str(tmp_path / "t.db"), start=datetime(2026, 3, 22, 20, tzinfo=UTC)) as bot:
        await bot.script("group setup timezone Europe/London\njoin\nproblem solved two-sum")
        bot.clock.set(datetime(2026, 3, 23, 1, tzinfo=UTC))
        assert "No solves yet in this period" in await bot.say("leaderboard week"), "a new London week"
        await bot.say("group setup timezone Asia/Tokyo")
        assert "me — 1 pt (1 easy)" in await bot.say("leaderboard week"), "Tokyo's week holds the solve"
        assert "me — 1 pt (1 easy)" in await bot.say("leaderboard all")


async def test_an_older_database_gets_its_stats_built_at_start(tmp_path):
    """A database from before member stats (migration 6) keeps its solves and review cards, and opening
    it builds the stats: the leaderboard and streaks show what was solved before the upgrade."""
    path = str(tmp_path / "old.db")
    async with open_database(path, migrate=False) as db:
        await db.migrate([m for m in bundled_migrations() if m.version <= 6])
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO channels (id, name) VALUES (1, 'study');
        INSERT INTO links VALUES ('console', 'channel', 'study', 1), ('console', 'user', 'me', 1);
        INSERT INTO users (id, name, created_at) VALUES (1, 'me', '2026-03-01T00:00:00.000000+00:00');
        INSERT INTO groups (id, channel_id, name, timezone, created_at) VALUES
            (1, 1, '#study', 'UTC', '2026-03-01T00:00:00.000000+00:00');
        INSERT INTO members (id, group_id, user_id, name, timezone, joined_at) VALUES
            (1, 1, 1, 'me', 'UTC', '2026-03-01T00:00:00.000000+00:00');
        INSERT INTO solves (member_id, group_id, problem_id, difficulty, solved_at, local_date) VALUES
            (1, 1, 'two-sum', 'easy', '2026-03-02T10:00:00.000000+00:00', '2026-03-02'),
            (1, 1, 'valid-anagram', 'easy', '2026-03-03T10:00:00.000000+00:00', '2026-03-03'),
            (1, 1, 'group-anagrams', 'medium', '2026-03-04T10:00:00.000000+00:00', '2026-03-04');
    """)
    card = ('{"card_id": 1, "state": 2, "step": null, "stability": 2.3, "difficulty": 2.1, '
            '"due": "2026-03-05T10:00:00+00:00", "last_review": "2026-03-02T10:00:00+00:00"}')
    con.execute("INSERT INTO review_cards (member_id, problem_id, card, due) VALUES (1, 'two-sum', ?, ?)",
                (card, "2026-03-05T10:00:00.000000+00:00"))
    con.commit()
    con.close()
    async with running_bot(path, start=datetime(2026, 3, 4, 18, tzinfo=UTC)) as bot:
        assert await bot.app.db.scalar("SELECT stats_built FROM groups WHERE id=1") == 1
        board = await bot.say("leaderboard week")
        assert "me — 5 pts (2 easy, 1 medium) · streak 3" in board, board
        assert "Two Sum" in await bot.say("problem review"), "the review card moved into the solve"
        reply = await bot.say("problem solved climbing-stairs")
        assert "Streak: 3 days" in reply, "a fourth solve on the same day keeps the streak at three days"
        assert date(2026, 3, 4) in await units(bot.app).practice.solve_days(1)


async def test_the_top_of_the_board_read_from_sql_is_the_top_of_the_whole_ranking(tmp_path):
    """The database cuts the board to the members who can be in the first places (ties included);
    the final order must be exactly the domain's ranking of everyone."""
    from bot.domain.scoring import WEIGHTS, rank

    rng = random.Random(9)
    async with running_bot(str(tmp_path / "r.db")) as bot:
        await bot.script("group setup timezone UTC\njoin")
        db = bot.app.db
        names = ["ann", "Ann", "bo", "Émile", "émile", "zoë", "Zed", "cy", "dee", "Óli"]
        async with each_statement_commits(db):
            for i in range(2, 80):
                await db.execute("INSERT INTO users (id, name, created_at) VALUES (?, 'u', '2026-03-01T00:00:00+00:00')",
                                 (i,))
                await db.execute(
                    "INSERT INTO members (id, group_id, user_id, name, joined_at, active) VALUES (?, 1, ?, ?, "
                    "'2026-03-01T00:00:00+00:00', ?)", (i, i, f"{rng.choice(names)}{rng.randint(0, 3)}", int(i % 11 != 0)))
                await db.execute(
                    "INSERT INTO member_stats (group_id, member_id, all_easy, all_medium, all_hard) VALUES (1, ?, ?, ?, ?)",
                    (i, rng.randint(0, 3), rng.randint(0, 2), rng.randint(0, 1)))
        everyone = rank(await units(bot.app).practice.standings(1, "all", None))
        for top in (1, 5, 20, 100):
            cut = rank(await units(bot.app).practice.standings(1, "all", None, top=top, weights=WEIGHTS))
            assert cut[:top] == everyone[:top], top
            assert len(cut) < len(everyone) or top >= len(everyone)
