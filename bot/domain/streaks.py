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
