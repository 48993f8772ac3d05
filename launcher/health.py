"""`studybot health`, and the heartbeat a running bot writes for it.

A running bot (`studybot run`, any platform) writes a heartbeat beside its database, `PATH.heartbeat`,
every HEARTBEAT_EVERY seconds: when it was written (the wall clock), whether the scheduler's timer is
serving, and how long the oldest message still in the outbox has waited since it was queued (retries
included; a platform that is down shows here). The file is replaced whole each time and removed when
the bot stops.

`studybot health` reads it without disturbing the bot (it never takes the database's process lock)
and exits 0 when all of this holds, else 1 with one line saying what is wrong:

- the database file is there, opens, and has every bundled migration applied;
- a heartbeat exists and is at most `max_age` old (an older one: the bot is stopped, or its event loop
  is stuck);
- the scheduler is serving;
- no message has waited in the outbox longer than `max_wait` (delivery is stuck, or the platform has
  been refusing the bot for that long).

The Dockerfile's HEALTHCHECK runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.api import CoreApi, Health
from bot.clock import RealClock
from bot.config import Settings
from bot.ports import Clock
from bot.text import count

log = logging.getLogger(__name__)
HEARTBEAT_EVERY = 30.0  # seconds between two heartbeats of a running bot
STARTING_EVERY = 0.5  # seconds between heartbeats until the scheduler is first seen serving
MAX_AGE = timedelta(minutes=3)  # an older heartbeat: the bot is stopped or stuck
MAX_WAIT = timedelta(minutes=15)  # a message waiting longer: delivery is stuck

OpenCore = Callable[..., AbstractAsyncContextManager[CoreApi]]


def heartbeat_path(db_path: str) -> Path:
    return Path(db_path + ".heartbeat")


@dataclass(frozen=True)
class Heartbeat:
    written_at: datetime  # wall clock, UTC
    pid: int
    scheduler_running: bool
    oldest_waiting: timedelta | None  # by the app's clock, when written

    @classmethod
    def of(cls, health: Health, written_at: datetime, pid: int | None = None) -> Heartbeat:
        return cls(written_at=written_at, pid=os.getpid() if pid is None else pid,
                   scheduler_running=health.scheduler_running, oldest_waiting=health.oldest_waiting)

    def to_json(self) -> str:
        return json.dumps({
            "written_at": self.written_at.astimezone(UTC).isoformat(),
            "pid": self.pid,
            "scheduler_running": self.scheduler_running,
            "oldest_waiting_seconds": None if self.oldest_waiting is None else self.oldest_waiting.total_seconds(),
        })

    @classmethod
    def from_json(cls, text: str) -> Heartbeat:
        data = json.loads(text)
        waited = data.get("oldest_waiting_seconds")
        return cls(written_at=datetime.fromisoformat(data["written_at"]), pid=int(data["pid"]),
                   scheduler_running=bool(data["scheduler_running"]),
                   oldest_waiting=None if waited is None else timedelta(seconds=float(waited)))


def write_heartbeat(path: Path, beat: Heartbeat) -> None:
    """Replace the heartbeat file whole (a reader never sees half of one)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(beat.to_json())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


async def keep_beating(app: CoreApi, path: Path, *, every: float = HEARTBEAT_EVERY,
                       wall: Clock | None = None) -> None:
    """Write a heartbeat now and then every `every` seconds (more often while the bot is starting),
    until cancelled. A heartbeat that cannot be made is logged and skipped: the file then grows old,
    which is what `studybot health` reports."""
    wall = wall or RealClock()
    running_seen = failing = False
    while True:
        try:
            health = await app.health()
            running_seen = running_seen or health.scheduler_running
            await asyncio.to_thread(write_heartbeat, path, Heartbeat.of(health, wall.now()))
            failing = False
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the bot goes on; the stale file tells
            # Said once for a run of failures (a full disk would otherwise say it twice a minute).
            log.log(logging.DEBUG if failing else logging.WARNING, "could not write the heartbeat %s: %s", path, exc)
            failing = True
        await asyncio.sleep(every if running_seen else min(every, STARTING_EVERY))


def with_heartbeat(open_core: OpenCore, *, every: float = HEARTBEAT_EVERY) -> OpenCore:
    """`open_core` whose app writes a heartbeat beside its database for as long as it is open."""

    @asynccontextmanager
    async def opened(settings: Settings, clock: Clock | None = None) -> AsyncIterator[CoreApi]:
        async with open_core(settings, clock) as app:
            if settings.db_path == ":memory:":
                yield app
                return
            path = heartbeat_path(settings.db_path)
            task = asyncio.create_task(keep_beating(app, path, every=every), name="heartbeat")
            try:
                yield app
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                with contextlib.suppress(OSError):
                    path.unlink()  # stopped: no heartbeat, and `studybot health` says so

    return opened


def _minutes(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return count(seconds, "second") if seconds < 120 else count(seconds // 60, "minute")


def verdict(beat: Heartbeat | None, now: datetime, *, max_age: timedelta = MAX_AGE,
            max_wait: timedelta = MAX_WAIT) -> tuple[bool, str]:
    """(healthy, one line saying why) from the heartbeat as read at `now` (None: there is none)."""
    if beat is None:
        return False, "no heartbeat: the bot is not running (or has not started yet)"
    age = max(now - beat.written_at, timedelta(0))
    if age > max_age:
        return False, (f"the last heartbeat is {_minutes(age)} old (limit {_minutes(max_age)}): "
                       f"the bot (process {beat.pid}) is stopped or stuck")
    if not beat.scheduler_running:
        return False, "the scheduler is not running"
    if beat.oldest_waiting is not None:
        waited = beat.oldest_waiting + age
        if waited > max_wait:
            return False, (f"the oldest message in the outbox has waited {_minutes(waited)} "
                           f"(limit {_minutes(max_wait)}): delivery is stuck or the platform refuses it")
        outbox = f"the oldest message has waited {_minutes(waited)}"
    else:
        outbox = "nothing waiting"
    return True, f"heartbeat {_minutes(age)} ago, scheduler running, outbox: {outbox}"


def database_problem(db_path: str) -> str | None:
    """Why the database is not fit to run on (missing, unreadable, migrations pending), or None.
    It is opened read-only (SQLite's `mode=ro`) beside the running bot: never created, never written,
    never checkpointed."""
    from bot.storage.db import file_uri, pending_migrations

    if db_path == ":memory:":
        return "an in-memory database has no health to check"
    if not os.path.exists(db_path):
        return f"there is no database at {db_path}"
    try:
        con = sqlite3.connect(file_uri(db_path, "ro"), uri=True, timeout=5)
        try:
            done = {row[0] for row in con.execute("SELECT version FROM schema_version")}
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"the database {db_path} cannot be read: {exc}"
    pending = pending_migrations(done)
    if pending:
        return (f"the database {db_path} lacks {count(len(pending), 'migration')} "
                f"(`studybot db upgrade --db {db_path}`)")
    return None


async def check(settings: Settings, *, max_age: timedelta = MAX_AGE, max_wait: timedelta = MAX_WAIT,
                now: datetime | None = None) -> tuple[bool, str]:
    problem = await asyncio.to_thread(database_problem, settings.db_path)
    if problem is not None:
        return False, problem
    path = heartbeat_path(settings.db_path)
    try:
        beat = Heartbeat.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        beat = None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"the heartbeat {path} cannot be read: {exc}"
    return verdict(beat, now or RealClock().now(), max_age=max_age, max_wait=max_wait)
