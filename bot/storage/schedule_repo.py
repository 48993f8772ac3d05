"""The due-time index and the claims over SQL (tables of migration 0013).

Every method is one or two statements through the same `db` the other repositories use (the
`Database` inside a unit, or the unit's transaction object), so a store attaches it as `store.schedule`
and it runs in whatever unit of work the caller is in. The SQL is the same for SQLite and PostgreSQL
(upserts with a conflict target, row values, ORDER BY ... LIMIT); only the DDL differs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple


def _iso(when: datetime) -> str:
    # Fixed width, always UTC: text order is time order, and equal instants are equal strings (the
    # claim's primary key compares them).
    if when.tzinfo is None:
        raise ValueError("a due instant must carry its timezone")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Plain tuples out, plain values in: the scheduling package reads them without importing storage.
class DueRow(NamedTuple):
    """One subject of one kind, due at `due_at` (UTC); tuples of this order sort as the timer runs them."""

    due_at: datetime
    kind: str
    subject: int


class Seeding(NamedTuple):
    """How far a kind has been planned for all its subjects."""

    version: str
    seeded_after: int
    complete: bool


class SqliteSchedule:
    def __init__(self, db: Any):
        self.db = db

    # -- the index ------------------------------------------------------------------------------------
    async def plan(self, kind: str, subject: int, due_at: datetime | None) -> bool:
        """Set (or with None, remove) the next instant of one subject; True if a row changed.

        An unchanged instant writes nothing, so re-planning a subject whose settings did not move costs
        a read and no write."""
        if due_at is None:
            return await self.db.execute("DELETE FROM due WHERE kind=? AND subject=?", (kind, subject)) > 0
        return await self.db.execute(
            "INSERT INTO due (kind, subject, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at WHERE due.due_at <> excluded.due_at",
            (kind, subject, _iso(due_at)),
        ) > 0

    async def due_at(self, kind: str, subject: int) -> datetime | None:
        text = await self.db.scalar("SELECT due_at FROM due WHERE kind=? AND subject=?", (kind, subject))
        return None if text is None else _time(text)

    async def due(self, now: datetime, limit: int) -> list[DueRow]:
        """What is due by `now`, earliest first and in (kind, subject) order within an instant: at most
        `limit` rows, read from the time index alone."""
        rows = await self.db.all(
            "SELECT due_at, kind, subject FROM due WHERE due_at <= ? ORDER BY due_at, kind, subject LIMIT ?",
            (_iso(now), limit),
        )
        return [DueRow(_time(r[0]), r[1], r[2]) for r in rows]

    async def next_due_at(self) -> datetime | None:
        """The earliest instant anything is due (one step into the time index)."""
        text = await self.db.scalar("SELECT due_at FROM due ORDER BY due_at LIMIT 1")
        return None if text is None else _time(text)

    async def count(self, kind: str | None = None) -> int:
        """How many subjects are planned (for a benchmark's "scheduler entries" and for tests)."""
        if kind is None:
            return int(await self.db.scalar("SELECT COUNT(*) FROM due"))
        return int(await self.db.scalar("SELECT COUNT(*) FROM due WHERE kind=?", (kind,)))

    # -- the claims -----------------------------------------------------------------------------------
    async def claim(self, kind: str, subject: int, due_at: datetime, now: datetime) -> bool:
        """Take the run of (kind, subject) at `due_at`; False if someone already took it."""
        return await self.db.execute(
            "INSERT INTO job_runs (kind, subject, due_at, claimed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, subject, due_at) DO NOTHING",
            (kind, subject, _iso(due_at), _iso(now)),
        ) > 0

    async def finish(self, kind: str, subject: int, due_at: datetime, now: datetime) -> None:
        """The claimed run has ended (well or not): it is never handed back."""
        await self.db.write(
            "UPDATE job_runs SET done_at=? WHERE kind=? AND subject=? AND due_at=? AND done_at IS NULL",
            (_iso(now), kind, subject, _iso(due_at)),
        )

    async def unfinished(self) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM job_runs WHERE done_at IS NULL"))

    async def release(self, claimed_before: datetime | None = None) -> int:
        """Hand runs that were claimed and never finished back to the index, at their own instant (or
        keep the subject's row if it is due earlier still); with `claimed_before`, only claims older than
        that (a lease, when several processes share the database). Returns how many were handed back.

        A claim moves its subject's row on to the next instant, so without this a run cut short by a
        crash would be lost; handed back, it is simply due again and claimed afresh."""
        since = "" if claimed_before is None else " AND claimed_at < ?"
        params: tuple = () if claimed_before is None else (_iso(claimed_before),)
        # WHERE before GROUP BY also keeps SQLite from reading ON CONFLICT as a join's ON.
        await self.db.write(
            "INSERT INTO due (kind, subject, due_at) "
            f"SELECT kind, subject, MIN(due_at) FROM job_runs WHERE done_at IS NULL{since} GROUP BY kind, subject "
            "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at WHERE excluded.due_at < due.due_at",
            params,
        )
        return await self.db.execute(f"DELETE FROM job_runs WHERE done_at IS NULL{since}", params)

    async def prune_runs(self, before: datetime, limit: int = 5000) -> int:
        """Delete up to `limit` finished claims of instants before `before`; returns how many. Called in
        a loop, one unit per call, so no transaction grows with the backlog."""
        return await self.db.execute(
            "DELETE FROM job_runs WHERE (kind, subject, due_at) IN (SELECT kind, subject, due_at FROM job_runs "
            "WHERE due_at < ? AND done_at IS NOT NULL ORDER BY due_at LIMIT ?)",
            (_iso(before), limit),
        )

    # -- seeding --------------------------------------------------------------------------------------
    async def seeding(self, kind: str) -> Seeding | None:
        row = await self.db.one("SELECT version, seeded_after, complete FROM due_kinds WHERE kind=?", (kind,))
        return None if row is None else Seeding(row[0], row[1], bool(row[2]))

    async def set_seeding(self, kind: str, version: str, seeded_after: int, complete: bool) -> None:
        await self.db.write(
            "INSERT INTO due_kinds (kind, version, seeded_after, complete) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind) DO UPDATE SET version = excluded.version, seeded_after = excluded.seeded_after, "
            "complete = excluded.complete",
            (kind, version, seeded_after, int(complete)),
        )
