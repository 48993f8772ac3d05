"""The outbox for many deliverers: a destination is claimed with a lease before anything is sent to it,
so two deliverers (two processes, here two connections to one file) never send one message twice and
keep each destination's order; a lapsed lease hands a destination over exactly once; the due query is
one range of one index, so a delivery costs the same at 100 and at 10,000 pending messages; and a
delivery is one unit of work (it was about two, three for a DM fan-out, before the claims)."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bot.clock import SimulatedClock
from bot.domain.model import Group, Member
from bot.ports import Sent
from bot.ports.storage import Lease
from bot.reply import Reply
from bot.services.delivery import LEASE, Deliverer
from bot.storage.db import bundled_migrations, open_database
from bot.storage.sqlite import SqliteOutbox, SqliteStore
from bot.storage.uow import SqliteUnitOfWork

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
PLATFORM = "test"


# -- the world ---------------------------------------------------------------------------------------

async def seed(db, channels: int, people: int) -> tuple[int, list[dict]]:
    """A group, `channels` channels and `people` members, all linked on the test platform; returns the
    group id and the destinations as enqueue arguments."""
    async def work(store) -> tuple[int, list[dict]]:
        first = await store.channels.add("c0")
        group = await store.groups.add(Group(id=0, channel_id=first, name="#c0", created_at=NOW))
        places = []
        for i in range(channels):
            cid = first if i == 0 else await store.channels.add(f"c{i}")
            await store.links.link(PLATFORM, "channel", f"C{i}", cid)
            places.append({"channel_id": cid})
        for i in range(people):
            uid = await store.users.add(f"u{i}", NOW)
            await store.links.link(PLATFORM, "user", f"U{i}", uid)
            await store.members.add(Member(id=0, group_id=group.id, user_id=uid, name=f"u{i}", joined_at=NOW))
            places.append({"user_id": uid})
        return group.id, places

    return await SqliteUnitOfWork(db).run(work)


async def enqueue(db, group_id: int, messages: list[tuple[str, dict]]) -> None:
    # In units of 500: a unit's events are kept in a list that each new one is compared with.
    for start in range(0, len(messages), 500):
        async def work(store, batch=messages[start:start + 500]) -> None:
            for key, place in batch:
                await store.outbox.enqueue(key, Reply(text=key), NOW, group_id=group_id, **place)

        await SqliteUnitOfWork(db).run(work)


class Platform:
    """The platform both deliverers send to: it records every message it accepted, in order, and who
    sent it. `hold(who, key)` keeps that deliverer's send of that message in flight until the test
    sets the returned event; `entered[(who, key)]` is set once the send is under way."""

    def __init__(self):
        self.accepted: list[tuple[str, str, str]] = []  # (where, key, deliverer)
        self.holds: dict[tuple[str, str], asyncio.Event] = {}
        # who must have sent once before anyone else sends a second message: a race both take part in
        # whatever the machine's scheduling (a loaded CI once let one deliverer take all 1,000)
        self.first_of: str | None = None
        self._first = asyncio.Event()
        self.entered: defaultdict[tuple[str, str], asyncio.Event] = defaultdict(asyncio.Event)

    def messenger(self, name: str) -> Messenger:
        return Messenger(self, name)

    def hold(self, who: str, key: str) -> asyncio.Event:
        gate = self.holds[(who, key)] = asyncio.Event()
        return gate


class Messenger:
    platform = PLATFORM

    def __init__(self, platform: Platform, name: str):
        self.world, self.name = platform, name

    async def deliver(self, message, channel_ref, user_ref):
        world = self.world
        if world.first_of is not None:
            if self.name == world.first_of:
                world._first.set()
            elif any(who == self.name for _, _, who in world.accepted):
                await asyncio.wait_for(world._first.wait(), 30)
        gate = self.world.holds.pop((self.name, message.key), None)
        if gate is not None:
            self.world.entered[(self.name, message.key)].set()
            await gate.wait()
        else:
            await asyncio.sleep(0)  # a yield, not a wait: the other deliverer's units run meanwhile
        self.world.accepted.append((channel_ref or f"@{user_ref}", message.key, self.name))
        return f"ref:{message.key}:{self.name}"


class Counted:
    """A unit of work that counts its units and the statements they make (each repository call on the
    transaction is one statement), and keeps those statements."""

    def __init__(self, uow: SqliteUnitOfWork):
        self.inner = uow
        self.units = 0
        self.statements: list[tuple[str, tuple]] = []

    def subscribe(self, listener) -> None:
        self.inner.subscribe(listener)

    async def run(self, work):
        self.units += 1
        return await self.inner.run(lambda store: work(SqliteStore(_CountingTx(store.db, self.statements))))


class _CountingTx:
    def __init__(self, tx, log: list):
        self._tx, self._log = tx, log

    def __getattr__(self, name):
        attr = getattr(self._tx, name)
        if name not in ("write", "execute", "insert", "one", "all", "scalar"):
            return attr

        async def statement(sql, params=()):
            self._log.append((sql, tuple(params)))
            return await attr(sql, params)

        return statement


async def status_counts(db) -> dict[str, int]:
    return dict(map(tuple, await db.all("SELECT status, COUNT(*) FROM outbox GROUP BY status")))


# -- two deliverers, one outbox ------------------------------------------------------------------------

async def test_two_deliverers_on_one_file_send_each_of_1000_messages_once_and_in_order(tmp_path):
    path = str(tmp_path / "outbox.db")
    async with open_database(path) as db_a, open_database(path) as db_b:
        group_id, places = await seed(db_a, channels=10, people=10)  # 20 destinations, DMs among them
        rng = random.Random(13)
        messages = [(f"m{i:04d}", rng.choice(places)) for i in range(1000)]
        await enqueue(db_a, group_id, messages)
        platform, clock = Platform(), SimulatedClock(NOW)
        platform.first_of = "b"  # a sends one message, then waits until b has sent one too
        units_a, units_b = Counted(SqliteUnitOfWork(db_a)), Counted(SqliteUnitOfWork(db_b))
        # Two deliverers as two processes would have them: each its own connection, neither the only one.
        a = Deliverer(units_a, clock, platform.messenger("a"), concurrency=4, only_process=False)
        b = Deliverer(units_b, clock, platform.messenger("b"), concurrency=4, only_process=False)
        hops = db_a.hops + db_b.hops
        settled = 0
        for _ in range(10):  # each drain ends when its claim finds nothing the other does not hold
            settled += sum(await asyncio.gather(a.drain(), b.drain()))
            if (await status_counts(db_a)).get("pending", 0) == 0:
                break
        hops = db_a.hops + db_b.hops - hops

        keys = [key for _, key, _ in platform.accepted]
        duplicates, lost = len(keys) - len(set(keys)), len({k for k, _ in messages} - set(keys))
        order = defaultdict(list)
        for where, key, _ in platform.accepted:
            order[where].append(key)
        sent_by = {who for _, _, who in platform.accepted}
        units = (units_a.units + units_b.units) / len(keys)
        print(f"\n2 deliverers, 1000 messages, 20 destinations: {duplicates} duplicates, {lost} lost, "
              f"{units:.3f} units and {hops / len(keys):.3f} hops per delivered message "
              f"(a: {units_a.units} units, b: {units_b.units})")
        assert (duplicates, lost, settled) == (0, 0, 1000)
        assert all(sent == sorted(sent) for sent in order.values()), "each destination's order kept"
        assert len(order) == 20
        assert sent_by == {"a", "b"}, "both deliverers took part: the race was real"
        assert await status_counts(db_a) == {"delivered": 1000}
        assert await db_a.scalar("SELECT COUNT(*) FROM outbox_queues") == 0, "no queue is left held"
        # Before the claims a delivery cost its due read, a check for an older pending message, the
        # address lookup and the mark (2.04 units a message here); now the mark, the lease's renewal and
        # the next message's read share one unit, and a claim serves many destinations.
        assert units <= 1.1


async def in_flight(deliverer: Deliverer, platform: Platform, who: str, key: str) -> tuple[asyncio.Task, asyncio.Event]:
    """Start a drain whose send of `key` stays in flight; returns once that send is under way, with the
    event that lets it finish."""
    gate = platform.hold(who, key)
    task = asyncio.create_task(deliverer.drain())
    await platform.entered[(who, key)].wait()
    return task, gate


async def crash(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_lapsed_lease_hands_the_destination_over_exactly_once(tmp_path):
    path = str(tmp_path / "outbox.db")
    async with open_database(path) as db_a, open_database(path) as db_b:
        group_id, places = await seed(db_a, channels=1, people=0)
        await enqueue(db_a, group_id, [(f"m{i}", places[0]) for i in range(3)])
        platform, clock = Platform(), SimulatedClock(NOW)
        a = Deliverer(SqliteUnitOfWork(db_a), clock, platform.messenger("a"), only_process=False)
        b = Deliverer(SqliteUnitOfWork(db_b), clock, platform.messenger("b"), only_process=False)
        # `a` claims the channel and is sending m0 when its process dies.
        await crash((await in_flight(a, platform, "a", "m0"))[0])
        assert platform.accepted == []

        assert await b.drain() == 0, "the channel is held: nothing of it goes while the lease runs"
        clock.advance(LEASE - timedelta(seconds=1))
        assert await b.drain() == 0
        assert await b.next_wait(300.0) == 1.0, "b knows when the lease lapses"
        clock.advance(timedelta(seconds=1))
        assert await b.drain() == 3, "the lease lapsed: b takes the channel over"
        assert platform.accepted == [("C0", "m0", "b"), ("C0", "m1", "b"), ("C0", "m2", "b")]
        assert await b.drain() == 0
        restarted = Deliverer(SqliteUnitOfWork(db_a), clock, platform.messenger("a2"), only_process=False)
        assert await restarted.drain() == 0
        assert len(platform.accepted) == 3, "each message once"
        assert await status_counts(db_a) == {"delivered": 3}


async def test_a_deliverer_whose_lease_lapsed_during_a_send_sends_nothing_more_there(tmp_path):
    path = str(tmp_path / "outbox.db")
    async with open_database(path) as db_a, open_database(path) as db_b:
        group_id, places = await seed(db_a, channels=1, people=0)
        await enqueue(db_a, group_id, [(f"m{i}", places[0]) for i in range(3)])
        platform, clock = Platform(), SimulatedClock(NOW)
        a = Deliverer(SqliteUnitOfWork(db_a), clock, platform.messenger("a"), only_process=False)
        b = Deliverer(SqliteUnitOfWork(db_b), clock, platform.messenger("b"), only_process=False)
        slow_a, let_a = await in_flight(a, platform, "a", "m0")  # a's send of m0 outlasts its lease
        clock.advance(LEASE)
        busy_b, let_b = await in_flight(b, platform, "b", "m1")  # b took over: m0 sent, m1 on its way
        let_a.set()  # a's m0 reaches the platform again (Discord's nonce drops such a repeat)
        assert await slow_a == 1, "a records m0 and stops there: the channel is b's"
        let_b.set()
        assert await busy_b == 3
        assert [(key, who) for _, key, who in platform.accepted] == [("m0", "b"), ("m0", "a"), ("m1", "b"),
                                                                     ("m2", "b")], "a sent nothing after m0"
        m0 = await SqliteUnitOfWork(db_a).run(lambda s: s.outbox.get("m0"))
        assert (m0.status, m0.attempts, m0.ref) == ("delivered", 1, "ref:m0:b"), "the first outcome stands"
        assert await db_a.scalar("SELECT COUNT(*) FROM outbox_queues") == 0


async def test_the_only_process_takes_back_at_once_what_a_dead_one_held(tmp_path):
    path = str(tmp_path / "outbox.db")
    async with open_database(path) as db:
        group_id, places = await seed(db, channels=1, people=0)
        await enqueue(db, group_id, [("first", places[0]), ("second", places[0])])
        platform, clock = Platform(), SimulatedClock(NOW)
        await crash((await in_flight(Deliverer(SqliteUnitOfWork(db), clock, platform.messenger("old")),
                                     platform, "old", "first"))[0])
        # With SQLite a second process cannot start (bot/storage/lock.py): the next start is alone, so
        # whatever it finds held was held by the dead one, and it goes on without waiting for the lease.
        assert await Deliverer(SqliteUnitOfWork(db), clock, platform.messenger("new")).drain() == 2
        assert platform.accepted == [("C0", "first", "new"), ("C0", "second", "new")]


# -- the due query and the cost of a delivery -----------------------------------------------------

async def backlog(path: str, pending: int) -> None:
    """`pending` messages over pending // 10 ... destinations: a tenth of them each. Of the destinations,
    half are held by another deliverer, a fifth wait for a retry (their head is not due), the rest are
    due; and as many delivered messages lie behind them."""
    destinations = max(10, round(pending ** 0.5))
    per = pending // destinations
    async with open_database(path) as db:
        group_id, places = await seed(db, channels=destinations // 2, people=destinations - destinations // 2)
        rng = random.Random(pending)
        rng.shuffle(places)
        held, waiting = places[: destinations // 2], places[destinations // 2: destinations // 2 + destinations // 5]
        await enqueue(db, group_id, [(f"done:{i}:{j}", p) for j in range(per) for i, p in enumerate(places)])
        await db.execute("UPDATE outbox SET status='delivered', delivered_at=not_before")
        await db.execute("DELETE FROM outbox_queues")
        await enqueue(db, group_id, [(f"m:{i}:{j}", p) for j in range(per) for i, p in enumerate(places)])
        later = (NOW + timedelta(hours=1)).isoformat(timespec="microseconds")
        for place in held + waiting:
            destination = f"channel:{place['channel_id']}" if "channel_id" in place else f"user:{place['user_id']}"
            if place in held:
                await db.execute("UPDATE outbox_queues SET claimed_by='other', ready_at=? WHERE destination=?",
                                 (later, destination))
            else:  # its head failed and waits for its retry
                head = await db.scalar("SELECT MIN(id) FROM outbox WHERE status='pending' AND destination=?",
                                       (destination,))
                await db.execute("UPDATE outbox SET not_before=?, attempts=1 WHERE id=?", (later, head))
                await db.execute("UPDATE outbox_queues SET ready_at=? WHERE destination=?", (later, destination))
        assert await db.scalar("SELECT COUNT(*) FROM outbox WHERE status='pending'") == per * destinations


class RawTx:
    """A repository's `db` over a connection of the test's own, inside one transaction that is rolled
    back: counts SQLite's virtual-machine instructions (a progress handler called at every one) and keeps
    each statement, so the due query's plan can be read with the very parameters it ran with."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self.steps = 0
        self.statements: list[tuple[str, tuple]] = []

    def _step(self) -> int:
        self.steps += 1
        return 0

    def _run(self, sql: str, params, result):
        self.statements.append((sql, tuple(params)))
        self.con.set_progress_handler(self._step, 1)
        try:
            return result(self.con.execute(sql, tuple(params)))
        finally:
            self.con.set_progress_handler(None, 1)

    async def one(self, sql, params=()):
        rows = self._run(sql, params, sqlite3.Cursor.fetchall)
        return rows[0] if rows else None

    async def all(self, sql, params=()):
        return self._run(sql, params, sqlite3.Cursor.fetchall)

    async def scalar(self, sql, params=()):
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def write(self, sql, params=()):
        self._run(sql, params, sqlite3.Cursor.fetchall)

    async def execute(self, sql, params=()):
        return self._run(sql, params, lambda cursor: cursor.rowcount)

    def record(self, event) -> None:
        pass


