"""`studybot console`: run the console adapter over a terminal, a pipe or a script.

At a terminal, lines are read with readline: the arrows edit the line and walk the history, which is
kept in a file (by default beside the database, `NAME.db.history`; `--history` or `STUDYBOT_HISTORY`
moves it). Ctrl-D or Ctrl-C ends the session with one line, after the command in flight has finished.
A pipe or a script is read as it is, line by line, with no prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path

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


PROMPT = "> "
HISTORY_LENGTH = 1000
GOODBYE = "Goodbye."


def default_history(db_path: str) -> Path:
    """Where the typed lines are kept: beside the database (in the home folder for an in-memory one)."""
    if db_path == ":memory:":
        return Path.home() / ".studybot_history"
    db = Path(db_path).resolve()
    return db.with_name(db.name + ".history")


class Terminal:
    """Lines typed at a terminal, read with `input()`, so readline edits them (arrows, Ctrl-A/E, ...)
    and the up arrow brings back earlier ones, from this session and the ones before (the history
    file). One thread reads, one line at a time and only when asked, so a form's questions and the
    next command never compete for the same keystrokes; a stop never waits for a line to come.

    Used as a context manager: the terminal's settings are put back as they were on the way out, even
    when the session ends (Ctrl-C) while readline is in the middle of reading a line."""

    def __init__(self, history: Path | None):
        self.history = history
        self._requests: queue.Queue[tuple[str, asyncio.AbstractEventLoop, asyncio.Future]] = queue.Queue()
        self._saved_tty = None
        try:
            import readline  # the import itself turns line editing on for input()
        except ImportError:  # a Python built without it: lines are still read, only not edited
            readline = None
        self.readline = readline

    def __enter__(self) -> Terminal:
        with contextlib.suppress(ImportError, OSError, ValueError):
            import termios  # POSIX only

            self._saved_tty = termios.tcgetattr(sys.stdin.fileno())
        rl = self.readline
        if rl is not None:
            rl.set_auto_history(False)  # commands only; a form's answers stay out of the history
            # No bracketed-paste mode: a session that ends mid-line must not leave the terminal in it.
            rl.parse_and_bind("set enable-bracketed-paste off")
            rl.set_history_length(HISTORY_LENGTH)
            if self.history is not None and self.history.exists():
                with contextlib.suppress(OSError):
                    rl.read_history_file(str(self.history))
        threading.Thread(target=self._serve, name="console-terminal", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self.readline is not None and self.history is not None:
            with contextlib.suppress(OSError):
                self.readline.write_history_file(str(self.history))  # trimmed to HISTORY_LENGTH
        if self._saved_tty is not None:
            import termios

            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved_tty)

    def _serve(self) -> None:
        while True:
            prompt, loop, future = self._requests.get()
            try:
                line: str | None = input(prompt)
            except EOFError:  # Ctrl-D
                line = None
            except Exception as exc:  # a closed terminal, say: handed to the session
                loop.call_soon_threadsafe(_settle, future, None, exc)
                return
            loop.call_soon_threadsafe(_settle, future, line, None)
            if line is None:
                return

    async def read(self, prompt: str) -> str | None:
        """The next line typed after `prompt`, or None at the end (Ctrl-D)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._requests.put((prompt, loop, future))
        return await future

    async def lines(self) -> AsyncIterator[str]:
        while (line := await self.read(PROMPT)) is not None:
            self.remember(line)
            yield line

    async def ask(self, prompt: str) -> str:
        return await self.read(prompt) or ""

    def remember(self, line: str) -> None:
        """Keep a command in the history (not a blank one, nor the one just before again), on disk at
        once, so a bot that stops abruptly still keeps what was typed."""
        rl, text = self.readline, line.strip()
        if rl is None or not text:
            return
        last = rl.get_current_history_length()
        if last and rl.get_history_item(last) == text:
            return
        rl.add_history(text)
        if self.history is not None:
            with contextlib.suppress(OSError):
                self.history.parent.mkdir(parents=True, exist_ok=True)
                if not self.history.exists():
                    # What is typed may be personal (check-in answers are commands too): the owner's only.
                    os.close(os.open(self.history, os.O_CREAT | os.O_WRONLY, 0o600))
                rl.append_history_file(1, str(self.history))


def _settle(future: asyncio.Future, value: str | None, error: BaseException | None) -> None:
    if future.done():  # the session was stopped while the line was being typed
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


async def run_console(settings: Settings, *, open_core: OpenCore, saved_time: SavedTime, user: str,
                      script: str | None, clock_kind: str, start: datetime | None, deliveries: str | None = None,
                      stop: asyncio.Event | None = None, history: str | None = None) -> int:
    if clock_kind == "simulated":
        saved = await saved_time(settings)  # a restarted script goes on where it stopped
        if saved is not None and (start is None or saved > start):
            start = saved
    clock = SimulatedClock(start) if clock_kind == "simulated" else RealClock()
    interactive = script is None and sys.stdin.isatty() and sys.stdout.isatty()
    async with open_core(settings, clock) as app:
        # A script is read once, line by line, at human scale: a blocking open is fine here.
        stream = open(script, encoding="utf-8") if script else sys.stdin  # noqa: ASYNC230, SIM115
        terminal = Terminal(Path(history) if history else default_history(settings.db_path)) if interactive else None
        try:
            with terminal or contextlib.nullcontext():
                adapter = ConsoleAdapter(app, user=user, interactive=interactive, deliveries=deliveries)
                await app.start()
                if terminal is not None:
                    adapter.write(f"studybot console — you are @{user} in #{adapter.channel}. "
                                  "Type `help`; Ctrl-D or Ctrl-C quits.")
                    lines, ask = terminal.lines(), terminal.ask
                else:
                    lines, ask = _lines(stream), None
                await _session(app, adapter.run(lines, ask), stop)
                if terminal is not None:
                    adapter.write(f"\n{GOODBYE}")  # the cursor is still on the prompt's line
        finally:
            if script:
                stream.close()
    return 0


async def _session(app: CoreApi, run: Awaitable[None], stop: asyncio.Event | None) -> None:
    """Run the session to its end, or until told to stop: then the line being handled finishes and no
    new one is read."""
    session = asyncio.ensure_future(run)
    if stop is None:
        await session
        return
    told = asyncio.ensure_future(stop.wait())
    await asyncio.wait({session, told}, return_when=asyncio.FIRST_COMPLETED)
    told.cancel()
    if not session.done():
        await app.quiesce()
        session.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await session
    if not session.cancelled():
        session.result()  # an error in the session is the console's error


def parse_start(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
