"""A small Discord, enough for the real discord.py client: REST API and Gateway on 127.0.0.1.

It records every request the client makes (method, path, query, JSON body) so the tests assert on
what was really sent, deduplicates channel messages by nonce as Discord does with enforce_nonce,
and can be told to fail the next requests to a route (429, 500, 403, ...). Threads are started from
a message (the thread has the message's id, and a second start is refused with code 160004), and
posting into a channel or thread that does not exist is refused with 404, as Discord does. A message
whose body contains the `poison` text is refused with Discord's 400 Invalid Form Body (50035).

It also keeps what the bot changes in the server: message edits (PATCH, the message itself is
updated, attachments included), guild scheduled events (create, read, edit, delete), and roles
(created roles are announced on the gateway with GUILD_ROLE_CREATE, as Discord does; each member's
roles are added and removed one at a time).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 910000000000000001
CHANNEL_ID = 920000000000000001
OTHER_CHANNEL_ID = 920000000000000002
CHANNEL_NAMES = {CHANNEL_ID: "study", OTHER_CHANNEL_ID: "general"}
TS = "2026-03-02T07:00:00.000000+00:00"
MANAGE_GUILD = 1 << 5
WAIT = 10.0  # seconds to wait for the client to answer an event; never a sleep
MEMBER_PERMS = (1 << 10) | (1 << 11) | (1 << 31)  # view channel, send messages, use application commands


# Discord's answer to a message it will never take, as it sends it: 400, code 50035, and where in the
# body each problem is.
INVALID_FORM_BODY = {"message": "Invalid Form Body", "code": 50035, "errors": {"embeds": {"0": {"description": {
    "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 4096 or fewer in length."}]}}}}}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py compares Content-Type to exactly "application/json"; aiohttp's json_response adds a charset.
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                        headers=headers)


def user_payload(user_id: int, name: str, bot: bool = False) -> dict:
    return {"id": str(user_id), "username": name, "global_name": name.title(), "discriminator": "0",
            "avatar": None, "bot": bot, "public_flags": 0, "flags": 0}


@dataclass(frozen=True)
class UserOption:
    """A USER option's value, as a test gives it: Discord sends the id, and the user in `resolved`."""

    id: int
    name: str


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Failure:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)
    after_accept: bool = False  # accept the message first, then fail: a lost answer, not a lost post


