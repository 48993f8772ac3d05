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

from bot.domain.matching import common
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


# -- editing a member's weekly windows ---------------------------------------------------------------
def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def add_window(windows: Iterable[Window], new: Window) -> tuple[list[Window], bool]:
    """The windows with `new` added, merged with every window of its day that it overlaps or touches
    (sat 10:00-12:00 + sat 11:00-13:00 -> sat 10:00-13:00). Returns (windows, changed): unchanged when
    `new` lies inside a window already there."""
    start, end = _minutes(new.start), _minutes(new.end)
    kept, changed = [], True
    for w in windows:
        a, b = _minutes(w.start), _minutes(w.end)
        if w.day == new.day and a <= end and start <= b:
            if a <= start and end <= b:
                changed = False
            start, end = min(start, a), max(end, b)
        else:
            kept.append(w)
    kept.append(Window(new.day, _clock(start), _clock(end)))
    return sorted(kept, key=_order), changed


def remove_span(windows: Iterable[Window], gone: Window, shortest: int = 60) -> tuple[list[Window], list[Window]]:
    """The windows with the time of `gone` taken out of its day: a window it covers goes, one it cuts is
    shortened or split in two. A piece shorter than `shortest` minutes goes too (no session fits in
    it). Returns (windows left, windows that changed or went, as they were)."""
    start, end = _minutes(gone.start), _minutes(gone.end)
    left, touched = [], []
    for w in windows:
        a, b = _minutes(w.start), _minutes(w.end)
        if w.day != gone.day or b <= start or end <= a:
            left.append(w)
            continue
        touched.append(w)
        for s, e in ((a, start), (end, b)):
            if e - s >= shortest:
                left.append(Window(w.day, _clock(s), _clock(e)))
    return sorted(left, key=_order), touched


def _order(w: Window) -> tuple[int, time, time]:
    return WEEKDAYS.index(w.day), w.start, w.end


# -- shared time ---------------------------------------------------------------------------------------
def shared(*members: Iterable[Interval]) -> list[Interval]:
    """The instants every one of the members is free: the intersection of merged interval lists."""
    lists = [merge(m) for m in members]
    if not lists:
        return []
    out = lists[0]
    for other in lists[1:]:
        out = list(common(out, other))  # the same walk as for the matcher's minute slots
    return out


def covers(items: Iterable[Interval], start: datetime, end: datetime) -> bool:
    """Whether one interval holds all of [start, end)."""
    return any(a <= start and end <= b for a, b in items)


@dataclass(frozen=True)
class Suggestion:
    """An hour of the coming week that many other participants keep free, as the reader would add it."""

    window: Window  # in the reader's timezone
    start: datetime  # this week's occurrence, UTC
    free: int  # how many other participants are free for all of it


def popular_hours(others: Iterable[Iterable[Interval]], tz: str, start: datetime, end: datetime,
                  n: int = 3, minutes: int = 60, step: int = 30) -> list[Suggestion]:
    """The `n` windows of `minutes` (starting on the reader's half hours) within [start, end) in which
    most of `others` are free for the whole window; no two overlap; most free first, earliest on a tie;
    windows nobody else keeps free are left out."""
    zone = ZoneInfo(tz)
    people = [merge(o) for o in others]
    length = timedelta(minutes=minutes)
    local = start.astimezone(zone).replace(second=0, microsecond=0)
    if local < start:
        local += timedelta(minutes=1)
    when = (local + timedelta(minutes=(-local.minute) % step)).astimezone(UTC)
    candidates: list[tuple[int, datetime]] = []
    while when + length <= end:
        free = sum(1 for p in people if covers(p, when, when + length))
        if free:
            candidates.append((free, when))
        when += timedelta(minutes=step)
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[Suggestion] = []
    for free, when in candidates:
        if len(chosen) == n:
            break
        if any(abs(when - s.start) < length for s in chosen):
            continue
        a, b = when.astimezone(zone), (when + length).astimezone(zone)
        if a.date() != b.date():
            continue  # a weekly window lies within one day of the reader's
        chosen.append(Suggestion(Window(WEEKDAYS[a.weekday()], a.time(), b.time()), when, free))
    return chosen
