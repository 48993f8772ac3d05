"""The SQLite database: opening it (WAL, foreign keys, 0600), migrations, and one transaction at a time."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)
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


class Database:
    """One aiosqlite connection. Transactions are serialised by a lock so coroutines never interleave."""

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str) -> Database:
        if path != ":memory:":
            _create_private(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        return cls(conn, path)

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    # Each call below is one hop to aiosqlite's thread: the hop, not SQLite, is what a command pays for,
    # so none of them opens, fetches and closes a cursor in separate hops.
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        cursor = await self.conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT; returns the new row's id."""
        cursor = await self.conn.execute(sql, tuple(params))
        return cursor.lastrowid

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

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
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", (mig.version, mig.name)
                )
            log.info("applied migration %s", mig.name)
            applied.append(mig)
            if progress:
                progress(mig)
        return applied


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


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with the umask."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # SQLite gives its -wal and -shm files the mode of the main file, so this one is enough.
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@asynccontextmanager
async def open_database(path: str, migrate: bool = True) -> AsyncIterator[Database]:
    db = await Database.open(path)
    try:
        if migrate:
            await db.migrate()
        yield db
    finally:
        await db.close()
