"""Who a Slack user is: a display name, and whether they may run organiser commands.

Organisers are the workspace's admins and owners (as users.info says) and the user ids listed in
STUDYBOT_SLACK_ADMINS. Answers are cached for a few minutes: every command needs them, and a promotion
or demotion taking a moment to show is fine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
TTL = 300.0
FAILED_TTL = 30.0  # after a failed look-up, try again soon, but not on every command


@dataclass(frozen=True)
class Person:
    name: str
    admin: bool


def display_name(user: dict) -> str:
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if name and name.strip():
            return name.strip()
    return user.get("id", "someone")


class Directory:
    def __init__(self, client: AsyncWebClient, configured_admins: Iterable[str] = (), *, ttl: float = TTL,
                 monotonic: Callable[[], float] = time.monotonic):
        self.client = client
        self.configured = frozenset(configured_admins)
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, Person]] = {}

    async def person(self, user_id: str, fallback_name: str = "") -> Person:
        now = self.monotonic()
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        configured = user_id in self.configured
        try:
            response = await self.client.users_info(user=user_id)
            user = response.get("user") or {}
            admin = configured or bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
            person, expires = Person(display_name(user), admin), now + self.ttl
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # Without users.info (a missing users:read scope, an outage) only configured ids are organisers.
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else exc.__class__.__name__
            log.warning("users.info for %s failed (%s); using the configured organiser list", user_id, error)
            person, expires = Person(fallback_name or user_id, configured), now + FAILED_TTL
        self._cache[user_id] = (expires, person)
        return person
