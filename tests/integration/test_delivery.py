
"""The outbox deliverer: once, in order per destination, retried with backoff, never lost; a message
that cannot be delivered is given up at once and holds nothing behind it; and nothing is sent while
the outbox cannot record what it sent."""

from datetime import UTC, datetime, timedelta

import pytest

from bot import text as tx
from bot.clock import SimulatedClock
from bot.domain.model import Group, Member
from bot.ports import DeliveryError, Thread
from bot.reply import Reply
from bot.services.delivery import NOTICE_WINDOW, Deliverer, backoff
from bot.storage.db import open_database
from bot.storage.sqlite import SqliteStore
from bot.storage.uow import SqliteUnitOfWork
from tests.units import each_statement_commits, refuse_writes

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
        self.sent.append((channel_ref or f"@{user_ref}", tx.plain(message.reply.text)))


@pytest.fixture
async def world(tmp_path):
    async with open_database(str(tmp_path / "d.db")) as db:
        store = SqliteStore(db)
        async with each_statement_commits(db):
            uid = await store.users.add("ada", NOW)
            await store.links.link("test", "user", "U1", uid)
            cid = await store.channels.add("study")
            await store.links.link("test", "channel", "C1", cid)
            group = await store.groups.add(Group(id=0, channel_id=cid, name="#study", created_at=NOW))
            await store.members.add(Member(id=0, group_id=group.id, user_id=uid, name="ada", joined_at=NOW))
        yield db, store, group, uid


async def _enqueue(db, store, group, texts, user_id=None):
    async with each_statement_commits(db):
        for t in texts:
            await store.outbox.enqueue(f"k:{t}", Reply(text=t), NOW, group_id=group.id,
                                       channel_id=None if user_id else group.channel_id, user_id=user_id)


async def test_delivers_in_order_once(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    messenger = FlakyMessenger()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, messenger)
    await _enqueue(db, store, group, ["a", "b", "c"])
    assert await deliverer.drain() == 3
    assert await deliverer.drain() == 0
    assert [t for _, t in messenger.sent] == ["a", "b", "c"]


async def test_a_transient_failure_holds_the_queue_then_retries(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    messenger = FlakyMessenger([DeliveryError("500"), None, None])
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, messenger)
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
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, FlakyMessenger([DeliveryError("429", retry_after=40)]))
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
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, messenger)
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
    async with each_statement_commits(db):
        for key, parent in (("k:head", None), ("k:head:1", "k:head"), ("k:lost", None), ("k:lost:1", "k:lost")):
            await store.outbox.enqueue(key, Reply(title=key.upper(), text=key), NOW, group_id=group.id,
                                       channel_id=group.channel_id, thread_of=parent)
    assert await Deliverer(SqliteUnitOfWork(db), clock, messenger).drain() == 4
    assert messenger.sent == [("k:head", None), ("k:head:1", Thread("m1", "K:HEAD")),
                              ("k:lost:1", Thread(None, "K:LOST"))]  # no thread to go in: a plain post
    assert (await store.outbox.get("k:head")).ref == "m1"
    assert (await store.outbox.get("k:head:1")).thread_of == "k:head"
    # Another process (a restart) finds the id in the outbox.
    async with each_statement_commits(db):
        await store.outbox.enqueue("k:head:2", Reply(text="later"), NOW, group_id=group.id,
                                   channel_id=group.channel_id, thread_of="k:head")
    assert await Deliverer(SqliteUnitOfWork(db), clock, messenger).drain() == 1
    assert messenger.sent[-1] == ("k:head:2", Thread("m1", "K:HEAD"))


def test_backoff_grows_and_is_capped():
    waits = [backoff(n) for n in range(30)]
    assert waits == sorted(waits) and waits[-1] == timedelta(minutes=30)


# -- a message that cannot be delivered never blocks the queue -------------------------------------

class Platform:
    """A platform that takes every message except those whose text names a failure: `POISON` is refused
    for good (as a 400 invalid body is), `BROKEN` makes the messenger itself raise (as a renderer that
    meets data it cannot handle does). `refuse_dm` closes a person's DMs. It records what it accepted."""

    platform = "test"

    def __init__(self, refuse_dm: set[str] = frozenset()):
        self.refuse_dm = set(refuse_dm)
        self.sent: list[tuple[str, str]] = []
        self.tries: list[str] = []

    async def deliver(self, message, channel_ref, user_ref):
        text = tx.plain(message.reply.text)
        self.tries.append(text)
        if user_ref in self.refuse_dm:
            raise DeliveryError("DM refused (403 50007)", permanent=True, kind="recipient")
        if "POISON" in text:
            raise DeliveryError("refused (400 50035)", permanent=True, kind="content")
        if "BROKEN" in text:
            raise ValueError("year 3170843 is out of range")
        self.sent.append((channel_ref or f"@{user_ref}", text))
        return f"m{len(self.sent)}"

    def notices(self) -> list[tuple[str, str]]:
        return [(where, text) for where, text in self.sent if "was not delivered" in text]


