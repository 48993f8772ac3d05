"""The outbox's way onto Discord: channel posts and DMs, with Discord deduplicating by nonce.

Failures become DeliveryError so the core Deliverer decides about retries on its own clock: rate
limits, outages and refused connections are retried; what no retry can change is permanent, with what
it is about: the person (a closed DM), the channel (403 Missing Access/Permissions, 404 Unknown
Channel), the message (a 400 such as 50035 Invalid Form Body) or its rendering. The deliverer gives such
a message up at once, so it never holds the messages behind it.

A thread reply (the check-in digest's answers) goes in a thread started from the message it replies
to; such a thread has that message's id, so the id the outbox kept is all we need. Starting it again
on a retry is harmless: Discord answers "a thread has already been created for this message".

An edit (`message.edit_of`) replaces what an earlier post or DM shows (the daily post's solve counter):
the message Discord knows as `message.target`, in the same channel or the person's DM channel, gets
the new embed, buttons and attachments. One that was deleted meanwhile is left alone.

A reply with `event` is a guild scheduled event of type EXTERNAL in the server of the message's
channel: created (its id is what the outbox keeps), with `edit_of` updated, and deleted once
`cancelled`. A reply with `roles`, addressed to a person, gives them the roles it names in the server
the bot shares with them and takes away the other managed ones, creating a named role that does not
exist yet. (The outbox addresses a message to a channel or to a person, not both: with the bot in
several servers that the person is also in, which one is meant is not known, and the sync is refused.)
A 403 for either is permanent: the bot lacks Manage Events or Manage Roles (or its role sits below the
roles it gives), which only an organiser can change.

A DM goes to the person's DM channel, which Discord opens on request (POST /users/@me/channels, a
request of its own against the global rate limit) and keeps stable. The id is returned to the
deliverer (`Sent.dm_channel`), which keeps it in the database and hands it back with the person's
later messages (`message.dm_channel`), so no restart opens it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque

import aiohttp
import discord
from discord.http import handle_message_parameters

from adapters.discord import render
from bot.ports import DeliveryError, OutboxMessage, Sent

log = logging.getLogger(__name__)
NONCE_MAX = 25  # Discord's limit on a nonce string
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
THREAD_NAME_MAX = 100
THREAD_ARCHIVE_MINUTES = 1440  # a day without posts, then the thread hides itself
UNKNOWN_MESSAGE = 10008
EVENT_NAME_MAX = 100
EVENT_LOCATION_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
ROLE_NAME_MAX = 100
ROLE_REASON = "studybot: stage and streak roles (group roles on)"
NEEDS_MANAGE_EVENTS = ("the bot needs the Manage Events permission in this server to keep mock sessions as "
                       "scheduled events")
NEEDS_MANAGE_ROLES = ("the bot needs the Manage Roles permission, and its own role must sit above the stage and "
                      "streak roles in Server Settings > Roles")


def nonce_for(key: str) -> str:
    """The idempotency key as a nonce: a repeat after a crash between 'sent' and 'marked' is dropped."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_MAX]


