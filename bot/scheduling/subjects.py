"""What the due kinds of several features share: reading a group, and paging through every group."""

from __future__ import annotations

from bot.domain.model import Group
from bot.ports import Store


async def read_group(store: Store, group_id: int) -> Group | None:
    return await store.groups.get(group_id)


async def group_ids(store: Store, after: int, limit: int) -> list[int]:
    return await store.groups.ids_after(after, limit)


def running(group: Group) -> bool:
    """A paused group has nothing due: its rows go, and come back when it resumes (the change re-plans)."""
    return not group.paused