async def deliveries_cost(path: str, destinations: int = 2, each: int = 5) -> tuple[float, list]:
    """SQLite instructions per delivery for what a deliverer asks of the outbox: one claim of
    `destinations`, then for each of `each` messages the mark and the next message's read."""
    con = sqlite3.connect(path, isolation_level=None)
    con.row_factory = sqlite3.Row
    try:
        con.execute("BEGIN")
        tx = RawTx(con)
        outbox = SqliteOutbox(tx)
        lease = Lease("me", NOW, NOW + LEASE, PLATFORM)
        heads = await outbox.claim(lease, destinations)
        assert len(heads) == destinations
        delivered = 0
        for head in heads:
            msg = head
            for _ in range(each):
                await outbox.mark_delivered(msg.id, NOW, "ref")
                delivered += 1
                msg = await outbox.advance(msg, lease)
                assert msg is not None
        return tx.steps / delivered, tx.statements
    finally:
        con.execute("ROLLBACK")
        con.close()


def plan(path: str, statements: list[tuple[str, tuple]]) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[3] for sql, params in statements for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        con.close()


async def test_the_due_query_reads_one_index_range_and_a_delivery_costs_the_same_at_100_and_10000_pending(tmp_path):
    small, large = str(tmp_path / "small.db"), str(tmp_path / "large.db")
    await backlog(small, 100)
    await backlog(large, 10_000)
    small_cost, _ = await deliveries_cost(small)
    large_cost, statements = await deliveries_cost(large)

    details = plan(large, statements)
    print(f"\nSQLite instructions per delivery: {small_cost:.0f} at 100 pending, {large_cost:.0f} at 10,000")
    print("\n".join(sorted(set(details))))
    assert not [d for d in details if d.startswith("SCAN")], "no statement reads a whole table"
    assert not [d for d in details if "TEMP B-TREE" in d], "the index gives the order: nothing is sorted"
    assert any("outbox_queues_ready" in d for d in details), "the claim takes the due queues by ready_at"
    assert any("outbox_pending" in d for d in details), "a destination's head comes from the partial index"
    assert large_cost < small_cost * 1.5, "a delivery costs the same however long the backlog"


