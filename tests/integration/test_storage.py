"""Storage: migrations, pragmas, file mode, and the repository contract.

The contract tests take a `store` fixture; a second backend joins by adding itself to `backend`.
"""

import asyncio
import os
import sqlite3
import stat
from datetime import UTC, datetime, time

import pytest

from bot.domain.events import ScheduleChanged
from bot.domain.model import Group, Member
from bot.reply import Reply
from bot.storage.db import Database, Migration, bundled_migrations, open_database
from bot.storage.sqlite import SqliteStore
from bot.storage.uow import SqliteUnitOfWork, StoreClosed

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["file", "memory"])
async def store(request, tmp_path):
    path = str(tmp_path / "c.db") if request.param == "file" else ":memory:"
    async with open_database(path) as db:
        yield SqliteStore(db)


async def test_database_is_private_wal_and_enforces_foreign_keys(tmp_path):
    path = str(tmp_path / "p.db")
    async with open_database(path) as db:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
        with pytest.raises(Exception, match="FOREIGN KEY"):
            await db.execute("INSERT INTO milestones_done VALUES (999, 'x', 'now')")


async def test_migrations_apply_once_in_order(tmp_path):
    path = str(tmp_path / "m.db")
    async with open_database(path) as db:
        latest = await db.schema_version()
        assert latest == bundled_migrations()[-1].version
        assert await db.migrate() == []  # a second run applies nothing
        extra = Migration(latest + 1, "9999_test.sql", "CREATE TABLE t (x INTEGER);\n-- c\nINSERT INTO t VALUES (1);")
        assert [m.version for m in await db.migrate([*bundled_migrations(), extra])] == [latest + 1]
        assert await db.scalar("SELECT x FROM t") == 1


async def test_a_failing_migration_leaves_the_version_alone(tmp_path):
    async with open_database(str(tmp_path / "f.db")) as db:
        before = await db.schema_version()
        bad = Migration(before + 1, "9999_bad.sql", "CREATE TABLE ok (x);\nCREATE TABLE broken (;")
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate([bad])
        assert await db.schema_version() == before
        assert await db.scalar("SELECT name FROM sqlite_master WHERE name='ok'") is None


async def _group_and_member(store: SqliteStore) -> tuple[Group, Member]:
    uid = await store.users.add("ada", NOW)
    cid = await store.channels.add("study")
    group = await store.groups.add(Group(id=0, channel_id=cid, name="#study", created_at=NOW, created_by=uid))
    member = await store.members.add(Member(id=0, group_id=group.id, user_id=uid, name="ada", joined_at=NOW))
    return group, member


async def test_contract_links(store):
    assert await store.links.internal("discord", "user", "123") is None
    await store.links.link("discord", "user", "123", 7)
    assert await store.links.internal("discord", "user", "123") == 7
    assert await store.links.external("discord", "user", 7) == "123"
    assert await store.links.internal("slack", "user", "123") is None  # platforms never mix


async def test_contract_groups_and_members(store):
    group, member = await _group_and_member(store)
    group.timezone, group.post_time, group.paused = "Asia/Tokyo", time(7, 30), True
    await store.groups.save(group)
    again = await store.groups.by_channel(group.channel_id)
    assert (again.timezone, again.post_time, again.paused) == ("Asia/Tokyo", time(7, 30), True)
    assert (await store.members.by_name(group.id, "@ADA")).id == member.id
    member.target = "faang"
    await store.members.save(member)
    assert (await store.members.get(member.id)).target_count == 150
    await store.groups.add_organiser(group.id, member.user_id, None, NOW)
    assert await store.groups.is_organiser(group.id, member.user_id)
    assert [m.name for m in await store.members.active(group.id)] == ["ada"]


