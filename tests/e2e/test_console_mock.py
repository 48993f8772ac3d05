"""Four weekly mock-interview rounds of eight members in four timezones, through `studybot console`, with a
mid-week `group pair-now` for two newcomers, a reschedule, a disputed no-show and a `leave` with a
session still to come; every calendar invite sent is parsed back with `icalendar`.

New York moves its clocks on 8 March, between setting up and the first round, and London on 29 March,
just after the third round's sessions, so every slot read in a member's own time also checks that
availability follows their wall clock.

The weeks run as four console sessions on one database (each starts where the last stopped, as a bot
restarted on its data would): between them the test reads who was paired with whom, so the next script
can name them, as a person reading their DMs would.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.content import load_pack
from bot.domain.availability import Window, intervals, shared
from bot.domain.timeutil import WEEKDAYS, parse_time_range

# One level for all: with levels equal, alternating who goes first is what decides between pairings
# (it ranks below levels in the objective), so the test can demand it from week to week.
MEMBERS = {  # name: (timezone, level, weekly windows in local time)
    "ann": ("America/New_York", "intermediate", ["sat 10:00-13:00", "sun 10:00-13:00", "wed 12:00-14:00"]),
    "abe": ("America/New_York", "intermediate", ["sat 10:00-13:00", "sun 09:00-12:00"]),
    "bea": ("Europe/London", "intermediate", ["sat 14:00-17:00", "sun 14:00-17:00", "wed 16:00-18:00"]),
    "bo": ("Europe/London", "intermediate", ["sat 13:00-16:00", "sun 14:00-17:00"]),
    "cai": ("Asia/Kolkata", "intermediate", ["sat 19:30-22:30", "sun 19:30-22:30"]),
    "cyd": ("Asia/Kolkata", "intermediate", ["sat 19:00-22:00", "sun 20:00-23:00", "wed 21:30-23:30"]),
    "dee": ("America/Los_Angeles", "intermediate", ["sat 07:00-10:00", "sun 07:00-10:00"]),
    "dan": ("America/Los_Angeles", "intermediate", ["sat 06:30-09:30", "sun 07:00-10:00"]),
}
NEWCOMERS = {"eve": ("Europe/Berlin", "intermediate", ["sat 15:00-18:00"]),
             "fay": ("Europe/Berlin", "intermediate", ["sat 16:00-19:00"])}
EVERYONE = {**MEMBERS, **NEWCOMERS}
START = "2026-03-02T12:00:00+00:00"
WEEK1, WEEK2, WEEK3, END = ("2026-03-09T00:00:00+00:00", "2026-03-16T00:00:00+00:00",
                            "2026-03-23T00:00:00+00:00", "2026-03-30T00:00:00+00:00")
STAMP = re.compile(r"(\w{3} \d\d \w{3} \d{4} \d\d:\d\d) UTC([+-]\d\d:\d\d)?")
PACK = load_pack()


def console(db: Path, script: str, start: str) -> str:
    """Pipe `script` into `studybot console` on the simulated clock from `start`; the transcript.

    Delivered messages are kept for 90 days here (14 by default), so the test can read every invite
    as it was sent, weeks later."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    env["STUDYBOT_OUTBOX_RETENTION_DAYS"] = "90"
    proc = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(db), "--clock", "simulated", "--start", start],
        input=script, capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    with db.with_name("transcript.txt").open("a") as fh:
        fh.write(proc.stdout)
    return proc.stdout


def blocks(out: str) -> list[tuple[str, str, bool, str]]:
    """(week marker, recipient, edited, body) of every direct message, in delivery order."""
    week, found = "setup", []
    for chunk in re.split(r"\n(?=>)", out):
        head, _, body = chunk.partition("\n")
        if head.startswith("> # "):
            week = head[4:]
        elif head.startswith(">> @"):
            who, edited = head[4:], head.endswith(" (edited)")
            found.append((week, who.removesuffix(" (edited)"), edited, body))
    return found


def replies(out: str, line: str) -> str:
    """What the console printed after one typed line (deliveries included) up to the next echoed line."""
    after = out.split(f"\n> {line}\n", 1)[1]
    return re.split(r"\n(?=> )", after, maxsplit=1)[0]


def local_stamp(text: str) -> datetime:
    """A stamp as the console shows it ("Sat 14 Mar 2026 10:00 UTC-04:00") -> the instant."""
    m = STAMP.search(text)
    assert m, text
    when = datetime.strptime(m.group(1), "%a %d %b %Y %H:%M")
    sign, hh, mm = (m.group(2)[0], int(m.group(2)[1:3]), int(m.group(2)[4:])) if m.group(2) else ("+", 0, 0)
    delta = timedelta(hours=hh, minutes=mm) * (1 if sign == "+" else -1)
    return (when - delta).replace(tzinfo=UTC)