async def test_statements_per_delivered_message_do_not_grow_with_the_backlog(tmp_path):
    per_message = {}
    for pending in (100, 10_000):
        path = str(tmp_path / f"{pending}.db")
        await backlog(path, pending)
        async with open_database(path) as db:
            units = Counted(SqliteUnitOfWork(db))
            deliverer = Deliverer(units, SimulatedClock(NOW), Platform().messenger("d"), only_process=False)
            delivered = await deliverer.drain()
            assert delivered > 0
            per_message[pending] = (len(units.statements) / delivered, units.units / delivered)
    (small, small_units), (large, large_units) = per_message[100], per_message[10_000]
    print(f"\nstatements per delivered message: {small:.2f} at 100 pending, {large:.2f} at 10,000; "
          f"units: {small_units:.3f}, {large_units:.3f}")
    assert abs(large - small) < 0.25 and large <= 3.5
    assert large_units <= 1.1


# -- DM channels are kept ---------------------------------------------------------------------------

class OpensDMs:
    """A platform where a DM needs its channel opened first, as on Discord; it counts the openings."""

    platform = PLATFORM

    def __init__(self):
        self.opened: list[str] = []
        self.told: list[str | None] = []

    async def deliver(self, message, channel_ref, user_ref):
        self.told.append(message.dm_channel)
        if message.dm_channel is not None:
            return Sent(f"ref:{message.key}", dm_channel=message.dm_channel)
        self.opened.append(user_ref)
        return Sent(f"ref:{message.key}", dm_channel=f"D-{user_ref}")