async def test_contract_milestones(store):
    _, member = await _group_and_member(store)
    assert await store.milestones.tick(member.id, "python", NOW)
    assert not await store.milestones.tick(member.id, "python", NOW)  # ticking twice counts once
    assert set(await store.milestones.done(member.id)) == {"python"}
    assert await store.milestones.untick(member.id, "python")
    assert not await store.milestones.untick(member.id, "python")


async def test_contract_outbox_is_idempotent_and_ordered(store):
    group, member = await _group_and_member(store)
    assert await store.outbox.enqueue("k1", Reply(text="one"), NOW, group_id=group.id, channel_id=group.channel_id)
    assert not await store.outbox.enqueue("k1", Reply(text="dup"), NOW, group_id=group.id, channel_id=group.channel_id)
    await store.outbox.enqueue("k2", Reply(text="two"), NOW, group_id=group.id, user_id=member.user_id)
    due = await store.outbox.due(NOW)
    assert [m.key for m in due] == ["k1", "k2"] and due[0].reply.text == "one"
    await store.outbox.mark_delivered(due[0].id, NOW)
    assert [m.key for m in await store.outbox.due(NOW)] == ["k2"]
    assert (await store.outbox.get("k1")).delivered_at == NOW


async def test_user_is_removed_with_the_last_membership(store):
    group, member = await _group_and_member(store)
    assert not await store.users.delete_if_orphan(member.user_id)
    await store.members.delete(member.id)
    await store.groups.db.execute("UPDATE groups SET created_by=NULL")
    assert await store.users.delete_if_orphan(member.user_id)


async def test_database_open_without_migrations(tmp_path):
    db = await Database.open(str(tmp_path / "raw.db"))
    try:
        assert await db.schema_version() == 0
    finally:
        await db.close()


def count_hops(db: Database):
    """The number of trips to the database's worker thread from now on."""
    start = db.hops
    return lambda: db.hops - start


async def test_a_unit_of_work_is_one_transaction_in_one_hop(tmp_path):
    async with open_database(str(tmp_path / "u.db")) as db:
        hops = count_hops(db)

        async def work():
            await db.write("INSERT INTO runtime (key, value) VALUES ('a', '1')")
            await db.execute("UPDATE runtime SET value='2' WHERE key='a'")
            return await db.scalar("SELECT value FROM runtime WHERE key='a'")

        assert await db.run(work) == "2"
        assert hops() == 1, "BEGIN, three statements and COMMIT in one hop"

        async def fails():
            await db.write("INSERT INTO runtime (key, value) VALUES ('b', '1')")
            raise ValueError("changed my mind")

        with pytest.raises(ValueError):
            await db.run(fails)
        assert await db.scalar("SELECT COUNT(*) FROM runtime WHERE key='b'") == 0, "rolled back"

        async def sleeps():
            await asyncio.sleep(0.001)

        async def awaits_a_future():
            await asyncio.Future(loop=loop)

        loop = asyncio.get_running_loop()
        for wrong in (sleeps, awaits_a_future):
            with pytest.raises(RuntimeError) as failed:
                await db.run(wrong)
            assert "only the database may be awaited" in str(failed.value) + str(getattr(failed.value, "__notes__", ""))

        async def nests():
            await db.run(work)

        with pytest.raises(RuntimeError, match="cannot run another unit inside itself"):
            await db.run(nests)
        assert await db.scalar("SELECT value FROM runtime WHERE key='a'") == "2"


