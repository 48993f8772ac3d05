"""The one place that wires settings, storage, clock, content, commands, schedule and outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.api import Health
from bot.clock import RealClock
from bot.commands import build_registry
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import Settings
from bot.content import ContentPack, load_pack
from bot.domain.events import Event, MessageEnqueued, ScheduleChanged
from bot.domain.model import Caller
from bot.ports import Clock, Messenger, UnitOfWork
from bot.reply import Reply, error_reply
from bot.scheduling.jobs import JobDeps, due_kinds
from bot.scheduling.planner import Planner
from bot.scheduling.timer import Timer
from bot.services import practice
from bot.services.completion import complete
from bot.services.delivery import Deliverer
from bot.storage.db import Database, open_database
from bot.storage.lock import DatabaseGone, FileIdentity, ProcessLock
from bot.storage.uow import SqliteUnitOfWork

log = logging.getLogger(__name__)
# How often an idle bot looks at its database file (a stat call); commands and jobs look every time.
WATCH_EVERY = 2.0


@dataclass
class App:
    """The core, wired: what every adapter drives through the CoreApi port (bot/ports/inbound.py)."""

    settings: Settings
    db: Database
    uow: UnitOfWork
    clock: Clock
    content: ContentPack
    registry: Registry
    dispatcher: Dispatcher
    timer: Timer = field(init=False)
    deliverer: Deliverer | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task] = field(default_factory=list)
    # The database file as opened; None for an in-memory database.
    db_file: FileIdentity | None = None
    fatal: str | None = None  # why the app stopped itself (its database file went away)
    closing: bool = False  # set on shutdown: commands that arrive now are turned away politely
    _in_flight: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _main: asyncio.Task | None = None  # the task that opened the app, cancelled to stop it
    started: bool = False  # between start() and stop()

    async def handle_text(self, caller: Caller, text: str) -> Reply:
        return await self._command(self.dispatcher.run_text(caller, text))

    async def handle(self, caller: Caller, path: tuple[str, ...], raw: dict[str, str]) -> Reply:
        return await self._command(self.dispatcher.run_path(caller, path, raw))

    async def _command(self, run) -> Reply:
        if self.closing:
            run.close()
            return error_reply("studybot is restarting; please try again in a minute.")
        self._in_flight += 1
        self._idle.clear()
        try:
            return await run
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def quiesce(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109 - a grace period, not a cancel scope
        """Stop taking commands and let the ones in flight finish (up to `timeout` seconds)."""
        self.closing = True
        if self._in_flight:
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except TimeoutError:
                log.warning("%d command(s) still running at shutdown", self._in_flight)

    async def button_command(self, key: str) -> str | None:
        return await self.dispatcher.button_command(key)

    def roadmaps(self) -> list[tuple[str, str]]:
        return [(rm.name, rm.title) for rm in self.content.roadmaps.values()]

    async def channel_has_group(self, platform: str, channel_ref: str) -> bool:
        async def read(store) -> bool:
            channel_id = await store.links.internal(platform, "channel", channel_ref)
            return channel_id is not None and await store.groups.by_channel(channel_id) is not None

        return await self.uow.run(read)

    async def reader_zone(self, platform: str, user_ref: str) -> str | None:
        async def read(store) -> str | None:
            user_id = await store.links.internal(platform, "user", user_ref)
            return None if user_id is None else await store.members.zone_of_user(user_id)

        return await self.uow.run(read)

    async def complete(self, caller: Caller, kind: str, prefix: str) -> list[str]:
        """Autocomplete values for a parameter kind (timezone, problem, milestone, member)."""
        async def read(store) -> list[str]:
            channel_id = await store.links.internal(caller.platform, "channel", caller.channel)
            group = await store.groups.by_channel(channel_id) if channel_id is not None else None
            return await complete(store, self.content, kind, prefix,
                                  group_id=group.id if group else None, roadmap=group.roadmap if group else None)

        return await self.uow.run(read)

    async def dashboards(self, caller: Caller) -> list[tuple[str, Reply]]:
        """(channel ref, the `me` view) of every group this person belongs to (Slack's App Home, for one)."""
        async def channels(store) -> list[str]:
            user_id = await store.links.internal(caller.platform, "user", caller.user)
            if user_id is None:
                return []
            found = []
            # The person's own groups, not every group there is: the cost follows their memberships.
            for group_id in await store.accountability.checkins.groups_of_user(user_id):
                group = await store.groups.get(group_id)
                if group is None:
                    continue
                channel_ref = await store.links.external(caller.platform, "channel", group.channel_id)
                if channel_ref is not None:
                    found.append(channel_ref)
            return found

        out = []
        for channel_ref in await self.uow.run(channels):
            reply = await self.handle(replace(caller, channel=channel_ref, forms=False, is_dm=False), ("me",), {})
            if not reply.error:
                out.append((channel_ref, reply))
        return out

    async def advance(self, delta) -> None:
        """Simulated clock: move time forward, running every job that falls due, in time order."""
        await self.timer.advance(delta)

    def use_messenger(self, messenger: Messenger) -> Deliverer:
        self.deliverer = Deliverer(self.uow, self.clock, messenger)
        return self.deliverer

    async def deliver_now(self) -> int:
        """Simulated clock: deliver what is due now. Real clock: nudge the background deliverer."""
        if self.deliverer is None:
            return 0
        if self.clock.simulated:
            return await self.deliverer.drain()
        self.deliverer.wake()
        return 0

    async def health(self) -> Health:
        """The scheduler's state and the oldest message waiting in the outbox (for `studybot health`)."""
        now = self.clock.now()
        since = await self.uow.run(lambda store: store.outbox.oldest_pending())
        if self.clock.simulated:
            running = self.started  # the simulated clock's jobs run as time is advanced: no timer task
        else:
            running = self.started and self.timer.serving
        return Health(now=now, scheduler_running=running,
                      oldest_waiting=max(now - since, timedelta(0)) if since is not None else None,
                      waiting_since=since)

    async def remember_time(self, now: datetime) -> None:
        await self.uow.run(lambda store: store.runtime.set("simulated_now", now.isoformat()))

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

    async def after_commit(self, events: list[Event]) -> None:
        """What a unit of work changed drives the rest, in every unit (commands and jobs alike): a changed
        schedule re-plans the subjects it names (and nothing else), a queued message wakes the deliverer."""
        if not self.check_database():
            return
        if any(isinstance(e, ScheduleChanged) for e in events):
            await self.timer.on_events(events)
        if any(isinstance(e, MessageEnqueued) for e in events):
            await self.deliver_now()

    async def start(self) -> None:
        """Start the timer (it hands back runs a crash cut short and catches up what fell due while the
        bot was down: in place with the simulated clock, in the background with the real one), then
        delivery."""
        await self.timer.start()
        self.started = True
        if self.deliverer is not None and not self.clock.simulated:
            self._tasks.append(asyncio.create_task(self.deliverer.run(self._stop)))
        await self.deliver_now()

    async def stop(self) -> None:
        # The timer first: no run starts from here on, and one in progress finishes (or its claim is
        # handed back at the next start) before the last delivery pass.
        self.started = False
        await self.timer.stop()
        self._stop.set()
        if self.deliverer is not None:
            self.deliverer.wake()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        self._tasks.clear()


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
            value = await SqliteUnitOfWork(db).run(lambda store: store.runtime.get("simulated_now"))
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
            uow = SqliteUnitOfWork(db)
            await practice.build_missing_stats(uow, clock.now())
            dispatcher = Dispatcher(uow, clock, content, registry)
            app = App(settings=settings, db=db, uow=uow, clock=clock, content=content, registry=registry,
                      dispatcher=dispatcher)
            deps = JobDeps(uow, content, clock, settings.outbox_retention_days)
            # One process per database file (the lock above), so a claim left unfinished at start was
            # cut short by a crash and is handed back at once.
            app.timer = Timer(uow, clock, Planner(due_kinds(deps)), after_job=app._after_job,
                              on_time=app.remember_time, only_process=True)
            uow.subscribe(app.after_commit)
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
