"""The one place that wires settings, storage, clock, content, commands, schedule and outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.clock import RealClock
from bot.commands import build_registry
from bot.commands.context import Context
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import Settings
from bot.content import ContentPack, load_pack
from bot.domain.model import Caller
from bot.ports import Clock, Messenger
from bot.reply import Reply
from bot.scheduling.jobs import job_sources
from bot.scheduling.scheduler import Scheduler
from bot.services import daily, practice
from bot.services.completion import complete
from bot.services.delivery import Deliverer
from bot.storage.db import Database, open_database
from bot.storage.lock import DatabaseGone, FileIdentity, ProcessLock
from bot.storage.sqlite import SqliteStore

log = logging.getLogger(__name__)
# How often an idle bot looks at its database file (a stat call); commands and jobs look every time.
WATCH_EVERY = 2.0


@dataclass
class App:
    settings: Settings
    db: Database
    clock: Clock
    content: ContentPack
    registry: Registry
    dispatcher: Dispatcher
    scheduler: Scheduler = field(init=False)
    deliverer: Deliverer | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task] = field(default_factory=list)
    _enqueued_seen: int = 0
    # The database file as opened; None for an in-memory database.
    db_file: FileIdentity | None = None
    fatal: str | None = None  # why the app stopped itself (its database file went away)
    _main: asyncio.Task | None = None  # the task that opened the app, cancelled to stop it

    @property
    def store(self) -> SqliteStore:
        return self.dispatcher.store

    async def handle_text(self, caller: Caller, text: str) -> Reply:
        return await self.dispatcher.run_text(caller, text)

    async def handle(self, caller: Caller, path: tuple[str, ...], raw: dict[str, str]) -> Reply:
        return await self.dispatcher.run_path(caller, path, raw)

    async def channel_has_group(self, platform: str, channel_ref: str) -> bool:
        channel_id = await self.store.links.internal(platform, "channel", channel_ref)
        return channel_id is not None and await self.store.groups.by_channel(channel_id) is not None

    async def complete(self, caller: Caller, kind: str, prefix: str) -> list[str]:
        """Autocomplete values for a parameter kind (timezone, problem, milestone, member)."""
        channel_id = await self.store.links.internal(caller.platform, "channel", caller.channel)
        group = await self.store.groups.by_channel(channel_id) if channel_id is not None else None
        return await complete(self.store, self.content, kind, prefix,
                              group_id=group.id if group else None, roadmap=group.roadmap if group else None)

    async def dashboards(self, caller: Caller) -> list[Reply]:
        """The `me` view of every group this person belongs to (Slack's App Home, for one)."""
        user_id = await self.store.links.internal(caller.platform, "user", caller.user)
        if user_id is None:
            return []
        replies = []
        for group in await self.store.groups.all():
            member = await self.store.members.of_user(group.id, user_id)
            channel_ref = await self.store.links.external(caller.platform, "channel", group.channel_id)
            if member is None or not member.active or channel_ref is None:
                continue
            reply = await self.handle(replace(caller, channel=channel_ref, forms=False), ("me",), {})
            if not reply.error:
                replies.append(reply)
        return replies

    def use_messenger(self, messenger: Messenger) -> Deliverer:
        self.deliverer = Deliverer(self.db, self.clock, messenger)
        return self.deliverer

    async def deliver_now(self) -> int:
        """Simulated clock: deliver what is due now. Real clock: nudge the background deliverer."""
        if self.deliverer is None:
            return 0
        if self.clock.simulated:
            return await self.deliverer.drain()
        self.deliverer.wake()
        return 0

    async def remember_time(self, now: datetime) -> None:
        async with self.db.transaction():
            await self.store.runtime.set("simulated_now", now.isoformat())

    def check_database(self) -> bool:
        """Stop the app if its database file was removed or replaced; True while all is well."""
        if self.fatal is not None:
            return False
        problem = self.db_file.problem() if self.db_file is not None else None
        if problem is None:
            return True
        self.fatal = problem  # said once, by whoever catches DatabaseGone (the CLI prints it)
        self._stop.set()
        if self._main is not None and not self._main.done():
            self._main.cancel()
        return False

    async def _watch_database(self) -> None:
        """An idle bot (no command, no job) still notices its file going away, within WATCH_EVERY."""
        while self.check_database():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=WATCH_EVERY)
                return
            except TimeoutError:
                pass

    async def _after_job(self) -> None:
        if self.check_database():
            await self.deliver_now()

    async def _after_command(self, ctx: Context) -> None:
        if not self.check_database():
            return
        if ctx.reschedule:
            await self.scheduler.sync()
        if ctx.store.outbox.enqueued != self._enqueued_seen:
            self._enqueued_seen = ctx.store.outbox.enqueued
            await self.deliver_now()

    async def start(self) -> None:
        """Rebuild the schedule from the database, catch up what a restart missed, start delivering."""
        await self.scheduler.start()
        for catch_up in startup_tasks(self):
            await catch_up()
        if self.deliverer is not None and not self.clock.simulated:
            self._tasks.append(asyncio.create_task(self.deliverer.run(self._stop)))
        await self.deliver_now()

    async def stop(self) -> None:
        self._stop.set()
        if self.deliverer is not None:
            self.deliverer.wake()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        self._tasks.clear()
        await self.scheduler.shutdown()