async def test_a_failing_unit_sees_no_bystander_and_no_bystander_sees_it(tmp_path):
    """The isolation hole of issue 13: a job's transaction that inserted and then failed, next to a
    bystander's bare read and write, gave {'dirty_read': 1, 'after_rollback': 0}: the bystander saw the
    uncommitted row, and its own write was swallowed by the other transaction's rollback."""
    async with open_database(str(tmp_path / "i.db")) as db:
        uow = SqliteUnitOfWork(db)
        seen: dict[str, int] = {}

        async def job(store) -> None:
            await store.runtime.set("job", "uncommitted")
            raise RuntimeError("the job fails after its insert")

        async def bystander(store) -> None:
            seen["dirty_read"] = await store.db.scalar("SELECT COUNT(*) FROM runtime WHERE key='job'")
            await store.runtime.set("bystander", "mine")

        results = await asyncio.gather(uow.run(job), uow.run(bystander), return_exceptions=True)
        assert isinstance(results[0], RuntimeError) and results[1] is None
        seen["after_rollback"] = await db.scalar("SELECT COUNT(*) FROM runtime WHERE key='bystander'")
        assert seen == {"dirty_read": 0, "after_rollback": 1}
        assert await db.scalar("SELECT COUNT(*) FROM runtime WHERE key='job'") == 0


async def test_a_store_is_bound_to_its_unit_and_useless_after_it(tmp_path):
    async with open_database(str(tmp_path / "s.db")) as db:
        uow = SqliteUnitOfWork(db)
        kept = []

        async def work(store) -> None:
            kept.append(store)
            await store.runtime.set("k", "v")

        await uow.run(work)
        with pytest.raises(StoreClosed):
            await kept[0].runtime.get("k")


async def test_events_recorded_in_a_unit_reach_listeners_only_after_commit(tmp_path):
    async with open_database(str(tmp_path / "e.db")) as db:
        uow = SqliteUnitOfWork(db)
        heard = []

        async def listener(events) -> None:
            heard.append(events)
            # after commit: what the unit wrote is there for anyone to read
            assert await db.scalar("SELECT COUNT(*) FROM groups") == 1

        uow.subscribe(listener)

        async def setup(store):
            channel = await store.channels.add("study")
            return await store.groups.add(Group(id=0, channel_id=channel, name="#study", created_at=NOW))

        group = await uow.run(setup)
        assert heard == [[ScheduleChanged("group", group.id)]]

        async def fails(store):
            await store.outbox.enqueue("k", Reply(text="x"), NOW, group_id=group.id, channel_id=group.channel_id)
            raise ValueError("rolled back")

        with pytest.raises(ValueError):
            await uow.run(fails)
        assert len(heard) == 1, "a unit that rolled back tells nobody"


async def test_units_arriving_together_share_a_hop_but_not_a_transaction(tmp_path):
    async with open_database(str(tmp_path / "b.db")) as db:
        hops = count_hops(db)

        def unit(key: str, fail: bool = False):
            async def work():
                await db.write("INSERT INTO runtime (key, value) VALUES (?, 'v')", (key,))
                if fail:
                    raise ValueError(key)
                return key
            return work

        results = await asyncio.gather(*(db.run(unit(f"k{i}", fail=i == 3)) for i in range(8)),
                                       return_exceptions=True)
        assert [r if isinstance(r, str) else type(r).__name__ for r in results] == \
            ["k0", "k1", "k2", "ValueError", "k4", "k5", "k6", "k7"]
        assert hops() < 8, "units waiting together go to the database's thread together"
        kept = [r[0] for r in await db.all("SELECT key FROM runtime WHERE key LIKE 'k%' ORDER BY key")]
        assert kept == ["k0", "k1", "k2", "k4", "k5", "k6", "k7"], "only the failed unit was rolled back"


async def test_a_caller_that_stops_waiting_strands_no_one(tmp_path):
    async with open_database(str(tmp_path / "c.db")) as db:
        def unit(key: str):
            async def work():
                await db.write("INSERT INTO runtime (key, value) VALUES (?, 'v')", (key,))
                return key
            return work

        first = asyncio.ensure_future(db.run(unit("first")))
        second = asyncio.ensure_future(db.run(unit("second")))
        await asyncio.sleep(0)  # both have queued in one batch
        first.cancel()
        assert await asyncio.wait_for(second, timeout=10) == "second"
        assert first.cancelled()
        keys = {r[0] for r in await db.all("SELECT key FROM runtime WHERE key IN ('first', 'second')")}
        assert "second" in keys
