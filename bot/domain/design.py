"""Choosing system-design prompts: the week's prompt for a group, and the prompt in a mock-interview kit.

The week's prompt never repeats until every prompt has had its week, and among the least used it takes
the difficulty that suits the group's roadmap stage; a mock kit takes the difficulty that suits the
member's level. When nothing of that difficulty is left, the nearest difficulty is used, so a small
pack still yields a prompt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, timedelta

DIFFICULTIES = ("easy", "medium", "hard")
# What a mock interviewer asks a member of each level; beginners start where the roadmap starts.
LEVEL_DIFFICULTIES: dict[str, frozenset[str]] = {
    "beginner": frozenset({"easy"}),
    "intermediate": frozenset({"medium"}),
    "advanced": frozenset({"hard"}),
}
DESIGN_STAGE_ID = "system-design"


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def design_stage_index(stage_ids: Sequence[str]) -> int:
    """Where a roadmap teaches system design: its `system-design` stage, else the one before the last
    (the default roadmap ends with applying, which comes after design)."""
    if DESIGN_STAGE_ID in stage_ids:
        return list(stage_ids).index(DESIGN_STAGE_ID)
    return max(0, len(stage_ids) - 2)


def stage_difficulties(stage: int, design_stage: int) -> frozenset[str]:
    """The prompt difficulties for a group at roadmap stage `stage` (0-based).

    Well before the design stage a group warms up on easy prompts; the stage just before it mixes in
    medium ones; from the design stage on, the group practises at interview level (medium and hard).
    """
    if stage < design_stage - 1:
        return frozenset({"easy"})
    if stage < design_stage:
        return frozenset({"easy", "medium"})
    return frozenset({"medium", "hard"})


def _distance(difficulty: str, wanted: Collection[str]) -> int:
    """How many steps on the easy-medium-hard scale a difficulty is from the nearest wanted one."""
    have = DIFFICULTIES.index(difficulty) if difficulty in DIFFICULTIES else 1
    return min((abs(have - DIFFICULTIES.index(w)) for w in wanted if w in DIFFICULTIES), default=0)


def nearest(prompts: Sequence[tuple[str, str]], wanted: Collection[str]) -> list[str]:
    """The ids among (id, difficulty) pairs whose difficulty is closest to a wanted one, sorted."""
    if not prompts:
        return []
    best = min(_distance(d, wanted) for _, d in prompts)
    return sorted(pid for pid, d in prompts if _distance(d, wanted) == best)


def choose_prompt(group_id: int, week: date, prompts: Sequence[tuple[str, ...]], history: Sequence[str],
                  wanted: Collection[str] = DIFFICULTIES) -> str:
    """A prompt id from (id, kind) or (id, kind, difficulty) tuples, given the ids already used, oldest first.

    In order: the least-used prompts (so none repeats until all were used); among them the difficulty
    nearest to `wanted`; then a kind other than last week's, so classic and ML design alternate; a hash
    of (group, week) picks the rest, so a restart chooses the same one.
    """
    if not prompts:
        raise ValueError("no design prompts in the content pack")
    rows = [(p[0], p[1], p[2] if len(p) > 2 else "medium") for p in prompts]
    uses = {pid: 0 for pid, _, _ in rows}
    for pid in history:
        if pid in uses:
            uses[pid] += 1
    kinds = {pid: kind for pid, kind, _ in rows}
    last_kind = kinds.get(history[-1]) if history else None

    def rank(row: tuple[str, str, str]) -> tuple:
        pid, kind, difficulty = row
        draw = hashlib.sha256(f"design:{group_id}:{week.isoformat()}:{pid}".encode()).hexdigest()
        return uses[pid], _distance(difficulty, wanted), kind == last_kind, draw

    return min(rows, key=rank)[0]
