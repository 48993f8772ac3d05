"""The messenger port: how the outbox reaches a platform, and what a message in it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.reply import Reply


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
    # An edit: the key of an earlier message (same destination) that this one replaces on screen. The
    # deliverer fills in `target`, what the platform returned for that message once it was delivered
    # (None: it never was, or its platform keeps no ref: there is nothing to edit), and `superseded`
    # when a later edit of the same message is already waiting (this one is then not sent at all).
    edit_of: str | None = None
    target: str | None = None
    superseded: bool = False
    unreadable: str | None = None  # why the stored payload could not be read back (it is never sent)
    destination: str | None = None  # the queue it is in (a channel, or the person for a DM); storage's name
    # Where it goes on the platform, read with the message when a deliverer claims it (Outbox.claim):
    # the channel's or the person's platform id, and the DM channel kept for that person, if any.
    channel_ref: str | None = None
    user_ref: str | None = None
    dm_channel: str | None = None
    # The platform id of the channel of the message's group: where a change to a person's roles applies.
    group_channel_ref: str | None = None


@dataclass(frozen=True)
class Sent:
    """What a messenger may return for a message the platform accepted, when it has more to say than
    the message's id: `dm_channel`, the DM channel it had to open for the person (Discord's
    POST /users/@me/channels, Slack's conversations.open). The deliverer keeps it with the mark, and
    hands it back as `message.dm_channel` with the person's later messages, after any restart: a DM
    channel costs one request per person, ever. The messenger itself never touches storage."""

    ref: str | None = None
    dm_channel: str | None = None


class DeliveryError(Exception):
    """A messenger could not deliver. `retry_after` (seconds) when the platform said when to try again.

    A permanent failure says what was wrong, as `kind`, so the deliverer tells the right people:
    "recipient" (a person who cannot get DMs: the member is told in the channel), "destination" (the
    channel is gone or closed to the bot), "content" (the platform refused this message), "render" (it
    could not be turned into a platform message). Without a kind, a DM's is "recipient", a post's
    "destination".
    """

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 kind: str | None = None, dm_channel: str | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.kind = kind
        # A DM channel opened before the failure (as in `Sent`): still the person's, kept all the same.
        self.dm_channel = dm_channel


class Messenger(Protocol):
    """A platform's way to deliver an outbox message (channel post or DM).

    `deliver` returns what the platform gave back for the message (its id), or None; the outbox keeps it
    so that a later message can be a reply in its thread (`message.thread`). A platform without threads
    posts such a reply like any other message. A messenger that opened a DM channel returns `Sent`.

    A message with `edit_of` set replaces the content of the message whose platform id is `target`
    (in the same channel, or the same person's DM channel: `message.dm_channel`) with `message.reply`,
    buttons included; it returns that same id. The deliverer never hands over an edit whose `target` is
    None. A reply with `event` set is a scheduled event on the platform rather than a post (created, or
    with `edit_of`, updated, or when `event.cancelled`, deleted); a reply with `roles` set changes the
    roles of the message's person. A platform without such things returns None for them and sends
    nothing: these are never turned into posts.
    """

    platform: str  # its id ("discord"); a messenger may also name it for people as `display_name`

    async def deliver(self, message: OutboxMessage, channel_ref: str | None,
                      user_ref: str | None) -> str | Sent | None: ...
