"""Weekly availability: windows typed in a member's own timezone -> concrete UTC intervals.

A window is stored as a weekday and two wall-clock times, never as UTC, so that "Tuesday 19:00-21:00"
stays at 19:00 on the member's clock when their country changes its offset for summer time. It is
turned into instants only for one concrete week, at matching time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.timeutil import WEEKDAYS

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Window:
    day: str  # mon .. sun, in the member's timezone
    start: time
    end: time

    def label(self) -> str:
        return f"{self.day} {self.start:%H:%M}-{self.end:%H:%M}"


def intervals(windows: Iterable[Window], tz: str, start: datetime, end: datetime) -> list[Interval]:
    """The UTC intervals, clipped to [start, end), that the weekly windows cover; merged and sorted.

    A wall-clock time that does not exist (inside a spring-forward gap) is read with the offset in force
    before the gap, as zoneinfo does; the window then really is shorter that day, which is the truth.
    """
    zone = ZoneInfo(tz)
    wins = list(windows)
    if not wins or end <= start:
        return []
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: list[Interval] = []
    day = first
    while day <= last:
        name = WEEKDAYS[day.weekday()]
        for w in wins:
            if w.day != name:
                continue
            a = datetime.combine(day, w.start, tzinfo=zone).astimezone(UTC)
            b = datetime.combine(day, w.end, tzinfo=zone).astimezone(UTC)
            a, b = max(a, start), min(b, end)
            if b > a:
                found.append((a, b))
        day += timedelta(days=1)
    return merge(found)


def merge(items: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(items):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def to_minutes(items: Iterable[Interval], origin: datetime) -> tuple[tuple[int, int], ...]:
    """Intervals as whole minutes after `origin`, the form the matcher works in."""
    out = []
    for a, b in items:
        s = int((a - origin).total_seconds() // 60)
        e = int((b - origin).total_seconds() // 60)
        if e > s:
            out.append((s, e))
    return tuple(out)
