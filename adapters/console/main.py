"""`studybot console`: run the console adapter over a terminal, a pipe or a script."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from adapters.console.adapter import ConsoleAdapter
from bot.api import CoreApi
from bot.clock import RealClock, SimulatedClock
from bot.config import Settings
from bot.ports import Clock

OpenCore = Callable[[Settings, Clock], AbstractAsyncContextManager[CoreApi]]
SavedTime = Callable[[Settings], Awaitable[datetime | None]]


async def _lines(stream) -> AsyncIterator[str]:
    """Lines from a blocking stream, read by a daemon thread: a stop never waits for a line to come."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def _ask(prompt: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, input, prompt)


async def run_console(settings: Settings, *, open_core: OpenCore, saved_time: SavedTime, user: str,
                      script: str | None, clock_kind: str, start: datetime | None, deliveries: str | None = None,
                      stop: asyncio.Event | None = None) -> int:
    if clock_kind == "simulated":
        saved = await saved_time(settings)  # a restarted script goes on where it stopped
        if saved is not None and (start is None or saved > start):
            start = saved
    clock = SimulatedClock(start) if clock_kind == "simulated" else RealClock()
    async with open_core(settings, clock) as app:
        # A script is read once, line by line, at human scale: a blocking open is fine here.
        stream = open(script, encoding="utf-8") if script else sys.stdin  # noqa: ASYNC230, SIM115
        try:
            interactive = script is None and sys.stdin.isatty() and sys.stdout.isatty()
            adapter = ConsoleAdapter(app, user=user, interactive=interactive, deliveries=deliveries)
            await app.start()
            if interactive:
                adapter.write(f"studybot console — you are @{user} in #{adapter.channel}. Type `help`; Ctrl-D quits.")
            session = asyncio.ensure_future(adapter.run(_lines(stream), _ask if interactive else None))
            if stop is None:
                await session
            else:
                told = asyncio.ensure_future(stop.wait())
                await asyncio.wait({session, told}, return_when=asyncio.FIRST_COMPLETED)
                told.cancel()
                if not session.done():  # stopped: the line being handled finishes, no new one is read
                    await app.quiesce()
                    session.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await session
                if not session.cancelled():
                    session.result()  # an error in the session is the console's error
        finally:
            if script:
                stream.close()
    return 0


def parse_start(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
