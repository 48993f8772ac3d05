"""Accountability driven through the console adapter in-process: check-ins, digests, design prompts, the
application tracker and its privacy. Runs on a small content pack of its own, so it asserts on content
that does not move when the bundled pack is edited."""

from __future__ import annotations

import io
import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage

from bot.domain.model import Caller
from bot.reply import Reply
from bot.scheduling.planner import Ref
from bot.text import plain
from tests.conftest import running_bot
from tests.units import each_statement_commits

ROADMAP = """
name: ml-engineer
title: ML engineer (accountability test pack)
stages:
  - id: foundations
    title: Foundations
    summary: Python, data structures, the maths you need.
    milestones:
      - {id: python-basics, title: Python basics, description: Idiomatic Python.,
         resource: {name: The Python Tutorial, url: "https://docs.python.org/3/tutorial/"}}
      - {id: big-o, title: Big-O, description: Time and space complexity.,
         resource: {name: Big-O cheat sheet, url: "https://www.bigocheatsheet.com/"}}
      - {id: linear-algebra, title: Linear algebra, description: Vectors and matrices.,
         resource: {name: Essence of linear algebra, url: "https://www.3blue1brown.com/topics/linear-algebra"}}
"""
_PROBLEMS = [
    ("two-sum", 1, "Two Sum", "easy", "arrays-hashing"),
    ("contains-duplicate", 217, "Contains Duplicate", "easy", "arrays-hashing"),
    ("valid-anagram", 242, "Valid Anagram", "easy", "arrays-hashing"),
    ("valid-parentheses", 20, "Valid Parentheses", "easy", "stack"),
    ("binary-search", 704, "Binary Search", "easy", "binary-search"),
    ("reverse-linked-list", 206, "Reverse Linked List", "easy", "linked-list"),
    ("climbing-stairs", 70, "Climbing Stairs", "easy", "dp-1d"),
    ("invert-binary-tree", 226, "Invert Binary Tree", "easy", "trees"),
    ("3sum", 15, "3Sum", "medium", "two-pointers"),
    ("group-anagrams", 49, "Group Anagrams", "medium", "arrays-hashing"),
    ("top-k-frequent-elements", 347, "Top K Frequent Elements", "medium", "arrays-hashing"),
    ("trapping-rain-water", 42, "Trapping Rain Water", "hard", "two-pointers"),
    ("median-of-two-sorted-arrays", 4, "Median of Two Sorted Arrays", "hard", "binary-search"),
]
DESIGN = [
    ("url-shortener", "Design a URL shortener", "classic"),
    ("news-feed", "Design a news feed", "classic"),
    ("video-recommendations", "Design video recommendations", "ml"),
]


def write_pack(root: Path) -> Path:
    """A small content pack: one roadmap stage, 13 problems, 3 design prompts."""
    (root / "roadmaps").mkdir(parents=True, exist_ok=True)
    (root / "problems").mkdir(exist_ok=True)
    (root / "design").mkdir(exist_ok=True)
    (root / "roadmaps" / "ml-engineer.yaml").write_text(textwrap.dedent(ROADMAP))
    problems = [
        {"id": pid, "number": n, "title": title, "difficulty": diff, "pattern": pattern,
         "url": f"https://leetcode.com/problems/{pid}/", "hint": f"A hint for {title}, in our own words."}
        for pid, n, title, diff, pattern in _PROBLEMS
    ]
    (root / "problems" / "bank.yaml").write_text(json.dumps({"problems": problems}))
    prompts = [
        {"id": pid, "title": title, "kind": kind, "brief": f"{title} for a million users.",
         "key_points": ["Clarifies requirements", "Estimates load", "Names the trade-offs"]}
        for pid, title, kind in DESIGN
    ]
    (root / "design" / "prompts.yaml").write_text(json.dumps({"prompts": prompts}))
    return root


START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday: 10:00 in New York, 16:00 in Berlin


@pytest.fixture
def pack(tmp_path) -> Path:
    return write_pack(tmp_path / "pack")


@pytest.fixture
async def acc(tmp_path, pack):
    """A New York group with alice (New York), bob (Berlin) and cy (Kolkata); `me` organises."""
    async with running_bot(str(tmp_path / "acc.db"), START, content_dir=str(pack)) as bot:
        await bot.script("""
group setup timezone America/New_York ml-days none
@alice join
@alice profile timezone America/New_York
@bob join
@bob profile timezone Europe/Berlin
@cy join
@cy profile timezone Asia/Kolkata
""")
        yield bot


