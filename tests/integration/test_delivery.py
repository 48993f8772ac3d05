"""The outbox deliverer: once, in order per destination, retried with backoff, never lost."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SimulatedClock
from bot.domain.model import Group, Member
from bot.ports import DeliveryError, Thread
from bot.reply import Reply
from bot.services.delivery import Deliverer, backoff
from bot.storage.db import open_database
from bot.storage.sqlite import SqliteStore

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


class FlakyMessenger:
    """Fails according to a plan, then records what it delivered."""

    platform = "test"

    def __init__(self, plan=()):
        self.plan = list(plan)
        self.sent: list[tuple[str, str]] = []

    async def deliver(self, message, channel_ref, user_ref):
        if self.plan:
            step = self.plan.pop(0)
            if step is not None:
                raise step
        self.sent.append((channel_ref or f"@{user_ref}", message.reply.text))


@pytest.fixture
async def world(tmp_path):
    async with open_database(str(tmp_path / "d.db")) as db:
        store = SqliteStore(db)
        async with db.transaction():
            uid = await store.users.add("ada", NOW)
            await store.links.link("test", "user", "U1", uid)
            cid = await store.channels.add("study")
            await store.links.link("test", "channel", "C1", cid)
            group = await store.groups.add(Group(id=0, channel_id=cid, name="#study", created_at=NOW))
            await store.members.add(Member(id=0, group_id=group.id, user_id=uid, name="ada", joined_at=NOW))
        yield db, store, group, uid


async def _enqueue(db, store, group, texts, user_id=None):
    async with db.transaction():
        for t in texts:
            await store.outbox.enqueue(f"k:{t}", Reply(text=t), NOW, group_id=group.id,
                                       channel_id=None if user_id else group.channel_id, user_id=user_id)


async def test_delivers_in_order_once(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    messenger = FlakyMessenger()
    deliverer = Deliverer(db, clock, messenger)
    await _enqueue(db, store, group, ["a", "b", "c"])
    assert await deliverer.drain() == 3
    assert await deliverer.drain() == 0
    assert [t for _, t in messenger.sent] == ["a", "b", "c"]


async def test_a_transient_failure_holds_the_queue_then_retries(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    messenger = FlakyMessenger([DeliveryError("500"), None, None])
    deliverer = Deliverer(db, clock, messenger)
    await _enqueue(db, store, group, ["a", "b"])
    assert await deliverer.drain() == 0  # 'a' failed; 'b' must not overtake it
    clock.advance(backoff(0) - timedelta(seconds=1))
    assert await deliverer.drain() == 0
    clock.advance(timedelta(seconds=1))
    assert await deliverer.drain() == 2
    assert [t for _, t in messenger.sent] == ["a", "b"]
    assert (await store.outbox.get("k:a")).attempts == 2


async def test_retry_after_is_respected(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    deliverer = Deliverer(db, clock, FlakyMessenger([DeliveryError("429", retry_after=40)]))
    await _enqueue(db, store, group, ["a"])
    await deliverer.drain()
    clock.advance(timedelta(seconds=39))
    assert await deliverer.drain() == 0
    clock.advance(timedelta(seconds=1))
    assert await deliverer.drain() == 1


async def test_a_closed_dm_is_undeliverable_and_reported_once(world):
    db, store, group, uid = world
    clock = SimulatedClock(NOW)
    messenger = FlakyMessenger([DeliveryError("403", permanent=True), DeliveryError("403", permanent=True)])
    deliverer = Deliverer(db, clock, messenger)
    await _enqueue(db, store, group, ["dm1", "dm2"], user_id=uid)
    await deliverer.drain()
    assert (await store.outbox.get("k:dm1")).status == "undeliverable"
    reports = [t for ref, t in messenger.sent if ref == "C1"]
    assert len(reports) == 1 and "could not send you a direct message" in reports[0]


class ThreadingMessenger:
    """A platform with threads: returns an id for each post and records the thread each reply went in."""

    platform = "test"

    def __init__(self, refuse: set[str] = frozenset()):
        self.refuse = refuse
        self.sent: list[tuple[str, Thread | None]] = []

    async def deliver(self, message, channel_ref, user_ref):
        if message.key in self.refuse:
            raise DeliveryError("gone", permanent=True)
        self.sent.append((message.key, message.thread))
        return f"m{len(self.sent)}"


async def test_a_thread_reply_is_given_the_platform_id_of_its_message_even_after_a_restart(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    messenger = ThreadingMessenger(refuse={"k:lost"})
    async with db.transaction():
        for key, parent in (("k:head", None), ("k:head:1", "k:head"), ("k:lost", None), ("k:lost:1", "k:lost")):
            await store.outbox.enqueue(key, Reply(title=key.upper(), text=key), NOW, group_id=group.id,
                                       channel_id=group.channel_id, thread_of=parent)
    assert await Deliverer(db, clock, messenger).drain() == 4
    assert messenger.sent == [("k:head", None), ("k:head:1", Thread("m1", "K:HEAD")),
                              ("k:lost:1", Thread(None, "K:LOST"))]  # no thread to go in: a plain post
    assert (await store.outbox.get("k:head")).ref == "m1"
    assert (await store.outbox.get("k:head:1")).thread_of == "k:head"
    # Another process (a restart) finds the id in the outbox.
    async with db.transaction():
        await store.outbox.enqueue("k:head:2", Reply(text="later"), NOW, group_id=group.id,
                                   channel_id=group.channel_id, thread_of="k:head")
    assert await Deliverer(db, clock, messenger).drain() == 1
    assert messenger.sent[-1] == ("k:head:2", Thread("m1", "K:HEAD"))


def test_backoff_grows_and_is_capped():
    waits = [backoff(n) for n in range(30)]
    assert waits == sorted(waits) and waits[-1] == timedelta(minutes=30)
