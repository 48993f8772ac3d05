"""Delivering the outbox: each message goes out once, in order per channel or person, with retries.

Any number of deliverers (processes) may share one outbox. A deliverer claims whole destinations (a
channel, a person) with a lease before it sends anything, and gets each one's oldest due message in
the same unit; while it holds a destination nobody else sends to it, so each message goes once and a
destination's messages go in order. Each message settled (marked) renews the lease and hands over the
next message in the same unit: one unit per message. A deliverer that dies leaves its destinations
held until the lease lapses; then another takes them over. A process that knows it is the only one
(SQLite's file lock) hands back every claim at its first pass instead: what it finds held, a process
that died held.

A message is marked delivered right after the platform accepted it. The idempotency key travels with
it, so a platform that deduplicates (Discord's nonce, our test fakes) drops the rare repeat that a
crash between 'sent' and 'marked' (or a send that outlasted its lease) would cause.

Threads: a message enqueued with `thread_of=KEY` is a reply in the thread of message KEY. What the
platform returned for each message (its id) is stored in the same statement that marks it delivered;
when the reply's turn comes (after KEY, since both go to one channel and a channel's queue keeps its
order) the reply is handed that id, so a crash between the two posts loses neither nor repeats one.

Edits: a message enqueued with `edit_of=KEY` replaces what message KEY shows (same destination, so it
comes after KEY). It is handed KEY's platform id as `target`; when KEY never reached anyone, or a later
edit of KEY is already waiting, it is settled without a send: only the newest edit goes out.

What cannot be delivered never blocks what comes after it. A failure is either transient (the platform
is down, rate limits us, cannot be reached): the message waits, holding its destination's queue so the
order is kept, and is retried with backoff; or it is about this one message (it cannot be rendered, the
platform refuses it for good, its channel is gone or closed to the bot, the person takes no DMs): it is
marked undeliverable at once with the error in `last_error`, the group's organisers are told (once per
group and kind of failure in NOTICE_WINDOW; the notice never quotes the message, and a notice that fails
causes no other), and the next message goes.

The outbox's own bookkeeping comes first: the bot sends only what it can record as sent. When a write
fails (a full disk, a read-only database), nothing more is sent, by any destination's queue. What
happened but is not yet recorded is kept in memory; after a backoff the deliverer writes it (or a probe
when nothing is owed) and only then sends again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.ports import Clock, DeliveryError, Messenger, OutboxMessage, Sent, Store, UnitOfWork
from bot.ports.storage import Lease
from bot.reply import Reply
from bot.text import Rich, Said

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BACKOFF = timedelta(minutes=30)
HALT_BACKOFF_MAX = timedelta(minutes=1)  # a disk that is freed is noticed within a minute
NOTICE_WINDOW = timedelta(hours=24)
NOTICE = "undeliverable"  # key prefix of the notices to organisers
DM_CLOSED = "dm-closed"  # key prefix of the notice, in the channel, to a member who takes no DMs
_NOTICES = (f"{NOTICE}:", f"{DM_CLOSED}:")
PROBE = "outbox-probe"  # the runtime row written to prove the database takes writes again
# How long a claim on a destination holds without a message settled: longer than any one send takes
# (Discord's pacing and discord.py's own retries stay well within it), short enough that a destination
# of a deliverer that died is taken over soon.
LEASE = timedelta(minutes=2)

Work = Callable[[Store], Awaitable[None]]

# What each kind of message is, by its key's first word, for a notice that may not quote it.
_WHAT = (("daily:", "The daily problem"), ("checkin-digest:", "The check-in digest"),
         ("checkin-", "A check-in prompt"), ("mock:", "A mock-interview message"),
         ("digest:", "The weekly digest"), ("design:", "The system-design prompt of the week"),
         ("offer:", "An offer announcement"), ("roles:", "A role update"))


def backoff(attempts: int, base: float = 2.0) -> timedelta:
    """2 s, 4 s, 8 s, ... capped at 30 minutes; never gives up on a transient failure."""
    return min(timedelta(seconds=base * (2 ** min(attempts, 20))), MAX_BACKOFF)


def halt_backoff(failures: int) -> timedelta:
    """1 s, 2 s, 4 s, ... capped at a minute: how long delivery stays stopped after a failed write."""
    return min(timedelta(seconds=2 ** min(max(failures - 1, 0), 10)), HALT_BACKOFF_MAX)


def _keeping_dm(mark: Work, platform: str, user_id: int, dm_channel: str) -> Work:
    """An outcome that also keeps the DM channel the messenger opened for the person."""
    async def work(store: Store) -> None:
        await mark(store)
        await store.links.keep_dm(platform, user_id, dm_channel)

    return work


class StoreFailure(Exception):
    """The outbox could not be read or written: delivery has stopped until a write succeeds."""


class Deliverer:
    def __init__(self, uow: UnitOfWork, clock: Clock, messenger: Messenger, *, concurrency: int | None = None,
                 lease: timedelta = LEASE, only_process: bool = True, owner: str | None = None):
        """`only_process`: no other deliverer uses this database (SQLite's file lock), so destinations
        found held at the first pass were held by a process that died, and are taken back at once.
        Otherwise (several processes on one database) they are taken over once their lease lapses."""
        self.uow = uow
        self.clock = clock
        self.messenger = messenger
        # Destinations served at once: a platform whose limits are per channel (Discord: 5 posts in 5 s
        # each) needs many channels in flight to use its global budget; the messenger knows best.
        self.concurrency = concurrency or getattr(messenger, "concurrency", 8)
        self.lease = lease
        self.only_process = only_process
        # Who holds a claim, as an operator reading outbox_queues would want to know it; random, so two
        # deliverers of one process (or a restart with the same pid) are never taken for each other.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._wake = asyncio.Event()
        self._drain_lock = asyncio.Lock()
        self._recovered = not only_process  # claims of a dead predecessor handed back (see drain)
        self.delivered = 0  # messages the platform accepted
        # Outcomes that happened (a send, a refusal) but could not be recorded yet, in order.
        self._owed: list[Work] = []
        self._halted_until: datetime | None = None  # set while a failed write holds all delivery
        self._failed_writes = 0

    @property
    def halted(self) -> bool:
        return self._halted_until is not None

    def wake(self) -> None:
        self._wake.set()

    def _lease(self) -> Lease:
        now = self.clock.now()
        return Lease(self.owner, now, now + self.lease, self.messenger.platform)

    async def drain(self, limit: int | None = None) -> int:
        """Deliver everything due now; returns how many messages were settled (delivered, or given up
        as undeliverable) and recorded. Sends nothing while a failed write holds delivery.

        A drain asked for while one runs (a notice the drain itself queued wakes it) returns at once: the
        running drain passes again until nothing is left, so it delivers that message too."""
        if self._drain_lock.locked():
            self._wake.set()
            return 0
        async with self._drain_lock:
            if not await self._resume():
                return 0
            if not self._recovered:
                try:
                    released = await self._read(lambda s: s.outbox.release(None, self.clock.now()))
                except StoreFailure:
                    return 0
                self._recovered = True
                if released:
                    log.info("%d destinations held by the last process are delivered to again", released)
            done = 0
            while limit is None or done < limit:
                progress = await self._pass()
                done += progress
                if progress == 0 or self.halted:
                    break
            return done

    async def _pass(self) -> int:
        """Claim destinations and drain each, up to `concurrency` at once. Slots are refilled with one
        claim for many destinations, once half of them are free, so a claim costs a fraction of a unit
        per message; a pass ends when a claim finds nothing more."""
        done = 0
        running: set[asyncio.Task[int]] = set()
        more = True
        try:
            while True:
                room = self.concurrency - len(running)
                if more and not self.halted and (not running or room * 2 >= self.concurrency):
                    lease = self._lease()
                    try:
                        heads = await self._read(lambda s, lease=lease, room=room: s.outbox.claim(lease, room))
                    except StoreFailure:
                        heads = []
                    more = len(heads) == room
                    running |= {asyncio.ensure_future(self._run_queue(head)) for head in heads}
                if not running:
                    return done
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                done += sum(task.result() for task in finished)
        finally:
            # Cancelled (the app stops): no queue goes on sending behind our back. What a cancelled queue
            # held stays claimed until its lease lapses, or the next start hands it back.
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _run_queue(self, msg: OutboxMessage | None) -> int:
        """Send one destination's messages, oldest first, while this deliverer holds it. Whether it still
        does is decided in the database, at each settle (a send may outlast the lease, and another
        deliverer may have taken the destination meanwhile): then there is no next message."""
        done = 0
        try:
            while msg is not None and not self.halted:
                settled, msg = await self._deliver_one(msg)
                done += settled
        except StoreFailure:
            pass  # delivery is halted: every queue stops before its next send
        return done

    async def _deliver_one(self, msg: OutboxMessage) -> tuple[bool, OutboxMessage | None]:
        """Send one message and record the outcome; returns whether it was settled (delivered or given
        up), and the destination's next message if it may go now."""
        platform = self.messenger.platform
        if msg.unreadable is not None:
            return await self._give_up(msg, msg.unreadable, "render")
        channel_ref = msg.channel_ref if msg.channel_id is not None else None
        user_ref = msg.user_ref if msg.channel_id is None else None
        if channel_ref is None and user_ref is None:
            error = f"no {platform} address for this message"
            return True, await self._settle(msg, lambda s: s.outbox.mark_undeliverable(msg.id, error))
        if msg.edit_of is not None and (msg.superseded or msg.target is None):
            # A later edit shows the same message newer, or the message it edits never reached anyone.
            skipped_at = self.clock.now()
            return True, await self._settle(msg, lambda s: s.outbox.mark_delivered(msg.id, skipped_at, None))
        try:
            result = await self.messenger.deliver(msg, channel_ref, user_ref)
        except DeliveryError as exc:
            if not exc.permanent:
                wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(msg.attempts)
                log.warning("delivery of %s failed (%s); will retry", msg.key, exc)
                failed, retry_at = str(exc), self.clock.now() + wait  # kept as values: the work may be owed
                return False, await self._settle(
                    msg, lambda s: s.outbox.mark_failed(msg.id, failed, retry_at), exc.dm_channel)
            kind = exc.kind or ("recipient" if msg.user_id is not None else "destination")
            log.warning("delivery of %s failed for good (%s: %s)", msg.key, kind, exc)
            return await self._give_up(msg, str(exc), kind, exc.dm_channel)
        except OSError as exc:  # a network or I/O error the messenger did not name: it may pass
            log.warning("delivery of %s failed (%r); will retry", msg.key, exc)
            failed, retry_at = repr(exc), self.clock.now() + backoff(msg.attempts)
            return False, await self._settle(msg, lambda s: s.outbox.mark_failed(msg.id, failed, retry_at))
        except Exception as exc:
            # Anything else is about this message: it could not be rendered, or a bug meets it. A retry
            # would fail the same way, for ever, and hold every message behind it.
            log.warning("delivery of %s failed for good: it could not be rendered", msg.key, exc_info=True)
            return await self._give_up(msg, f"could not render: {type(exc).__name__}: {exc}", "render")
        self.delivered += 1
        ref, dm_channel = (result.ref, result.dm_channel) if isinstance(result, Sent) else (result, None)
        delivered_at, kept = self.clock.now(), ref if isinstance(ref, str) else None
        return True, await self._settle(msg, lambda s: s.outbox.mark_delivered(msg.id, delivered_at, kept),
                                        dm_channel)

    async def _settle(self, msg: OutboxMessage, mark: Work,
                      dm_channel: str | None = None) -> OutboxMessage | None:
        """Record a message's outcome and, in the same unit, renew the hold on its destination and read
        the next message: one unit per message. A DM channel the messenger had to open is kept with it.

        Only the outcome is owed if the unit fails: the hold is then left to lapse, or given back when
        the owed outcomes are written (see _write_owed)."""
        if dm_channel is not None and dm_channel != msg.dm_channel and msg.user_id is not None:
            mark = _keeping_dm(mark, self.messenger.platform, msg.user_id, dm_channel)
        lease = self._lease()

        async def settle(store: Store) -> OutboxMessage | None:
            await mark(store)
            return await store.outbox.advance(msg, lease)

        try:
            following = await self.uow.run(settle)
        except Exception as exc:
            self._owed.append(mark)
            self._halt(exc, "a delivery could not be recorded")
            raise StoreFailure(str(exc)) from exc
        return following

    # -- bookkeeping ------------------------------------------------------------------------------
    async def _read(self, read: Callable[[Store], Awaitable[T]]) -> T:
        try:
            return await self.uow.run(read)
        except Exception as exc:
            self._halt(exc, "the outbox could not be read")
            raise StoreFailure(str(exc)) from exc

    def _halt(self, exc: Exception, what: str) -> None:
        if self._halted_until is not None:  # another queue of the same pass found it first
            return
        self._failed_writes += 1
        wait = halt_backoff(self._failed_writes)
        self._halted_until = self.clock.now() + wait
        log.error("%s (%s): delivery stops; it tries to write again in %ss", what, exc, wait.total_seconds())

    async def _resume(self) -> bool:
        """While halted: once the backoff has passed, prove the database takes writes (by writing what
        is owed, or a probe) before anything more is sent. True when delivery may go on."""
        if self._halted_until is None:
            return True
        if self.clock.now() < self._halted_until:
            return False
        if not await self._write_owed():
            self._failed_writes += 1
            wait = halt_backoff(self._failed_writes)
            self._halted_until = self.clock.now() + wait
            log.error("the outbox still cannot write: delivery stays stopped; next try in %ss", wait.total_seconds())
            return False
        log.warning("the outbox takes writes again: delivery resumes")
        self._halted_until = None
        self._failed_writes = 0
        return True

    async def _write_owed(self) -> bool:
        owed = list(self._owed)
        now = self.clock.now()

        async def write(store: Store) -> None:
            for work in owed:
                await work(store)
            if not owed:
                await store.runtime.set(PROBE, now.isoformat())
            # The destinations whose queues stopped at the failed write are still held by us: given back
            # now, so that delivery resumes at once rather than when their leases lapse.
            await store.outbox.release(self.owner, now)

        try:
            await self.uow.run(write)
        except Exception as exc:
            log.debug("writing the owed outcomes failed: %s", exc)
            return False
        del self._owed[:len(owed)]
        return True

    # -- what the deliverer reads and tells -------------------------------------------------------
    async def _give_up(self, msg: OutboxMessage, error: str, kind: str,
                       dm_channel: str | None = None) -> tuple[bool, OutboxMessage | None]:
        async def work(store: Store) -> None:
            await store.outbox.mark_undeliverable(msg.id, error)
            await self._tell(store, msg, kind)

        return True, await self._settle(msg, work, dm_channel)

    async def _tell(self, store: Store, msg: OutboxMessage, kind: str) -> None:
        """Tell whoever can act on a message given up: never about a notice (one that fails causes no
        other), never quoting the message. Runs in the transaction that marks it undeliverable."""
        if msg.group_id is None or msg.key.startswith(_NOTICES):
            return
        try:
            if kind == "recipient":
                if msg.user_id is not None:
                    await self._tell_member(store, msg)
            else:
                await self._tell_organisers(store, msg, kind)
        except sqlite3.Error:
            raise  # the database failed: the whole outcome is owed and written again later
        except Exception:  # a notice must never stop the mark, or every later pass would fail on it
            log.exception("could not prepare the notice about %s", msg.key)

    async def _tell_member(self, store: Store, msg: OutboxMessage) -> None:
        """A closed DM is told once, in the group's channel, so the member knows what they miss."""
        group = await store.groups.get(msg.group_id)
        member = await store.members.of_user(msg.group_id, msg.user_id)
        if group is None or member is None:
            return
        text = Rich.format("{name}, I could not send you a direct message. Please allow direct messages "
                           "from this app so check-ins and pairings reach you.",
                           name=Said(member.name, member.user_id))
        await store.outbox.enqueue(f"{DM_CLOSED}:{group.id}:{member.user_id}", Reply(text=text, tone="warning"),
                                        self.clock.now(), group_id=group.id, channel_id=group.channel_id)

    async def _tell_organisers(self, store: Store, msg: OutboxMessage, kind: str) -> None:
        """One notice per group and kind of failure in NOTICE_WINDOW: by DM to each organiser granted in
        the group, or in the group's channel when there is none (unless that channel is what failed)."""
        now = self.clock.now()
        prefix = f"{NOTICE}:{msg.group_id}:{kind}:"
        last = await store.outbox.latest_created(prefix)
        if last is not None and now - last < NOTICE_WINDOW:
            return
        group = await store.groups.get(msg.group_id)
        if group is None:
            return
        reply = self.notice(msg, kind)
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        organisers = [row[0] for row in await store.groups.organisers(group.id)]
        for user_id in organisers:
            await store.outbox.enqueue(f"{prefix}{stamp}:{user_id}", reply, now, group_id=group.id,
                                            user_id=user_id)
        if not organisers and not (kind == "destination" and msg.channel_id == group.channel_id):
            await store.outbox.enqueue(f"{prefix}{stamp}:channel", reply, now, group_id=group.id,
                                            channel_id=group.channel_id)

    def notice(self, msg: OutboxMessage, kind: str) -> Reply:
        """What organisers are told. Only words of ours, in plain ASCII: no name, no word of the message
        (which may be what failed), so the notice renders wherever the bot can post at all."""
        # How the platform is named to organisers ("Discord"): the messenger's word, else its id.
        platform = getattr(self.messenger, "display_name", self.messenger.platform)
        what = next((name for prefix, name in _WHAT if msg.key.startswith(prefix)), "A message")
        where = "for the group's channel" if msg.channel_id is not None else "for a member (a direct message)"
        why = {
            "render": f"it could not be rendered for {platform}",
            "content": f"{platform} refused it",
            "destination": f"{platform} did not take it in that channel (the channel is gone or archived, "
                           "or the bot may not post there)",
        }.get(kind, f"{platform} refused it")
        return Reply(
            title="A message could not be delivered",
            text=f"{what} {where} was not delivered: {why}. The messages after it were not held up. "
                 "Further failures of this kind in this group are not reported for 24 hours; the error "
                 "is kept with the message in the outbox.",
            tone="warning",
        )

    async def run(self, stop: asyncio.Event, idle: float = 30.0) -> None:
        """Deliver in the background (real clock): on wake-ups, and when a retry falls due."""
        while not stop.is_set():
            # Cleared before draining, so a wake-up (or stop) that arrives during the drain is not lost.
            self._wake.clear()
            try:
                await self.drain()
                wait = await self.next_wait(idle)
            except Exception:
                log.exception("outbox pass failed")
                wait = idle
            if stop.is_set():
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except TimeoutError:
                pass
        if self._owed and not await self._write_owed():
            log.error("stopping with %d delivery outcome(s) unrecorded: those messages will be sent again "
                      "(a platform that deduplicates by key drops the repeat)", len(self._owed))

    async def next_wait(self, idle: float) -> float:
        """Seconds until the next pass is worth making: the end of a halt, else the next retry due."""
        now = self.clock.now()
        if self._halted_until is None:
            try:
                nxt = await self.uow.run(lambda s: s.outbox.next_due_at())
            except Exception as exc:
                self._halt(exc, "the outbox could not be read")
            else:
                return idle if nxt is None else max(0.05, min(idle, (nxt - now).total_seconds()))
        return max(0.05, (self._halted_until - now).total_seconds())