async def outbox(bot) -> list[tuple[str, int | None, int | None, Reply]]:
    rows = await bot.app.db.all("SELECT key, user_id, channel_id, payload FROM outbox ORDER BY id")
    return [(r[0], r[1], r[2], Reply.from_json(json.loads(r[3]))) for r in rows]


async def digests(bot) -> list[tuple[Reply, list[Reply]]]:
    """Each day's check-in digest: the header posted in the channel and the replies in its thread."""
    rows = await bot.app.db.all(
        "SELECT key, thread_of, channel_id, payload FROM outbox WHERE key LIKE 'checkin-digest:%' ORDER BY id")
    found: dict[str, tuple[Reply, list[Reply]]] = {}
    for key, parent, channel, payload in rows:
        assert channel is not None, "a digest goes to the group's channel"
        reply = Reply.from_json(json.loads(payload))
        if parent is None:
            found[key] = (reply, [])
        else:
            found[parent][1].append(reply)
    return list(found.values())


def digest_text(digest: tuple[Reply, list[Reply]]) -> str:
    header, thread = digest
    return "\n".join(r.plain_text() for r in (header, *thread))


async def keys(bot, prefix: str) -> list[str]:
    return [k for k, *_ in await outbox(bot) if k.startswith(prefix)]


async def member_id(bot, name: str) -> int:
    return await bot.app.db.scalar("SELECT id FROM members WHERE name=?", (name,))


async def planned(bot, kind: str | None = None) -> int:
    """How many subjects the schedule has planned (of one kind)."""
    return await bot.app.uow.run(lambda store: store.schedule.count(kind))


async def planned_at(bot, kind: str, subject: int) -> datetime | None:
    return await bot.app.uow.run(lambda store: store.schedule.due_at(kind, subject))


async def trigger(bot, kind: str, subject: int):
    """The trigger a subject is planned from, as the settings stand now."""
    return await bot.app.uow.run(lambda store: bot.app.timer.planner.trigger_of(store, Ref(kind, subject)))


def caller(name: str, channel: str = "study", forms: bool = False) -> Caller:
    return Caller(platform="console", user=name, channel=channel, name=name, forms=forms)


async def test_checkin_opens_a_form_where_forms_exist_and_the_form_answers(acc):
    app = acc.app
    reply = await app.handle_text(caller("alice", forms=True), "checkin")
    assert reply.form is not None and reply.private
    assert [f.param for f in reply.form.fields] == ["done", "next", "blockers"]
    assert all(f.long for f in reply.form.fields)
    assert reply.form.command == "checkin"
    # a one-line answer never opens the form
    assert (await app.handle_text(caller("alice", forms=True), "checkin done a")).form is None
    # the modal's submission completes the same command
    done = await app.handle(caller("alice", forms=True), ("checkin",), {"done": "two-sum\nand 3sum",
                                                                         "next": "trees", "blockers": ""})
    assert not done.error and done.private
    assert "Check-in updated" in done.plain_text() and "two-sum\nand 3sum" in done.plain_text()
    # without forms (the console) `checkin` shows where you stand
    assert "Your check-in" in await acc.say("@alice checkin")


async def test_the_form_asks_the_groups_own_questions_and_only_those(acc):
    app = acc.app
    reply = await app.handle_text(caller("alice", forms=True), "checkin")
    assert [f.label for f in reply.form.fields] == ["What did you get done since last time?",
                                                    "What will you do next?", "Anything blocking you?"]
    await acc.say("group checkins questions What did you ship?; Who can help you?")
    reply = await app.handle_text(caller("alice", forms=True), "checkin")
    assert [(f.param, f.label) for f in reply.form.fields] == [("done", "What did you ship?"),
                                                               ("next", "Who can help you?")]
    # From a DM, the one group of the person is meant, as for a typed check-in.
    reply = await app.handle_text(caller("alice", channel="dm-alice", forms=True), "checkin")
    assert [f.label for f in reply.form.fields] == ["What did you ship?", "Who can help you?"]
    # No form where the check-in could not be sent: the reason instead.
    reply = await app.handle_text(caller("zed", forms=True), "checkin")
    assert reply.form is None and reply.error and "join" in plain(reply.text)
    await acc.say("group checkins off")
    reply = await app.handle_text(caller("alice", forms=True), "checkin")
    assert reply.form is None and reply.error and "Check-ins are off" in plain(reply.text)


