"""Leaderboard arithmetic: weights by difficulty and period boundaries at group-local midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

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


def rank(rows: list[tuple]) -> list[Standing]:
    """rows: (member_id, name, difficulty, count[, timezone]). Ranked by points, then solves, then name."""
    table: dict[int, dict] = {}
    for member_id, name, difficulty, count, *tz in rows:
        entry = table.setdefault(member_id, {"name": name, "by": {}, "tz": tz[0] if tz else "UTC"})
        entry["by"][difficulty] = entry["by"].get(difficulty, 0) + count
    standings = [
        Standing(mid, e["name"], sum(WEIGHTS.get(d, 1) * n for d, n in e["by"].items()), sum(e["by"].values()),
                 e["by"], e["tz"])
        for mid, e in table.items()
    ]
    return sorted(standings, key=lambda s: (-s.points, -s.solves, s.name.lower()))


def target_split(target: int) -> dict[str, int]:
    """A target of N problems split 30 / 55 / 15 % by difficulty (easy first, then medium, then hard)."""
    easy, hard = round(target * 0.30), int(target * 0.15)
    return {"easy": easy, "medium": target - easy - hard, "hard": hard}


def solve_date(instant: datetime, tz: str) -> date:
    return local_date(instant, tz)