async def test_a_dm_channel_is_opened_once_per_person_and_kept_across_a_restart(tmp_path):
    path = str(tmp_path / "outbox.db")
    async with open_database(path) as db:
        group_id, places = await seed(db, channels=1, people=1)
        await enqueue(db, group_id, [("dm1", places[1]), ("dm2", places[1])])
        clock, first = SimulatedClock(NOW), OpensDMs()
        assert await Deliverer(SqliteUnitOfWork(db), clock, first).drain() == 2
        assert (first.opened, first.told) == (["U0"], [None, "D-U0"])
    async with open_database(path) as db:  # a restart: nothing in memory
        await enqueue(db, group_id, [("dm3", places[1])])
        again = OpensDMs()
        assert await Deliverer(SqliteUnitOfWork(db), clock, again).drain() == 1
        assert (again.opened, again.told) == ([], ["D-U0"]), "no second opening after the restart"
        # It is the person's: it goes with them.
        user_id = places[1]["user_id"]
        await db.execute("DELETE FROM members WHERE user_id=?", (user_id,))
        assert await SqliteUnitOfWork(db).run(lambda s: s.users.delete_if_orphan(user_id))
        assert await db.scalar("SELECT COUNT(*) FROM dm_channels") == 0


# -- upgrading a database that has messages queued -------------------------------------------------

