"""Mock interviews driven through the console adapter in-process: commands, rounds, feedback, no-shows."""

from __future__ import annotations

import re

from bot.domain.model import Caller
from bot.text import plain

SETUP = """
mock join
@alice mock join
@bob mock join
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
@bob mock availability add sat 10:30-12:30
"""


async def _snapshot(db) -> dict:
    tables = [r[0] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: [tuple(r) for r in await db.all(f'SELECT * FROM "{t}" ORDER BY 1')] for t in tables}


async def _rounds(bot) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in await bot.app.db.all("SELECT id, round_key FROM mock_rounds ORDER BY id")]


BAD = [
    "mock availability add funday 10:00-12:00",
    "mock availability add sat 12:00-10:00",
    "mock availability add sat 10:00-10:30",
    "mock snooze 0",
    "mock snooze many",
    "mock prefs cooking",
    "mock avoid nobody",
    "mock avoid me",
    "mock feedback alice 5,5,5,5",
    "mock feedback alice 3,3",
    "mock feedback alice 3,3,3,3",
    "mock propose thu",
    "mock confirm",
    "mock cancel",
    "group pair-now now",
    "mock",
]


async def test_bad_input_is_one_line_with_usage_and_changes_nothing(group):
    await group.script(SETUP)
    caller = Caller(platform="console", user="me", channel="study", name="me")
    before = await _snapshot(group.app.db)
    for line in BAD:
        reply = await group.app.handle_text(caller, line)
        assert reply.error, line
        assert "\n" not in plain(reply.text) and "Something went wrong" not in plain(reply.text), line
        assert await _snapshot(group.app.db) == before, line
    assert "usage: mock availability add DAY HH:MM-HH:MM" in await group.say("mock availability add sat 9-10")


async def test_availability_is_kept_in_local_time_and_shown_in_weekday_order(group):
    out = await group.script("""
mock availability add tue 19:00-21:00
mock availability add mon 07:00-08:00
mock availability add mon 07:00-08:00
mock status
""")
    assert "Availability: mon 07:00-08:00, tue 19:00-21:00 (Europe/Paris)" in out
    assert "You already have mon 07:00-08:00." in out


async def test_pair_now_pairs_those_without_a_session_and_the_weekly_round_still_runs(group):
    await group.script(SETUP + "@alice mock avoid bob\n")
    out = await group.say("group pair-now")
    assert "Pairing round done" in out
    assert "Seed " not in out and "exact" not in out  # the seed and the solver go to the log
    # me, alice, bob: alice avoids bob, so the odd one out cannot make a trio with them.
    assert out.count("Mock interview this week") == 2
    (first_out,) = re.findall(r">> @(\w+)\nMock interviews: you sit out this week", out)
    assert first_out in ("alice", "bob")
    partner = ({"alice", "bob"} - {first_out}).pop()
    assert re.search(rf"Paired: ({partner} and me|me and {partner}) \(", out), out
    assert f"Sat out: {first_out} (odd count); each is told why." in out
    # A second run pairs nobody twice: those with a session this week are left out, by name.
    again = await group.say("group pair-now")
    assert "Mock interview this week" not in again and "Nobody new was paired." in again
    assert re.search(r"Already have a session this week: (me, \w+|\w+, me)\.", again), again
    out = await group.say(":advance 7d")  # past Sunday's pairing: the weekly round runs as usual
    assert len(await _rounds(group)) == 3
    assert out.count("Mock interview this week") == 2
    # Fairness: whoever sat out last time is paired this time.
    (second_out,) = re.findall(r">> @(\w+)\nMock interviews: you sit out this week", out)
    assert {first_out, second_out} == {"alice", "bob"}


async def test_odd_count_makes_a_trio_when_three_share_a_slot(group):
    await group.script(SETUP)
    out = await group.say("group pair-now")
    assert out.count("Mock interview this week") == 3
    assert "observe" in out and "sit out" not in out


async def test_skip_and_snooze_sit_out_exactly_that_many_rounds(group):
    await group.script(SETUP + "@carol join\n@carol mock join\n@carol mock availability add sat 10:00-12:00\n")
    await group.say("@bob mock skip")
    await group.say("@carol mock snooze 2")
    out = await group.say("group pair-now")
    assert out.count("Mock interview this week") == 2
    assert "with bob" not in out and "with carol" not in out
    out = await group.say(":advance 14d")
    # Next round: bob is back, carol still snoozed; three members make a trio.
    week2 = out.split("Mock interviews: pairing tomorrow")[0] + out
    assert "bob" in week2
    seated = await group.app.db.all(
        "SELECT m.name FROM mock_seats t JOIN members m ON m.id=t.member_id JOIN mock_sessions s ON s.id=t.session_id "
        "WHERE s.round_id=(SELECT MAX(id) FROM mock_rounds)")
    assert sorted(r[0] for r in seated) == ["alice", "bob", "me"]