async def test_answer_from_a_dm_and_edit_the_same_day_then_the_digest(acc):
    bot = acc
    await bot.say(":channel dm-bob")
    out = await bot.say("@bob checkin done read chapter 3 next two-sum blockers none")
    assert "Checked in for Mon 02 Mar" in out
    assert "Check-in updated" in await bot.say("@bob checkin blockers a flaky laptop")
    assert "no study group" in await bot.say("@zed checkin done x")  # not a member anywhere
    await bot.say(":channel study")
    await bot.say(":advance 10h")  # past 19:00 New York: the day's digest
    (digest,) = await digests(bot)
    header, thread = digest
    assert header.title == "Check-ins — Mon 02 Mar" and header.text == "1 member checked in for #study."
    assert not header.fields, "the answers go in the header's thread"
    assert len(thread) == 1
    text = digest_text(digest)
    assert "read chapter 3" in text and "a flaky laptop" in text and "Blockers: none" not in text
    # an edit after the digest, still on bob's Monday? No: it is Tuesday in Berlin now, so a new answer.
    assert "Checked in for Tue 03 Mar" in await bot.say("@bob checkin done two-sum")
    await bot.say(":advance 1d")
    second = digest_text((await digests(bot))[1])
    assert "two-sum" in second and "read chapter 3" not in second  # each answer appears once


async def test_an_edit_after_the_digest_is_posted_again_marked_updated(acc):
    bot = acc
    await bot.say(":advance 3h")  # 18:00 UTC: 13:00 in New York
    await bot.say("@alice checkin done arrays")
    await bot.say(":advance 2h")  # 20:00 UTC: 15:00 New York, digest not yet
    await bot.say("@alice checkin next trees")
    await bot.say(":advance 5h")  # 01:00 UTC: 20:00 New York, digest posted; still Monday for alice
    await bot.say("@alice checkin blockers none")
    await bot.say(":advance 1d")
    texts = [digest_text(d) for d in await digests(bot)]
    assert len(texts) == 2
    assert "alice · streak" in texts[0] and "Next: trees" in texts[0]
    assert "alice (updated)" in texts[1] and "Blockers: none" in texts[1]


async def test_prompts_follow_each_members_timezone_and_settings(acc):
    bot = acc
    ids = {name: await member_id(bot, name) for name in ("alice", "bob", "cy")}
    assert all([await planned_at(bot, "checkin", i) is not None for i in ids.values()])
    assert "Asia/Kolkata" in repr(await trigger(bot, "checkin", ids["cy"]))
    await bot.say(":advance 1d")  # to Tuesday 15:00 UTC
    sent = await bot.app.db.all("SELECT key, created_at FROM outbox WHERE key LIKE 'checkin-prompt:%' ORDER BY id")
    by_key = {k: datetime.fromisoformat(t) for k, t in sent}
    assert by_key[f"checkin-prompt:{ids['cy']}:2026-03-03"].strftime("%H:%M") == "03:30"
    assert by_key[f"checkin-prompt:{ids['bob']}:2026-03-03"].strftime("%H:%M") == "08:00"
    assert by_key[f"checkin-prompt:{ids['alice']}:2026-03-03"].strftime("%H:%M") == "14:00"

    # The organiser changes the schedule: each member's instant is replaced, not added.
    before = await planned(bot)
    out = await bot.say("group checkins days tue,thu time 07:15 questions What did you ship?; What is next?")
    assert "Days: Tuesdays and Thursdays" in out and "Time: 07:15, each member's own time" in out
    assert "Digest: daily at 17:15, group time (America/New_York); next " in out
    assert await planned(bot) == before
    assert "day_of_week='tue,thu'" in repr(await trigger(bot, "checkin", ids["bob"]))
    # 07:15 on Tuesdays and Thursdays in bob's own zone (Berlin, UTC+1 in early March): Thursday the 5th
    assert await planned_at(bot, "checkin", ids["bob"]) == datetime(2026, 3, 5, 6, 15, tzinfo=UTC)
    assert "no 'blockers'" in await bot.say("@bob checkin blockers none")
    await bot.say(":advance 2d")  # to Thursday 15:00 UTC
    thursday = await keys(bot, "checkin-prompt:")
    assert f"checkin-prompt:{ids['bob']}:2026-03-05" in thursday
    assert f"checkin-prompt:{ids['bob']}:2026-03-04" not in thursday  # Wednesday is no longer a check-in day
    prompt = next(r for k, *_, r in await outbox(bot) if k == f"checkin-prompt:{ids['bob']}:2026-03-05")
    assert "What did you ship?" in prompt.text.plain() and "Anything blocking" not in prompt.text.plain()

    assert "for organisers" in await bot.say("@bob group checkins off")
    assert "Check-ins are off" in await bot.say("group checkins off")
    assert "already off" in await bot.say("group checkins off")
    assert await planned(bot, "checkin") == 0 and await planned(bot, "checkin-digest") == 0
    assert "Check-ins are off" in await bot.say("@bob checkin done x")
    assert "are on" in await bot.say("group checkins")
    assert await planned_at(bot, "checkin", ids["bob"]) is not None


