"""The unit of work over SQLite: `uow.run(work)` runs `work(store)` as one transaction, on a store bound
to that transaction alone, and hands the events it recorded to the listeners after it commits."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from bot.domain.events import Event
from bot.storage.db import Database
from bot.storage.sqlite import SqliteStore

log = logging.getLogger(__name__)
T = TypeVar("T")
Listener = Callable[[list[Event]], Awaitable[None]]


class StoreClosed(RuntimeError):
    pass


class Tx:
    """The statements of one unit of work, and the events it records. Repositories hold one as `db`;
    once the unit has ended, any use of it is an error (a store cannot outlive its transaction)."""

    def __init__(self, db: Database):
        self._db = db
        self.events: list[Event] = []
        self._seen: set[Event] = set()  # a unit that queues 10,000 messages must not compare 10,000²
        self.open = True

    def reset(self) -> None:
        self.events.clear()
        self._seen.clear()

    def record(self, event: Event) -> None:
        if event not in self._seen:
            self._seen.add(event)
            self.events.append(event)

    def _check(self) -> Database:
        if not self.open:
            raise StoreClosed("this store belonged to a unit of work that has ended")
        if not self._db.in_unit():
            raise StoreClosed("a store is used only inside its unit of work")
        return self._db

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self._check().write(sql, params)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return await self._check().execute(sql, params)

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        return await self._check().insert(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._check().executemany(sql, rows)

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return await self._check().one(sql, params)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return await self._check().all(sql, params)

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return await self._check().scalar(sql, params)

    def purge_log_after_commit(self) -> None:
        self._check().purge_log_after_commit()


class SqliteUnitOfWork:
    def __init__(self, db: Database):
        self.db = db
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def run(self, work: Callable[[SqliteStore], Awaitable[T]]) -> T:
        tx = Tx(self.db)

        async def unit() -> T:
            tx.reset()  # a unit that is run again starts with nothing recorded
            try:
                return await work(SqliteStore(tx))
            finally:
                tx.open = False

        try:
            result = await self.db.run(unit)
        finally:
            tx.open = False
        if tx.events:
            await self.publish(tx.events)
        return result

    async def publish(self, events: list[Event]) -> None:
        for listener in self._listeners:
            try:
                await listener(list(events))
            except Exception:  # what happens after commit never undoes the commit
                log.exception("an after-commit listener failed")