def _retry_after(exc: discord.HTTPException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return max(0.0, float(headers[name]))
        except (KeyError, TypeError, ValueError):
            continue
    return None


def refusal(exc: discord.HTTPException, *, dm: bool) -> DeliveryError:
    """What an HTTP error from Discord means for the message: a wait (an outage, a rate limit, our own
    credentials) or a refusal no retry can change, and then of what (the person, the channel, the message)."""
    status, code = exc.status, exc.code
    if status == 429 or status >= 500 or status in (401, 408):
        # 401: the bot's token, not this message; every message waits until the operator fixes it.
        return DeliveryError(f"Discord answered {status}", retry_after=_retry_after(exc))
    if dm and status in (403, 404):
        # The member closed DMs from server members (50007) or is gone (10013): retrying cannot help.
        return DeliveryError(f"DM refused ({status} {code})", permanent=True, kind="recipient")
    if status == 403 and code in (MISSING_ACCESS, MISSING_PERMISSIONS) or status == 404:
        # The bot may not see or post in the channel, or it is gone (10003): every try gets the same answer
        # until an organiser acts, and they are told.
        return DeliveryError(f"Discord refused the channel ({status} {code})", permanent=True, kind="destination")
    if status == 403:
        # Another 403 (a Cloudflare block, say) is about the bot's standing, not this message: wait.
        return DeliveryError(f"Discord answered 403 ({code})")
    # 400 (50035 Invalid Form Body and the like): Discord will refuse this message every time.
    return DeliveryError(f"Discord refused the message ({status} {code})", permanent=True, kind="content")


class GlobalLimit:
    """At most `rate` requests a second across the bot, spaced evenly.

    discord.py keeps each route's bucket from the response headers, but learns of the global limit
    (50 requests a second) only from a 429; spacing requests here (at 45: requests bunch up a little on the way)
    means that 429 never comes.
    """

    def __init__(self, rate: float = 45.0, *, monotonic=time.monotonic, sleep=asyncio.sleep):
        self.interval = 1.0 / rate
        self.monotonic, self.sleep = monotonic, sleep
        self.next_at = 0.0

    async def wait(self) -> None:
        now = self.monotonic()
        slot = max(now, self.next_at)
        self.next_at = slot + self.interval
        if slot > now:
            await self.sleep(slot - now)


class ChannelPace:
    """Discord allows 5 messages per 5 seconds in a channel. Waiting for that here, before the global
    pace, keeps discord.py from holding many channels' posts and releasing them all at one instant."""

    def __init__(self, count: int = 5, window: float = 5.0, *, monotonic=time.monotonic, sleep=asyncio.sleep):
        self.count, self.window = count, window
        self.monotonic, self.sleep = monotonic, sleep
        self.sent: dict[int, deque[float]] = {}

    async def wait(self, channel_id: int) -> None:
        times = self.sent.setdefault(channel_id, deque(maxlen=self.count))
        if len(times) == self.count:
            ready = times[0] + self.window + 0.05
            now = self.monotonic()
            if ready > now:
                await self.sleep(ready - now)
        times.append(self.monotonic())


class DiscordMessenger:
    platform = "discord"
    display_name = "Discord"
    # Channels in flight: each may post only once a second on average, so the global budget is used
    # only when every waiting channel is served at once rather than a few at a time.
    concurrency = 500

    def __init__(self, client: discord.Client, limit: GlobalLimit | None = None, pace: ChannelPace | None = None):
        self.client = client
        self.limit = limit or GlobalLimit()
        self.pace = pace or ChannelPace()
        self.dm_channels: dict[str, int] = {}  # user id -> DM channel id; Discord keeps it stable
        self.created_roles: dict[tuple[int, str], int] = {}  # (guild, role name) -> id of a role made here

    async def deliver(self, message: OutboxMessage, channel_ref: str | None,
                      user_ref: str | None) -> str | Sent | None:
        """Post the message; returns its Discord id (the outbox keeps it for a thread on it), for a DM as
        `Sent` with the person's DM channel (the deliverer keeps it when it is new)."""
        if self.client.is_closed():  # shutting down: the message waits for the next start
            raise DeliveryError("the Discord client is closed")
        if message.reply.event is not None or message.reply.roles is not None:
            return await self._server_change(message, channel_ref)
        # Rendered before anything is sent: a reply that cannot become a Discord message is given up
        # at once rather than tried again for ever, holding every message behind it.
        try:
            out = render.render(message.reply)
        except Exception as exc:
            raise DeliveryError(f"could not render: {type(exc).__name__}: {exc}", permanent=True,
                                kind="render") from exc
        dm = channel_ref is None
        opened: str | None = None  # the person's DM channel, told to the deliverer, which keeps it
        try:
            if channel_ref is not None:
                return await self._put(int(channel_ref), message, out)
            if user_ref is None:
                raise DeliveryError("no Discord address", permanent=True)
            kept = message.dm_channel or self.dm_channels.get(user_ref)
            if kept is not None:
                opened = str(kept)
                try:
                    return Sent(await self._put(int(kept), message, out), dm_channel=opened)
                except discord.NotFound:
                    # The kept channel is gone (Discord keeps DM channels, but an id may be stale): open
                    # the person's DM channel again, once, rather than give the message up.
                    self.dm_channels.pop(user_ref, None)
                    opened = None
            opened = str(await self._open_dm(user_ref))
            return Sent(await self._put(int(opened), message, out), dm_channel=opened)
        except DeliveryError as exc:
            exc.dm_channel = exc.dm_channel or opened
            raise
        except Exception as exc:
            error = self._failure(exc, dm=dm)
            if error is None:
                raise
            error.dm_channel = opened
            raise error from None

    def _failure(self, exc: Exception, *, dm: bool) -> DeliveryError | None:
        """What a failed request means for the deliverer; None: an error of ours (it is raised as is)."""
        if isinstance(exc, discord.RateLimited):  # longer than the client is willing to wait in place
            return DeliveryError(f"rate limited for {exc.retry_after:.0f}s", retry_after=exc.retry_after)
        if isinstance(exc, discord.HTTPException):
            return refusal(exc, dm=dm)
        if isinstance(exc, TimeoutError | aiohttp.ClientError | OSError):
            return DeliveryError(f"connection failed: {exc.__class__.__name__}")
        if self.client.is_closed():  # closed while sending (its HTTP session is gone): not this message's fault
            return DeliveryError("the Discord client closed during the send")
        return None

    async def _put(self, channel_id: int, message: OutboxMessage, out: render.Rendered) -> str | None:
        if message.edit_of is not None and message.target is not None:
            return await self._edit(channel_id, int(message.target), message, out)
        return await self._post(channel_id, message, out)

    async def _edit(self, channel_id: int, message_id: int, message: OutboxMessage,
                    out: render.Rendered) -> str | None:
        """Replace what message `message_id` shows: embed, buttons (none: they go) and attachments."""
        partial = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        await self.limit.wait()
        try:
            # The buttons are dynamic items: discord.py keeps no view per message for them.
            # An edit without files keeps the message's attachments (the pairing DM's invite): `[]` would drop them.
            files = {"attachments": out.files} if out.files else {}
            await partial.edit(embed=out.embed, view=out.view, allowed_mentions=render.NO_MENTIONS, **files)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            # Someone deleted the message: there is nothing left to show the edit on, and no reason to tell.
            log.info("the message %s that %s edits is gone; nothing to edit", message_id, message.key)
            return None
        return str(message_id)

    async def _post(self, channel_id: int, message: OutboxMessage, out: render.Rendered) -> str | None:
        thread = message.thread
        if thread is not None and thread.ref and message.channel_id is not None:
            try:
                return await self._send_in_thread(channel_id, int(thread.ref), thread.name, message, out)
            except (discord.Forbidden, discord.NotFound) as exc:
                # No right to open or post in threads, or the message was deleted: the reply goes to
                # the channel rather than nowhere.
                log.warning("could not post %s in a thread (%s %s); posting it in the channel",
                            message.key, exc.status, exc.code)
        return await self._send(channel_id, message, out)

    async def _open_dm(self, user_ref: str) -> int:
        await self.limit.wait()
        data = await self.client.http.start_private_message(int(user_ref))
        channel_id = self.dm_channels[user_ref] = int(data["id"])
        return channel_id

    async def _send(self, channel_id: int, message: OutboxMessage, out: render.Rendered) -> str | None:
        # The raw HTTP call, not channel.send: the buttons are dynamic items that need no stored view,
        # and a burst of posts should not fill the view store.
        try:
            parameters = handle_message_parameters(nonce=nonce_for(message.key), **out.send_kwargs())
        except Exception as exc:  # the payload itself cannot be built: as much a rendering failure
            raise DeliveryError(f"could not build the message: {type(exc).__name__}: {exc}", permanent=True,
                                kind="render") from exc
        with parameters as params:
            await self.pace.wait(channel_id)
            await self.limit.wait()
            data = await self.client.http.send_message(channel_id, params=params)
        return str(data["id"]) if isinstance(data, dict) and data.get("id") else None

    async def _send_in_thread(self, channel_id: int, message_id: int, name: str, message: OutboxMessage,
                              out: render.Rendered) -> str | None:
        """Start the thread on `message_id` (once: a thread that exists is just as good), then post in it."""
        await self.limit.wait()
        try:
            await self.client.http.start_thread_with_message(
                channel_id, message_id, name=(name.strip() or "Thread")[:THREAD_NAME_MAX],
                auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        # A thread started from a message has the message's id.
        return await self._send(message_id, message, out)

    # -- scheduled events and roles: changes to the server of the message's channel -------------------
    async def _server_change(self, message: OutboxMessage, channel_ref: str | None) -> str | None:
        event = message.reply.event is not None
        needs = NEEDS_MANAGE_EVENTS if event else NEEDS_MANAGE_ROLES
        try:
            if event:
                return await self._event(await self._guild_of(channel_ref), message)
            await self._roles(message, channel_ref or message.group_channel_ref)
            return None
        except DeliveryError:
            raise
        except discord.Forbidden as exc:
            what = "a scheduled event" if event else "roles"
            raise DeliveryError(f"Discord refused {what} ({exc.status} {exc.code}): {needs}", permanent=True,
                                kind="destination") from None
        except Exception as exc:
            error = self._failure(exc, dm=False)
            if error is None:
                raise
            raise error from None

    async def _guild_of(self, channel_ref: str | None) -> discord.Guild:
        """The server of the message's channel (scheduled events and roles belong to a server)."""
        if channel_ref is None:
            raise DeliveryError("a scheduled event goes to the group's channel, and this message names none",
                                permanent=True, kind="content")
        channel = self.client.get_channel(int(channel_ref))
        if channel is None:
            await self.limit.wait()
            channel = await self.client.fetch_channel(int(channel_ref))
        guild = getattr(channel, "guild", None)
        if not isinstance(guild, discord.Guild):
            raise DeliveryError("the message's channel is in no server", permanent=True, kind="destination")
        return guild

    async def _event(self, guild: discord.Guild, message: OutboxMessage) -> str | None:
        """Create the scheduled event (its id is returned and kept), update it (an edit: `target` is the
        id returned at creation), or delete it once cancelled."""
        event = message.reply.event
        assert event is not None
        fields = {
            "name": render.clip(event.name.strip() or "Mock interview", EVENT_NAME_MAX),
            "start_time": event.start, "end_time": event.end,
            "location": render.clip(event.location.strip() or "online", EVENT_LOCATION_MAX),
            "description": render.clip(event.description, EVENT_DESCRIPTION_MAX),
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        if message.edit_of is None:
            if event.cancelled:  # cancelled before it was ever made: nothing to do
                return None
            await self.limit.wait()
            created = await guild.create_scheduled_event(entity_type=discord.EntityType.external, **fields)
            return str(created.id)
        if message.target is None:
            return None
        await self.limit.wait()
        try:
            existing = await guild.fetch_scheduled_event(int(message.target), with_counts=False)
        except discord.NotFound:
            # Deleted in the server by someone who could: not made again behind their back.
            log.info("the scheduled event %s that %s changes is gone", message.target, message.key)
            return message.target
        await self.limit.wait()
        if event.cancelled:
            await existing.delete(reason="studybot: the mock session was cancelled")
        else:
            await existing.edit(**fields)
        return message.target

    async def _member_of(self, user_ref: str, channel_ref: str | None) -> discord.Member | None:
        """The person as a member of the group's server (the server of the group's channel); None when
        they are not in it any more. A role sync always names its group, so the server is known."""
        if channel_ref is None:
            raise DeliveryError(f"no server for the roles of user {user_ref}: the group has no Discord channel",
                                permanent=True, kind="content")
        guild = await self._guild_of(channel_ref)
        await self.limit.wait()
        try:
            return await guild.fetch_member(int(user_ref))
        except discord.NotFound:
            return None

    async def _roles(self, message: OutboxMessage, channel_ref: str | None) -> None:
        """Give the person the roles the sync names and take away the other managed ones they hold."""
        sync = message.reply.roles
        assert sync is not None
        if message.user_ref is None:
            raise DeliveryError("no Discord user for this role change", permanent=True, kind="content")
        member = await self._member_of(message.user_ref, channel_ref)
        if member is None:
            log.info("user %s is in none of the bot's servers; no roles to change", message.user_ref)
            return
        guild = member.guild
        held = {role.name: role for role in member.roles}
        wanted = [render.clip(name, ROLE_NAME_MAX) for name in sync.roles]
        known = self._roles_by_name(guild)
        add: list[discord.abc.Snowflake] = []
        for name in wanted:
            if name in held:
                continue
            role = known.get(name)
            if role is None:
                await self.limit.wait()
                role = await guild.create_role(name=name, mentionable=False, reason=ROLE_REASON)
                self.created_roles[(guild.id, name)] = role.id
            add.append(role)
        remove = [held[name] for name in sorted({render.clip(n, ROLE_NAME_MAX) for n in sync.managed} - set(wanted))
                  if name in held]
        for role in add:  # one request a role (atomic): roles set by anyone else are left as they are
            await self.limit.wait()
            await member.add_roles(role, reason=ROLE_REASON)
        for role in remove:
            await self.limit.wait()
            await member.remove_roles(role, reason=ROLE_REASON)

    def _roles_by_name(self, guild: discord.Guild) -> dict[str, discord.abc.Snowflake]:
        """The server's roles the bot may hand out, by name: the cache (kept by the guilds intent), and
        the roles it created whose gateway event has not arrived yet."""
        out: dict[str, discord.abc.Snowflake] = {}
        for (guild_id, name), role_id in self.created_roles.items():
            if guild_id == guild.id:
                out[name] = discord.Object(id=role_id)
        for role in sorted(guild.roles, key=lambda r: r.position, reverse=True):
            if not role.is_default() and not role.managed:
                out[role.name] = role
        return out
