"""`studybot run --platform slack`: HTTP mode (Slack calls us) or Socket Mode (we call Slack)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import build, check_environment
from bot.api import CoreApi
from bot.config import Settings

OpenCore = Callable[[Settings], AbstractAsyncContextManager[CoreApi]]

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
DOCS = "see docs/slack.md"


def problems(settings: Settings) -> list[str]:
    """What keeps the bot from starting, each as one line a person can act on."""
    found = []
    token = settings.slack_bot_token
    if not token:
        found.append("STUDYBOT_SLACK_BOT_TOKEN is not set")
    elif not token.startswith("xoxb-"):
        found.append("STUDYBOT_SLACK_BOT_TOKEN must be the bot token (xoxb-...) from OAuth & Permissions")
    if settings.slack_app_token:
        if not settings.slack_app_token.startswith("xapp-"):
            found.append("STUDYBOT_SLACK_APP_TOKEN must be an app-level token (xapp-...) with connections:write")
    elif not settings.slack_signing_secret:
        found.append("STUDYBOT_SLACK_SIGNING_SECRET is not set (needed in HTTP mode; "
                     "or set STUDYBOT_SLACK_APP_TOKEN for Socket Mode)")
    try:
        check_environment(dict(os.environ))
    except ValueError as exc:
        found.append(str(exc))
    return found


def _fail(message: str) -> None:
    print(f"studybot: {message}; {DOCS}", file=sys.stderr)


async def run_slack(settings: Settings, *, open_core: OpenCore, api_url: str | None = None,
                    ready: Callable[[str], None] | None = None, stop: asyncio.Event | None = None) -> int:
    """Serve until `stop` is set (launcher/serve.py sets it on SIGTERM or Ctrl-C). `api_url` and
    `ready` are for the tests."""
    found = problems(settings)
    if found:
        for line in found:
            _fail(line)
        return 2
    client = AsyncWebClient(token=settings.slack_bot_token, **({"base_url": api_url} if api_url else {}))
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        _fail(f"Slack refused the bot token (STUDYBOT_SLACK_BOT_TOKEN): {exc.response.get('error')}")
        return 2
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        _fail(f"could not reach Slack ({exc.__class__.__name__})")
        return 1
    log.info("signed in to Slack as %s in %s", auth.get("user"), auth.get("team"))

    stop = stop or asyncio.Event()
    async with open_core(settings) as app:
        adapter = build(app, settings, client=client)
        app.use_messenger(adapter.messenger)
        try:
            if settings.slack_app_token:
                return await _socket_mode(adapter, settings, stop, ready)
            return await _http_mode(adapter, settings, stop, ready)
        finally:
            await adapter.settle(limit=5)


async def _http_mode(adapter, settings: Settings, stop: asyncio.Event, ready) -> int:
    # Served here rather than by bolt's start(), which owns the event loop and always binds 0.0.0.0.
    runner = web.AppRunner(adapter.bolt.web_app(path=EVENTS_PATH), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.slack_host, settings.slack_port)
        try:
            await site.start()
        except OSError as exc:
            _fail(f"cannot listen on {settings.slack_host}:{settings.slack_port} ({exc.strerror or exc})")
            return 1
        # The schedule and the deliverer start once the port is ours, so a failed start leaves nothing running.
        await adapter.app.start()
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}{EVENTS_PATH}"
        log.info("listening for Slack on %s", url)
        if ready is not None:
            ready(url)
        await stop.wait()
        await adapter.app.quiesce()  # no new commands; the ones in flight finish
    finally:
        await runner.cleanup()
    return 0


async def _socket_mode(adapter, settings: Settings, stop: asyncio.Event, ready) -> int:
    handler = AsyncSocketModeHandler(adapter.bolt, app_token=settings.slack_app_token)
    await adapter.app.start()
    try:
        try:
            await handler.connect_async()
        except SlackApiError as exc:
            _fail(f"Slack refused the app token (STUDYBOT_SLACK_APP_TOKEN): {exc.response.get('error')}")
            return 2
        log.info("connected to Slack in Socket Mode")
        if ready is not None:
            ready("socket-mode")
        await stop.wait()
        await adapter.app.quiesce()
    finally:
        await handler.close_async()
    return 0
