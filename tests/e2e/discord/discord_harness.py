"""Starting the real bot and the real discord.py client against the fake Discord, and reading replies."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import discord
from discord_fake import GUILD_ID, FakeDiscord

from adapters.discord.client import StudyClient
from adapters.discord.messenger import ChannelPace, GlobalLimit
from bot.bootstrap import App, open_app
from bot.clock import SimulatedClock
from bot.config import Settings

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, before the 09:00 daily post
TOKEN = "fake-token-for-tests"
PACK = str(Path(__file__).parent / "pack")


@dataclass
class DiscordBot:
    app: App
    client: StudyClient
    fake: FakeDiscord

    @property
    def clock(self) -> SimulatedClock:
        return self.app.clock  # type: ignore[return-value]


async def start_client(app: App, fake: FakeDiscord, **options) -> tuple[StudyClient, asyncio.Task]:
    options.setdefault("guild_ready_timeout", 0.05)
    options.setdefault("dev_guild", GUILD_ID)
    client = StudyClient(app, **options)
    # The fake enforces no global limit; pacing at Discord's 50 a second would only slow the tests
    # (bench/bench_drain.py measures the real pacing against a fake that does enforce it).
    client.messenger.limit = GlobalLimit(rate=100_000)
    client.messenger.pace = ChannelPace(count=100_000)
    app.use_messenger(client.messenger)
    await client.__aenter__()
    task = asyncio.create_task(client.start(TOKEN))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # surfaces why the client stopped
        raise TimeoutError("the client never became ready")
    return client, task


async def stop_client(client: StudyClient, task: asyncio.Task) -> None:
    await client.close()
    try:
        await asyncio.wait_for(task, 10)
    except (discord.ConnectionClosed, asyncio.CancelledError):
        pass
    await client.__aexit__(None, None, None)


@asynccontextmanager
async def running(fake: FakeDiscord, tmp_path: Path, *, extra_commands=(), start: datetime = START,
                  **options) -> AsyncIterator[DiscordBot]:
    """The whole bot on a temporary database and a simulated clock, connected to the fake. Running it
    again on the same tmp_path (with a later `start`) is a restart: same database, fresh process state."""
    settings = Settings(platform="discord", db_path=str(tmp_path / "study.db"), discord_token=TOKEN,
                        discord_guild=str(GUILD_ID), content_dir=PACK)
    async with open_app(settings, SimulatedClock(start)) as app:
        for command in extra_commands:
            app.registry.add(command)
        client, task = await start_client(app, fake, **options)
        try:
            yield DiscordBot(app, client, fake)
        finally:
            await stop_client(client, task)


EPHEMERAL = 64
ADA, BOB = 101, 102


def embed_of(body: dict) -> dict:
    return body["data"]["embeds"][0]


def is_ephemeral(body: dict) -> bool:
    return bool((body["data"].get("flags") or 0) & EPHEMERAL)


def shown(markdown: str) -> str:
    """What a Discord client shows for escaped markdown: a backslash before punctuation is dropped."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", markdown)


def text_of(body: dict) -> str:
    e = embed_of(body)
    parts = [e.get("title") or "", e.get("description") or ""]
    parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
    return shown("\n".join(parts))


async def start_group(fake) -> None:
    body = await fake.slash("group setup", {"timezone": "Europe/Paris", "pace": 3}, user=ADA, name="ada", admin=True)
    assert not is_ephemeral(body), text_of(body)
    assert "Europe/Paris" in text_of(body)
    for user, name in ((ADA, "ada"), (BOB, "bob")):
        body = await fake.slash("join", user=user, name=name)
        assert "error" not in text_of(body).lower(), text_of(body)