async def test_feedback_trend_and_three_counted_no_shows_pause_a_member(group):
    await group.script("""
mock join
@alice mock join
mock prefs coding
@alice mock prefs coding
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
""")
    out = await group.say("group pair-now")
    assert "Mock interview this week" in out
    assert "rate it afterwards" in await group.say("mock feedback alice 3,3,3,3")
    out = await group.say(":advance 7d")
    assert out.count("Reminder: mock interview tomorrow") == 2
    assert out.count("Reminder: mock interview in one hour") == 2
    assert out.count("How did ") == 2
    assert "verdict" in await group.say("mock feedback alice 3,4,3,2 clear reasoning")
    out = await group.say("mock feedback alice 3,4,3,2 hire clear reasoning")
    assert "Recorded your feedback for alice (session 1" in out and "as interviewer" in out
    assert ">> @alice\nFeedback from me, your interviewer\nclear reasoning" in out and "Verdict: Hire" in out
    assert "Updated your feedback" in await group.say("mock feedback alice 3,4,3,3 hire clear reasoning")
    me = await group.say("@alice me")
    assert "Mock interviews: 1 held" in me and "Feedback trend: 3.2" in me

    # Sunday's round still ran after pair-now: a session every Saturday. Each report waits 48 hours
    # for a dispute; alice disputes none, so each counts, and the third pauses her.
    out = ""
    for week in range(3):
        out += await group.say(":advance 7d")
        said = await group.say("mock feedback alice no-show")
        assert "did not show" in said and "dispute it for 48 hours" in said, (week, said)
        assert "A partner reported that you did not come" in said
    assert "Mock interviews paused" not in out
    out = await group.say(":advance 2d")
    assert ">> @alice\nMock interviews paused" in out and "3 missed sessions were counted" in out
    out = await group.say(":advance 7d")
    assert "Mock interview this week" not in out  # alice is paused, me has no one
    assert "Mock interviews: you're in" in await group.say("@alice mock join")


async def test_confirm_propose_and_cancel(group):
    await group.script(SETUP.replace("@bob mock join\n", ""))
    await group.say("group pair-now")
    out = await group.say("mock confirm")
    assert "Confirmed" in out and ">> @alice\nme confirmed" in out
    assert "already confirmed" in await group.say("mock confirm")
    out = await group.say("mock propose")
    assert "Free hours you share this week: 1 window" in out and "(holds your current slot)" in out
    out = await group.say("mock propose fri 18:00")
    assert ">> @alice\nme proposes another slot" in out
    # Outside alice's windows: the proposer is warned, and alice is asked explicitly.
    assert "outside the times your partner marked free" in out
    assert "This is outside the times you marked free. Can you make it?" in out
    out = await group.say("@alice mock confirm")
    assert "Moved session 1" in out and out.count("Mock interview moved") == 2
    # Proposing was confirming: both are confirmed, so no later message carries a Confirm button.
    assert "Confirmed: everyone" in out and "[Confirm:" not in out
    status = await group.say("mock status")
    assert re.search(r"Slot: Fri 06 Mar 2026 18:00", status), status
    out = await group.say("@alice mock cancel")
    assert ">> @me\nMock interview cancelled" in out
    out = await group.say(":advance 7d")
    assert "Reminder" not in out and "How did" not in out


async def test_forget_me_removes_every_mock_row(group):
    await group.script(SETUP + "mock avoid alice\n@alice mock avoid me\n")
    await group.say("group pair-now")
    await group.say(":advance 7d")
    await group.say("@alice mock feedback me 3,3,3,3")
    await group.say("forget-me confirm")
    for table in ("mock_members", "mock_availability", "mock_avoid", "mock_seats", "mock_feedback"):
        cols = [r[1] for r in await group.app.db.all(f"PRAGMA table_info({table})")]
        col = "member_id" if "member_id" in cols else "from_member"
        leftover = await group.app.db.scalar(
            f"SELECT COUNT(*) FROM {table} WHERE {col} NOT IN (SELECT id FROM members)")
        assert leftover == 0, table
    assert await group.app.db.scalar("SELECT COUNT(*) FROM mock_avoid") == 0


async def test_heads_up_has_a_skip_button_and_respects_a_skip(group):
    await group.script(SETUP)
    await group.say("@bob mock skip")
    out = await group.say(":advance 5d12h")  # Monday 07:00 -> Saturday 19:00 UTC: after the heads-up
    assert out.count("Mock interviews: pairing tomorrow") == 2
    assert "[Skip this round: mock skip]" in out
    assert ">> @bob\nMock interviews: pairing tomorrow" not in out
