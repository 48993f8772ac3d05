"""Choosing the daily problem: a pure function of the group, the local date and what was posted before.

Deterministic (a restart picks the same problem), no repeat within a difficulty until it is exhausted,
difficulty ramps with the group's age and roadmap stage, patterns rotate least-recently-used first,
and configured weekdays get an ML-concept question instead. A premium-only problem is never posted to a
whole group (some members cannot open it) and is offered as practice only from intermediate level up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.content import MLQuestion, Problem
from bot.domain.timeutil import weekday_name

DIFFICULTIES = ("easy", "medium", "hard")
# From these levels up a member may be handed a premium-only problem, with its free alternative beside
# it; a beginner handed a page that will not open is simply stuck.
PREMIUM_LEVELS = ("intermediate", "advanced")


def open_to(problem: Problem, level: str) -> bool:
    """Whether a problem may be offered, unasked, to a member at this level."""
    return not problem.premium or level in PREMIUM_LEVELS


def practice_pool(problems: Sequence[Problem], *, level: str, solved: set[str], difficulty: str | None = None,
                  topic: str | None = None) -> list[Problem]:
    """What `problem random` may pick from, in a stable order: unsolved, matching, and open to the level."""
    return sorted((p for p in problems
                   if p.id not in solved and open_to(p, level)
                   and (difficulty is None or p.difficulty == difficulty) and (topic is None or p.pattern == topic)),
                  key=lambda p: p.id)


@dataclass(frozen=True)
class Ramp:
    """Difficulty mix (easy, medium, hard weights) by the group's age in weeks; the last step holds."""

    steps: tuple[tuple[int, tuple[float, float, float]], ...] = (
        (0, (1.0, 0.0, 0.0)),    # week 1: easy only, to build the habit
        (1, (0.6, 0.4, 0.0)),
        (3, (0.3, 0.6, 0.1)),
        (6, (0.2, 0.6, 0.2)),
    )
    coding_stage: int = 4  # from this roadmap stage on, the group is ramped one step further

    def mix(self, age_days: int, stage: int) -> tuple[float, float, float]:
        weeks = max(0, age_days) // 7
        index = max(i for i, (start, _) in enumerate(self.steps) if weeks >= start)
        if stage >= self.coding_stage:
            index = min(index + 1, len(self.steps) - 1)
        return self.steps[index][1]


@dataclass(frozen=True)
class Posted:
    local_date: date
    item_id: str
    kind: str
    difficulty: str
    pattern: str


@dataclass(frozen=True)
class PostHistory:
    """What selection needs of a group's past posts, whatever their number: how often each item was
    posted, and when each pattern was last used. The database keeps it to one row per item and pattern,
    so a group a year old costs the daily fire no more than a new one."""

    times: dict[tuple[str, str], int]  # (kind, item id) -> posts
    pattern_last: dict[str, date]  # problem pattern -> the last day it was posted

    @classmethod
    def of(cls, posts: Sequence[Posted]) -> PostHistory:
        times: dict[tuple[str, str], int] = {}
        last: dict[str, date] = {}
        for h in posts:
            times[(h.kind, h.item_id)] = times.get((h.kind, h.item_id), 0) + 1
            if h.kind == "problem" and (h.pattern not in last or h.local_date > last[h.pattern]):
                last[h.pattern] = h.local_date
        return cls(times, last)


@dataclass(frozen=True)
class Choice:
    item_id: str
    kind: str  # "problem" | "ml"
    difficulty: str
    pattern: str  # a pattern slug, or the ML topic


def _unit(*parts: object) -> float:
    """A stable number in [0, 1) from the parts (no global RNG: the same inputs, the same draw)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pick_difficulty(mix: tuple[float, float, float], draw: float, available: set[str]) -> str:
    weights = [w if d in available else 0.0 for d, w in zip(DIFFICULTIES, mix, strict=True)]
    if sum(weights) == 0:  # the wanted difficulties are empty in this bank: nearest easier first
        weights = [1.0 if d in available else 0.0 for d in DIFFICULTIES]
    total, acc = sum(weights), 0.0
    for d, w in zip(DIFFICULTIES, weights, strict=True):
        acc += w / total
        if draw < acc and w > 0:
            return d
    return next(d for d, w in zip(DIFFICULTIES, weights, strict=True) if w > 0)


def choose_daily(
    *, group_key: int, local_date: date, age_days: int, stage: int, problems: Sequence[Problem],
    history: Sequence[Posted] | PostHistory, ml_questions: Sequence[MLQuestion] = (), ml_days: Sequence[str] = (),
    ramp: Ramp = Ramp(),
) -> Choice:
    if not isinstance(history, PostHistory):
        history = PostHistory.of(history)
    if ml_questions and weekday_name(local_date) in ml_days:
        return _choose_ml(group_key, local_date, ml_questions, history)
    problems = [p for p in problems if not p.premium]  # a daily post must open for every member
    mix = ramp.mix(age_days, stage)
    available = {p.difficulty for p in problems}
    difficulty = _pick_difficulty(mix, _unit(group_key, local_date, "difficulty"), available)
    pool = [p for p in problems if p.difficulty == difficulty]
    # No repeat until this difficulty is exhausted: take the problems posted the fewest times.
    times = {p.id: history.times.get(("problem", p.id), 0) for p in pool}
    fewest = min(times.values())
    fresh = [p for p in pool if times[p.id] == fewest]
    # Patterns rotate least-recently-used first (never used counts as oldest).
    last_used = history.pattern_last
    oldest = min(last_used.get(p.pattern, date.min) for p in fresh)
    candidates = sorted((p for p in fresh if last_used.get(p.pattern, date.min) == oldest), key=lambda p: p.id)
    patterns = sorted({p.pattern for p in candidates})
    pattern = patterns[int(_unit(group_key, local_date, "pattern") * len(patterns))]
    in_pattern = [p for p in candidates if p.pattern == pattern]
    # Within a pattern, well-known list problems (NeetCode 150) come first for a newer group.
    in_pattern.sort(key=lambda p: (not p.neetcode150, p.id))
    head = in_pattern[: max(1, len(in_pattern) // 2)] if age_days < 60 else in_pattern
    chosen = head[int(_unit(group_key, local_date, "problem") * len(head))]
    return Choice(chosen.id, "problem", chosen.difficulty, chosen.pattern)


def _choose_ml(group_key: int, local_date: date, questions: Sequence[MLQuestion], history: PostHistory) -> Choice:
    times = {q.id: history.times.get(("ml", q.id), 0) for q in questions}
    fewest = min(times.values())
    fresh = sorted(q.id for q in questions if times[q.id] == fewest)
    q_id = fresh[int(_unit(group_key, local_date, "ml") * len(fresh))]
    q = next(q for q in questions if q.id == q_id)
    return Choice(q.id, "ml", q.difficulty, q.topic)