async def test_bad_input_is_one_line_with_usage_and_changes_nothing(acc):
    bot = acc
    before = await bot.app.db.all("SELECT * FROM checkin_settings")
    for line, message in [
        ("group checkins days funday", "not a weekday"),
        ("group checkins time 25:00", "not a time of day"),
        ("group checkins questions a;b;c;d", "at most 3 questions"),
        ("@alice checkin pause -1", "at least 0"),
        ("@alice checkin pause", "needs DAYS"),
        ("@alice checkin pause 91", "at most 90"),
        ("@alice checkin sideways", "Unexpected 'sideways'"),
        ("@alice apply add", "needs COMPANY"),
        ("@alice apply add Acme stage hired", "stage must be one of"),
        ("@alice apply move Acme onsite", "not tracking 'Acme'"),
        ("@alice apply move Acme onsite announce", "Only an offer"),
        ("@zed apply list", "not in this study group"),
    ]:
        out = await bot.say(line)
        assert message in out, (line, out)
        assert "Traceback" not in out and len(out.strip().splitlines()) <= 2, out
    assert await bot.app.db.all("SELECT * FROM checkin_settings") == before
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM applications") == 0
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM checkin_pauses") == 0


async def test_pause_silences_prompts_and_paused_days_are_not_missed(acc):
    bot = acc
    cy = await member_id(bot, "cy")
    assert "No check-in prompts until Thu 05 Mar" in await bot.say("@cy checkin pause 3")
    await bot.say(":advance 4d")  # to Friday 15:00 UTC
    got = sorted(k.rsplit(":", 1)[1] for k in await keys(bot, f"checkin-prompt:{cy}:"))
    assert got == ["2026-03-05", "2026-03-06"]  # Tue and Wed were paused (Mon had passed in Kolkata)
    assert not await keys(bot, f"checkin-nudge:{cy}:")
    assert "back on" in await bot.say("@cy checkin pause 0")


async def test_design_today_matches_the_weekly_post_and_does_not_repeat(acc):
    bot = acc
    today = await bot.say("design today")
    title = today.splitlines()[0]
    assert title.startswith("System design of the week — ")
    assert "check yourself against" in today
    await bot.say(":advance 3w")
    posts = [r.title for k, *_, r in await outbox(bot) if k.startswith("design:")]
    assert len(posts) == 3  # 9, 16 and 23 March; this week's was chosen by `design today`, not posted
    chosen = [title, *posts]
    assert len(set(chosen[:3])) == 3  # 3 prompts in the pack: none repeats before all were used
    assert chosen[3] in chosen[:3]
    assert posts[-1] in await bot.say("@cy design today")


async def test_weekly_digest_with_chart_milestones_offers_and_no_mock_interviews(acc):
    bot = acc
    await bot.script("""
@alice problem solved two-sum
@alice problem solved 3sum
@bob problem solved trapping-rain-water
@cy roadmap done big-o
@alice apply add Acme
@alice apply move Acme offer announce
:advance 1d
@bob problem solved valid-anagram
:advance 6d
""")
    posts = [(k, r) for k, _, ch, r in await outbox(bot) if k.startswith("digest:")]
    assert [k for k, _ in posts] == ["digest:1:2026-03-02"]
    reply = posts[0][1]
    text = reply.plain_text()
    assert "Weekly digest — Mon 02 Mar – Sun 08 Mar" in text
    assert "4 problems" in text
    assert "alice: 2 solves (1 easy, 1 medium)" in text and "bob: 2 solves (1 easy, 1 hard)" in text
    assert "cy: Big-O" in text and "alice — Acme" in text
    assert "Mock interviews: 0" in text  # nobody was paired this week
    assert reply.image is not None and reply.image.data[:8] == b"\x89PNG\r\n\x1a\n"
    img = PILImage.open(io.BytesIO(reply.image.data))
    assert img.size == (800, 400)
    # the console saved it and printed its path
    out = bot.out.getvalue()
    assert "(saved " in out and "digest-1-2026-03-02.png" in out


