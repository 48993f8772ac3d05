"""For tests only: `units(app).outbox.get(key)` runs one repository call as a unit of work of its own,
so a test can look at (or set up) the database through the same repositories the core uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class _EachCallAUnit:
    def __init__(self, uow: Any, path: tuple[str, ...] = ()):
        self._uow = uow
        self._path = path

    def __getattr__(self, name: str) -> _EachCallAUnit:
        return _EachCallAUnit(self._uow, (*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any):
        async def work(store: Any) -> Any:
            target = store
            for name in self._path:
                target = getattr(target, name)
            return await target(*args, **kwargs)

        return self._uow.run(work)


def units(app: Any) -> Any:
    """Calls through a unit of work with no listeners: what a test does to the database wakes nothing
    (no re-sync, no delivery), so the test decides when the bot acts."""
    from bot.storage.uow import SqliteUnitOfWork

    return _EachCallAUnit(SqliteUnitOfWork(app.db))


_REFUSED = ("outbox", "outbox_authors", "runtime")


async def refuse_writes(db: Any, on: bool) -> None:
    """The database refuses writes (as a full disk does: "database or disk is full") to the outbox and
    the runtime table, where the deliverer keeps its books; reads go on working."""
    for table in _REFUSED:
        for op in ("INSERT", "UPDATE", "DELETE"):
            name = f"refuse_{op.lower()}_{table}"
            if on:
                await db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} "
                                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
            else:
                await db.execute(f"DROP TRIGGER IF EXISTS {name}")


class each_statement_commits:  # noqa: N801 - read as a phrase: `async with each_statement_commits(db):`
    """Test set-up only: outside a unit of work each Database call is a unit of its own, so a block of
    set-up statements needs no transaction around it; this says so where a transaction used to be."""

    def __init__(self, db: Any):
        self.db = db

    async def __aenter__(self) -> Any:
        return self.db

    async def __aexit__(self, *exc: Any) -> None:
        return None


class HandClock:
    """A clock that is not simulated (the app or timer runs its real background loop) but that the test
    moves by hand, by setting `t`."""

    simulated = False

    def __init__(self, now: datetime):
        self.t = now

    def now(self) -> datetime:
        return self.t
