"""Roadmap progress: pure functions over a roadmap and the milestones a member has ticked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content import Roadmap


@dataclass(frozen=True)
class StageProgress:
    stage_id: str
    title: str
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def stage_progress(roadmap: Roadmap, done: set[str]) -> list[StageProgress]:
    return [
        StageProgress(s.id, s.title, sum(1 for m in s.milestones if m.id in done), len(s.milestones))
        for s in roadmap.stages
    ]


def current_stage(roadmap: Roadmap, done: set[str]) -> int:
    """Index of the first stage not yet complete (the last stage once all are)."""
    # Short-circuits: the daily fan-out asks this for every member of every group.
    for i, stage in enumerate(roadmap.stages):
        if any(m.id not in done for m in stage.milestones):
            return i
    return len(roadmap.stages) - 1


def expected_stage(roadmap: Roadmap, started: datetime, now: datetime, pace_weeks: int) -> int:
    """Where the group's pace says a member should be by now."""
    weeks = max(0, (now - started).days // 7)
    return min(len(roadmap.stages) - 1, weeks // max(1, pace_weeks))


def stage_spread(roadmap: Roadmap, done_by_member: dict[int, set[str]], member_ids: list[int]) -> list[int]:
    """How many members stand at each stage."""
    counts = [0] * len(roadmap.stages)
    for member_id in member_ids:
        counts[current_stage(roadmap, done_by_member.get(member_id, set()))] += 1
    return counts


def find_stage(roadmap: Roadmap, typed: str) -> int | list[int] | None:
    """The index of the stage `typed` names: its number (1 = the first), its id or title (any case), or
    a unique start of either; a list of indexes when the start fits several, None when nothing fits."""
    key = " ".join(typed.split()).lower()
    if key.isascii() and key.isdigit():
        n = int(key)
        return n - 1 if 1 <= n <= len(roadmap.stages) else None
    for i, stage in enumerate(roadmap.stages):
        if key in (stage.id.lower(), stage.title.lower()):
            return i
    starts = [i for i, s in enumerate(roadmap.stages) if s.id.lower().startswith(key) or s.title.lower().startswith(key)]
    if len(starts) == 1:
        return starts[0]
    return starts or None
