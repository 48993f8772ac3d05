"""The one start and stop every platform shares.

`serve(run)` runs an adapter until it ends by itself or the process is told to stop (SIGTERM from
Docker or systemd, SIGINT from Ctrl-C). Told to stop, the adapter stops taking commands, lets those in
flight finish and returns; leaving `open_app` then ends the delivery pass, and closing the database
checkpoints it. Whatever is still running after DEADLINE seconds is cancelled, so the process always
exits 0 within about 5 s. Signal handlers are installed explicitly, so this holds as PID 1 in a
container too (where the kernel gives no default handler).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
DEADLINE = 4.5  # seconds from the signal until what remains is cancelled
SIGNALS = (signal.SIGTERM, signal.SIGINT)
Run = Callable[[asyncio.Event], Awaitable[int]]


async def serve(run: Run, *, deadline: float = DEADLINE) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    task = asyncio.ensure_future(run(stop))
    told = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, told}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        log.info("stopping: no new commands; finishing what is in flight")
        try:
            await asyncio.wait_for(asyncio.shield(task), deadline)
        except TimeoutError:
            log.warning("still busy %.1f s after the stop signal: cancelling the rest", deadline)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return 0
        return task.result()
    finally:
        told.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)
