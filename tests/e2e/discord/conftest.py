"""Fixtures: the fake Discord on 127.0.0.1 (port 0), and the whole bot connected to it."""

from __future__ import annotations

import logging

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord_fake import FakeDiscord
from discord_harness import running


@pytest.fixture
async def fake(monkeypatch):
    server = FakeDiscord()
    await server.start()
    # Only this test's discord.py talks to the fake; nothing else is patched.
    monkeypatch.setattr(Route, "BASE", server.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def dbot(fake, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    async with running(fake, tmp_path) as bot:
        yield bot
