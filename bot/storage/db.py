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
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any, TypeVar
from urllib.request import pathname2url

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


def pending_migrations(done: set[int], migrations: list[Migration] | None = None) -> list[Migration]:
    """The migrations not yet recorded, in order: features land in parallel branches, so a lower number
    can arrive after a higher one."""
    return [m for m in (bundled_migrations() if migrations is None else migrations) if m.version not in done]


def file_uri(path: str, mode: str | None = None) -> str:
    """A SQLite file URI for `path` (`mode`: "ro", "rw"; None lets SQLite create the file)."""
    return "file:" + pathname2url(os.path.abspath(path)) + (f"?mode={mode}" if mode else "")


class DatabaseMissing(FileNotFoundError):
    """The database file does not exist and this opener may not create it."""

    def __init__(self, path: str):
        super().__init__(f"there is no database at {path}; create it with `studybot db init --db {path}`")
        self.path = path


class Database:
    """One sqlite3 connection, owned by one worker thread of our own; every statement runs there.

    Work reaches the database only as units (`run`): a coroutine function that awaits nothing but this
    database, driven to its end in the worker thread between BEGIN and COMMIT. One unit runs at a time,
    so no unit ever sees another's uncommitted rows, and nothing can slip into a unit's transaction.
    Outside a unit, each query method is a unit of its own (migrations and tests use them).
    """

    def __init__(self, path: str, executor: ThreadPoolExecutor, con: sqlite3.Connection):
        self.path = path
        self._executor = executor
        self._con = con
        # The connection while a unit runs in the worker thread (see `run`); None everywhere else.
        self._here = threading.local()
        self._checkpointer: _Checkpointer | None = None
        # Units of work waiting to go to the worker together (see `run`).
        self._units: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future]] = []
        self._batches: set[asyncio.Future] = set()
        self._lock = asyncio.Lock()
        self._purge = False  # empty the write-ahead log once the current transaction commits
        self.closed = False
        self.hops = 0  # trips to the worker thread: what a command costs, and what the tests count

    @classmethod
    async def open(cls, path: str, create: bool = True) -> Database:
        """Open (and with `create`, make if missing) the database at `path`.

        Without `create` a missing file is an error, never a new empty database: SQLite is asked to open
        the file read-write only (`mode=rw`), so a bot whose file went away cannot start afresh in its place.
        """
        target = _sqlite_target(path, create)
        # One thread for the life of the database: the connection is made, used and closed there only.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        loop = asyncio.get_running_loop()
        try:
            con = await loop.run_in_executor(executor, partial(_connect, target, path != ":memory:"))
        except sqlite3.OperationalError as exc:
            executor.shutdown(wait=False)
            if not create and not _exists(path):  # removed between the check and the open
                raise DatabaseMissing(path) from exc
            raise
        db = cls(path, executor, con)
        if path != ":memory:":
            # Checkpoints move to a thread of their own (see _Checkpointer), so no commit waits for one.
            await loop.run_in_executor(executor, _no_autocheckpoint, con)
            db._checkpointer = _Checkpointer(path)
        return db

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        async with self._lock:  # after the units already on their way
            await asyncio.get_running_loop().run_in_executor(self._executor, self._con.close)
        self._executor.shutdown(wait=True)

    def in_unit(self) -> bool:
        """True in the worker thread while a unit of work runs."""
        return getattr(self._here, "con", None) is not None

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run a unit of work as one transaction in the worker thread: BEGIN, every statement it makes
        and COMMIT in a single hop (or ROLLBACK if it raises).

        `work` is a coroutine function that awaits nothing but this database: in the worker thread each
        of its statements runs at once, so the coroutine never suspends and is driven to its end there.
        Awaiting anything else inside one is a programming error, and says so. A unit that fails changes
        nothing, so a caller may simply run it again.

        Units that arrive while another batch is in the worker go there together, in arrival order, each
        still its own transaction: under load the hop is paid once per batch.
        """
        if self.in_unit():
            raise RuntimeError("a unit of work cannot run another unit inside itself")
        if self.closed:
            raise RuntimeError("the database is closed")
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
            self.hops += 1
            try:
                outcomes = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._run_units_here, units)
            except BaseException as exc:  # the worker itself failed (the connection closed, say)
                outcomes = [(False, exc)] * len(units)
        for (_, future), (ok, value) in zip(units, outcomes, strict=True):
            if future.done():  # its caller gave up waiting; the unit has run all the same
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _run_units_here(self, units: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future]]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for work, _ in units:
            try:
                outcomes.append((True, self._run_here(work)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _run_here(self, work: Callable[[], Awaitable[T]]) -> T:
        con = self._con
        self._here.con = con
        self._purge = False
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                result = _drive(work())
            except BaseException:
                _rollback(con)
                raise
            con.execute("COMMIT")
            if self._purge:
                _purge_log(con)
            return result
        finally:
            self._here.con = None
            self._purge = False

    def record(self, event: Any) -> None:
        """Repositories record events on the unit's Tx; used on the database itself there is no unit to
        hand them to after commit, so they are dropped (migrations and tests work this way)."""

    async def pragma(self, statement: str) -> list[sqlite3.Row]:
        """A connection setting (`PRAGMA query_only = ON`, a checkpoint), run outside any transaction."""
        if not statement.lstrip().upper().startswith("PRAGMA"):
            raise ValueError("only PRAGMA statements run outside a unit of work")
        async with self._lock:
            self.hops += 1
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, lambda: self._con.execute(statement).fetchall())

    def purge_log_after_commit(self) -> None:
        """Empty the write-ahead log once this transaction commits (after `forget-me`): the WAL keeps
        the old version of every page it rewrote, the erased words included, until it is truncated."""
        self._purge = True

    # Inside a unit each method runs its statement at once on the unit's connection (it is already in
    # the worker thread); outside one, the statement is a unit of its own.
    async def _do(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        con = getattr(self._here, "con", None)
        if con is not None:
            return fn(con)
        return await self.run(lambda: self._do(fn))

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        """A write whose result is not needed."""
        await self._do(partial(_run, sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        return await self._do(partial(_rowcount, sql, tuple(params)))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT; returns the new row's id."""
        return await self._do(partial(_lastrowid, sql, tuple(params)))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        await self._do(lambda con: con.executemany(sql, rows))

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return await self._do(partial(_fetchone, sql, tuple(params)))

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return await self._do(partial(_fetchall, sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def schema_version(self) -> int:
        await self.write(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        return int(await self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(
        self,
        migrations: list[Migration] | None = None,
        progress: Callable[[Migration], None] | None = None,
    ) -> list[Migration]:
        """Apply every migration newer than the database, each in its own transaction."""
        await self.schema_version()
        done = {row[0] for row in await self.all("SELECT version FROM schema_version")}
        applied = []
        for mig in pending_migrations(done, migrations):

            async def apply(mig: Migration = mig) -> None:
                for statement in _statements(mig.sql):
                    await self.execute(statement)
                await self.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", (mig.version, mig.name)
                )

            await self.run(apply)
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


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    con = sqlite3.connect(target, isolation_level=None, uri=uri, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros rather than left in free pages: after `forget-me` a scan
    # of the file finds nothing of the member (the WAL is emptied too, see `purge_log_after_commit`).
    con.execute("PRAGMA secure_delete = ON")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA busy_timeout = 5000")
    return con


def _no_autocheckpoint(con: sqlite3.Connection) -> None:
    # The checkpoint thread does the routine work. Under a burst of writes (the 10,000-group daily
    # fan-out, a check-in burst) its passive checkpoints never catch the log up, so the log would grow
    # without bound (bench_scale saw 1 GB); past 10,000 pages (~40 MB) the writer checkpoints itself,
    # which costs one command an fsync about once per 40 MB written.
    con.execute("PRAGMA wal_autocheckpoint = 10000")
    con.execute("PRAGMA journal_size_limit = 67108864")


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


# The functions below run in the worker thread, on the sqlite3 connection itself.
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
    return file_uri(path, None if create else "rw")


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
