"""Streaks: consecutive days with at least one solve, in the member's own timezone, with freezes.

One freeze is earned for each 7-day run of solving, at most 2 are held, and one is spent automatically
on a missed day, so the streak survives it. Today does not break a streak until it is over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    days = set(solve_days)
    if not days:
        return Streak()
    current = best = freezes = run = 0
    frozen: list[date] = []
    d = min(days)
    while d <= today:
        if d in days:
            current += 1
            run += 1
            if run % RUN_FOR_FREEZE == 0:
                freezes = min(MAX_FREEZES, freezes + 1)
        elif d != today:
            run = 0
            if current > 0 and freezes > 0:
                freezes -= 1
                frozen.append(d)
            else:
                current = 0
        best = max(best, current)
        d += timedelta(days=1)
    return Streak(current, best, freezes, tuple(frozen), today in days)