async def test_messages_queued_before_the_upgrade_are_delivered_in_order_after_it(tmp_path):
    path = str(tmp_path / "old.db")
    async with open_database(path, migrate=False) as db:
        await db.migrate([m for m in bundled_migrations() if m.version < 14])
        ids = {}
        for name in ("study", "other"):
            ids[name] = await db.insert("INSERT INTO channels (name) VALUES (?)", (name,))
            await db.execute("INSERT INTO links VALUES (?, 'channel', ?, ?)", (PLATFORM, name.upper(), ids[name]))
        group = await db.insert("INSERT INTO groups (channel_id, name, created_at) VALUES (?, '#study', ?)",
                                (ids["study"], NOW.isoformat()))
        # As the old code wrote them: a retry waiting in #study, a post behind it, one due in #other.
        now, later = (t.isoformat(timespec="microseconds") for t in (NOW, NOW + timedelta(minutes=5)))
        for key, channel, status, not_before in (("sent", "study", "delivered", now), ("retry", "study", "pending", later),
                                                 ("behind", "study", "pending", now), ("due", "other", "pending", now)):
            await db.execute(
                "INSERT INTO outbox (key, group_id, channel_id, payload, created_at, not_before, status) "
                "VALUES (?,?,?,?,?,?,?)",
                (key, group, ids[channel], json.dumps({"text": key}), now, not_before, status))
        applied = await db.migrate([m for m in bundled_migrations() if m.version <= 14])
        assert [m.name for m in applied] == ["0014_outbox_claims.sql"]
        queues = await db.all("SELECT destination, ready_at, claimed_by FROM outbox_queues ORDER BY destination")
        assert sorted(tuple(q) for q in queues) == sorted([(f"channel:{ids['other']}", now, None),
                                                           (f"channel:{ids['study']}", later, None)])
        await db.migrate(bundled_migrations())  # and on to this version's outbox
        platform, clock = Platform(), SimulatedClock(NOW)
        deliverer = Deliverer(SqliteUnitOfWork(db), clock, platform.messenger("d"))
        assert await deliverer.drain() == 1, "#study waits for its retry, #other goes"
        clock.advance(timedelta(minutes=5))
        assert await deliverer.drain() == 2
        assert [(where, key) for where, key, _ in platform.accepted] == [("OTHER", "due"), ("STUDY", "retry"),
                                                                         ("STUDY", "behind")]
