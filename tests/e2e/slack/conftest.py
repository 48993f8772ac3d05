"""Fixtures: the fake Slack on 127.0.0.1 (port 0), and the whole bot connected to it."""

from __future__ import annotations

import logging

import pytest
from slack_fake import FakeSlack
from slack_harness import running


@pytest.fixture
async def fake(monkeypatch):
    # bolt silently switches to OAuth (ignoring the bot token) when these are set; tests must not inherit them.
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
                 "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def sbot(fake, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    async with running(fake, tmp_path) as bot:
        yield bot
