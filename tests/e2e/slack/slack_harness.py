"""The real bot and the real slack-bolt app, served on 127.0.0.1, talking to the fake Slack; and the
signed requests Slack would send it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_fake import BOB, BOT_TOKEN, CHANNEL, TEAM, FakeSlack
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackAdapter, build
from adapters.slack.messenger import Pacer
from bot.bootstrap import App, open_app
from bot.clock import SimulatedClock
from bot.config import Settings

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, before the group's 09:00 daily post
SECRET = "fake-signing-secret-for-tests"
PACK = str(Path(__file__).parent / "pack")
NAMES = {"U0000ADA1": "ada", "U0000BOB1": "bob", "U0000CAROL": "carol"}


class FakeTimer:
    """The pacer's clock: waits are recorded and pass at once, so pacing is checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class Answer:
    """The HTTP answer to one request (the ack), and where the real answer was sent."""

    status: int
    body: str
    response_url: str | None = None


@dataclass
class SlackBot:
    app: App
    adapter: SlackAdapter
    fake: FakeSlack
    url: str
    http: aiohttp.ClientSession
    timer: FakeTimer

    @property
    def clock(self) -> SimulatedClock:
        return self.app.clock  # type: ignore[return-value]

    async def post(self, body: str, content_type: str, *, timestamp: int | None = None,
                   signature: str | None = None, settle: bool = True) -> Answer:
        ts = int(time.time()) if timestamp is None else timestamp  # bolt checks it against real time
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": signature or sign(body, ts)}
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            answer = Answer(response.status, await response.text())
        if settle:
            await self.adapter.settle(limit=20)  # the work after the ack
        return answer

    async def slash(self, text: str, *, user: str = BOB, channel: str = CHANNEL, trigger: bool = True,
                    settle: bool = True, **overrides) -> Answer:
        response_url = self.fake.response_url()
        form = {"token": "legacy", "team_id": TEAM, "team_domain": "study", "channel_id": channel,
                "channel_name": "study", "user_id": user, "user_name": NAMES.get(user, user), "command": "/study",
                "text": text, "api_app_id": "A0000APP1", "response_url": response_url,
                "trigger_id": f"trig.{time.monotonic_ns()}" if trigger else ""}
        form.update(overrides)
        answer = await self.post(urlencode(form), "application/x-www-form-urlencoded", settle=settle)
        answer.response_url = response_url
        return answer

    async def interactive(self, payload: dict[str, Any]) -> Answer:
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def click(self, button: dict[str, Any], *, user: str = BOB, channel: str = CHANNEL,
                    block_id: str = "b1", view: dict | None = None) -> Answer:
        response_url = None if view else self.fake.response_url()
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": TEAM, "domain": "study"},
            "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user), "team_id": TEAM},
            "api_app_id": "A0000APP1", "token": "legacy", "trigger_id": f"trig.{time.monotonic_ns()}",
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": block_id,
                         "value": button["value"], "text": button["text"], "action_ts": "1772440000.1"}],
        }
        if view is not None:
            payload.update(view=view, container={"type": "view", "view_id": view.get("id", "V1")})
        else:
            payload.update(channel={"id": channel, "name": "study"}, response_url=response_url,
                           container={"type": "message", "channel_id": channel, "is_ephemeral": True})
        answer = await self.interactive(payload)
        answer.response_url = response_url
        return answer

    async def submit(self, view: dict[str, Any], values: dict[str, str], *, user: str = BOB) -> Answer:
        state = {"values": {f"f:{param}": {"value": {"type": "plain_text_input", "value": value}}
                            for param, value in values.items()}}
        return await self.submit_state(view, state, user=user)

    async def submit_picks(self, view: dict[str, Any], picks: dict[str, str], *, user: str = BOB) -> Answer:
        """Submit a form of pickers as Slack would: `picks` maps a block_id to what was chosen or
        typed there, and each value arrives in the shape of that block's element."""
        values: dict[str, Any] = {}
        elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        for block_id, value in picks.items():
            kind = elements[block_id]["type"]  # a KeyError: the form has no such field
            if kind == "static_select":
                (option,) = [o for o in elements[block_id]["options"] if o["value"] == value]
                values[block_id] = {"value": {"type": kind, "selected_option": option}}
            elif kind == "timepicker":
                values[block_id] = {"value": {"type": kind, "selected_time": value}}
            else:
                values[block_id] = {"value": {"type": kind, "value": value}}
        for block_id, element in elements.items():  # what was left empty comes as Slack sends it
            if block_id not in values:
                empty = {"static_select": {"selected_option": None}, "timepicker": {"selected_time": None}}
                values[block_id] = {"value": {"type": element["type"], **empty.get(element["type"], {"value": None})}}
        return await self.submit_state(view, {"values": values}, user=user)

    async def submit_state(self, view: dict[str, Any], state: dict[str, Any], *, user: str = BOB) -> Answer:
        payload = {
            "type": "view_submission", "team": {"id": TEAM, "domain": "study"},
            "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user), "team_id": TEAM},
            "api_app_id": "A0000APP1", "token": "legacy", "trigger_id": f"trig.{time.monotonic_ns()}",
            "view": {**view, "id": "V0000FORM", "team_id": TEAM, "state": state},
        }
        return await self.interactive(payload)

    async def dm(self, text: str, *, user: str = BOB, **extra) -> Answer:
        """A message typed in the bot's DM (the App Home's Messages tab), as the message.im event."""
        body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0000APP1", "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                "event": {"type": "message", "channel": "D" + user[1:], "user": user, "text": text,
                          "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}", "channel_type": "im",
                          **extra}}
        return await self.post(json.dumps(body), "application/json")

    async def home_opened(self, user: str = BOB) -> Answer:
        body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0000APP1", "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
                          "event_ts": "1772440000.000100"}}
        return await self.post(json.dumps(body), "application/json")


