"""The small interfaces the core needs from the outside world.

The SQLite package implements the repositories; a PostgreSQL one could slot in behind the same
Protocols. The clock and the messenger (one per platform) are the other two ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.model import Group, Member
from bot.reply import Reply


class Clock(Protocol):
    simulated: bool

    def now(self) -> datetime: ...


class Links(Protocol):
    """Platform ids <-> our ids. The only place that knows a platform's id."""

    async def internal(self, platform: str, kind: str, external_id: str) -> int | None: ...
    async def link(self, platform: str, kind: str, external_id: str, internal_id: int) -> None: ...
    async def external(self, platform: str, kind: str, internal_id: int) -> str | None: ...
    async def forget(self, kind: str, internal_id: int) -> None: ...


class Users(Protocol):
    async def add(self, name: str, now: datetime) -> int: ...
    async def rename(self, user_id: int, name: str) -> None: ...
    async def delete_if_orphan(self, user_id: int) -> bool: ...


class Channels(Protocol):
    async def add(self, name: str) -> int: ...
    async def name(self, channel_id: int) -> str | None: ...


class Groups(Protocol):
    async def get(self, group_id: int) -> Group | None: ...
    async def by_channel(self, channel_id: int) -> Group | None: ...
    async def add(self, group: Group) -> Group: ...
    async def save(self, group: Group) -> None: ...
    async def all(self) -> list[Group]: ...
    async def add_organiser(self, group_id: int, user_id: int) -> None: ...
    async def remove_organiser(self, group_id: int, user_id: int) -> None: ...
    async def is_organiser(self, group_id: int, user_id: int) -> bool: ...


class Members(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def of_user(self, group_id: int, user_id: int) -> Member | None: ...
    async def by_name(self, group_id: int, name: str) -> Member | None: ...
    async def named(self, group_id: int, name: str) -> list[Member]: ...
    async def add(self, member: Member) -> Member: ...
    async def save(self, member: Member) -> None: ...
    async def delete(self, member_id: int) -> None: ...
    async def active(self, group_id: int) -> list[Member]: ...
    async def names(self, group_id: int) -> list[str]: ...


class Milestones(Protocol):
    async def done(self, member_id: int) -> dict[str, datetime]: ...
    async def tick(self, member_id: int, milestone: str, now: datetime) -> bool: ...
    async def untick(self, member_id: int, milestone: str) -> bool: ...
    async def done_by_group(self, group_id: int) -> dict[int, set[str]]: ...


@dataclass(frozen=True)
class Thread:
    """Where a thread reply goes, as the deliverer found it when the reply's turn came.

    `ref` is what the platform returned for the message that starts the thread (None when there is
    none: the platform has no threads, or that message was never delivered; the reply then goes to the
    channel like any post), and `name` a title for the thread, for platforms that name threads.
    """

    ref: str | None
    name: str


@dataclass
class OutboxMessage:
    id: int
    key: str
    group_id: int | None
    channel_id: int | None
    user_id: int | None
    reply: Reply
    attempts: int
    created_at: datetime
    not_before: datetime
    status: str = "pending"
    delivered_at: datetime | None = None
    last_error: str | None = None
    thread_of: str | None = None  # the key of the message in whose thread this one is a reply
    ref: str | None = None  # what the platform returned when it accepted this message
    thread: Thread | None = None  # filled in by the deliverer for a thread reply
    unreadable: str | None = None  # why the stored payload could not be read back (it is never sent)


class Outbox(Protocol):
    async def enqueue(
        self, key: str, reply: Reply, now: datetime, *, group_id: int | None,
        channel_id: int | None = None, user_id: int | None = None, not_before: datetime | None = None,
        thread_of: str | None = None,
    ) -> bool: ...
    async def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]: ...
    async def mark_delivered(self, message_id: int, now: datetime, ref: str | None = None) -> None: ...
    async def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None: ...
    async def mark_undeliverable(self, message_id: int, error: str) -> None: ...
    async def get(self, key: str) -> OutboxMessage | None: ...
    async def next_due_at(self) -> datetime | None: ...


class Store(Protocol):
    """A unit of work: the repositories, inside one transaction."""

    links: Links
    users: Users
    channels: Channels
    groups: Groups
    members: Members
    milestones: Milestones
    outbox: Outbox


class DeliveryError(Exception):
    """A messenger could not deliver. `retry_after` (seconds) when the platform said when to try again.

    A permanent failure says what was wrong, as `kind`, so the deliverer tells the right people:
    "recipient" (a person who cannot get DMs: the member is told in the channel), "destination" (the
    channel is gone or closed to the bot), "content" (the platform refused this message), "render" (it
    could not be turned into a platform message). Without a kind, a DM's is "recipient", a post's
    "destination".
    """

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 kind: str | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.kind = kind


class Messenger(Protocol):
    """A platform's way to deliver an outbox message (channel post or DM).

    `deliver` returns what the platform gave back for the message (its id), or None; the outbox keeps it
    so that a later message can be a reply in its thread (`message.thread`). A platform without threads
    posts such a reply like any other message.
    """

    platform: str

    async def deliver(self, message: OutboxMessage, channel_ref: str | None, user_ref: str | None) -> str | None: ...
