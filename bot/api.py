"""The inbound port: everything an adapter may ask of the core. Adapters are written against this
Protocol, never against the concrete App that bootstrap builds (bot/bootstrap.py implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.domain.model import Caller
from bot.ports.clock import Clock
from bot.ports.messaging import Messenger
from bot.reply import Reply

if TYPE_CHECKING:
    from bot.commands.registry import Registry
    from bot.config import Settings


@dataclass(frozen=True)
class Health:
    """What the running bot knows of its own health (`CoreApi.health`), for a heartbeat to report.

    `scheduler_running`: the timer that runs scheduled jobs is serving (with the simulated clock: the
    app was started and not stopped). `oldest_waiting`: how long the oldest message still in the
    outbox (pending, retries included) has waited since it was queued; None when none waits.
    `waiting_since`: when that message was queued."""

    now: datetime
    scheduler_running: bool
    oldest_waiting: timedelta | None = None
    waiting_since: datetime | None = None


class CoreApi(Protocol):
    settings: Settings
    clock: Clock
    registry: Registry  # the one declaration of every command, from which each adapter builds its surface

    async def handle_text(self, caller: Caller, text: str) -> Reply: ...
    async def handle(self, caller: Caller, path: tuple[str, ...], raw: dict[str, str]) -> Reply: ...
    async def complete(self, caller: Caller, kind: str, prefix: str) -> list[str]: ...
    async def channel_has_group(self, platform: str, channel_ref: str) -> bool: ...
    async def dashboards(self, caller: Caller) -> list[tuple[str, Reply]]:
        """(channel ref, the `me` view) for every group this person belongs to on their platform."""
        ...
    async def button_command(self, key: str) -> str | None: ...
    def roadmaps(self) -> list[tuple[str, str]]:
        """(name, title) of each roadmap in the content pack, for adapters that offer a choice of them."""
        ...
    async def reader_zone(self, platform: str, user_ref: str) -> str | None:
        """The timezone this person reads times in (their profile's, in the group they joined last), for
        platforms that show stamps themselves (the console); None for someone the bot does not know."""
        ...

    # lifecycle
    def use_messenger(self, messenger: Messenger) -> object: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def quiesce(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109 - a grace period, not a cancel scope
        """Stop taking commands; wait for the ones in flight to finish."""
        ...
    async def deliver_now(self) -> int: ...
    async def health(self) -> Health:
        """The scheduler's state and the outbox's oldest waiting message, by the app's clock."""
        ...
    async def advance(self, delta: timedelta) -> None:
        """Simulated clock only: move time forward, running every job that falls due, in order."""
        ...
