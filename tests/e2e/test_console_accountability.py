"""Two simulated weeks of check-ins, digests and the tracker, played through `studybot console` as a
subprocess: prompts at each member's own 09:00 across three timezones (New York springs forward on
8 March), answers and an edit, a pause, the one nudge, the daily and weekly digests with the chart."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from PIL import Image

from bot.reply import Reply
from tests.integration.test_accountability import write_pack

MEMBERS = {"ann": "America/New_York", "bob": "Europe/Berlin", "cy": "Asia/Kolkata"}
SOLVES = {  # day index -> (member, problem)
    0: [("ann", "two-sum"), ("bob", "3sum")],
    1: [("ann", "valid-anagram"), ("cy", "trapping-rain-water")],
    3: [("bob", "group-anagrams"), ("ann", "binary-search")],
    8: [("ann", "top-k-frequent-elements"), ("bob", "median-of-two-sorted-arrays")],
    9: [("ann", "climbing-stairs")],
}


def build_script() -> str:
    lines = ["group setup timezone America/New_York ml-days none"]
    for name, tz in MEMBERS.items():
        lines += [f"@{name} join", f"@{name} profile timezone {tz}"]
    # The clock starts Monday 2 March 15:00 UTC: after everyone's 09:00 of that day, so the first prompts
    # come on Tuesday. Commands run at 15:00 UTC each day: 10:00 (then 11:00) New York, 16:00 Berlin,
    # 20:30 Kolkata, all after that day's prompt.
    for day in range(14):
        weekday = day % 7
        for who, problem in SOLVES.get(day, []):
            lines.append(f"@{who} problem solved {problem}")
        if weekday < 5 and day > 0:
            lines.append(f"@ann checkin done day {day} work next day {day + 1} plan blockers none")
            if day in (1, 2, 3, 4, 7):
                lines.append(f"@bob checkin done bob day {day}")
        if day == 2:
            lines.append("@bob checkin next bob edits his answer")  # the same day: an edit
        if day == 8:
            lines.append("@bob checkin pause 3")  # Tue 10 March: no prompts Wed, Thu
        if day == 10:
            lines.append("@cy checkin done back at it")  # cy answers after the nudge
        if day == 3:
            lines += ["@ann apply add Hooli role MLE stage referral", "@ann apply move hooli onsite",
                      "@ann apply list"]
        if day == 9:
            lines += ["@ann apply move hooli offer announce", "group stats", "design today", "group members",
                      "group export"]
        lines.append(":advance 1d")
    lines += ["@ann checkin", "@cy checkin"]
    return "\n".join(lines) + "\n"


def _blocks(out: str) -> list[tuple[str, str]]:
    """(header, body) of every delivery block the console printed."""
    parts = re.split(r"^(>> [#@]\w+(?: \(thread\))?)\n", out, flags=re.M)
    return [(parts[i], parts[i + 1].split("\n> ")[0]) for i in range(1, len(parts) - 1, 2)]


def test_two_weeks_of_checkins_digests_and_the_chart(tmp_path):
    pack = write_pack(tmp_path / "pack")
    db = tmp_path / "acc.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(db), "--clock", "simulated",
         "--start", "2026-03-02T15:00:00+00:00", "--content", str(pack)],
        input=build_script(), capture_output=True, text=True, timeout=120, env=env,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in out + proc.stderr
    (tmp_path / "transcript.txt").write_text(out)
    blocks = _blocks(out)

    # Prompts by DM at 09:00 in each member's own zone: the stored UTC times show the zones and New York's
    # spring-forward on Sunday 8 March (09:00 EST = 14:00 UTC, 09:00 EDT = 13:00 UTC).
    con = sqlite3.connect(db)
    ids = dict(con.execute("SELECT name, id FROM members"))
    sent = con.execute("SELECT key, created_at FROM outbox WHERE key LIKE 'checkin-%:%:%' AND user_id IS NOT NULL")
    times: dict[str, dict[str, str]] = {}
    for key, created in sent:
        _, member, day = key.split(":")
        name = next(n for n, i in ids.items() if str(i) == member)
        times.setdefault(name, {})[day] = datetime.fromisoformat(created).strftime("%H:%M")
    assert set(times["ann"].values()) == {"14:00", "13:00"}
    assert times["ann"]["2026-03-06"] == "14:00" and times["ann"]["2026-03-09"] == "13:00"
    assert set(times["bob"].values()) == {"08:00"}
    assert set(times["cy"].values()) == {"03:30"}
    weekdays = ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10",
                "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-16"]
    assert sorted(times["ann"]) == weekdays  # never on a weekend
    assert "2026-03-11" not in times["bob"] and "2026-03-12" not in times["bob"]  # paused
    assert "2026-03-13" in times["bob"]  # and back afterwards

    # cy never answers in the first week: one gentle nudge after 3 missed prompts, then only prompts
    nudges = [h for h, body in blocks if body.startswith("A gentle nudge")]
    assert nudges == [">> @cy"]
    assert con.execute("SELECT local_date FROM checkin_prompts WHERE nudge=1").fetchall() == [("2026-03-06",)]
    assert f"checkin-prompt:{ids['cy']}:2026-03-09" in {k for (k,) in con.execute("SELECT key FROM outbox")}

    # One check-in digest per group-local day with answers, each answer in exactly one of them: a header
    # in the channel, and the answers after it in its thread (which the console marks and indents)
    digests = [body + "".join(b for h, b in blocks[i + 1:i + 2] if h == ">> #study (thread)")
               for i, (h, body) in enumerate(blocks) if h == ">> #study" and body.startswith("Check-ins — ")]
    titles = [d.splitlines()[0] for d in digests]
    assert len(titles) == len(set(titles)) == 9, titles
    assert all(re.match(r"Check-ins — .+\n\d members? checked in for #study\.\n", d) for d in digests), digests
    threads = [body for h, body in blocks if h == ">> #study (thread)"]
    assert len(threads) == 9 and all(line.startswith("  ") for t in threads for line in t.splitlines() if line)
    joined = "\n".join(digests)
    for day in (1, 2, 3, 4, 7, 8, 9, 10, 11):
        assert joined.count(f"Done: day {day} work") == 1, day
    assert "Next: bob edits his answer" in joined and "back at it" in joined
    assert re.search(r"ann · streak 5", joined)

    # The weekly digests (Mondays 08:00 New York) with the chart, saved by the console
    weekly = [body for h, body in blocks if body.startswith("Weekly digest")]
    assert len(weekly) == 2
    assert "ann: 3 solves (3 easy)" in weekly[0] and "bob: 2 solves (1 medium, 1 hard)" not in weekly[0]
    assert "bob: 2 solves (2 medium)" in weekly[0] and "cy: 1 solve (1 hard)" in weekly[0]
    assert "check-ins 4/4" in weekly[0]  # ann answered every prompt of her first week
    assert "ann — Hooli (MLE)" in weekly[1] and "Offers" in weekly[1]
    saved = re.findall(r"\(saved (\S+\.png), (\d+) bytes\)", out)
    assert len(saved) == 2
    png = Path(saved[0][0]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) == int(saved[0][1]) > 8_000
    assert Image.open(io.BytesIO(png)).size == (800, 400)

    # design prompts: one a week; the tracker stays private except for the announced offer
    assert len([b for h, b in blocks if b.startswith("System design of the week")]) == 2
    # (read from the outbox: in the transcript a command's reply follows the post it caused)
    channel = "\n".join(Reply.from_json(json.loads(p)).plain_text()
                        for (p,) in con.execute("SELECT payload FROM outbox WHERE channel_id IS NOT NULL"))
    assert "referral" not in channel and "onsite" not in channel
    assert channel.count("Hooli") == 2  # the announcement and the weekly digest's offers line
    stats = out.split("> group stats")[1].split("\n> ")[0]
    # one member tracks applications: counts would be her pipeline, so none are shown (issue 12)
    assert "Applications: tracked by fewer than 3 members" in stats and "Hooli" not in stats and "offer" not in stats
    assert "Check-in streak: 9 days" in out.split("> @ann checkin\n")[1]
    assert "Active this week: " in stats and "Check-in answers (7 days): " in stats
    assert "Mock interviews (4 weeks): none scheduled" in stats

    # the organiser's member list and export (issue 14): the most recently active first, and CSV files
    # the console saved, parsed back; never the tracker
    roster = out.split("> group members\n")[1].split("\n> ")[0]
    assert "1–3 of 3 members, most recently active first" in roster
    assert [line.split(" · ")[0] for line in roster.splitlines()[2:5]] == ["ann", "bob", "cy"]
    exported = out.split("> group export\n")[1].split("\n> ")[0]
    files = dict(re.findall(r"\(saved (\S+-(\w+)\.csv), \d+ bytes\)", exported)[i][::-1] for i in range(5))
    assert set(files) == {"members", "solves", "milestones", "checkins", "mock_sessions"}
    tables = {name: list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"), newline="")))
              for name, path in files.items()}
    assert sorted(r["name"] for r in tables["members"]) == ["ann", "bob", "cy"]
    assert len(tables["solves"]) == sum(len(v) for d, v in SOLVES.items() if d <= 9)
    assert {r["timezone"] for r in tables["members"]} == set(MEMBERS.values())
    ann_days = [r for r in tables["checkins"] if r["name"] == "ann"]
    assert ann_days and all(r["prompted"] == "1" for r in ann_days)
    assert not any("Hooli" in Path(p).read_text(encoding="utf-8") for p in files.values())
