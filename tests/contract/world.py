"""Small builders for the contract tests: they write through the repositories, never around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.model import Group, Member
from bot.ports.storage import Store

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


@dataclass
class Seeded:
    group: Group
    member: Member

    @property
    def user_id(self) -> int:
        return self.member.user_id


async def new_group(store: Store, channel: str = "study", *, created_by: int | None = None, **settings) -> Group:
    channel_id = await store.channels.add(channel)
    return await store.groups.add(Group(id=0, channel_id=channel_id, name=f"#{channel}", created_at=NOW,
                                        created_by=created_by, **settings))


async def new_member(store: Store, group: Group, name: str, **fields) -> Member:
    user_id = await store.users.add(name, NOW)
    return await store.members.add(Member(id=0, group_id=group.id, user_id=user_id, name=name, joined_at=NOW,
                                          **fields))


async def seed(store: Store, name: str = "ada", channel: str = "study") -> Seeded:
    """A group whose first member created it."""
    user_id = await store.users.add(name, NOW)
    group = await new_group(store, channel, created_by=user_id)
    member = await store.members.add(Member(id=0, group_id=group.id, user_id=user_id, name=name, joined_at=NOW))
    return Seeded(group, member)
