"""The outbox's way onto Slack: channel posts, DMs, edits and file uploads, paced to Slack's rate limits.

Failures become DeliveryError so the core Deliverer decides about retries on its own clock: a 429
waits for Slack's Retry-After, outages and errors of the bot's own credentials back off (they are not
the message's fault, and the queue keeps its order until they pass). Any other error Slack names is a
refusal no retry can change, of the person (a deactivated member), the channel (deleted, archived, the
bot not in it) or the message itself (`invalid_blocks`, `msg_too_long`, ...): the deliverer gives that
message up at once, so it never holds the messages behind it.

A thread reply (the check-in digest's answers) is posted with `thread_ts` = the ts Slack returned
for the message it replies to, which the outbox kept when that message was delivered.

A DM goes to the person's IM channel, which `conversations.open` returns (a rate-limited request of
its own). The id goes back to the deliverer (`Sent.dm_channel`), which keeps it in the database and
hands it back with the person's later messages (`message.dm_channel`), so no restart asks again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from bot.ports import DeliveryError, OutboxMessage, Sent
from bot.reply import Image, Reply

log = logging.getLogger(__name__)

# Slack allows about one message per second per channel; bursts beyond that get 429s.
POST_INTERVAL = 1.0
# Errors that are about the person or the channel; every other error Slack names is about the message.
RECIPIENT = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot", "user_not_visible"})
DESTINATION = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action",
                         "channel_is_archived"})
# Errors that pass, or that the operator fixes once for every message (the token, the scopes): wait.
TRANSIENT = frozenset({
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "team_added_to_org", "accesslimited", "invalid_auth", "not_authed", "account_inactive", "token_revoked",
    "token_expired", "missing_scope", "no_permission", "ekm_access_denied", "org_login_required",
    "team_access_not_granted",
})
POSTED_MEMORY = 1000


def has_uploads(reply: Reply) -> bool:
    return reply.image is not None or bool(reply.files)


def api_error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except (AttributeError, TypeError):
        return "unknown"


def _named(exc: SlackApiError) -> bool:
    try:
        return bool(exc.response.get("error"))
    except (AttributeError, TypeError):
        return False


def retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name)
        if value is None:
            continue
        if isinstance(value, list):  # slack_sdk keeps some headers as lists
            value = value[0] if value else None
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            return None
    return None


def delivery_error(exc: Exception, *, dm: bool = False) -> DeliveryError:
    if isinstance(exc, SlackApiError):
        error = api_error(exc)
        status = getattr(exc.response, "status_code", 200)
        if status == 429 or error in ("ratelimited", "rate_limited"):
            wait = retry_after(exc)
            return DeliveryError(f"rate limited by Slack for {wait or 0:.0f}s", retry_after=wait)
        if status >= 500 or error in TRANSIENT or not _named(exc):
            # An answer that names no Slack error (a proxy's error page, say) is not about this message.
            return DeliveryError(f"Slack answered {status}: {error}")
        if error in RECIPIENT or (dm and error in DESTINATION):
            return DeliveryError(f"Slack refused the DM: {error}", permanent=True, kind="recipient")
        if error in DESTINATION:
            return DeliveryError(f"Slack refused the channel: {error}", permanent=True, kind="destination")
        return DeliveryError(f"Slack refused the message: {error}", permanent=True, kind="content")
    return DeliveryError(f"connection to Slack failed: {exc.__class__.__name__}")


class Pacer:
    """Spaces posts to one channel by `interval` seconds; other channels go on meanwhile."""

    def __init__(self, interval: float = POST_INTERVAL, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.interval = interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        now = self.monotonic()
        # Reserve the slot before awaiting, so concurrent senders to one channel queue up behind it.
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self.interval
        if slot > now:
            await self.sleep(slot - now)


class SlackMessenger:
    platform = "slack"
    display_name = "Slack"

    def __init__(self, client: AsyncWebClient, *, pacer: Pacer | None = None):
        self.client = client
        self.pacer = pacer or Pacer()
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id; Slack keeps it stable
        # Keys whose text went out (with its ts) but whose chart upload failed: a retry sends only the chart.
        self._posted: OrderedDict[str, str | None] = OrderedDict()

    async def deliver(self, message: OutboxMessage, channel_ref: str | None,
                      user_ref: str | None) -> str | Sent | None:
        """Post the message; returns its ts (the outbox keeps it for a thread on it), for a DM as `Sent`
        with the person's IM channel (the deliverer keeps it when it is new). An edit (`edit_of`)
        updates the earlier message in place (chat.update) and returns its ts. A platform event or a
        role sync is not a Slack thing: nothing is sent, and None says so."""
        if message.reply.event is not None or message.reply.roles is not None:
            return None
        # Rendered before anything is sent: a reply that cannot become Block Kit is given up at once
        # rather than tried again for ever, holding every message behind it.
        try:
            out = render.message(message.reply)
        except Exception as exc:
            raise DeliveryError(f"could not render: {type(exc).__name__}: {exc}", permanent=True,
                                kind="render") from exc
        dm_channel: str | None = None
        thread_ts = message.thread.ref if message.thread is not None else None
        try:
            if channel_ref is not None:
                if message.edit_of is not None:
                    return await self.update(channel_ref, message.target, rendered=out)
                return await self.send(channel_ref, message.reply, key=message.key, thread_ts=thread_ts,
                                       rendered=out)
            if user_ref is None:
                raise DeliveryError("no Slack address", permanent=True)
            # The IM channel kept in the database comes with the message; Slack never changes it.
            if message.dm_channel is not None:
                self.dm_channels.setdefault(user_ref, message.dm_channel)
            dm_channel = await self.dm_channel(user_ref)
            if message.edit_of is not None:
                return Sent(await self.update(dm_channel, message.target, rendered=out), dm_channel=dm_channel)
            ts = await self.send(dm_channel, message.reply, key=message.key, thread_ts=thread_ts, rendered=out)
            return Sent(ts, dm_channel=dm_channel)
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = delivery_error(exc, dm=channel_ref is None)
            error.dm_channel = dm_channel
            raise error from None

    async def dm_channel(self, user: str) -> str:
        channel = self.dm_channels.get(user)
        if channel is None:
            response = await self.client.conversations_open(users=user)
            channel = self.dm_channels[user] = response["channel"]["id"]
        return channel

    async def update(self, channel: str, ts: str | None, *, rendered: render.Message) -> str | None:
        """Replace what an earlier message shows, buttons included (chat.update); returns its ts."""
        if ts is None:  # the deliverer hands over no edit without a target; nothing to edit then
            return None
        await self.pacer.wait(channel)
        response = await self.client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks)
        return response.get("ts") or ts

    async def send(self, channel: str, reply: Reply, *, key: str | None = None,
                   thread_ts: str | None = None, rendered: render.Message | None = None) -> str | None:
        """Post a reply to a channel (or DM channel, or a thread), then its chart and files if it has
        any; returns the post's ts."""
        ts = self._posted.get(key) if key is not None else None
        uploads = has_uploads(reply)
        if key is None or key not in self._posted:
            out = rendered or render.message(reply)
            await self.pacer.wait(channel)
            extra: dict = {"metadata": {"event_type": "studybot_outbox", "event_payload": {"key": key}}} if key else {}
            if thread_ts:
                extra["thread_ts"] = thread_ts
            response = await self.client.chat_postMessage(channel=channel, text=out.text, blocks=out.blocks,
                                                          unfurl_links=False, unfurl_media=False, **extra)
            ts = response.get("ts")
            if key is not None and uploads:
                self._remember(key, ts)
        if uploads:
            await self.upload_all(channel, reply)
            if key is not None:
                self._posted.pop(key, None)
        return ts

    async def upload(self, channel: str, image: Image) -> None:
        await self.pacer.wait(channel)
        await self.client.files_upload_v2(channel=channel, file=image.data, filename=image.filename,
                                          title=image.alt or image.filename, alt_txt=image.alt or None)

    async def upload_all(self, channel: str, reply: Reply) -> None:
        """A reply's chart and files into a channel or DM, in one upload (files_upload_v2): a retry
        after a failure sends them all again, never some twice and the others not at all."""
        if reply.image is not None and not reply.files:
            await self.upload(channel, reply.image)
            return
        items: list[dict] = []
        if reply.image is not None:
            items.append({"file": reply.image.data, "filename": reply.image.filename,
                          "title": reply.image.alt or reply.image.filename, "alt_txt": reply.image.alt or None})
        items += [{"file": f.data, "filename": f.filename, "title": f.description or f.filename}
                  for f in reply.files]
        await self.pacer.wait(channel)
        await self.client.files_upload_v2(channel=channel, file_uploads=items)

    def _remember(self, key: str, ts: str | None) -> None:
        self._posted[key] = ts
        while len(self._posted) > POSTED_MEMORY:
            self._posted.popitem(last=False)
