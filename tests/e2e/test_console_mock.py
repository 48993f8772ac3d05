"""Three weekly mock-interview rounds of eight members in four timezones, through `studybot console`.

New York moves its clocks on 8 March, between setting up and the first round, so every slot read
in a member's own time also checks that availability follows their wall clock.
"""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from console_script import play

# One level for all: with levels equal, alternating who goes first is what decides between pairings
# (it ranks below levels in the objective), so the test can demand it every week.
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
ROUNDS = ("2026-03-09T00:00:00+00:00", "2026-03-16T00:00:00+00:00", "2026-03-23T00:00:00+00:00")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def build_script() -> str:
    lines = ["group setup timezone UTC pairing-day sun pairing-time 18:00 ml-days none"]
    for name, (tz, level, windows) in MEMBERS.items():
        lines += [f"@{name} join", f"@{name} profile timezone {tz} level {level}", f"@{name} mock join"]
        lines += [f"@{name} mock availability add {w}" for w in windows]
    lines.append("@cyd mock prefs coding behavioral")
    for week, until in enumerate(ROUNDS, start=1):
        lines += [f"# week {week}", f":until {until}"]
    # Round three's sessions end by Sunday 29 March 17:00 UTC; the fourth round would pair at 18:00.
    lines += ["# after", ":until 2026-03-29T17:30:00+00:00", "@ann mock status", "@ann me"]
    return "\n".join(lines) + "\n"


def blocks(out: str) -> list[tuple[str, str, str]]:
    """(week marker, recipient, body) of every direct message, in delivery order."""
    week, found = "setup", []
    for chunk in re.split(r"\n(?=>)", out):
        head, _, body = chunk.partition("\n")
        if head.startswith("> # "):
            week = head[4:]
        elif head.startswith(">> @"):
            found.append((week, head[4:], body))
    return found


def in_windows(name: str, start: datetime, end: datetime) -> bool:
    tz, _, windows = MEMBERS[name]
    local_start, local_end = start.astimezone(ZoneInfo(tz)), end.astimezone(ZoneInfo(tz))
    for w in windows:
        day, span = w.split()
        a, b = span.split("-")
        if DAYS[local_start.weekday()] == day and local_end.date() == local_start.date() \
                and a <= f"{local_start:%H:%M}" and f"{local_end:%H:%M}" <= b:
            return True
    return False


def test_three_weekly_rounds(tmp_path):
    out = play(tmp_path / "m.db", build_script(), "2026-03-02T12:00:00+00:00")
    dms = blocks(out)

    heads_up = Counter(who for week, who, body in dms
                       if body.startswith("Mock interviews: pairing tomorrow") and week != "after")
    assert heads_up == {name: 3 for name in MEMBERS}

    pairing = [(week, who, body) for week, who, body in dms if body.startswith("Mock interview this week")]
    partners: dict[str, list[str]] = {name: [] for name in MEMBERS}
    first: dict[str, list[bool]] = {name: [] for name in MEMBERS}
    sessions = {}
    for _week, who, body in pairing:
        partner = re.search(r" with (\w+)\n", body).group(1)
        when = re.search(r"When: (.+) UTC – (\d\d:\d\d) UTC", body)
        start = datetime.strptime(when.group(1), "%a %d %b %Y %H:%M").replace(tzinfo=UTC)
        end = start.replace(hour=int(when.group(2)[:2]), minute=int(when.group(2)[3:]))
        assert end - start >= timedelta(minutes=60)
        # The slot lies inside a window of each member, read on their own clock, and is shown in it.
        assert in_windows(who, start, end) and in_windows(partner, start, end), (who, partner, start)
        tz = MEMBERS[who][0]
        local = start.astimezone(ZoneInfo(tz))
        assert f"Your time: {local:%a %d %b %H:%M}–{end.astimezone(ZoneInfo(tz)):%H:%M} ({tz})" in body
        partners[who].append(partner)
        first[who].append(f"You interview {partner} first" in body)
        assert "You ask: " in body and "Guide: clarify 5 min · solve 30 min · test 10 min · feedback 5 min" in body
        assert "[Confirm: mock confirm]" in body and "[Can't make it: mock cancel]" in body
        sessions[re.search(r"Session (\d+)\.", body).group(1)] = (start, end)

    assert {week for week, _, _ in pairing} == {"week 1", "week 2", "week 3"}
    for name in MEMBERS:
        assert len(partners[name]) == 3, (name, partners[name])
        assert len(set(partners[name])) == 3, f"{name} met a partner twice: {partners[name]}"
        # Roles alternate: who interviewed first one week is interviewed first the next.
        assert first[name][0] != first[name][1] and first[name][1] != first[name][2], (name, first[name])
    for name, met in partners.items():
        for week, other in enumerate(met):
            assert partners[other][week] == name  # both sides were told the same pairing

    for title in ("Reminder: mock interview tomorrow", "Reminder: mock interview in one hour", "How did "):
        got = Counter(who for _, who, body in dms if body.startswith(title))
        assert got == {name: 3 for name in MEMBERS}, (title, got)
    assert len(sessions) == 12

    cyd_kinds = [re.search(r"this week: (.+) with", body).group(1) for _, who, body in pairing if who == "cyd"]
    assert set(cyd_kinds) <= {"coding", "behavioral"}, cyd_kinds
