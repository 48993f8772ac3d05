"""Fourteen simulated days of a five-member group, played through `studybot console` as a subprocess."""

import re

from console_script import play

from bot.content import load_pack

PACK = load_pack()
MEMBERS = {"ann": "America/New_York", "bob": "Europe/Berlin", "cy": "Asia/Kolkata", "dee": "America/Los_Angeles",
           "eve": "UTC"}


def build_script() -> str:
    lines = ["group setup timezone America/New_York post-time 09:00 ml-days none"]
    for name, tz in MEMBERS.items():
        lines += [f"@{name} join", f"@{name} profile timezone {tz}"]
    # Start Monday 2 March 2026, 12:00 UTC (07:00 in New York); the post comes at 09:00 New York time,
    # which moves from 14:00 to 13:00 UTC when New York springs forward on 8 March.
    lines.append(":advance 3h")
    for day in range(1, 15):
        lines.append("@ann problem solved minutes 20 felt ok")  # every day
        if day != 8:
            lines.append("@bob problem solved felt hard")  # misses day 8: a freeze covers it
        if day % 3 == 0:
            lines.append("@cy problem solved")
        if day == 10:
            lines.append("@dee problem solved")
            lines.append("@dee problem solved")  # the same problem twice counts once
        if day < 14:
            lines.append(":advance 1d")
    lines += ["@ann streak", "@bob streak", "leaderboard all", "@ann me", "@bob problem review"]
    return "\n".join(lines) + "\n"


def test_fourteen_days(tmp_path):
    out = play(tmp_path / "d.db", build_script(), "2026-03-02T12:00:00+00:00")

    # Posts, not the edits that keep their solve counter ("Solved by N members." under the link).
    blocks = re.findall(r"^>> #study[^\n]*\nDaily problem — (.+)\n.+\n(.+)\n", out, flags=re.M)
    posts = [title for title, after_link in blocks if not after_link.startswith("Solved by")]
    assert len(posts) == 14, posts
    assert len(set(posts)) == 14  # no duplicate

    by_title = {p.title: p for p in PACK.problems.values()}
    difficulties = [by_title[t].difficulty for t in posts]
    assert difficulties[:7] == ["easy"] * 7  # the first week builds the habit
    assert "medium" in difficulties[7:]  # then the ramp begins

    assert "ann's streak: 14 days" in out
    bob = out.split("> @bob streak")[1]
    assert "bob's streak: 13 days" in bob and "Freezes saved your streak on" in bob and "09 Mar" in bob
    assert "You had already solved" in out

    board = out.split("> leaderboard all")[1].split("\n> ")[0]
    ranking = re.findall(r"^\d+\. (\w+) — (\d+) pts", board, flags=re.M)
    assert [name for name, _ in ranking][:2] == ["ann", "bob"]
    assert int(ranking[0][1]) > int(ranking[1][1])
    assert "dee" in dict(ranking) and "eve" not in dict(ranking)

    me = out.split("> @ann me")[1]
    assert "Solved: 14/50 (general)" in me
    assert "Due now:" in out.split("> @bob problem review")[1]  # problems that felt hard come back


def test_a_group_set_up_after_its_post_time_has_a_problem_on_day_one(tmp_path):
    """As the README's quick start does it: set up at 11:00 Berlin, post time 08:30. Today's problem is
    in the channel at once; before Tuesday's post, `problem today`, `problem hint` and `problem solved`
    mean Monday's; Tuesday gets exactly one post."""
    script = "\n".join([
        "group setup timezone Europe/Berlin post-time 08:30", "join", "@ann join",
        "problem today", ":advance 20h",  # Tuesday 07:00 in Berlin, before its post
        "problem today", "problem hint", "problem solved", "@ann problem solved", ":advance 2h",
        "problem today",
    ]) + "\n"
    out = play(tmp_path / "late.db", script, "2026-03-02T10:00:00+00:00")
    setup = out.split("> join")[0]
    monday = re.search(r">> #study\nDaily problem — (.+)\n", setup)
    assert monday, setup
    title = monday.group(1)
    before = out.split("> :advance 20h")[1].split("> :advance 2h")[0]
    assert f"Latest problem — {title}" in before and "The next daily problem comes" in before
    assert "(Europe/Berlin)" not in before
    assert f"Hint — {title}" in before
    assert f"me solved '{title}'" in before.split("> problem solved")[1]
    assert f"ann solved '{title}'" in before.split("> @ann problem solved")[1]
    assert "Solved by 1 member." in before and "Solved by 2 members." in before  # the post's counter, edited
    after = out.split("> :advance 2h")[1]
    tuesday = re.findall(r">> #study\nDaily problem — (.+)\n", after)
    assert len(tuesday) == 1 and tuesday[0] != title
    assert f"Today's problem — {tuesday[0]}" in after
    blocks = re.findall(r"^>> #study[^\n]*\nDaily problem — (.+)\n.+\n(.+)\n", out, flags=re.M)
    assert [t for t, line in blocks if not line.startswith("Solved by")] == [title, tuesday[0]]
