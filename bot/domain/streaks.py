"""Streaks: consecutive days with at least one solve, in the member's own timezone, with freezes.

One freeze is earned for each 7-day run of solving, at most 2 are held, and one is spent automatically
on a missed day, so the streak survives it. Today does not break a streak until it is over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

MAX_FREEZES = 2
RUN_FOR_FREEZE = 7


@dataclass(frozen=True)
class Streak:
    current: int = 0
    best: int = 0
    freezes: int = 0
    frozen_days: tuple[date, ...] = field(default_factory=tuple)
    solved_today: bool = False


def streak(solve_days: Iterable[date], today: date) -> Streak:
    # Day numbers (ordinals) rather than dates: the leaderboard computes this for every row it shows.
    end = today.toordinal()
    ordinals = sorted({d.toordinal() for d in solve_days if d.toordinal() <= end})
    if not ordinals:
        return Streak()
    current = best = freezes = run = 0
    frozen: list[int] = []
    previous = ordinals[0] - 1
    for day in (*ordinals, end + 1):  # the sentinel checks the days after the last solve, up to yesterday
        gap = min(day, end) - previous - 1  # missed days in between; today never counts as missed
        if gap > 0:
            run = 0
            if current:
                spent = gap if gap < freezes else freezes
                frozen.extend(range(previous + 1, previous + 1 + spent))
                freezes -= spent
                if gap > spent:
                    current = 0
        if day > end:
            break
        current += 1
        run += 1
        if run % RUN_FOR_FREEZE == 0 and freezes < MAX_FREEZES:
            freezes += 1
        if current > best:
            best = current
        previous = day
    return Streak(current, best, freezes, tuple(date.fromordinal(d) for d in frozen), ordinals[-1] == end)


@dataclass(frozen=True)
class StreakMark:
    """A streak as it stood at the end of `day`, the last solve day: enough to carry it to any later day.

    Stored per member, so the leaderboard and a solve's reply need no walk over every solve day.
    `run` is the unbroken run of solve days ending at `day` (freezes are earned per 7-day run).
    """

    day: date
    current: int
    best: int
    freezes: int
    run: int


def _miss(current: int, freezes: int, gap: int) -> tuple[int, int]:
    """`gap` missed days: freezes are spent on them, and the streak breaks if they run out."""
    if gap <= 0 or not current:
        return current, freezes
    spent = min(gap, freezes)
    return (current if gap == spent else 0), freezes - spent


def extend(mark: StreakMark | None, day: date) -> StreakMark | None:
    """The mark after a solve on `day`; None when `day` is before the mark (a member moved timezone
    westwards), which only the whole history can answer."""
    if mark is None:
        return StreakMark(day, 1, 1, 1 if RUN_FOR_FREEZE == 1 else 0, 1)
    if day == mark.day:
        return mark
    if day < mark.day:
        return None
    gap = (day - mark.day).days - 1
    current, freezes = _miss(mark.current, mark.freezes, gap)
    run = (0 if gap else mark.run) + 1
    if run % RUN_FOR_FREEZE == 0 and freezes < MAX_FREEZES:
        freezes += 1
    current += 1
    return StreakMark(day, current, max(mark.best, current), freezes, run)


def carry(mark: StreakMark | None, today: date) -> Streak:
    """The streak on `today` from the mark of the last solve day (today itself never counts as missed)."""
    if mark is None or mark.day > today:
        return Streak()
    current, freezes = _miss(mark.current, mark.freezes, (today - mark.day).days - 1)
    return Streak(current, mark.best, freezes, (), mark.day == today)


def mark_of(solve_days: Iterable[date]) -> StreakMark | None:
    """The mark of a whole history (to build it for members who solved before marks were stored)."""
    mark = None
    for day in sorted(set(solve_days)):
        mark = extend(mark, day)
    return mark


@dataclass(frozen=True)
class SolveResult:
    fresh: bool  # False when the member had solved it before (it counts once)
    mark: StreakMark | None  # the member's streak mark before this solve
