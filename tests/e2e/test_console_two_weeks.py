"""Two simulated weeks of a new group, played through `studybot console` as one organiser (Berlin) and
three members (New York, Kolkata, Sydney) would (issue 14): every time a reply or a direct message shows
is in its reader's own zone (New York reads -05:00, then -04:00 after its clocks change on 8 March);
the problem is at hand from the first minute; mistakes are undone; the organiser lists and exports the
group (the CSV files parsed back).

The console prints a stamp as `Mon 02 Mar 2026 10:30 UTC-05:00`: the offset names the zone it was shown
in, so the transcript can be checked reader by reader.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from console_script import play

from bot.content import load_pack

ZONES = {"me": "Europe/Berlin", "ann": "America/New_York", "ravi": "Asia/Kolkata", "zoe": "Australia/Sydney"}
# Saturday 14:00-18:00 UTC, written in each member's own time (Sydney's is already Sunday).
WINDOWS = {"me": "sat 15:00-19:00", "ann": "sat 09:00-13:00", "ravi": "sat 19:30-23:30", "zoe": "sun 01:00-05:00"}
START = "2026-03-02T10:00:00+00:00"  # Monday, 11:00 in Berlin: after the group's 08:30 post time
PACK = load_pack()


def offsets(zone: str, first: datetime, last: datetime) -> set[str]:
    """Every UTC offset the zone has between two instants, as the console prints it (+05:30)."""
    tz, found = ZoneInfo(zone), set()
    for day in range((last - first).days + 30):  # stamps may point a few weeks ahead (due dates)
        when = first.timestamp() + day * 86400
        offset = datetime.fromtimestamp(when, tz).strftime("%z")
        found.add(f"{offset[:3]}:{offset[3:]}")
    return found


def script() -> str:
    lines = ["group setup timezone Europe/Berlin post-time 08:30 pairing-day sun pairing-time 09:00",
             "join", "problem today"]
    for name, zone in ZONES.items():
        who = "" if name == "me" else f"@{name} "
        if name != "me":
            lines.append(f"{who}join")
        lines += [f"{who}profile timezone {zone}", f"{who}mock join", f"{who}mock availability add {WINDOWS[name]}"]
    stage3 = PACK.roadmaps["ml-engineer"].stages[2]
    lines += [
        "@ann problem today", "@ravi problem today", "@zoe problem today",
        "@ann problem solved", "@ann problem unsolve two-sum",  # a solve she never made: one clear line
        "@ann checkin done read the roadmap next two problems",
        # overlapping windows merge, and one can be taken back
        "@ann mock availability add sat 12:00-14:00", "@ann mock status",
        "@ann mock availability remove sat 13:00-14:00",
        "@ann apply add Acme role MLE", "@ann apply remove Acme", "@ann apply list",
        f"@ann roadmap {stage3.title.split()[0]}", f"@ann roadmap done {stage3.milestones[0].id}",
        ":advance 1d",
    ]
    for day in range(2, 15):
        lines += ["@ann problem today", "@ann problem solved felt ok", "@ravi problem solved felt hard"]
        if day == 4:
            lines.append("@zoe problem solved")
        if day in (6, 13):  # Saturday: the mock week's state, read by each in their own time
            lines += ["@ann mock status", "@ravi mock status", "@zoe mock status", "mock status"]
        if day == 8:
            lines += ["@ann me", "@ann problem review", "group members", "group stats"]
        lines.append(":advance 1d")
    lines += ["@ann streak", "@ann me", "group members", "group export", "help"]
    return "\n".join(lines) + "\n"


def blocks(out: str) -> list[tuple[str, str]]:
    """The transcript as (reader, text): a command's reply is read by whoever typed it (`> @ann ...`,
    or the console's own user), a DM (`>> @ann`) by its recipient, a channel post by the console's user."""
    found: list[tuple[str, list[str]]] = []
    for line in out.splitlines():
        typed = re.match(r"> (?:@(\w+) )?", line) if line.startswith("> ") else None
        dm = re.match(r">> @(\w+)", line)
        if dm:
            found.append((dm.group(1), []))
        elif line.startswith(">> #"):
            found.append(("me", []))
        elif typed:
            found.append((typed.group(1) or "me", []))
        elif found:
            found[-1][1].append(line)
    return [(who, "\n".join(text)) for who, text in found]


def test_two_weeks_in_four_timezones(tmp_path: Path):
    db = tmp_path / "d.db"
    out = play(db, script(), START, timeout=600)

    first, last = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)
    allowed = {name: offsets(zone, first, last) for name, zone in ZONES.items()}
    assert allowed["ann"] == {"-05:00", "-04:00"} and allowed["ravi"] == {"+05:30"}

    # 1. Every instant shown is in its reader's zone: never bare UTC, never another reader's offset.
    seen: dict[str, set[str]] = {name: set() for name in ZONES}
    for reader, body in blocks(out):
        assert reader in ZONES, reader
        shown = set(re.findall(r"\d\d:\d\d UTC([+-]\d\d:\d\d)?", body))
        assert "" not in shown, f"a time in bare UTC for {reader}:\n{body}"
        assert shown <= allowed[reader], f"{reader} read {shown - allowed[reader]}:\n{body}"
        seen[reader] |= shown
        assert "(Europe/Berlin)" not in body or reader == "me", f"group time shown as the reader's:\n{body}"
    assert seen["ann"] == {"-05:00", "-04:00"}, "New York reads both sides of its clock change"
    assert seen["ravi"] == {"+05:30"} and "+11:00" in seen["zoe"] and "+01:00" in seen["me"]

    # 2. The problem is there from the first minute: set up after 08:30, the day's post came at once,
    # and exactly one a day followed.
    setup = out.split("> group setup")[1].split("\n> ")[0]
    assert ">> #study\nDaily problem — " in setup
    posts = re.findall(r">> #study\nDaily problem — (.+)", out)
    assert len(posts) == 15 and len(set(posts)) == 15, posts  # 2 March to 16 March, one each
    today = out.split("> problem today")[1].split("\n> ")[0]
    assert posts[0] in today and "There is no daily problem" not in out

    # 3. Undo: a solve she never made is refused in one line; windows merge, then a part is removed;
    # an application goes; a later stage's milestones are listed with their ids and one is ticked.
    unsolve = out.split("> @ann problem unsolve two-sum")[1].split("\n> ")[0]
    assert "Traceback" not in unsolve and len(unsolve.strip().splitlines()) <= 3
    status = out.split("> @ann mock availability add sat 12:00-14:00")[1].split("\n> ")[0]
    assert "09:00-14:00" in status or "09:00–14:00" in status, status
    removed = out.split("> @ann mock availability remove sat 13:00-14:00")[1].split("\n> ")[0]
    assert "Removed" in removed
    assert "Acme" not in out.split("> @ann apply list")[1].split("\n> ")[0]
    stage3 = PACK.roadmaps["ml-engineer"].stages[2]
    stage_view = out.split(f"> @ann roadmap {stage3.title.split()[0]}")[1].split("\n> ")[0]
    assert all(m.id in stage_view for m in stage3.milestones)
    assert "Ticked" in out.split(f"> @ann roadmap done {stage3.milestones[0].id}")[1].split("\n> ")[0]

    # 4. The organiser sees the group: members with their activity, and an export parsed back.
    members = out.split("> group members")[-1].split("\n> ")[0]
    for name in ("ann", "ravi", "zoe"):
        assert name in members
    export = out.split("> group export")[1].split("\n> ")[0]
    paths = [Path(p) for p in re.findall(r"\(saved (\S+\.csv)", export)]
    assert {p.name.split("-")[-1] for p in paths} >= {"members.csv", "solves.csv"} or len(paths) >= 2, export
    tables = {p.name: list(csv.DictReader(p.open(newline=""))) for p in paths}
    member_rows = next(rows for name, rows in tables.items() if "members" in name)
    assert {row["name"] for row in member_rows} == {"me", "ann", "ravi", "zoe"}
    solve_rows = next(rows for name, rows in tables.items() if "solves" in name)
    by_member = {row["member_id"] for row in solve_rows}
    assert len(solve_rows) >= 26 and len(by_member) >= 2  # ann and ravi solved every day but the first
    assert not any("appl" in name for name in tables), "applications are never exported"

    # The post's solve counter: each solve edits the post, and the console prints only the changed line.
    edits = re.findall(r">> #study \(edited\)\n(.+)\n", out)
    assert edits and all(re.fullmatch(r"Solved by \d+ members?\.", line) for line in edits), edits[:5]
    assert "Solved by 2 members." in edits

    # 5. Wording: plurals right, days in words.
    assert not re.search(r"(?<![\d,])1 (days|pts|points|members|solves|sessions|weeks)\b", out)
    assert "Sundays 09:00" in setup
