"""Storage: the SQLite engine itself (migrations, pragmas, file mode, units of work in its worker thread).

The repository contract, every repository through the unit-of-work port on every backend, is in
tests/contract/.
"""

import asyncio
import os
import sqlite3
import stat

import pytest

from bot.storage.db import Database, Migration, bundled_migrations, open_database


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
