"""A fake Slack on 127.0.0.1 (port 0): the Web API methods studybot calls, response_urls, file uploads
and a Socket Mode websocket. It records every call so tests can assert on exactly what was sent. A
message posted with `thread_ts` is a reply in the thread of the channel's message with that ts. A message
whose blocks contain the `poison` text is refused with Slack's `invalid_blocks`, as Slack answers it.
chat.update replaces a posted message in place (its `edits` count); views.open and views.publish keep
the views (`opened`, `homes`); a completed upload keeps each file's name, title and bytes (`files`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

TEAM = "T0000TEAM"
BOT_USER = "U0000BOT1"
BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
CHANNEL = "C0000STUDY"
OTHER_CHANNEL = "C0000OTHER"
ADA, BOB, CAROL = "U0000ADA1", "U0000BOB1", "U0000CAROL"


# Slack's answer to blocks it will never take (HTTP 200, ok false), with where in them the problem is.
INVALID_BLOCKS = {
    "ok": False, "error": "invalid_blocks",
    "errors": ["must be less than 3001 characters [json-pointer:/blocks/1/text/text]"],
    "response_metadata": {"messages": ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"]},
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    http: str = "POST"


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.outage: Failure | None = None  # while set, every Web API call gets this answer
        self.poison: str | None = None  # a message whose blocks contain this is refused, every time
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_urls, in order, with "_url"
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages posted by the bot
        self.uploads: dict[str, bytes] = {}  # file id -> bytes received at the upload_url
        self.shared: dict[str, list[str]] = {}  # channel id -> file ids shared there
        self.users: dict[str, dict[str, Any]] = {
            ADA: {"id": ADA, "name": "ada", "is_admin": True, "profile": {"display_name": "ada"}},
            BOB: {"id": BOB, "name": "bob", "profile": {"display_name": "bob", "real_name": "Bob B"}},
            CAROL: {"id": CAROL, "name": "carol", "is_owner": True, "profile": {"display_name": ""},
                    "real_name": "Carol C"},
        }
        self.channels = {CHANNEL, OTHER_CHANNEL}
        self.channel_names = {CHANNEL: "study", OTHER_CHANNEL: "other"}
        self.private_channels: set[str] = set()  # conversations.info needs groups:read for these
        self.opened: list[dict[str, Any]] = []  # views.open, in order
        self.homes: dict[str, dict[str, Any]] = {}  # user -> the Home view last published
        self.files: dict[str, dict[str, Any]] = {}  # file id -> filename, title, channel, data
        self._pending_files: dict[str, dict[str, Any]] = {}  # file id -> what getUploadURLExternal said
        self.not_in = {OTHER_CHANNEL}  # channels the bot was never invited to
        self.disabled_users: set[str] = set()
        self.failures: dict[str, list[Failure]] = {}
        self.thread_failures: list[Failure] = []  # for the next chat.postMessage calls into a thread
        self.envelopes_acked: dict[str, dict[str, Any]] = {}
        self.socket_connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.base = ""

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"  # slack_sdk joins method names onto it: the slash matters

    def response_url(self) -> str:
        return f"{self.base}/respond/r{next(self._ids)}"

    # -- test helpers ---------------------------------------------------------------------------
    def recorded(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def fail_next(self, method: str, *failures: Failure) -> None:
        self.failures.setdefault(method, []).extend(failures)

    async def wait_for(self, predicate, limit: float = 10.0) -> Any:
        """Until predicate() is truthy (checked whenever a request arrives); returns its value."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), limit)
        return predicate()

    def responses_to(self, url: str) -> list[dict[str, Any]]:
        return [r for r in self.responses if r["_url"] == url]

    async def _note(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- the Web API ----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.read()
            ctype = request.content_type
            if ctype == "application/json":
                params.update(json.loads(raw or b"{}"))
            elif ctype == "application/x-www-form-urlencoded":
                params.update(dict(parse_qsl(raw.decode())))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self.calls.append(Call(method, params, token, request.method))
        try:
            if self.outage is not None:
                return web.json_response(self.outage.body, status=self.outage.status, headers=self.outage.headers)
            queued = self.failures.get(method)
            if not queued and method == "chat.postMessage" and params.get("thread_ts"):
                queued = self.thread_failures
            if queued:
                failure = queued.pop(0)
                return web.json_response(failure.body, status=failure.status, headers=failure.headers)
            expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
            if token != expected:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            if handler is None:
                return web.json_response({"ok": False, "error": "unknown_method"})
            return web.json_response(handler(params))
        finally:
            await self._note()

    def m_auth_test(self, p):
        return {"ok": True, "url": "https://study.example/", "team": "Study", "user": "studybot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0000BOT1"}

    def m_users_info(self, p):
        user = self.users.get(p.get("user"))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def m_conversations_open(self, p):
        user = p.get("users")
        if user not in self.users or user in self.disabled_users:
            return {"ok": False, "error": "user_not_found" if user not in self.users else "user_disabled"}
        return {"ok": True, "channel": {"id": "D" + user[1:]}}

    def m_chat_postMessage(self, p):
        channel = p.get("channel", "")
        if not channel.startswith("D"):
            if channel not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if self.poison is not None and self.poison in json.dumps(p.get("blocks")):
            return INVALID_BLOCKS
        if p.get("thread_ts") and p["thread_ts"] not in {m["ts"] for m in self.messages.get(channel, [])}:
            return {"ok": False, "error": "thread_not_found"}
        ts = f"1772440000.{next(self._ids):06d}"
        message = {"ts": ts, **{k: v for k, v in p.items() if k != "channel"}}
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def m_chat_update(self, p):
        channel, ts = p.get("channel", ""), p.get("ts")
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                message.update({k: v for k, v in p.items() if k not in ("channel", "ts")})
                message["edits"] = message.get("edits", 0) + 1
                return {"ok": True, "channel": channel, "ts": ts, "text": message.get("text")}
        return {"ok": False, "error": "message_not_found" if channel in self.messages else "channel_not_found"}

    def m_conversations_info(self, p):
        channel = p.get("channel", "")
        if channel not in self.channel_names:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "name": self.channel_names[channel],
                                        "is_private": channel in self.private_channels}}

    def m_views_open(self, p):
        if not p.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = self._view(p)
        self.opened.append(view)
        return {"ok": True, "view": view}

    def m_views_publish(self, p):
        view = self._view(p)
        self.homes[p.get("user_id")] = view
        return {"ok": True, "view": view}

    def _view(self, p) -> dict[str, Any]:
        view = p["view"]
        if isinstance(view, str):  # slack_sdk sends a view as a JSON string inside a form body
            view = json.loads(view)
        return {"id": f"V{next(self._ids)}", **view}

    def m_files_getUploadURLExternal(self, p):
        file_id = f"F{next(self._ids):08d}"
        self._pending_files[file_id] = {"filename": p.get("filename"), "alt_txt": p.get("alt_txt")}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}

    def m_files_completeUploadExternal(self, p):
        files = json.loads(p["files"])
        channel = p.get("channel_id")
        if channel and not channel.startswith("D") and channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        for f in files:
            if f["id"] not in self.uploads:
                return {"ok": False, "error": "file_not_found"}
            if channel:
                self.shared.setdefault(channel, []).append(f["id"])
            self.files[f["id"]] = {**self._pending_files.get(f["id"], {}), "title": f.get("title"),
                                   "channel": channel, "data": self.uploads[f["id"]]}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def m_apps_connections_open(self, p):
        return {"ok": True, "url": f"ws://127.0.0.1:{self.base.rsplit(':', 1)[1]}/socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}, None))
        await self._note()
        return web.Response(text="OK - uploaded")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"_url": f"{self.base}{request.path}", **body})
        self.calls.append(Call("response_url", body, None))
        await self._note()
        return web.Response(text="ok")

    # -- Socket Mode ----------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0000APP1"}})
        self.socket_connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self.envelopes_acked[data["envelope_id"]] = data
                    await self._note()
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        assert self._ws is not None, "no Socket Mode connection"
        envelope_id = f"env-{next(self._ids)}"
        await self._ws.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                  "accepts_response_payload": kind != "events_api"})
        return envelope_id
