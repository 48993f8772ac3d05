"""Suggestions for a parameter as it is typed (Discord autocomplete, Slack and console hints)."""

from __future__ import annotations

from bot.content import ContentPack
from bot.domain.timeutil import all_timezones
from bot.ports.storage import Store

LIMIT = 25  # Discord shows at most 25 choices


def _rank(options: list[str], prefix: str) -> list[str]:
    p = prefix.lower().strip()
    starts = [o for o in options if o.lower().startswith(p)]
    contains = [o for o in options if p and p in o.lower() and o not in starts]
    return (starts + contains)[:LIMIT]


async def complete(store: Store, content: ContentPack, kind: str, prefix: str, *,
                   group_id: int | None = None, roadmap: str | None = None) -> list[str]:
    if kind == "timezone":
        return _rank(list(all_timezones()), prefix)
    if kind == "problem":
        return _rank(sorted(content.problems), prefix)
    if kind == "milestone":
        rm = content.roadmaps.get(roadmap or "") or next(iter(content.roadmaps.values()))
        return _rank(rm.milestone_ids(), prefix)
    if kind == "member" and group_id is not None:
        return _rank(await store.members.names(group_id), prefix.lstrip("@"))
    return []
