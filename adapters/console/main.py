"""`studybot console`: run the console adapter over a terminal, a pipe or a script."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from adapters.console.adapter import ConsoleAdapter
from bot.bootstrap import open_app, saved_simulated_time
from bot.clock import RealClock, SimulatedClock
from bot.config import Settings


async def _lines(stream) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        yield line.rstrip("\n")


async def _ask(prompt: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, input, prompt)


async def run_console(settings: Settings, *, user: str, script: str | None, clock_kind: str,
                      start: datetime | None, deliveries: str | None = None) -> int:
    if clock_kind == "simulated":
        saved = await saved_simulated_time(settings)  # a restarted script goes on where it stopped
        if saved is not None and (start is None or saved > start):
            start = saved
    clock = SimulatedClock(start) if clock_kind == "simulated" else RealClock()
    async with open_app(settings, clock) as app:
        # A script is read once, line by line, at human scale: a blocking open is fine here.
        stream = open(script, encoding="utf-8") if script else sys.stdin  # noqa: ASYNC230, SIM115
        try:
            interactive = script is None and sys.stdin.isatty() and sys.stdout.isatty()
            adapter = ConsoleAdapter(app, user=user, interactive=interactive, deliveries=deliveries)
            await app.start()
            if interactive:
                adapter.write(f"studybot console — you are @{user} in #{adapter.channel}. Type `help`; Ctrl-D quits.")
            await adapter.run(_lines(stream), _ask if interactive else None)
        finally:
            if script:
                stream.close()
    return 0


def parse_start(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
