"""Organisers see their group (issue 14, must-have 4): `group members`, `group stats` as its help promises,
and `group export` as CSV files parsed back here; and the wording of issue 14's must-have 5 in the
replies members get (plurals, days in words, the group's own zone, stamps in the reader's time)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.content import load_pack
from bot.domain.model import Caller
from bot.reply import Reply
from bot.services import export
from bot.text import Rich, Said, Stamp, Styled, plain


def me(name: str = "me", user: str | None = None) -> Caller:
    return Caller(platform="console", user=user or name, channel="study", name=name, platform_admin=name == "me")


def parts(value) -> tuple:
    return value.parts if isinstance(value, Rich) else (value,)


def stamps(reply: Reply) -> list[Stamp]:
    return [p for c in reply.contents() for p in parts(c) if isinstance(p, Stamp)]


def csv_rows(reply: Reply, table: str) -> list[dict[str, str]]:
    (file,) = [f for f in reply.files if f.filename.endswith(f"-{table}.csv")]
    assert file.mime == "text/csv"
    return list(csv.DictReader(io.StringIO(file.data.decode("utf-8"), newline="")))


# -- group members ----------------------------------------------------------------------------------

async def test_group_members_lists_everyone_by_last_activity_with_stamps(group):
    bot = group  # Europe/Paris: me, alice and bob joined on Monday 2 March 07:00 UTC
    app = bot.app
    await bot.say("@alice problem solved two-sum")
    await app.advance(timedelta(hours=2))
    answered = app.clock.now()
    await bot.say("@bob checkin done read a chapter")
    reply = await app.handle_text(me(), "group members")
    assert reply.private and not reply.error
    text = reply.text.plain()
    assert "1–3 of 3 members, most recently active first (page 1 of 1)" in text
    lines = text.splitlines()[1:]
    assert [line.split(" · ")[0] for line in lines] == ["bob", "alice", "me"]
    assert "not active yet" in lines[2]
    assert "streak 1 day" in lines[1] and "1 solve this week" in lines[1] and "stage 1/" in lines[1]
    assert "streak 0 days" in lines[0] and "0 solves this week" in lines[0]
    # names are the members' words; joined and last active are stamps each reader sees in their own time
    said = [p for p in reply.text.parts if isinstance(p, Said)]
    assert [s.text for s in said] == ["bob", "alice", "me"] and all(s.by for s in said)
    found = stamps(reply)
    assert Stamp.at(answered, "R") in found
    assert [s for s in found if s.style == "D"] == [Stamp.at(datetime(2026, 3, 2, 7, tzinfo=UTC), "D")] * 3
    assert not reply.buttons
    refused = await app.handle_text(me("alice"), "group members")
    assert refused.error and "for organisers" in refused.text


async def test_group_members_pages_a_big_group(group):
    bot = group
    await bot.script("\n".join(f"@m{i:02d} join" for i in range(45)))
    await bot.say("@m07 problem solved two-sum")
    first = await bot.app.handle_text(me(), "group members")
    text = first.text.plain()
    assert "1–20 of 48 members" in text and "(page 1 of 3)" in text
    assert text.splitlines()[1].startswith("m07 · "), "the most recently active first"
    assert len(text.splitlines()) == 21
    assert [b.command for b in first.buttons] == ["group members page 2"]
    last = await bot.app.handle_text(me(), "group members page 3")
    assert "41–48 of 48 members" in last.text.plain() and len(last.text.plain().splitlines()) == 9
    assert [b.command for b in last.buttons] == ["group members page 2"]
    beyond = await bot.app.handle_text(me(), "group members page 99")
    assert "(page 3 of 3)" in beyond.text.plain(), "past the end: the last page"
    bad = await bot.app.handle_text(me(), "group members page none")
    assert bad.error and bad.usage == "group members [page N]"


# -- group stats --------------------------------------------------------------------------------------

async def _session(app, names: list[str], status: str, feedback_by: str | None = None) -> int:
    """A mock session of these members an hour ago, with its status and feedback from one of them."""
    now = app.clock.now()

    async def work(store):
        members = {m.name: m for m in await store.members.active(1)}
        round_id = await store.mock.add_round(1, f"r-{status}-{'-'.join(names)}", now, 1, "greedy")
        sid = await store.mock.add_session(round_id, 1, "coding", now - timedelta(hours=2), now - timedelta(hours=1))
        for role, name in enumerate(names):
            await store.mock.add_seat(sid, members[name].id, role, None)
        await store.mock.set_status_of(sid, status)
        if feedback_by:
            other = next(n for n in names if n != feedback_by)
            await store.mock.give_feedback(sid, members[feedback_by].id, members[other].id, (3, 3, 3, 3), "kind words",
                                           now)
        return sid
    return await app.uow.run(work)


async def test_group_stats_shows_what_its_help_promises(group):
    bot = group
    promise = await bot.say("help group stats")
    assert "Members, activity, stage distribution, mock completion" in promise
    await bot.say("@alice problem solved two-sum")
    await bot.say(":advance 7d")
    # a week's mock round, written through the repositories (the mock commands have tests of their own):
    # me and alice met and me gave feedback; bob's session was missed; a cancelled one does not count
    held = await _session(bot.app, ["me", "alice"], "done", feedback_by="me")
    await _session(bot.app, ["bob"], "missed")
    await _session(bot.app, ["bob"], "cancelled")
    stats = await bot.say("group stats")
    # activity: who did anything this group week (me gave feedback; alice's solve was last week)
    assert held and "Active this week: 1 of 3 members, since " in stats
    assert "Check-in answers (7 days): " in stats
    # mock completion: the one session was held; one of its two people gave feedback
    assert "Mock interviews (4 weeks): 1 of 2 sessions held" in stats
    assert "Mock feedback: 1 of 2 participants in held sessions gave feedback" in stats
    assert "Applications: none tracked" in stats
    assert "1. " in stats and "3/3" in stats  # the stage bars: everyone at the first stage
    reply = await bot.app.handle_text(me(), "group stats")
    week_began = datetime(2026, 3, 8, 23, tzinfo=UTC)  # Monday 9 March, midnight in Paris
    assert Stamp.at(week_began, "f") in stamps(reply)


# -- group export ------------------------------------------------------------------------------------

async def test_group_export_sends_csv_files_that_parse_back_and_never_applications(group):
    bot = group
    app = bot.app
    pack = load_pack()
    milestone = pack.roadmap("ml-engineer").stages[0].milestones[0]
    # a member whose name a spreadsheet would run as a formula
    assert not (await app.handle_text(me("=HYPERLINK(\"x\")", user="eve"), "join")).error
    await bot.script(f"""
