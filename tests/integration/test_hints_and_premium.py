"""Content v2 through the console: hints in tiers per member and problem, premium-only problems kept from
beginners, and the weekly design prompt chosen by the group's stage."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta
from pathlib import Path

from bot.content import load_pack
from tests.conftest import running_bot

PACK = load_pack()


async def todays_problem(bot) -> str:
    await bot.app.advance(timedelta(hours=3))  # past the 09:00 Paris post of the group fixture
    return await bot.app.db.scalar("SELECT item_id FROM daily_posts ORDER BY local_date DESC LIMIT 1")


async def test_each_ask_shows_the_next_tier_for_that_member_and_problem(group):
    bot = group
    p = PACK.problems[await todays_problem(bot)]
    (_, nudge), (_, key_idea), (_, approach) = p.tiers
    first = await bot.say("problem hint")
    assert f"Nudge: {nudge}" in first and key_idea not in first and approach not in first
    assert "Hint 1 of 3" in first and "Next hint: Key idea" in first
    second = await bot.say("problem hint")
    assert f"Key idea: {key_idea}" in second and approach not in second and nudge in second  # earlier tier kept
    third = await bot.say("problem hint")
    assert f"Approach: {approach}" in third and "that is all of them" in third
    assert f"Approach: {approach}" in await bot.say("problem hint")  # stays on the last tier
    # Another member starts from the gentlest hint.
    alice = await bot.say("@alice problem hint")
    assert f"Nudge: {nudge}" in alice and key_idea not in alice
    rows = await bot.app.db.all("SELECT m.name, h.problem_id, h.shown FROM hint_tiers h "
                                "JOIN members m ON m.id = h.member_id ORDER BY m.name")
    assert [tuple(r) for r in rows] == [("alice", p.id, 0), ("me", p.id, 2)]


async def test_a_new_day_and_a_new_problem_start_from_the_nudge(group):
    bot = group
    first = await todays_problem(bot)
    await bot.script("problem hint\nproblem hint")
    await bot.app.advance(timedelta(days=1))
    second = await bot.app.db.scalar("SELECT item_id FROM daily_posts ORDER BY local_date DESC LIMIT 1")
    assert second != first
    reply = await bot.say("problem hint")
    assert f"Nudge: {PACK.problems[second].tiers[0][1]}" in reply


async def test_forget_me_takes_the_hint_tiers_too(group):
    bot = group
    await todays_problem(bot)
    await bot.script("@alice problem hint\n@alice problem hint\nproblem hint")
    db = bot.app.db
    alice = await db.scalar("SELECT id FROM members WHERE name='alice'")
    assert await db.scalar("SELECT COUNT(*) FROM hint_tiers WHERE member_id=?", (alice,)) == 1
    reply = await bot.say("@alice forget-me")
    if "forget-me confirm" in reply:  # when forgetting asks to be confirmed first
        reply = await bot.say("@alice forget-me confirm")
    assert "deleted" in reply
    # Every table with a member column holds nothing of hers, and the other member's hints stay.
    for (table,) in await db.all("SELECT name FROM sqlite_master WHERE type='table'"):
        columns = [r[1] for r in await db.all(f'PRAGMA table_info("{table}")')]
        if "member_id" in columns:
            assert not await db.scalar(f'SELECT 1 FROM "{table}" WHERE member_id=?', (alice,)), table
    assert await db.scalar("SELECT COUNT(*) FROM hint_tiers") == 1


def premium_pack(root: Path) -> Path:
    """One free and one premium-only problem on intervals, and one roadmap stage."""
    (root / "roadmaps").mkdir(parents=True)
    (root / "problems").mkdir()
    (root / "roadmaps" / "ml-engineer.yaml").write_text(textwrap.dedent("""
        name: ml-engineer
        title: Test roadmap
        stages:
          - id: foundations
            title: Foundations
            summary: The basics.
            milestones:
              - {id: a, title: A, description: A., resource: {name: A, url: "https://a.example/"}}
              - {id: b, title: B, description: B., resource: {name: B, url: "https://b.example/"}}
              - {id: c, title: C, description: C., resource: {name: C, url: "https://c.example/"}}
        """))
    tiers = {"nudge": "A nudge of ours.", "key_idea": "A key idea of ours.", "approach": "An outline, O(n log n)."}
    problems = [
        {"id": "merge-intervals", "number": 56, "title": "Merge Intervals", "difficulty": "medium",
         "pattern": "intervals", "url": "https://leetcode.com/problems/merge-intervals/", "hints": tiers},
        {"id": "meeting-rooms", "number": 252, "title": "Meeting Rooms", "difficulty": "easy",
         "pattern": "intervals", "url": "https://leetcode.com/problems/meeting-rooms/", "premium": True,
         "free_alternative": {"name": "NeetCode — Meeting Rooms (free)",
                              "url": "https://neetcode.io/problems/meeting-schedule"},
         "hints": {k: v.replace("ours", "ours too") for k, v in tiers.items()}},
    ]
    (root / "problems" / "bank.yaml").write_text(json.dumps({"problems": problems}))
    return root


async def test_a_beginner_is_never_handed_a_premium_problem(tmp_path):
    pack = premium_pack(tmp_path / "pack")
    async with running_bot(str(tmp_path / "p.db"), content_dir=str(pack)) as bot:
        await bot.script("group setup\njoin\n@ida join\n@ida profile level intermediate")
        for _ in range(8):  # each ask draws afresh (the seed is the time)
            assert "Merge Intervals" in await bot.say("problem random topic intervals")
            await bot.app.advance(timedelta(minutes=1))
        await bot.say("problem solved merge-intervals")
        assert "solved every problem that fits" in await bot.say("problem random topic intervals")
        # From intermediate level up, the premium page is offered with the free one beside it.
        await bot.say("@ida problem solved merge-intervals")
        offer = await bot.say("@ida problem random topic intervals")
        assert "Meeting Rooms" in offer and "LeetCode Premium" in offer
        assert "https://neetcode.io/problems/meeting-schedule" in offer
        # And no daily post is ever the premium one, whatever the days bring.
        await bot.app.advance(timedelta(days=6))
        posted = [r[0] for r in await bot.app.db.all("SELECT item_id FROM daily_posts")]
        assert posted and set(posted) == {"merge-intervals"}


async def test_a_new_group_gets_an_easy_design_prompt(bot):
    await bot.script("group setup\njoin")
    shown = await bot.say("design today")
    title = shown.splitlines()[0].split(" — ", 1)[1]
    prompt = next(p for p in PACK.design_prompts.values() if p.title == title)
    assert prompt.difficulty == "easy" and "Difficulty: easy" in shown
    for point in prompt.key_points:
        assert point in shown
