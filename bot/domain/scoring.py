"""Leaderboard arithmetic: weights by difficulty and period boundaries at group-local midnight."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.streaks import StreakMark
from bot.domain.timeutil import local_date, local_midnight

WEIGHTS = {"easy": 1, "medium": 3, "hard": 7}
PERIODS = ("week", "month", "all")


def period_start(period: str, now: datetime, tz: str) -> datetime | None:
    """The UTC instant a period began: Monday or the 1st at group-local midnight; None for all time."""
    today = local_date(now, tz)
    if period == "week":
        return local_midnight(today - timedelta(days=today.weekday()), tz)
    if period == "month":
        return local_midnight(today.replace(day=1), tz)
    return None


@dataclass(frozen=True)
class Standing:
    member_id: int
    name: str
    points: int
    solves: int
    by_difficulty: dict[str, int]
    timezone: str = "UTC"
    mark: StreakMark | None = None  # the member's streak as of their last solve day


@dataclass(frozen=True)
class MemberStats:
    """What a member's solves add up to, kept per member so that no read walks every solve:
    the streak mark, and solves by difficulty (easy, medium, hard) in the group's current week and
    month (each named by the instant it began) and all time."""

    member_id: int
    mark: StreakMark | None
    week_of: datetime | None
    week: tuple[int, int, int]
    month_of: datetime | None
    month: tuple[int, int, int]
    all: tuple[int, int, int]


def rank(entries: Iterable[tuple]) -> list[Standing]:
    """entries: (member_id, name, {difficulty: solves}[, timezone[, streak mark]]).

    Ranked by points, then solves, then name; members with no solve in the period are left out.
    """
    standings = [
        Standing(mid, name, sum(WEIGHTS.get(d, 1) * n for d, n in by.items()), sum(by.values()), by, *rest)
        for mid, name, by, *rest in entries
        if any(by.values())
    ]
    return sorted(standings, key=lambda s: (-s.points, -s.solves, s.name.lower()))


def target_split(target: int) -> dict[str, int]:
    """A target of N problems split 30 / 55 / 15 % by difficulty (easy first, then medium, then hard)."""
    easy, hard = round(target * 0.30), int(target * 0.15)
    return {"easy": easy, "medium": target - easy - hard, "hard": hard}
