"""One timer for the whole schedule: it waits for the earliest due instant in the index and runs what
is due then, each run claimed first.

- Real clock: an asyncio task sleeps until `next_due_at()` (capped, so a clock jump is noticed), and is
  woken early by `wake()` when a re-plan may have made something earlier. Its first pass is the
  catch-up: whatever fell due while the bot was down, in bounded batches, in the background.
- Simulated clock: `advance(delta)` takes the earliest instant within the span, moves the clock there,
  runs everything due at it in (kind, subject) order, and repeats; `start()` catches up in place, so a
  script's output stays deterministic.

A fire costs one unit to claim a batch (which also plans each claimed subject's next instant), the
job's own units, and one small unit to mark the run finished. Nothing here reads what is not due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.domain.events import ScheduleChanged
from bot.ports.clock import Clock
from bot.scheduling.planner import DueKind, Fire, Planner, Ref, daily_global

log = logging.getLogger(__name__)
T = TypeVar("T")


class Units(Protocol):
    """The unit of work (bot.ports.UnitOfWork); its store must have `schedule`."""

    async def run(self, work: Callable[[Any], Awaitable[T]]) -> T: ...


class Timer:
    def __init__(self, uow: Units, clock: Clock, planner: Planner, *,
                 after_job: Callable[[], Awaitable[None]] | None = None,
                 on_time: Callable[[datetime], Awaitable[None]] | None = None,
                 batch: int = 200, seed_batch: int = 500, only_process: bool = True,
                 lease: timedelta = timedelta(minutes=15), max_sleep: float = 60.0, stop_grace: float = 5.0):
        """`only_process`: no other process uses this database (SQLite's file lock), so a claim still
        unfinished at start belongs to a run that died, and is handed back at once. Otherwise claims
        are handed back once older than `lease` (keep it longer than any job takes)."""
        self.uow = uow
        self.clock = clock
        self.planner = planner
        self.after_job = after_job
        self.on_time = on_time  # told where simulated time stands, so a restarted script resumes there
        self.batch = batch
        self.seed_batch = seed_batch
        self.only_process = only_process
        self.lease = lease
        self.max_sleep = max_sleep  # seconds; the longest wait, so a jump of the wall clock is noticed
        self.stop_grace = stop_grace  # seconds a run in progress gets to finish at `stop`
        self._woken = asyncio.Event()
        # Set while the real-clock loop waits for the next instant: tests and benchmarks wait on it
        # (the schedule has settled) instead of sleeping.
        self.waiting = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task] = []
        self._released_at: datetime | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Hand back runs a dead process left unfinished, plan every kind not yet planned for all its
        subjects, and catch up what fell due meanwhile (in the background with the real clock)."""
        self._stopping = False
        if self.only_process:
            released = await self.uow.run(lambda store: store.schedule.release(None))
            if released:
                log.info("%d scheduled runs left unfinished by the last process are due again", released)
        if self.clock.simulated:
            await self.seed()
            await self.run_due()
            return
        self._tasks = [asyncio.create_task(self.seed(), name="schedule-seed"),
                       asyncio.create_task(self._loop(), name="schedule-timer")]

    @property
    def serving(self) -> bool:
        """With the real clock: the serving loop is alive (it has not stopped or died)."""
        return any(task.get_name() == "schedule-timer" and not task.done() for task in self._tasks)

    async def stop(self) -> None:
        """Stop taking new runs; a run in progress gets `stop_grace` seconds to finish (if it is cut
        short, its claim stays unfinished and the next start hands it back)."""
        self._stopping = True
        self._woken.set()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=self.stop_grace)
            except TimeoutError:
                log.warning("the schedule's %s did not stop within %.0f s", task.get_name(), self.stop_grace)
            except asyncio.CancelledError:
                if not task.cancelled():  # we ourselves are being cancelled
                    raise
            except Exception:
                log.exception("the schedule's %s failed", task.get_name())

    def wake(self) -> None:
        """Something may now be due earlier than the timer thought: look again (real clock)."""
        self._woken.set()

    # -- changes --------------------------------------------------------------------------------------
    async def replan(self, refs: Iterable[Ref]) -> int:
        """Plan the named subjects again, in a unit of their own; returns how many rows changed."""
        refs, now = list(refs), self.clock.now()
        changed = await self.uow.run(lambda store: self.planner.replan(store, refs, now))
        if changed:
            self.wake()
        return changed

    async def changed(self, changes: Iterable[tuple[str, int]]) -> int:
        """Plan again what a set of changes moves: (family, id) pairs such as ("group", 12)."""
        changes, now = list(changes), self.clock.now()

        async def work(store: Any) -> int:
            return await self.planner.replan(store, await self.planner.affected(store, changes), now)

        changed = await self.uow.run(work)
        if changed:
            self.wake()
        return changed

    async def on_events(self, events: list[Any]) -> None:
        """An after-commit listener (`uow.subscribe(timer.on_events)`): re-plans what changed."""
        changes = [(e.subject, e.id) for e in events if isinstance(e, ScheduleChanged)]
        if changes:
            await self.changed(changes)

    # -- running --------------------------------------------------------------------------------------
    async def run_due(self) -> int:
        """Run everything due by now, a batch at a time; returns how many runs were made. Each batch is
        claimed (and its subjects moved on) in one unit, so it cannot be taken twice, and the loop ends:
        every row it looks at leaves the due range."""
        ran = 0
        while True:
            now = self.clock.now()
            fires, seen = await self.uow.run(
                lambda store, now=now: self.planner.claim_due(store, now, self.batch))
            for fire in fires:
                await self._run(fire)
                ran += 1
            if seen < self.batch or self._stopping:
                return ran

    async def _run(self, fire: Fire) -> None:
        try:
            await self.planner.kinds[fire.kind].run(fire)
        except Exception:  # one job failing never stops the others; it is not retried either
            log.exception("scheduled %s for %s (due %s) failed", fire.kind, fire.subject, fire.due_at)
        # Not reached when the run is cancelled (stop, shutdown): the claim stays open and is handed back.
        done_at = self.clock.now()
        await self.uow.run(lambda store: store.schedule.finish(fire.kind, fire.subject, fire.due_at, done_at))
        if self.after_job is not None:
            await self.after_job()

    async def advance(self, delta: timedelta) -> int:
        """Simulated clock: move time forward, running every run that falls due, in time order."""
        if not self.clock.simulated:
            raise RuntimeError("advance needs the simulated clock")
        end = self.clock.now() + delta
        ran = 0
        while True:
            first = await self.uow.run(lambda store: store.schedule.next_due_at())
            if first is None or first > end:
                break
            if first > self.clock.now():
                self.clock.set(first)
            ran += await self.run_due()
            # Saved only once the runs were made: a crash in between replays the step, and the claims
            # keep what already ran from running again.
            if self.on_time is not None:
                await self.on_time(self.clock.now())
        self.clock.set(end)
        if self.on_time is not None:
            await self.on_time(end)
        if self.after_job is not None:
            await self.after_job()
        return ran

    async def seed(self) -> None:
        """Plan each kind for all its subjects if that was never done for its current version: a page
        per unit, resumed after a restart (a fresh database finishes at once, having no subjects)."""
        for kind in self.planner.kinds.values():
            while not self._stopping:
                now = self.clock.now()
                done, changed = await self.uow.run(
                    lambda store, kind=kind, now=now: self.planner.seed_page(store, kind, now, self.seed_batch))
                if changed:
                    self.wake()
                if done:
                    break

    async def _loop(self) -> None:
        backoff = 1.0
        while not self._stopping:
            self._woken.clear()  # a wake from here on is kept for the wait below
            try:
                await self._release_stale()
                await self.run_due()
                next_at = await self.uow.run(lambda store: store.schedule.next_due_at())
            except Exception:
                log.exception("the schedule could not be served; trying again in %.0f s", backoff)
                wait, backoff = backoff, min(backoff * 2, 60.0)
            else:
                backoff = 1.0
                if next_at is None:
                    wait = self.max_sleep
                else:
                    wait = (next_at - self.clock.now()).total_seconds()
                    if wait <= 0:
                        continue
                    wait = min(wait, self.max_sleep)
            if self._stopping:
                break
            self.waiting.set()
            try:
                await asyncio.wait_for(self._woken.wait(), timeout=wait)
            except TimeoutError:
                pass
            finally:
                self.waiting.clear()

    async def _release_stale(self) -> None:
        """Several processes: hand back claims older than the lease (their process died), now and then."""
        if self.only_process:
            return
        now = self.clock.now()
        if self._released_at is not None and now - self._released_at < self.lease / 4:
            return
        self._released_at = now
        if await self.uow.run(lambda store: store.schedule.release(now - self.lease)):
            log.warning("scheduled runs claimed over %s ago and never finished are due again", self.lease)


def prune_kind(uow: Units, keep: timedelta = timedelta(days=2)) -> DueKind:
    """The daily clean-up of finished claims older than `keep` (a claim only has to outlive the moments
    a re-plan could land on an instant already run: a process racing this one, a resumed script)."""

    async def run(fire: Fire) -> None:
        limit = 5000
        while await uow.run(lambda store: store.schedule.prune_runs(fire.now - keep, limit)) == limit:
            pass

    return daily_global("job-runs-prune", 3, 45, run)