def startup_tasks(app: App) -> list:
    """Services that run once at start (e.g. a daily post missed while the bot was down)."""

    async def daily_catch_up() -> None:
        await daily.catch_up(app.db, app.content, app.clock.now())

    return [daily_catch_up]


def process_lock(settings: Settings) -> ProcessLock | None:
    """The lock that keeps a second process off this database (None for an in-memory one)."""
    return None if settings.db_path == ":memory:" else ProcessLock(settings.db_path)


async def saved_simulated_time(settings: Settings) -> datetime | None:
    """Where a simulated clock stood when this database was last used, so a script can resume."""
    lock = process_lock(settings)
    if lock is not None:
        lock.acquire()  # DatabaseInUse: another process runs on this file
    try:
        async with open_database(settings.db_path, create=settings.create_db) as db:
            value = await SqliteStore(db).runtime.get("simulated_now")
    finally:
        if lock is not None:
            lock.release()
    return datetime.fromisoformat(value) if value else None


@asynccontextmanager
async def open_app(settings: Settings, clock: Clock | None = None) -> AsyncIterator[App]:
    """The app over its database, held by this process alone (DatabaseInUse if another holds it;
    DatabaseMissing if the file is absent and settings.create_db is off). If the database file is
    removed or replaced while the app is open, the app stops itself: the task that opened it is
    cancelled and this raises DatabaseGone."""
    clock = clock or RealClock()
    content = load_pack(settings.content_dir)
    registry = build_registry()
    lock = process_lock(settings)
    if lock is not None:
        lock.acquire()
    try:
        async with open_database(settings.db_path, create=settings.create_db) as db:
            await practice.build_missing_stats(db, clock.now())
            dispatcher = Dispatcher(db, clock, content, registry)
            app = App(settings=settings, db=db, clock=clock, content=content, registry=registry,
                      dispatcher=dispatcher)
            app.scheduler = Scheduler(clock, job_sources(app), after_job=app._after_job,
                                      on_time=app.remember_time)
            dispatcher.after_commit.append(app._after_command)
            if lock is not None:
                app.db_file = FileIdentity.of(settings.db_path)
            app._main = asyncio.current_task()
            watcher = asyncio.create_task(app._watch_database())
            try:
                yield app
            except asyncio.CancelledError:
                if app.fatal is None:
                    raise
                # The app cancelled itself: say why instead of passing on a bare cancellation.
                if app._main is not None and app._main.cancelling():
                    app._main.uncancel()
                raise DatabaseGone(app.fatal) from None
            finally:
                watcher.cancel()
                await app.stop()
    finally:
        if lock is not None:
            lock.release()