class FakeDiscord:
    app_id = APP_ID

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.messages: dict[int, dict] = {}  # message id -> payload, every message that exists
        self.channel_messages: dict[int, list[dict]] = defaultdict(list)
        self.nonces: dict[tuple[int, str], dict] = {}
        self.dm_channels: dict[int, int] = {}
        self.threads: dict[int, dict] = {}  # thread id (= the id of the message it started from) -> thread
        self.thread_failures: deque[Failure] = deque()  # for the next posts into any thread
        self.closed_dms: set[int] = set()
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.outage: Failure | None = None  # while set, every REST request gets this answer
        self.poison: str | None = None  # a message whose body contains this is refused as invalid, every time
        self.commands: dict[int | None, list[dict]] = {}
        self.users: dict[int, dict] = {}
        self.events: dict[int, dict] = {}  # scheduled event id -> event, while it exists
        self.roles: dict[int, dict] = {}  # role id -> role (not @everyone)
        self.member_roles: dict[int, set[int]] = defaultdict(set)  # user id -> role ids
        self.gone_members: set[int] = set()  # users who left the server
        self.identifies: list[dict] = []
        self.heartbeats = 0
        self.ws: web.WebSocketResponse | None = None
        self.identified = asyncio.Event()
        self._seq = itertools.count(1)
        self._ids = itertools.count(950000000000000001)
        self._callbacks: dict[str, asyncio.Future] = {}
        self._followups: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> int:
        return next(self._ids)

    def fail_next(self, route: str, *failures: Failure) -> None:
        """Queue failures for the next requests whose 'METHOD /path' starts with `route`."""
        self.failures[route].extend(failures)

    def _take_failure(self, method: str, path: str) -> Failure | None:
        key = f"{method} {path}"
        for route, queue in self.failures.items():
            if queue and key.startswith(route):
                return queue.popleft()
        return None

    def recorded(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    # -- gateway --------------------------------------------------------------------------------
    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        # Plain text frames: discord.py decompresses only binary frames, so zlib-stream is optional.
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif data["op"] == 2:
                self.identifies.append(data["d"])
                await self._ready()
                self.identified.set()
        return ws

    async def send_event(self, event: str, data: dict) -> None:
        assert self.ws is not None, "no gateway connection"
        await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _ready(self) -> None:
        await self.send_event("READY", {
            "v": 10, "user": user_payload(BOT_ID, "studybot", bot=True) | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}], "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url, "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [], "relationships": [],
        })
        await self.send_event("GUILD_CREATE", self.guild_payload())

    def guild_payload(self) -> dict:
        everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": str(MEMBER_PERMS), "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        return {
            "id": str(GUILD_ID), "name": "ML Interview Prep", "icon": None, "owner_id": "1",
            "roles": [everyone], "emojis": [], "stickers": [], "features": [], "member_count": 3,
            "large": False, "unavailable": False, "joined_at": TS, "premium_tier": 0,
            "preferred_locale": "en-US", "verification_level": 0, "mfa_level": 0, "nsfw_level": 0,
            "explicit_content_filter": 0, "default_message_notifications": 0, "system_channel_flags": 0,
            "channels": [self.channel_payload(c, n) for c, n in CHANNEL_NAMES.items()],
            "threads": [], "voice_states": [], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
            "members": [{"user": user_payload(BOT_ID, "studybot", bot=True), "roles": [], "joined_at": TS,
                         "deaf": False, "mute": False, "flags": 0}],
        }

    @staticmethod
    def channel_payload(channel_id: int, name: str) -> dict:
        return {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": name, "position": 0,
                "permission_overwrites": [], "nsfw": False, "topic": None, "last_message_id": None,
                "rate_limit_per_user": 0, "parent_id": None, "flags": 0}

    # -- interactions the test sends --------------------------------------------------------------
    def _interaction(self, kind: int, data: dict, user: int, name: str, *, admin: bool,
                     channel: int = CHANNEL_ID, message: dict | None = None) -> dict:
        interaction_id = self.new_id()
        perms = MEMBER_PERMS | (MANAGE_GUILD if admin else 0)
        self.users[user] = user_payload(user, name)
        payload = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "data": data,
            "token": f"tok-{interaction_id}", "version": 1, "guild_id": str(GUILD_ID),
            "channel_id": str(channel), "channel": self.channel_payload(channel, CHANNEL_NAMES.get(channel, "study")),
            "member": {"user": user_payload(user, name), "roles": [], "joined_at": TS, "deaf": False,
                       "mute": False, "flags": 0, "nick": None, "permissions": str(perms)},
            "app_permissions": str(MEMBER_PERMS), "locale": "en-GB", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def command_id(self, name: str) -> str:
        for cmds in self.commands.values():
            for cmd in cmds:
                if cmd["name"] == name:
                    return cmd["id"]
        raise KeyError(name)

    def slash_data(self, path: str, options: dict[str, Any] | None = None, *, focused: str | None = None) -> dict:
        """The interaction data Discord builds for `/a b c` with the given option values."""
        words = path.split()
        opts, resolved = [], {}
        for k, v in (options or {}).items():
            if isinstance(v, UserOption):
                opts.append({"name": k, "type": 6, "value": str(v.id)})
                resolved.setdefault("users", {})[str(v.id)] = user_payload(v.id, v.name)
                resolved.setdefault("members", {})[str(v.id)] = {
                    "roles": [], "joined_at": TS, "deaf": False, "mute": False, "flags": 0, "nick": None,
                    "permissions": str(MEMBER_PERMS)}
                continue
            opts.append({"name": k, "type": 4 if isinstance(v, int) else 3, "value": v,
                         **({"focused": True} if k == focused else {})})
        top = self._find_command(words[0])
        for word in reversed(words[1:]):
            kind = 1 if word == words[-1] else 2  # the leaf is a subcommand, anything above it a group
            opts = [{"name": word, "type": kind, "options": opts}]
        data = {"id": top["id"], "name": words[0], "type": 1, "guild_id": top.get("guild_id"), "options": opts}
        return data | ({"resolved": resolved} if resolved else {})

    def _find_command(self, name: str) -> dict:
        for cmds in self.commands.values():
            for cmd in cmds:
                if cmd["name"] == name:
                    return cmd
        raise KeyError(f"/{name} was never registered")

    async def slash(self, path: str, options: dict[str, Any] | None = None, *, user: int = 1, name: str = "ada",
                    admin: bool = False, channel: int = CHANNEL_ID) -> dict:
        payload = self._interaction(2, self.slash_data(path, options), user, name, admin=admin, channel=channel)
        return await self._inject(payload)

    async def autocomplete(self, path: str, options: dict[str, Any], focused: str, *, user: int = 1,
                           name: str = "ada") -> dict:
        payload = self._interaction(4, self.slash_data(path, options, focused=focused), user, name, admin=False)
        return await self._inject(payload)

    async def click(self, message: dict, custom_id: str, *, user: int = 1, name: str = "ada",
                    admin: bool = False) -> dict:
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, user, name, admin=admin, message=message)
        return await self._inject(payload)

    async def submit_modal(self, custom_id: str, values: dict[str, str], *, user: int = 1, name: str = "ada",
                           admin: bool = False) -> dict:
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()]
        payload = self._interaction(5, {"custom_id": custom_id, "components": rows}, user, name, admin=admin)
        return await self._inject(payload)

    async def _inject(self, payload: dict) -> dict:
        """Send INTERACTION_CREATE and wait for the client's callback; returns the callback body."""
        future = asyncio.get_running_loop().create_future()
        self._callbacks[payload["token"]] = future
        await self.send_event("INTERACTION_CREATE", payload)
        body = await asyncio.wait_for(future, WAIT)
        body["_token"] = payload["token"]
        return body

    async def followup(self, token: str) -> dict:
        return await asyncio.wait_for(self._followups[token].get(), WAIT)

    # -- REST -----------------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append((part.filename or part.name or "", await part.read()))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    async def rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._body(request)
        self.requests.append(Recorded(request.method, path, dict(request.query), body, files))
        method, parts = request.method, path.strip("/").split("/")
        failure = self.outage or self._take_failure(method, path)
        if failure is not None and not failure.after_accept:
            return json_response(failure.body, failure.status, failure.headers)
        if method == "GET" and path == "/users/@me":
            return json_response(user_payload(BOT_ID, "studybot", bot=True))
        if method == "GET" and path == "/oauth2/applications/@me":
            return json_response({"id": str(APP_ID), "name": "studybot", "description": "", "icon": None,
                                  "bot_public": True, "bot_require_code_grant": False, "verify_key": "00",
                                  "owner": user_payload(1, "owner"), "flags": 0})
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            guild = int(parts[3]) if len(parts) == 5 else None
            return json_response(self._register(body, guild))
        if method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[1], parts[2], body, files)
        if parts[0] == "webhooks":
            return self._webhook(method, parts, body, files)
        if method == "POST" and path == "/users/@me/channels":
            user = int(body["recipient_id"])
            channel = self.dm_channels.setdefault(user, self.new_id())
            return json_response({"id": str(channel), "type": 1, "last_message_id": None,
                                  "recipients": [self.users.get(user, user_payload(user, f"user{user}"))]})
        if method == "POST" and parts[0] == "channels" and len(parts) == 5 and parts[4] == "threads":
            return self._start_thread(int(parts[1]), int(parts[3]), body)
        if method == "PATCH" and parts[0] == "channels" and len(parts) == 4 and parts[2] == "messages":
            return self._edit(int(parts[1]), int(parts[3]), body, files)
        if parts[0] == "guilds" and len(parts) >= 3 and parts[2] == "scheduled-events":
            return self._scheduled_event(method, int(parts[1]), int(parts[3]) if len(parts) > 3 else None, body)
        if parts[0] == "guilds" and len(parts) == 3 and parts[2] == "roles" and method == "POST":
            return await self._create_role(int(parts[1]), body)
        if parts[0] == "guilds" and len(parts) >= 4 and parts[2] == "members":
            return self._member(method, int(parts[3]), int(parts[5]) if len(parts) == 6 else None)
        if method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            channel = int(parts[1])
            if channel not in self.threads and channel not in (CHANNEL_ID, OTHER_CHANNEL_ID) \
                    and channel not in self.dm_channels.values():
                return json_response({"message": "Unknown Channel", "code": 10003}, 404)
            if failure is None and channel in self.threads and self.thread_failures:
                failure = self.thread_failures.popleft()
                if not failure.after_accept:
                    return json_response(failure.body, failure.status, failure.headers)
            if channel in self.dm_channels.values():
                user = next(u for u, c in self.dm_channels.items() if c == channel)
                if user in self.closed_dms:
                    return json_response({"message": "Cannot send messages to this user", "code": 50007}, 403)
            if self.poison is not None and self.poison in json.dumps(body):
                return json_response(INVALID_FORM_BODY, 400)
            message = self._post(channel, body, files)
            if failure is not None:
                return json_response(failure.body, failure.status, failure.headers)
            return json_response(message)
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    # -- what the bot changes ------------------------------------------------------------------------
    def _edit(self, channel: int, message_id: int, body: dict, files: list) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != str(channel):
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if "embeds" in body:
            message["embeds"] = body["embeds"] or []
        if "components" in body:
            message["components"] = body["components"] or []
        if "attachments" in body:  # the attachments to keep (by id) and the new files, as Discord reads it
            kept = {str(a["id"]) for a in body["attachments"]}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
            message["attachments"] += [self._attachment(name, data) for name, data in files]
        message["edited_timestamp"] = TS
        return json_response(message)

    def _attachment(self, name: str, data: bytes) -> dict:
        return {"id": str(self.new_id()), "filename": name, "size": len(data), "data": data.decode("latin-1"),
                "url": f"https://cdn.invalid/{name}", "proxy_url": f"https://cdn.invalid/{name}"}

    def _scheduled_event(self, method: str, guild: int, event_id: int | None, body: dict | None) -> web.Response:
        if method == "POST" and event_id is None:
            event = {"id": str(self.new_id()), "guild_id": str(guild), "channel_id": None, "creator_id": str(BOT_ID),
                     "entity_id": None, "status": 1, "user_count": 0, "image": None,
                     "entity_type": body["entity_type"], "name": body["name"],
                     "description": body.get("description"), "privacy_level": body["privacy_level"],
                     "scheduled_start_time": body["scheduled_start_time"],
                     "scheduled_end_time": body.get("scheduled_end_time"),
                     "entity_metadata": body.get("entity_metadata")}
            self.events[int(event["id"])] = event
            return json_response(event)
        event = self.events.get(event_id) if event_id is not None else None
        if event is None:
            return json_response({"message": "Unknown Guild Scheduled Event", "code": 10070}, 404)
        if method == "GET":
            return json_response(event)
        if method == "PATCH":
            event.update({k: v for k, v in body.items() if k != "channel_id" or v is not None})
            return json_response(event)
        if method == "DELETE":
            del self.events[event_id]
            return web.Response(status=204)
        return json_response({"message": "405: Method Not Allowed", "code": 0}, 405)

    async def _create_role(self, guild: int, body: dict) -> web.Response:
        role = {"id": str(self.new_id()), "name": body.get("name") or "new role", "permissions": "0",
                "position": 1, "color": 0, "colors": {"primary_color": 0}, "hoist": False, "managed": False,
                "mentionable": bool(body.get("mentionable")), "flags": 0}
        self.roles[int(role["id"])] = role
        await self.send_event("GUILD_ROLE_CREATE", {"guild_id": str(guild), "role": role})
        return json_response(role)

    def _member(self, method: str, user: int, role: int | None) -> web.Response:
        if user in self.gone_members or user not in self.users:
            return json_response({"message": "Unknown Member", "code": 10007}, 404)
        if role is None and method == "GET":
            return json_response({"user": self.users[user], "roles": [str(r) for r in sorted(self.member_roles[user])],
                                  "joined_at": TS, "deaf": False, "mute": False, "flags": 0, "nick": None})
        if role is not None and role not in self.roles:
            return json_response({"message": "Unknown Role", "code": 10011}, 404)
        if method == "PUT" and role is not None:
            self.member_roles[user].add(role)
            return web.Response(status=204)
        if method == "DELETE" and role is not None:
            self.member_roles[user].discard(role)
            return web.Response(status=204)
        return json_response({"message": "405: Method Not Allowed", "code": 0}, 405)

    def role_names(self, user: int) -> set[str]:
        return {self.roles[r]["name"] for r in self.member_roles[user]}

    def _start_thread(self, channel: int, message_id: int, body: dict) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != str(channel):
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if message_id in self.threads:
            return json_response({"message": "A thread has already been created for this message",
                                  "code": 160004}, 400)
        thread = {"id": str(message_id), "type": 11, "guild_id": str(GUILD_ID), "parent_id": str(channel),
                  "owner_id": str(BOT_ID), "name": body["name"], "last_message_id": None, "message_count": 0,
                  "member_count": 1, "rate_limit_per_user": body.get("rate_limit_per_user") or 0, "flags": 0,
                  "thread_metadata": {"archived": False, "locked": False, "archive_timestamp": TS,
                                      "auto_archive_duration": body["auto_archive_duration"]}}
        self.threads[message_id] = thread
        message["thread"] = thread
        return json_response(thread, 201)

    def _register(self, commands: list[dict], guild: int | None) -> list[dict]:
        out = []
        for cmd in commands:
            out.append(cmd | {"id": str(self.new_id()), "application_id": str(APP_ID), "version": "1",
                              **({"guild_id": str(guild)} if guild else {})})
        self.commands[guild] = out
        return out

    def _message(self, channel: int, body: dict, files: list, *, author: int = BOT_ID, flags: int = 0) -> dict:
        message_id = self.new_id()
        attachments = [self._attachment(name, data) for name, data in files]
        message = {
            "id": str(message_id), "channel_id": str(channel), "type": 0, "content": body.get("content") or "",
            "author": user_payload(author, "studybot", bot=True), "timestamp": TS, "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": attachments,
            "embeds": body.get("embeds") or [], "components": body.get("components") or [], "pinned": False,
            "flags": flags | (body.get("flags") or 0), "nonce": body.get("nonce"),
        }
        self.messages[message_id] = message
        return message

    def _post(self, channel: int, body: dict, files: list) -> dict:
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and (channel, nonce) in self.nonces:
            return self.nonces[(channel, nonce)]
        message = self._message(channel, body, files)
        self.channel_messages[channel].append(message)
        if nonce and body.get("enforce_nonce"):
            self.nonces[(channel, nonce)] = message
        return message

    def _callback(self, interaction_id: str, token: str, body: dict, files: list) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        interaction = {"id": interaction_id, "type": kind, "response_message_loading": kind == 5,
                       "response_message_ephemeral": ephemeral}
        result: dict[str, Any] = {"interaction": interaction}
        if kind in (4, 5, 7):
            message = self._message(CHANNEL_ID, data, files)
            interaction["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        future = self._callbacks.get(token)
        if future is not None and not future.done():
            future.set_result({"type": kind, "data": data, "files": files, "response": result})
        return json_response(result)

    def _webhook(self, method: str, parts: list[str], body: dict | None, files: list) -> web.Response:
        token = parts[2]
        if method == "DELETE":
            return web.Response(status=204)
        message = self._message(CHANNEL_ID, body or {}, files)
        self._followups[token].put_nowait({"method": method, "path": "/".join(parts), "data": body,
                                           "files": files, "message": message})
        return json_response(message)