@alice problem solved two-sum felt hard
@alice roadmap done {milestone.id}
@bob checkin done -1 bug left blockers @ops
@alice apply add SecretCorp role Staff stage onsite
""")
    await _session(app, ["me", "alice"], "done", feedback_by="alice")
    reply = await app.handle_text(me(), "group export")
    assert reply.private and not reply.error
    assert sorted(f.filename for f in reply.files) == sorted(
        f"study-2026-03-02-{t}.csv" for t in ("members", "solves", "milestones", "checkins", "mock_sessions"))
    everything = b"".join(f.data for f in reply.files)
    assert b"SecretCorp" not in everything and b"Staff" not in everything and b"onsite" not in everything
    assert b"kind words" not in everything  # never feedback notes (nor ratings)

    members = csv_rows(reply, "members")
    assert [r["name"] for r in members] == ["me", "alice", "bob", "'=HYPERLINK(\"x\")"]
    assert list(members[0]) == list(export.TABLES["members"])
    alice = next(r for r in members if r["name"] == "alice")
    assert (alice["timezone"], alice["solves_total"], alice["solves_this_week"], alice["streak_days"]) == \
        ("Europe/Paris", "1", "1", "1")
    assert alice["joined_utc"] == "2026-03-02T07:00:00Z" and alice["last_active_utc"] == "2026-03-02T07:00:00Z"
    solves = csv_rows(reply, "solves")
    assert [(r["name"], r["problem_id"], r["felt"], r["local_date"]) for r in solves] == \
        [("alice", "two-sum", "hard", "2026-03-02")]
    milestones = csv_rows(reply, "milestones")
    assert [(r["name"], r["milestone_id"], r["milestone"], r["stage"]) for r in milestones] == \
        [("alice", milestone.id, milestone.title, "1")]
    checkins = csv_rows(reply, "checkins")
    assert [(r["name"], r["answered"], r["done"], r["blockers"]) for r in checkins] == \
        [("bob", "1", "'-1 bug left", "'@ops")]
    sessions = csv_rows(reply, "mock_sessions")
    assert len(sessions) == 1 and sessions[0]["status"] == "done" and sessions[0]["feedback_given"] == "1"
    assert sessions[0]["names"] == "me; alice" and sessions[0]["no_show_reports"] == "0"
    assert sessions[0]["starts_utc"].endswith("Z") and sessions[0]["round"]
    assert "members.csv (4 rows), solves.csv (1 row), milestones.csv (1 row)" in reply.text.plain()
    assert Stamp.at(app.clock.now(), "f") in stamps(reply)
    refused = await app.handle_text(me("alice"), "group export")
    assert refused.error and "for organisers" in refused.text and not refused.files


async def test_the_export_is_bounded_and_says_what_it_cut(group, monkeypatch):
    bot = group
    await bot.script("\n".join(f"@m{i:02d} join\n@m{i:02d} problem solved two-sum" for i in range(30)))
    monkeypatch.setattr(export, "EXPORT_MAX_BYTES", 2500)
    reply = await bot.app.handle_text(me(), "group export")
    assert sum(len(f.data) for f in reply.files) <= 2500
    assert "stop at the export's size limit" in reply.text.plain()
    for f in reply.files:  # every file, cut or not, is whole rows under its header
        rows = list(csv.reader(io.StringIO(f.data.decode("utf-8"), newline="")))
        assert rows[0] and all(len(r) == len(rows[0]) for r in rows)


def test_cells_a_spreadsheet_would_run_are_kept_as_text():
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert export.cell(risky) == "'" + risky
    assert export.cell("plain -1") == "plain -1" and export.cell(-1) == -1 and export.cell(None) == ""
    assert export.cell(True) == 1
    assert export.cell(datetime(2026, 3, 2, 8, 30, tzinfo=UTC)) == "2026-03-02T08:30:00Z"


# -- wording: plurals, days in words, the group's zone, stamps, privacy ----------------------------------

async def test_join_suggests_the_groups_own_zone_and_leave_is_private(bot):
    await bot.say("group setup timezone Europe/Berlin")
    reply = await bot.app.handle_text(me("ann"), "join")
    text = reply.text.plain()
    assert "the group's, Europe/Berlin" in text and "profile timezone Europe/Berlin target faang" in text
    assert "Paris" not in text and "50 problems" in text
    assert Styled("profile timezone Europe/Berlin target faang", "code") in reply.text.parts
    left = await bot.app.handle_text(me("ann"), "leave")
    assert left.private and "ann left #study" in left.text.plain()
    for text in ("me", "profile", "forget-me"):
        await bot.app.handle_text(me("bo"), "join")
        assert (await bot.app.handle_text(me("bo"), text)).private, text


async def test_plurals_and_days_in_words(bot):
    setup = await bot.say("group setup timezone Europe/Berlin pairing-day sun ml-days sat pace 1")
    assert "Pairing: Sundays 18:00, group time" in setup and "ML questions on: Saturdays" in setup
    assert "Pace: 1 week a stage" in setup and "Daily problem: 09:00 every day, group time" in setup
    assert "ML questions on: Mondays, Wednesdays and Fridays" in await bot.say("group setup ml-days mon,wed,fri")
    assert "ML questions on: no day" in await bot.say("group setup ml-days none")
    await bot.say("join")
    await bot.say("problem solved two-sum")
    assert "me — 1 pt (1 easy) · streak 1" in await bot.say("leaderboard")
    mine = await bot.say("me")
    assert "Streak: 1 day (best 1 day, 0 freezes)" in mine
    streak = await bot.say("streak")
    assert "streak: 1 day" in streak and "Best: 1 day" in streak
    assert "Days: Mondays to Fridays" in await bot.say("group checkins")
    assert "Check-in streak: 0 days" in await bot.say("checkin")


async def test_times_in_replies_are_stamps_and_group_time_is_labelled(group):
    app = group.app  # Europe/Paris; Monday 2 March 07:00 UTC
    answered = await app.handle_text(me(), "checkin done read a paper")
    digest = datetime(2026, 3, 2, 18, tzinfo=UTC)  # 19:00 in Paris
    assert Stamp.at(digest, "f") in answered.text.parts
    assert "(Europe/Paris)" not in answered.text.plain()
    board = await app.handle_text(me(), "leaderboard")
    assert "No solves yet" in plain(board.text)
    await app.handle_text(me(), "problem solved two-sum")
    board = await app.handle_text(me(), "leaderboard")
    assert Stamp.at(datetime(2026, 3, 1, 23, tzinfo=UTC), "f") in board.footer.parts  # Monday 00:00 Paris
    assert "group time (Europe/Paris)" in board.footer.plain()
    settings = await app.handle_text(me(), "group checkins")
    assert Stamp.at(digest, "f") in stamps(settings)
