"""Shared fixtures: a whole bot on a temporary database, a simulated clock and the console adapter."""

from __future__ import annotations

import io
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from hypothesis import settings

from adapters.console.adapter import ConsoleAdapter
from bot.bootstrap import open_app
from bot.clock import SimulatedClock
from bot.config import Settings

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday


class ConsoleBot:
    """Drives the real bot through the console adapter and returns what it printed."""

    def __init__(self, app, adapter: ConsoleAdapter, out: io.StringIO):
        self.app = app
        self.adapter = adapter
        self.out = out

    async def say(self, line: str) -> str:
        start = self.out.tell()
        await self.adapter.handle_line(line)
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text

    async def script(self, text: str) -> str:
        return "".join([await self.say(line) for line in text.strip().splitlines()])

    @property
    def clock(self) -> SimulatedClock:
        return self.app.clock


@asynccontextmanager
async def running_bot(db_path: str, start: datetime = START, content_dir: str | None = None):
    clock = SimulatedClock(start)
    settings = Settings(db_path=db_path, content_dir=content_dir)
    async with open_app(settings, clock) as app:
        out = io.StringIO()
        adapter = ConsoleAdapter(app, out=out, interactive=False, image_dir=None)
        await app.start()
        yield ConsoleBot(app, adapter, out)


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(str(tmp_path / "study.db")) as b:
        yield b


@pytest.fixture
async def group(bot):
    """A group bound to #study, set up by `me`, with me, alice and bob as members."""
    await bot.script("""
group setup timezone Europe/Paris
join
@alice join
@bob join
""")
    return bot


# CI replays the same examples every run (a red build must mean a change broke something); a run on a
# developer's machine explores new ones each time, and the database of failures keeps what it found.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