def response(fake: FakeSlack, answer: Answer) -> dict[str, Any]:
    """The one message sent to a request's response_url."""
    (sent,) = fake.responses_to(answer.response_url)
    return sent


def text_of(message: dict[str, Any]) -> str:
    """Everything a reader sees in a message's blocks, as text."""
    parts = []
    for block in message.get("blocks", []):
        if block["type"] in ("header", "section") and "text" in block:
            parts.append(block["text"]["text"])
        for f in block.get("fields", []):
            parts.append(f["text"])
        if block["type"] == "context":
            parts += [e["text"] for e in block["elements"]]
    return "\n".join(parts)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def button_for(message: dict[str, Any], command: str) -> dict[str, Any]:
    """The one button of a message (or view) that runs `command`."""
    (button,) = [e for e in buttons_of(message) if e["value"] == command]
    return button


@asynccontextmanager
async def running(fake: FakeSlack, tmp_path: Path, *, extra_commands=(), admins: tuple[str, ...] = (),
                  start: datetime = START) -> AsyncIterator[SlackBot]:
    """The whole bot on a temporary database and a simulated clock, its bolt app served on port 0. Running
    it again on the same tmp_path (with a later `start`) is a restart: same database, fresh process state."""
    settings = Settings(platform="slack", db_path=str(tmp_path / "study.db"), content_dir=PACK,
                        slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_admins=admins)
    timer = FakeTimer()
    async with open_app(settings, SimulatedClock(start)) as app:
        for command in extra_commands:
            app.registry.add(command)
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        adapter = build(app, settings, client=client, pacer=Pacer(monotonic=timer.monotonic, sleep=timer.sleep))
        app.use_messenger(adapter.messenger)
        await app.start()
        runner = web.AppRunner(adapter.bolt.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as http:
                yield SlackBot(app, adapter, fake, f"http://127.0.0.1:{port}/slack/events", http, timer)
        finally:
            await adapter.settle(limit=5)
            await runner.cleanup()


async def start_group(bot: SlackBot) -> None:
    """#study set up by ada (a workspace admin) in Europe/Paris; ada and bob join."""
    answer = await bot.slash("group setup timezone Europe/Paris pace 3", user="U0000ADA1")
    sent = response(bot.fake, answer)
    assert sent["response_type"] == "in_channel", text_of(sent)
    assert "Europe/Paris" in text_of(sent)
    for user in ("U0000ADA1", BOB):
        sent = response(bot.fake, await bot.slash("join", user=user))
        assert "Welcome" in text_of(sent), text_of(sent)