async def _organiser(db, store, group, name: str, ref: str) -> int:
    async with each_statement_commits(db):
        uid = await store.users.add(name, NOW)
        await store.links.link("test", "user", ref, uid)
        await store.members.add(Member(id=0, group_id=group.id, user_id=uid, name=name, joined_at=NOW))
        await store.groups.add_organiser(group.id, uid, None, NOW)
    return uid


async def test_one_poisoned_message_among_100_delays_none_of_the_other_99(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    texts = [f"post {i}" for i in range(100)]
    texts[37] = "post 37 POISON"
    await _enqueue(db, store, group, texts)
    assert await Deliverer(SqliteUnitOfWork(db), clock, platform).drain() == 101  # the 100, then the notice: no clock moved
    posts = [t for where, t in platform.sent if where == "C1" and "was not delivered" not in t]
    assert posts == [t for i, t in enumerate(texts) if i != 37], "in order, none held back"
    poisoned = await store.outbox.get("k:post 37 POISON")
    assert poisoned.status == "undeliverable" and poisoned.attempts == 1
    assert "400 50035" in poisoned.last_error
    assert platform.tries.count("post 37 POISON") == 1, "given up at once, never retried"
    rows = await db.all("SELECT attempts FROM outbox WHERE status='delivered' AND key LIKE 'k:post %'")
    assert [r[0] for r in rows] == [1] * 99


async def test_an_unexpected_exception_in_the_messenger_gives_up_that_message_and_lets_the_next_go(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    await _enqueue(db, store, group, ["a", "b BROKEN", "c"])
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await deliverer.drain()
    assert [t for _, t in platform.sent][:2] == ["a", "c"]
    broken = await store.outbox.get("k:b BROKEN")
    assert broken.status == "undeliverable"
    assert broken.last_error == "could not render: ValueError: year 3170843 is out of range"
    clock.advance(timedelta(days=1))
    await deliverer.drain()
    assert platform.tries.count("b BROKEN") == 1, "before, it was retried for ever, holding 'c' behind it"


async def test_organisers_are_told_once_per_group_and_kind_in_a_sliding_window(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _organiser(db, store, group, "olga", "U-OLGA")
    await _organiser(db, store, group, "omar", "U-OMAR")

    await _enqueue(db, store, group, ["POISON one", "fine", "POISON two"])
    await deliverer.drain()
    notices = platform.notices()
    assert sorted(where for where, _ in notices) == ["@U-OLGA", "@U-OMAR"], "each organiser, by DM, once"
    (_, text), _ = notices
    assert "POISON" not in text and "one" not in text, "a notice never quotes the failing message"
    assert "Test refused it" in text or "test refused it" in text

    async def poison_at(delta: timedelta, text: str) -> int:
        clock.advance(delta)
        await _enqueue(db, store, group, [text])
        before = len(platform.notices())
        await deliverer.drain()
        return len(platform.notices()) - before

    # At most one notice of a kind in any NOTICE_WINDOW (24 h): counted from the last notice sent.
    assert await poison_at(NOTICE_WINDOW - timedelta(hours=1), "POISON three") == 0, "within the window"
    assert await poison_at(timedelta(hours=2), "POISON four") == 2, "a window after the last notice: again"
    assert await poison_at(NOTICE_WINDOW - timedelta(minutes=1), "POISON five") == 0
    assert await poison_at(timedelta(minutes=1), "BROKEN six") == 2, "another kind of failure is told apart"
    statuses = await db.all("SELECT status, COUNT(*) FROM outbox WHERE key LIKE 'k:%' GROUP BY status")
    assert dict(map(tuple, statuses)) == {"delivered": 1, "undeliverable": 6}


async def test_without_organisers_the_channel_is_told_unless_the_channel_is_what_failed(world):
    db, store, group, uid = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _enqueue(db, store, group, ["dm POISON"], user_id=uid)
    await deliverer.drain()
    (notice,) = platform.notices()
    assert notice[0] == "C1" and "for a member (a direct message)" in notice[1]

    class GoneChannel(Platform):
        async def deliver(self, message, channel_ref, user_ref):
            if channel_ref == "C1":
                self.tries.append(tx.plain(message.reply.text))
                raise DeliveryError("channel_not_found", permanent=True, kind="destination")
            return await super().deliver(message, channel_ref, user_ref)

    gone = GoneChannel()
    await _enqueue(db, store, group, ["daily"])
    assert await Deliverer(SqliteUnitOfWork(db), clock, gone).drain() == 1
    assert gone.tries == ["daily"], "a notice to a channel that is gone would only fail too"
    assert (await store.outbox.get("k:daily")).last_error == "channel_not_found"


async def test_a_notice_that_fails_causes_no_other_notice(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    # The organiser takes no DMs: their notice fails, and that failure is told to no one (not even as
    # the "I could not send you a direct message" line a member gets in the channel).
    platform = Platform(refuse_dm={"U-OLGA"})
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _organiser(db, store, group, "olga", "U-OLGA")
    await _enqueue(db, store, group, ["POISON"])
    await deliverer.drain()
    clock.advance(NOTICE_WINDOW * 2)
    await deliverer.drain()
    assert platform.sent == []
    assert len([t for t in platform.tries if "was not delivered" in t]) == 1
    rows = await db.all("SELECT key, status FROM outbox ORDER BY id")
    assert [r[1] for r in rows] == ["undeliverable", "undeliverable"]
    assert rows[1][0].startswith(f"undeliverable:{group.id}:content:")


async def test_a_payload_that_cannot_be_read_back_is_given_up_and_blocks_nothing(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    await _enqueue(db, store, group, ["a", "b", "c"])
    # Written by another version, or damaged: before, `due` raised on it and no destination got anything.
    await db.execute("UPDATE outbox SET payload=? WHERE key='k:b'", ('{"text": {"rich": [{"what": 1}]}}',))
    assert await Deliverer(SqliteUnitOfWork(db), clock, platform).drain() == 4
    assert [t for _, t in platform.sent][:2] == ["a", "c"]
    unreadable = await store.outbox.get("k:b")
    assert unreadable.status == "undeliverable" and unreadable.last_error.startswith("unreadable payload (KeyError")
    assert "b" not in platform.tries


async def test_a_closed_dm_still_tells_the_member_in_the_channel_and_no_organiser(world):
    db, store, group, uid = world
    clock = SimulatedClock(NOW)
    platform = Platform(refuse_dm={"U1"})
    await _organiser(db, store, group, "olga", "U-OLGA")
    await _enqueue(db, store, group, ["check-in"], user_id=uid)
    await Deliverer(SqliteUnitOfWork(db), clock, platform).drain()
    assert platform.notices() == []
    ((where, text),) = platform.sent
    assert where == "C1" and text.startswith("ada, I could not send you a direct message")


# -- nothing is sent that cannot be recorded as sent -------------------------------------------------

async def test_a_sent_message_that_cannot_be_marked_is_sent_once_and_nothing_more_until_writes_work(world):
    db, store, group, uid = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _enqueue(db, store, group, [f"post {i}" for i in range(100)])
    await _enqueue(db, store, group, ["dm 0"], user_id=uid)
    await refuse_writes(db, True)
    # Five seconds of passes at the old loop's pace (one every 50 ms), which sent one post 98 times.
    for _ in range(100):
        await deliverer.drain()
        clock.advance(timedelta(milliseconds=50))
    # The DM was already on its way (destinations are served at once) when the post's mark failed: each
    # is sent once, and after them nothing, for any destination.
    assert platform.tries == ["post 0", "dm 0"]
    assert deliverer.halted and (await store.outbox.get("k:post 0")).status == "pending"
    assert await deliverer.next_wait(30.0) >= 1.0, "the loop backs off instead of retrying every 50 ms"

    await refuse_writes(db, False)
    clock.advance(timedelta(minutes=1))
    assert await deliverer.drain() == 99  # the two owed marks first, then the other 99 posts
    assert sorted(platform.tries) == sorted([f"post {i}" for i in range(100)] + ["dm 0"])
    assert len(platform.tries) == 101, "each once: the first two were recorded late, never sent again"
    assert [t for w, t in platform.sent if w == "C1"] == [f"post {i}" for i in range(100)]
    rows = await db.all("SELECT status, attempts, ref FROM outbox WHERE key='k:post 0'")
    assert tuple(rows[0]) == ("delivered", 1, "m1"), "the late mark is the one the send earned"
    assert not deliverer.halted


async def test_the_owed_mark_is_written_before_anything_else_is_sent(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _enqueue(db, store, group, ["a", "b", "c"])
    # Only the 'delivered' mark fails (the disk filled at that write); other writes would still work,
    # so a probe alone would prove too little: the deliverer first writes the mark it owes.
    await db.execute("CREATE TRIGGER full_disk BEFORE UPDATE OF status ON outbox WHEN NEW.status='delivered' "
                     "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    await deliverer.drain()
    for _ in range(4):  # backoffs of 1, 2, 4 and 8 s pass, each ending in a failed try
        clock.advance(await _halt_left(deliverer))
        assert await deliverer.drain() == 0
    assert platform.tries == ["a"]
    waits = []
    for _ in range(8):
        waits.append(await _halt_left(deliverer))
        clock.advance(waits[-1])
        await deliverer.drain()
    assert waits[-1] == timedelta(minutes=1), "the wait is capped, so a freed disk is noticed soon"
    await db.execute("DROP TRIGGER full_disk")
    clock.advance(timedelta(minutes=1))
    assert await deliverer.drain() == 2
    assert platform.tries == ["a", "b", "c"]


async def _halt_left(deliverer) -> timedelta:
    return timedelta(seconds=await deliverer.next_wait(30.0))


async def test_a_refusal_that_cannot_be_recorded_is_not_tried_again_once_writes_work(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    platform = Platform()
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform)
    await _enqueue(db, store, group, ["POISON", "after"])
    await refuse_writes(db, True)
    await deliverer.drain()
    assert platform.tries == ["POISON"]
    await refuse_writes(db, False)
    clock.advance(timedelta(seconds=1))
    await deliverer.drain()
    assert platform.tries[0] == "POISON" and platform.tries.count("POISON") == 1
    assert "after" in platform.tries and len(platform.notices()) == 1
    assert (await store.outbox.get("k:POISON")).status == "undeliverable"


async def test_a_transport_error_the_messenger_did_not_name_is_retried_not_given_up(world):
    db, store, group, _ = world
    clock = SimulatedClock(NOW)
    deliverer = Deliverer(SqliteUnitOfWork(db), clock, FlakyMessenger([ConnectionRefusedError(111, "Connection refused")]))
    await _enqueue(db, store, group, ["a", "b"])
    assert await deliverer.drain() == 0, "held, so 'b' does not overtake 'a'"
    assert (await store.outbox.get("k:a")).status == "pending"
    clock.advance(backoff(0))
    assert await deliverer.drain() == 2


# -- edits ------------------------------------------------------------------------------------------

class EditingMessenger:
    """Returns a platform id for each post, and records edits as (target, text)."""

    platform = "test"

    def __init__(self):
        self.posts: list[str] = []
        self.edits: list[tuple[str, str]] = []

    async def deliver(self, message, channel_ref, user_ref):
        if message.edit_of is not None:
            assert message.target is not None, "the deliverer never hands over an edit with nothing to edit"
            self.edits.append((message.target, tx.plain(message.reply.text)))
            return message.target
        self.posts.append(tx.plain(message.reply.text))
        return f"M{len(self.posts)}"


async def test_only_the_newest_edit_of_a_delivered_message_is_sent_with_its_platform_id(world):
    db, store, group, _ = world
    messenger = EditingMessenger()
    deliverer = Deliverer(SqliteUnitOfWork(db), SimulatedClock(NOW), messenger)
    await _enqueue(db, store, group, ["post", "other"])
    assert await deliverer.drain() == 2
    async with each_statement_commits(db):
        for n in (1, 2, 3):
            await store.outbox.enqueue(f"k:post:solved:{n}", Reply(text=f"post, solved by {n}"), NOW,
                                       group_id=group.id, channel_id=group.channel_id, edit_of="k:post")
    assert await deliverer.drain() == 3, "all three are settled"
    assert messenger.edits == [("M1", "post, solved by 3")], "the two older edits were superseded"
    assert messenger.posts == ["post", "other"], "an edit is never a new post"
    rows = await db.all("SELECT key, status FROM outbox WHERE edit_of='k:post' ORDER BY id")
    assert [tuple(r) for r in rows] == [(f"k:post:solved:{n}", "delivered") for n in (1, 2, 3)]


async def test_an_edit_of_a_message_never_delivered_is_dropped_and_a_pending_edit_keeps_its_target(world):
    db, store, group, _ = world
    messenger = EditingMessenger()
    deliverer = Deliverer(SqliteUnitOfWork(db), SimulatedClock(NOW), messenger)
    async with each_statement_commits(db):
        await store.outbox.enqueue("k:edit", Reply(text="edit"), NOW, group_id=group.id,
                                   channel_id=group.channel_id, edit_of="k:missing")
    assert await deliverer.drain() == 1
    assert messenger.edits == [] and messenger.posts == []
    # The edited message is not pruned while an edit of it waits: the edit needs its platform id.
    await _enqueue(db, store, group, ["old"])
    assert await deliverer.drain() == 1
    async with each_statement_commits(db):
        await store.outbox.enqueue("k:old:edit", Reply(text="old, edited"), NOW, group_id=group.id,
                                   channel_id=group.channel_id, edit_of="k:old",
                                   not_before=NOW + timedelta(days=30))
    assert await SqliteUnitOfWork(db).run(lambda s: s.outbox.prune(NOW + timedelta(days=20))) == 1, \
        "only the dropped edit goes; the message an edit still waits for stays"
    assert await db.scalar("SELECT COUNT(*) FROM outbox WHERE key='k:old'") == 1
