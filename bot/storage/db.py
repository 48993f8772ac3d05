"""The SQLite database: opening it (WAL, foreign keys, 0600), migrations, and one transaction at a time."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any, TypeVar
from urllib.request import pathname2url

import aiosqlite

log = logging.getLogger(__name__)
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    folder = resources.files("bot.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found


class DatabaseMissing(FileNotFoundError):
    """The database file does not exist and this opener may not create it."""

    def __init__(self, path: str):
        super().__init__(f"there is no database at {path}; create it with `studybot db init --db {path}`")
        self.path = path


class Database:
    """One aiosqlite connection. Transactions are serialised by a lock so coroutines never interleave."""

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        # Statements waiting for the next hop, while a transaction is open (None outside one).
        self._queued: list[tuple[str, tuple]] | None = None
        # The sqlite3 connection while a unit of work runs in aiosqlite's thread (see `run`).
        self._here = threading.local()
        self._checkpointer: _Checkpointer | None = None
        # Units of work waiting to go to the database's thread together (see `run`).
        self._units: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future]] = []
        self._batches: set[asyncio.Future] = set()
        self._purge = False  # empty the write-ahead log once the current transaction commits

    @classmethod
    async def open(cls, path: str, create: bool = True) -> Database:
        """Open (and with `create`, make if missing) the database at `path`.

        Without `create` a missing file is an error, never a new empty database: SQLite is asked to open
        the file read-write only (`mode=rw`), so a bot whose file went away cannot start afresh in its place.
        """
        target = _sqlite_target(path, create)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None, uri=path != ":memory:")
        except sqlite3.OperationalError as exc:
            if not create and not _exists(path):  # removed between the check and the open
                raise DatabaseMissing(path) from exc
            raise
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros rather than left in free pages: after `forget-me` a
        # scan of the file finds nothing of the member (the WAL is emptied too, see `purge_log_after_commit`).
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        db = cls(conn, path)
        if path != ":memory:":
            # Checkpoints move to a thread of their own (see _Checkpointer), so no commit waits for one.
            await conn.execute("PRAGMA wal_autocheckpoint = 0")
            await conn.execute("PRAGMA journal_size_limit = 67108864")
            db._checkpointer = _Checkpointer(path)
        return db

    async def close(self) -> None:
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        await self.conn.close()

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run a unit of work as one transaction in aiosqlite's thread: BEGIN, every statement it makes
        and COMMIT in a single hop (or ROLLBACK if it raises).

        `work` is a coroutine function that awaits nothing but this database: in the database's thread
        each of its statements runs at once, so the coroutine never suspends and is driven to its end
        there. A command is such a unit; awaiting anything else inside one is a programming error.

        Units that arrive while another is waiting for the database go to the thread together, in
        arrival order, each still its own transaction: under load the hop is paid once per batch.
        """
        done = asyncio.get_running_loop().create_future()
        self._units.append((work, done))
        if len(self._units) == 1:  # the first to arrive starts a batch; whoever joins while it waits rides along
            # A task of its own, so that a caller cancelled while waiting strands nobody else's unit.
            self._batches.add(batch := asyncio.ensure_future(self._run_batch()))
            batch.add_done_callback(self._batches.discard)
        return await done

    async def _run_batch(self) -> None:
        async with self._lock:
            units, self._units = self._units, []
            try:
                outcomes = await self.conn._execute(self._run_units_here, units, self.conn._conn)
            except BaseException as exc:  # the thread itself failed (the connection closed, say)
                outcomes = [(False, exc)] * len(units)
        for (_, future), (ok, value) in zip(units, outcomes, strict=True):
            if future.done():  # its caller gave up waiting; the unit has run all the same
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _run_units_here(self, units: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future]],
                        con: sqlite3.Connection) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for work, _ in units:
            try:
                outcomes.append((True, self._run_here(work, con)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _run_here(self, work: Callable[[], Awaitable[T]], con: sqlite3.Connection) -> T:
        self._here.con = con
        self._purge = False
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                result = _drive(work())
            except BaseException:
                _rollback(con)
                raise
            _commit([], con)
            if self._purge:
                _purge_log(con)
            return result
        finally:
            self._here.con = None
            self._purge = False

    def purge_log_after_commit(self) -> None:
        """Empty the write-ahead log once this transaction commits (after `forget-me`): the WAL keeps
        the old version of every page it rewrote, the erased words included, until it is truncated."""
        self._purge = True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """One transaction; BEGIN rides with its first statement and COMMIT with the writes still queued."""
        if getattr(self._here, "con", None) is not None:
            raise RuntimeError("a unit of work run by Database.run cannot open another transaction")
        async with self._lock:
            self._queued = [("BEGIN IMMEDIATE", ())]
            self._purge = False
            try:
                yield self
            except BaseException:
                queued, self._queued = self._queued, None
                self._purge = False
                if not (queued and queued[0][0] == "BEGIN IMMEDIATE"):  # BEGIN has run: undo what did
                    await self._in_thread(_rollback)
                raise
            else:
                queued, self._queued = self._queued, None
                await self._in_thread(partial(_commit, queued))
                if self._purge:
                    self._purge = False
                    await self._in_thread(_purge_log)

    # A call to aiosqlite's worker thread costs more than the SQLite work behind it (a thread wake and
    # a loop wake), so a command pays in hops: every method below is one hop, and `write` — a statement
    # whose result nobody reads — is no hop at all inside a transaction: it is queued and runs at the
    # start of the next hop (or with COMMIT), in order, so later reads still see it.
    async def _in_thread(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run fn(connection) in aiosqlite's thread, after the statements queued in this transaction."""
        here = getattr(self._here, "con", None)
        if here is not None:  # inside Database.run: already in that thread, so no hop
            return fn(here)
        queued = self._queued
        if queued:
            self._queued = []
            work = partial(_after, queued, fn)
        else:
            work = fn
        # aiosqlite has no public "run this function in your thread"; `_execute` is what its own
        # methods are built on (checked by tests/integration/test_storage.py on every run).
        return await self.conn._execute(work, self.conn._conn)

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        """A write whose result is not needed: inside a transaction it waits for the next hop."""
        if self._queued is not None:
            self._queued.append((sql, tuple(params)))
        else:
            await self._in_thread(partial(_run, sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        return await self._in_thread(partial(_rowcount, sql, tuple(params)))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT; returns the new row's id."""
        return await self._in_thread(partial(_lastrowid, sql, tuple(params)))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        await self._in_thread(lambda con: con.executemany(sql, rows))

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return await self._in_thread(partial(_fetchone, sql, tuple(params)))

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return await self._in_thread(partial(_fetchall, sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        return int(await self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(
        self,
        migrations: list[Migration] | None = None,
        progress: Callable[[Migration], None] | None = None,
    ) -> list[Migration]:
        """Apply every migration newer than the database, each in its own transaction."""
        migrations = bundled_migrations() if migrations is None else migrations
        await self.schema_version()
        # Any migration not yet recorded is applied, in order: features land in parallel branches,
        # so a lower number can arrive after a higher one.
        done = {row[0] for row in await self.all("SELECT version FROM schema_version")}
        applied = []
        for mig in migrations:
            if mig.version in done:
                continue
            async with self.transaction():
                for statement in _statements(mig.sql):
                    await self.execute(statement)
                await self.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", (mig.version, mig.name)
                )
            log.info("applied migration %s", mig.name)
            applied.append(mig)
            if progress:
                progress(mig)
        return applied


class _Checkpointer:
    """Copies the write-ahead log back into the database file, about once a second, from a thread and
    a connection of its own.

    SQLite otherwise runs the checkpoint inside whichever commit takes the log past 1,000 pages, and
    its fsync (tens of milliseconds on some disks) lands on that one command. A passive checkpoint
    never blocks the bot's connection; SQLite's own checkpoint on close still empties the log.
    """

    def __init__(self, path: str, interval: float = 1.0):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, interval), name="sqlite-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self, path: str, interval: float) -> None:
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout = 5000")
            while not self._stop.wait(interval):
                try:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a busy moment: the next round catches up
                    if not os.path.exists(path):
                        # The file was removed under the bot: the app notices and stops (bootstrap's
                        # watch); checkpointing into a file nobody will open is pointless.
                        return
                    log.warning("checkpoint skipped: %s", exc)
        finally:
            con.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, here and now."""
    try:
        awaited = coroutine.send(None)
    except StopIteration as done:
        return done.value
    except RuntimeError as exc:  # asyncio called from this thread, which runs no event loop
        if "event loop" in str(exc):
            exc.add_note("inside Database.run only the database may be awaited")
        raise
    coroutine.close()
    raise RuntimeError(f"a unit of work awaited {awaited!r}; inside Database.run only the database may be awaited")


# The functions below run in aiosqlite's thread, on the sqlite3 connection itself.
def _after(queued: list[tuple[str, tuple]], fn: Callable[[sqlite3.Connection], Any], con: sqlite3.Connection) -> Any:
    for sql, params in queued:
        try:
            con.execute(sql, params)
        except sqlite3.Error as exc:
            exc.add_note(f"in a queued statement: {sql[:120]}")
            raise
    return fn(con)


def _commit(queued: list[tuple[str, tuple]], con: sqlite3.Connection) -> None:
    try:
        _after(queued, _run_commit, con)
    except BaseException:
        _rollback(con)
        raise


def _run_commit(con: sqlite3.Connection) -> None:
    if con.in_transaction:
        con.execute("COMMIT")


def _rollback(con: sqlite3.Connection) -> None:
    if con.in_transaction:
        con.execute("ROLLBACK")


def _purge_log(con: sqlite3.Connection, tries: int = 5) -> None:
    """Copy the WAL into the database and truncate it to nothing. The checkpointer thread may be in a
    passive checkpoint of its own at that moment (SQLite then reports busy): wait briefly and retry."""
    for _ in range(tries):
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(0.01)
    log.warning("the write-ahead log could not be emptied after %d tries; the next checkpoint will", tries)


def _run(sql: str, params: tuple, con: sqlite3.Connection) -> None:
    con.execute(sql, params)


def _rowcount(sql: str, params: tuple, con: sqlite3.Connection) -> int:
    return con.execute(sql, params).rowcount


def _lastrowid(sql: str, params: tuple, con: sqlite3.Connection) -> int:
    return con.execute(sql, params).lastrowid


def _fetchone(sql: str, params: tuple, con: sqlite3.Connection) -> sqlite3.Row | None:
    # fetchall steps the statement to its end, so an UPSERT ... RETURNING is finished, not left open
    rows = con.execute(sql, params).fetchall()
    return rows[0] if rows else None


def _fetchall(sql: str, params: tuple, con: sqlite3.Connection) -> list[sqlite3.Row]:
    return con.execute(sql, params).fetchall()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows where each ends)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"unterminated statement in migration: {buf[:80]!r}")
    return out


def _exists(path: str) -> bool:
    return os.path.exists(path)


def _sqlite_target(path: str, create: bool) -> str:
    """What to hand sqlite3.connect: a file URI, read-write only (`mode=rw`, never created) unless `create`."""
    if path == ":memory:":
        return path
    if create:
        _create_private(path)
    elif not _exists(path):
        raise DatabaseMissing(path)
    return "file:" + pathname2url(os.path.abspath(path)) + ("" if create else "?mode=rw")


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with the umask."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # SQLite gives its -wal and -shm files the mode of the main file, so this one is enough.
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@asynccontextmanager
async def open_database(path: str, migrate: bool = True, create: bool = True) -> AsyncIterator[Database]:
    db = await Database.open(path, create=create)
    try:
        if migrate:
            await db.migrate()
        yield db
    finally:
        await db.close()
