"""What a Slack channel is called, so a group set up in it is `#study`, not `#C0123ABCD`.

A slash command's payload says the name (`channel_name`), except for private channels, where Slack
sends the placeholder `privategroup`; a button on the Home tab or a form says nothing at all. Then
conversations.info tells (channels:read for public channels, groups:read for private ones). Names are
cached per channel for an hour: a rename taking a while to show is fine, a request per command is not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
TTL = 3600.0
FAILED_TTL = 60.0  # after a failed look-up, try again soon, but not on every command
# What the slash command payload says instead of a name.
PLACEHOLDERS = frozenset({"", "privategroup", "directmessage"})


class Channels:
    def __init__(self, client: AsyncWebClient, *, ttl: float = TTL,
                 monotonic: Callable[[], float] = time.monotonic):
        self.client = client
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, str]] = {}

    async def name(self, channel: str, said: str = "") -> str:
        """The channel's name ("study"), or "" for a DM or when Slack would not say."""
        if not channel or channel.startswith("D"):
            return ""
        now = self.monotonic()
        if said not in PLACEHOLDERS:
            self._cache[channel] = (now + self.ttl, said)
            return said
        cached = self._cache.get(channel)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await self.client.conversations_info(channel=channel)
            found = (response.get("channel") or {}).get("name") or ""
            expires = now + self.ttl
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # Without the scope (or during an outage) the core names the group by what it has.
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else exc.__class__.__name__
            log.warning("conversations.info for %s failed (%s)", channel, error)
            found, expires = "", now + FAILED_TTL
        self._cache[channel] = (expires, found)
        return found