async def test_weekly_digest_counts_the_mock_sessions_done_that_week(acc):
    bot = acc
    db = bot.app.db
    async with each_statement_commits(db):
        round_id = await db.insert(
            "INSERT INTO mock_rounds (group_id, round_key, round_at, seed, method) VALUES (1, '2026-03-01', ?, 7, 'exact')",
            (datetime(2026, 3, 1, 18, tzinfo=UTC).isoformat(),))
        for day, status in ((3, "done"), (4, "done"), (5, "cancelled"), (10, "done")):
            when = datetime(2026, 3, day, 18, 0, tzinfo=UTC)
            await db.execute(
                "INSERT INTO mock_sessions (round_id, group_id, kind, starts_at, ends_at, status) VALUES (?, 1, 'coding', ?, ?, ?)",
                (round_id, when.isoformat(), (when + timedelta(hours=1)).isoformat(), status))
    await bot.say(":advance 7d")
    digest = next(r for k, *_, r in await outbox(bot) if k.startswith("digest:"))
    assert "Mock interviews: 2" in digest.plain_text()


async def test_nobody_else_ever_sees_someones_applications(acc):
    bot = acc
    secret = ["Initech", "Globex Corporation", "Umbrella Health"]
    await bot.script(f"""
@alice apply add {secret[0]} role Staff Wizard stage referral
@alice apply add {secret[1]} role Quantum Gardener
@alice apply add {secret[2]}
@alice apply move initech phone-screen
@alice apply move "{secret[1]}" onsite
@alice apply move umbrella offer
""")
    alice_out = await bot.say("@alice apply list")
    assert all(s in alice_out for s in secret)
    # every reply any other person can get, and their attempts to reach alice's entries
    others = []
    for who in ("bob", "cy", "me"):
        for line in ("apply list", "me", "group stats", "leaderboard all", "checkin", "design today", "help apply",
                     "roadmap", "streak", f"apply move {secret[0]} offer announce", "apply move glob onsite",
                     f"apply add {secret[0]}"):
            others.append(await bot.say(f"@{who} {line}"))
    await bot.say(":advance 15d")  # prompts, digests, design posts, weekly digests
    stats = await bot.say("group stats")
    # counts only, in the tracker's stage order (bob and cy each added an Initech of their own above)
    assert "Applications: 5 by 3 members: 2 applied, 1 phone-screen, 1 onsite, 1 offer" in stats
    bob_tracker = await bot.say("@bob apply list")
    assert secret[0] in bob_tracker  # bob added his own Initech entry above: his, not alice's
    assert "Initech: applied since" in bob_tracker and "referral since" not in bob_tracker

    alice_user = await bot.app.db.scalar("SELECT user_id FROM members WHERE name='alice'")
    seen_by_others = "\n".join(others) + "\n".join(
        r.plain_text() for _, user, _, r in await outbox(bot) if user != alice_user
    )
    for s in secret[1:]:
        assert s.lower() not in seen_by_others.lower(), s
    assert "Staff Wizard" not in seen_by_others and "Quantum Gardener" not in seen_by_others
    # only an offer its member chooses to announce reaches the channel, and nothing else of hers
    await bot.say("@alice apply move umbrella offer announce")
    shared = [r.plain_text() for k, _, ch, r in await outbox(bot) if ch is not None and secret[2] in r.plain_text()]
    assert len(shared) == 1 and secret[0] not in shared[0] and secret[1] not in shared[0]
    assert "already announced" in await bot.say("@alice apply move umbrella offer announce")


async def test_forget_me_removes_checkins_and_applications(acc):
    bot = acc
    await bot.script("""
@alice checkin done arrays
@alice checkin pause 2
@alice apply add Acme
:advance 1d
""")
    alice = await member_id(bot, "alice")
    assert "deleted" in await bot.say("@alice forget-me confirm")
    for table in ("checkin_answers", "checkin_prompts", "checkin_pauses", "applications"):
        assert await bot.app.db.scalar(f"SELECT COUNT(*) FROM {table} WHERE member_id=?", (alice,)) == 0, table
    assert await planned_at(bot, "checkin", alice) is None


async def test_long_answers_are_shortened_in_the_digest_but_kept_whole(acc):
    bot = acc
    long = "a" * 990
    await bot.say(f"@alice checkin done {long} next {long} blockers {long}")
    assert await bot.app.db.scalar("SELECT length(done) FROM checkin_answers") == 990
    await bot.say(":advance 10h")
    (_, (answers,)) = (await digests(bot))[0]
    assert all(len(f.value) <= 1024 for f in answers.fields)  # Discord's cap on an embed field
    assert "…" in answers.fields[0].value.plain()