def offset_of(name: str, when: datetime) -> str:
    off = when.astimezone(ZoneInfo(EVERYONE[name][0])).utcoffset()
    if not off:
        return "UTC"
    minutes = int(off.total_seconds()) // 60
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def in_windows(name: str, start: datetime, end: datetime) -> bool:
    tz, _, windows = EVERYONE[name]
    local_start, local_end = start.astimezone(ZoneInfo(tz)), end.astimezone(ZoneInfo(tz))
    for w in windows:
        day, hours = w.split()
        a, b = hours.split("-")
        if WEEKDAYS[local_start.weekday()] == day and local_end.date() == local_start.date() \
                and a <= f"{local_start:%H:%M}" and f"{local_end:%H:%M}" <= b:
            return True
    return False


# -- reading the database between weeks -----------------------------------------------------------------
class Db:
    def __init__(self, path: Path):
        self.path = path

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.path) as con:
            return con.execute(sql, args).fetchall()

    def sessions(self, round_key: str | None = None) -> dict[int, dict]:
        """Session id -> kind, start, end, status, sequence, members in role order."""
        where = "WHERE r.round_key=?" if round_key else ""
        rows = self.all(
            "SELECT s.id, s.kind, s.starts_at, s.ends_at, s.status, s.sequence, m.name, t.role, r.round_key "
            "FROM mock_sessions s JOIN mock_rounds r ON r.id = s.round_id JOIN mock_seats t ON t.session_id = s.id "
            f"JOIN members m ON m.id = t.member_id {where} ORDER BY s.id, t.role", (round_key,) if round_key else ())
        out: dict[int, dict] = {}
        for sid, kind, start, end, status, seq, name, _role, key in rows:
            s = out.setdefault(sid, {"kind": kind, "start": datetime.fromisoformat(start),
                                     "end": datetime.fromisoformat(end), "status": status, "sequence": seq,
                                     "members": [], "round": key})
            s["members"].append(name)
        return out

    def invites(self) -> list[tuple[int, str, str, Calendar, bytes]]:
        """(outbox id, key, recipient, calendar, bytes) of every invite sent, in order."""
        out = []
        for oid, key, payload, who in self.all(
                "SELECT o.id, o.key, o.payload, m.name FROM outbox o JOIN members m ON m.user_id = o.user_id "
                "WHERE o.payload LIKE '%text/calendar%' ORDER BY o.id"):
            for f in json.loads(payload).get("files", []):
                if f["mime"] == "text/calendar":
                    data = base64.b64decode(f["data"])
                    out.append((oid, key, who, Calendar.from_ical(data), data))
        return out


def session_of(sessions: dict[int, dict], name: str) -> tuple[int, dict]:
    return next((sid, s) for sid, s in sessions.items() if name in s["members"] and s["status"] != "cancelled")


def rate(kind: str) -> str:
    criteria = PACK.rubric_for(kind).criteria
    return ",".join("3" for _ in criteria) + " hire"


def setup_script() -> str:
    lines = ["group setup timezone UTC pairing-day sun pairing-time 18:00 ml-days none"]
    for name, (tz, level, windows) in MEMBERS.items():
        lines += [f"@{name} join", f"@{name} profile timezone {tz} level {level}", f"@{name} mock join"]
        lines += [f"@{name} mock availability add {w}" for w in windows]
    lines.append("@cyd mock prefs coding behavioral")
    lines += ["# week 1", f":until {WEEK1}"]
    return "\n".join(lines) + "\n"


def proposal(db: Db, sid: int, s: dict, who: str) -> str:
    """A new start for `who`'s session inside a window both marked free (other than the current one),
    as `who` types it: weekday and time on their own clock."""
    start, until = datetime.fromisoformat(WEEK1) + timedelta(hours=2), datetime.fromisoformat(WEEK2) - timedelta(hours=6)
    lists = []
    for name in s["members"]:
        tz, _, windows = EVERYONE[name]
        wins = [Window(w.split()[0], *parse_time_range(w.split()[1])) for w in windows]
        lists.append(intervals(wins, tz, start, until))
    options = [a for a, b in shared(*lists) if b - a >= timedelta(hours=1) and not a <= s["start"] < b]
    when = (options or [s["start"] + timedelta(hours=1)])[0]
    local = when.astimezone(ZoneInfo(EVERYONE[who][0]))
    return f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"


