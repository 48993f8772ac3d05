"""Delivering the outbox: each message goes out once, in order per channel or person, with retries.

A message is marked delivered right after the platform accepted it. The idempotency key travels with
it, so a platform that deduplicates (Discord's nonce, our test fakes) drops the rare repeat that a
crash between 'sent' and 'marked' would cause.

Threads: a message enqueued with `thread_of=KEY` is a reply in the thread of message KEY. What the
platform returned for each message (its id) is stored in the same statement that marks it delivered;
when the reply's turn comes (after KEY, since both go to one channel and a channel's queue keeps its
order) the reply is handed that id, so a crash between the two posts loses neither nor repeats one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import timedelta

from bot.ports import Clock, DeliveryError, Messenger, OutboxMessage, Thread
from bot.reply import Reply
from bot.storage.db import Database
from bot.storage.sqlite import SqliteStore

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=30)


def backoff(attempts: int, base: float = 2.0) -> timedelta:
    """2 s, 4 s, 8 s, ... capped at 30 minutes; never gives up on a transient failure."""
    return min(timedelta(seconds=base * (2 ** min(attempts, 20))), MAX_BACKOFF)


class Deliverer:
    def __init__(self, db: Database, clock: Clock, messenger: Messenger, *, concurrency: int | None = None):
        self.db = db
        self.store = SqliteStore(db)
        self.clock = clock
        self.messenger = messenger
        # Destinations served at once: a platform whose limits are per channel (Discord: 5 posts in 5 s
        # each) needs many channels in flight to use its global budget; the messenger knows best.
        self.concurrency = concurrency or getattr(messenger, "concurrency", 8)
        self._wake = asyncio.Event()
        self._drain_lock = asyncio.Lock()
        self.delivered = 0

    def wake(self) -> None:
        self._wake.set()

    async def drain(self, limit: int | None = None) -> int:
        """Deliver everything due now; returns how many went out."""
        async with self._drain_lock:
            sent = 0
            while limit is None or sent < limit:
                progress = await self._pass()
                if progress == 0:
                    break
                sent += progress
            return sent

    async def _pass(self) -> int:
        due = await self.store.outbox.due(self.clock.now(), limit=500)
        queues: OrderedDict[tuple, list[OutboxMessage]] = OrderedDict()
        for msg in due:
            dest = ("c", msg.channel_id) if msg.channel_id is not None else ("u", msg.user_id)
            queues.setdefault(dest, []).append(msg)
        gate = asyncio.Semaphore(self.concurrency)

        async def run_queue(messages: list[OutboxMessage]) -> int:
            async with gate:
                if await self.store.outbox.pending_before(messages[0]):
                    return 0  # an older message to this place is waiting for a retry
                done = 0
                for msg in messages:
                    if not await self._deliver_one(msg):
                        break
                    done += 1
                return done

        results = await asyncio.gather(*(run_queue(q) for q in queues.values()))
        return sum(results)

    async def _deliver_one(self, msg: OutboxMessage) -> bool:
        platform = self.messenger.platform
        channel_ref = user_ref = None
        if msg.channel_id is not None:
            channel_ref = await self.store.links.external(platform, "channel", msg.channel_id)
        else:
            user_ref = await self.store.links.external(platform, "user", msg.user_id)
        if channel_ref is None and user_ref is None:
            async with self.db.transaction():
                await self.store.outbox.mark_undeliverable(msg.id, f"no {platform} address for this message")
            return True
        if msg.thread_of is not None:
            msg.thread = await self._thread(msg.thread_of)
        try:
            ref = await self.messenger.deliver(msg, channel_ref, user_ref)
        except DeliveryError as exc:
            now = self.clock.now()
            async with self.db.transaction():
                if exc.permanent:
                    await self.store.outbox.mark_undeliverable(msg.id, str(exc))
                    await self._report_undeliverable(msg)
                else:
                    wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(msg.attempts)
                    await self.store.outbox.mark_failed(msg.id, str(exc), now + wait)
            log.warning("delivery of %s failed (%s)%s", msg.key, exc, "" if exc.permanent else "; will retry")
            return exc.permanent
        except Exception as exc:  # a bug or an unexpected transport error: retry later, never lose it
            log.exception("delivery of %s crashed", msg.key)
            async with self.db.transaction():
                await self.store.outbox.mark_failed(msg.id, repr(exc), self.clock.now() + backoff(msg.attempts))
            return False
        async with self.db.transaction():
            await self.store.outbox.mark_delivered(msg.id, self.clock.now(), ref if isinstance(ref, str) else None)
        self.delivered += 1
        return True

    async def _thread(self, key: str) -> Thread:
        """The thread a reply goes in: the starting message's platform id once it was delivered, else None
        (it was undeliverable, or the platform has no threads), and its title as the thread's name."""
        parent = await self.store.outbox.get(key)
        if parent is None:
            return Thread(None, "")
        return Thread(parent.ref if parent.status == "delivered" else None, parent.reply.title or "")

    async def _report_undeliverable(self, msg: OutboxMessage) -> None:
        """A closed DM is told once, in the group's channel, so the member knows what they miss."""
        if msg.user_id is None or msg.group_id is None:
            return
        group = await self.store.groups.get(msg.group_id)
        member = await self.store.members.of_user(msg.group_id, msg.user_id)
        if group is None or member is None:
            return
        await self.store.outbox.enqueue(
            f"dm-closed:{group.id}:{member.user_id}",
            Reply(text=f"@{member.name}, I could not send you a direct message. Please allow direct "
                       "messages from this app so check-ins and pairings reach you.", tone="warning"),
            self.clock.now(), group_id=group.id, channel_id=group.channel_id,
        )

    async def run(self, stop: asyncio.Event, idle: float = 30.0) -> None:
        """Deliver in the background (real clock): on wake-ups, and when a retry falls due."""
        while not stop.is_set():
            # Cleared before draining, so a wake-up (or stop) that arrives during the drain is not lost.
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox pass failed")
            nxt = await self.store.outbox.next_due_at()
            wait = idle
            if nxt is not None:
                wait = max(0.05, min(idle, (nxt - self.clock.now()).total_seconds()))
            if stop.is_set():
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except TimeoutError:
                pass
