"""The contract suite: every repository of bot/ports/storage.py, through the unit-of-work port only.

Each test takes `uow`, a fresh, migrated, empty unit of work on one backend, and reaches storage only
as `await uow.run(work)`. A backend is one entry in BACKENDS: a name and an async context manager that
yields a UnitOfWork over a new empty database (PostgreSQL joins by adding "postgres" here, a factory
that makes a fresh schema, and a skip when no server is configured). Nothing else in this folder may
know which backend it runs on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.ports.storage import UnitOfWork
from bot.storage.db import open_database
from bot.storage.uow import SqliteUnitOfWork


@asynccontextmanager
async def sqlite_file(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    async with open_database(str(tmp_path / "contract.db")) as db:
        yield SqliteUnitOfWork(db)


@asynccontextmanager
async def sqlite_memory(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    async with open_database(":memory:") as db:
        yield SqliteUnitOfWork(db)


BACKENDS: dict[str, Callable[[Path], AbstractAsyncContextManager[UnitOfWork]]] = {
    "sqlite-file": sqlite_file,
    "sqlite-memory": sqlite_memory,
}


@pytest.fixture(params=list(BACKENDS))
async def uow(request, tmp_path) -> AsyncIterator[UnitOfWork]:
    async with BACKENDS[request.param](tmp_path) as unit_of_work:
        yield unit_of_work
