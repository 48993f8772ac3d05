"""Choosing the week's system-design prompt: no repeat until every prompt has had its week."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def choose_prompt(group_id: int, week: date, prompts: Sequence[tuple[str, str]], history: Sequence[str]) -> str:
    """A prompt id from (id, kind) pairs, given the ids already used, oldest first.

    The least-used prompts are eligible (so none repeats until all were used); among them a kind other
    than last week's is preferred, so classic and ML design alternate; a hash of (group, week) picks
    the rest, so a restart chooses the same one.
    """
    if not prompts:
        raise ValueError("no design prompts in the content pack")
    uses = {pid: 0 for pid, _ in prompts}
    for pid in history:
        if pid in uses:
            uses[pid] += 1
    fewest = min(uses.values())
    pool = [(pid, kind) for pid, kind in prompts if uses[pid] == fewest]
    kinds = dict(prompts)
    last_kind = kinds.get(history[-1]) if history else None
    other = [p for p in pool if p[1] != last_kind]
    pool = sorted(other or pool)

    def draw(pid: str) -> str:
        return hashlib.sha256(f"design:{group_id}:{week.isoformat()}:{pid}".encode()).hexdigest()

    return min(pool, key=lambda p: draw(p[0]))[0]