def test_four_weekly_rounds(tmp_path):
    db_path = tmp_path / "m.db"
    db = Db(db_path)
    out = console(db_path, setup_script(), START)

    # -- week 2: ann reschedules; a no-show report is disputed; two newcomers are paired mid-week ------
    round1 = db.sessions("2026-03-08")
    assert len(round1) == 4
    ann_sid, ann_s = session_of(round1, "ann")
    partner = next(m for m in ann_s["members"] if m != "ann")
    others = [(sid, s) for sid, s in round1.items() if sid != ann_sid]
    reporter, reported = others[0][1]["members"][:2]
    new_start = proposal(db, ann_sid, ann_s, "ann")
    week2 = [
        "# week 2", "@ann mock propose", f"@ann mock propose {new_start}", f"@{partner} mock confirm",
        ":until 2026-03-15T19:00:00+00:00",  # week 1's sessions are over; round 2 has paired
        f"@ann mock feedback {partner} {rate(ann_s['kind'])} steady and clear",
        f"@{reporter} mock feedback {reported} no-show", f"@{reported} mock dispute",
        ":until 2026-03-17T12:00:00+00:00",  # Tuesday: two newcomers join, and the organiser pairs them
    ]
    for name, (tz, level, windows) in NEWCOMERS.items():
        week2 += [f"@{name} join", f"@{name} profile timezone {tz} level {level}", f"@{name} mock join"]
        week2 += [f"@{name} mock availability add {w}" for w in windows]
    week2 += ["group pair-now", "mock status", "# week 3", f":until {WEEK3}"]
    out += console(db_path, "\n".join(week2) + "\n", WEEK1)

    # -- week 4: a member with a session still to come leaves the group ------------------------------
    round3 = db.sessions("2026-03-22")
    leaver, leaver_s = next((m, s) for sid, s in sorted(round3.items()) for m in s["members"]
                            if len(s["members"]) == 2 and m in MEMBERS and m not in ("ann", reporter, reported)
                            and s["start"] > datetime.fromisoformat(WEEK3) + timedelta(days=1))
    left_alone = next(m for m in leaver_s["members"] if m != leaver)
    week4 = ["# week 4", f"@{leaver} leave", f":until {END}", "# after", "@ann mock status", "group no-shows", "@ann me"]
    out += console(db_path, "\n".join(week4) + "\n", WEEK3)

    dms = blocks(out)
    sessions = db.sessions()
    rounds = [r[0] for r in db.all("SELECT round_key FROM mock_rounds ORDER BY id")]
    assert rounds == ["2026-03-08", "2026-03-15", "2026-03-15+2", "2026-03-22", "2026-03-29"], rounds

    # Every pairing DM: the slot is the session's, read in the reader's own time, inside both members'
    # windows on their own clocks; both sides were told the same pairing.
    pairing = [(week, who, body) for week, who, edited, body in dms
               if body.startswith("Mock interview this week") and not edited]
    partners: dict[str, list[str]] = {name: [] for name in EVERYONE}
    first: dict[str, list[bool]] = {name: [] for name in EVERYONE}
    for _week, who, body in pairing:
        sid = int(re.search(r"Session (\d+)\.", body).group(1))
        s = sessions[sid]
        when = body.split("When: ", 1)[1].split("\n", 1)[0]
        shown = local_stamp(when)
        assert shown == s["start"] or sid == ann_sid, (who, when, s["start"])  # ann's moved later
        assert offset_of(who, shown) in when  # shown on the reader's clock
        for name in s["members"]:
            assert in_windows(name, s["start"], s["end"]) or sid == ann_sid, (name, sid, s)
        others_in = [m for m in s["members"] if m != who]
        assert re.search(r" with " + " and ".join(others_in) + r"\n", body) or len(others_in) > 1, body
        assert "Meeting: https://meet.jit.si/studybot-" in body and "(file mock-" in body
        partners[who].append(",".join(others_in))
        first[who].append(f"You interview {others_in[0]} first" in body)
    # Four rounds for the eight: one session each, each round; no one meets the same partner twice running.
    for name in MEMBERS:
        weeks = [s for s in sessions.values() if name in s["members"] and s["round"] != "2026-03-15+2"]
        assert len(weeks) == (4 if name != leaver else 3), (name, weeks)
        met = partners[name]
        assert all(a != b for a, b in zip(met, met[1:], strict=False)), f"{name} met a partner twice running: {met}"
    # Roles alternate in the first three weeks (a pair each time): who went first goes second next.
    for name in MEMBERS:
        f = first[name][:3]
        assert f[0] != f[1] and f[1] != f[2], (name, first[name])

    # Mid-week pair-now: only the newcomers are paired; those with a session this week are named, not paired again.
    said = replies(out, "group pair-now")
    assert re.search(r"Paired: (eve and fay|fay and eve) \(", said), said
    booked = said.split("Already have a session this week: ", 1)[1].split(".", 1)[0]
    assert sorted(booked.split(", ")) == sorted(MEMBERS), said
    assert "Seed" not in said and "exact" not in said
    assert [s["round"] for s in sessions.values() if "eve" in s["members"]][:2] == ["2026-03-15+2", "2026-03-22"]

    # The reschedule: proposing confirmed ann, the partner's accept moved it; the invites follow.
    assert "Free hours you share this week" in replies(out, "@ann mock propose")
    moved = replies(out, f"@{partner} mock confirm")
    assert f"Moved session {ann_sid}" in moved
    moved_dms = [(who, body) for _, who, edited, body in dms if body.startswith("Mock interview moved")]
    assert sorted(who for who, _ in moved_dms) == sorted(["ann", partner])
    assert all("Confirmed: everyone" in body and "[Confirm:" not in body for _, body in moved_dms)
    assert sessions[ann_sid]["sequence"] == 1 and sessions[ann_sid]["status"] == "done"

    # The disputed no-show counts for no one, and the organiser sees it in `mock status`.
    assert "Disputed: the no-show report" in replies(out, f"@{reported} mock dispute")
    assert db.all("SELECT no_shows FROM mock_members x JOIN members m ON m.id = x.member_id WHERE m.name=?",
                  (reported,)) == [(0,)]
    organiser = replies(out, "group no-shows")
    assert f"Disputed no-show reports (organisers): Session {others[0][0]}: {reporter} reported {reported} absent; " \
           "disputed" in organiser, organiser

    # leave with a session still to come: cancelled, the partner told at once with the cancelled invite.
    leaver_sid = next(sid for sid, s in sessions.items() if leaver in s["members"] and s["round"] == "2026-03-22")
    assert sessions[leaver_sid]["status"] == "cancelled"
    told = [body for _, who, edited, body in dms if who == left_alone and body.startswith("Mock interview cancelled")]
    assert told and told[0].startswith(f"Mock interview cancelled\n{leaver} left the group, so your mock interview")
    assert f"(file mock-{leaver_sid}.ics" in told[0]

    # Reminders and feedback prompts: one each per seat of every session that was not cancelled.
    end = datetime.fromisoformat(END)
    for title, due in (("Reminder: mock interview tomorrow", timedelta(hours=-24)),
                       ("Reminder: mock interview in one hour", timedelta(hours=-1)), ("How did ", None)):
        got = Counter(who for _, who, edited, body in dms if body.startswith(title) and not edited)
        want = Counter(m for s in sessions.values() if s["status"] != "cancelled"
                       and ((s["start"] + due) if due is not None else s["end"]) <= end for m in s["members"])
        assert got == want, (title, got, want)

    # Every invite, parsed back: DTSTART/DTEND are the slot in UTC; one UID per session; SEQUENCE grows
    # with each change; a cancellation is METHOD:CANCEL.
    seen: dict[int, list[tuple[int, str, Calendar]]] = {}
    for _oid, key, who, cal, _data in db.invites():
        sid = int(key.split(":")[1])
        seen.setdefault(sid, []).append((int(cal.walk("VEVENT")[0]["SEQUENCE"]), who, cal))
    assert set(seen) == set(sessions)
    for sid, versions in seen.items():
        s = sessions[sid]
        assert len({str(c.walk("VEVENT")[0]["UID"]) for _, _, c in versions}) == 1, sid
        for who in {w for _, w, _ in versions}:
            seqs = [q for q, w, _ in versions if w == who]
            assert seqs == sorted(seqs), (sid, who, seqs)
        last = max(versions, key=lambda v: v[0])[2]
        event = last.walk("VEVENT")[0]
        assert event.decoded("DTSTART") == s["start"] and event.decoded("DTEND") == s["end"], sid
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert (str(last["METHOD"]) == "CANCEL") == (s["status"] == "cancelled"), sid
        assert str(event["LOCATION"]).startswith("https://meet.jit.si/studybot-")
    ann_versions = sorted(seen[ann_sid], key=lambda v: v[0])
    assert [q for q, _, _ in ann_versions] == [0, 0, 1, 1]
    first_event = ann_versions[0][2].walk("VEVENT")[0]
    assert first_event.decoded("DTSTART") != sessions[ann_sid]["start"]  # the slot the round gave
    assert [str(c["METHOD"]) for _, w, c in seen[leaver_sid] if w == left_alone] == ["REQUEST", "CANCEL"]
    # What the console saved for a session is the invite as last sent.
    saved = db_path.parent / "files" / f"mock-{ann_sid}.ics"
    assert Calendar.from_ical(saved.read_bytes()).walk("VEVENT")[0]["SEQUENCE"] == 1

    cyd_kinds = [sessions[int(re.search(r"Session (\d+)\.", body).group(1))]["kind"]
                 for _, who, body in pairing if who == "cyd"]
    assert set(cyd_kinds) <= {"coding", "behavioral"}, cyd_kinds
