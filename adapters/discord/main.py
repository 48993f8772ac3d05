"""`studybot run --platform discord`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import discord

from adapters.discord.client import StudyClient
from bot.api import CoreApi
from bot.config import Settings

OpenCore = Callable[[Settings], AbstractAsyncContextManager[CoreApi]]

log = logging.getLogger(__name__)


def _guild_id(settings: Settings) -> int | None:
    if not settings.discord_guild:
        return None
    try:
        return int(settings.discord_guild)
    except ValueError:
        raise ValueError(f"STUDYBOT_DISCORD_GUILD must be a server id (a number), "
                         f"not {settings.discord_guild!r}") from None


async def run_discord(settings: Settings, *, open_core: OpenCore, stop: asyncio.Event | None = None,
                      client_options: dict | None = None) -> int:
    """Serve Discord until the client ends or `stop` is set (launcher/serve.py sets it on SIGTERM)."""
    if not settings.discord_token:
        print("studybot: STUDYBOT_DISCORD_TOKEN is not set; see docs/discord.md", file=sys.stderr)
        return 2
    try:
        guild = _guild_id(settings)
    except ValueError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    async with open_core(settings) as app:
        client = StudyClient(app, dev_guild=guild, **(client_options or {}))
        app.use_messenger(client.messenger)

        async def close_on_stop() -> None:
            await stop.wait()
            await app.quiesce()  # no new commands; the ones in flight finish
            await client.close()

        closer = asyncio.create_task(close_on_stop()) if stop is not None else None
        try:
            async with client:
                await client.start(settings.discord_token)
        except discord.LoginFailure:
            print("studybot: Discord refused the token (STUDYBOT_DISCORD_TOKEN); see docs/discord.md",
                  file=sys.stderr)
            return 2
        except discord.PrivilegedIntentsRequired:
            print("studybot: Discord says an intent is not enabled for this application", file=sys.stderr)
            return 2
        except discord.HTTPException as exc:
            # Most likely the command list was refused at sync: a registry entry breaks a Discord rule.
            print(f"studybot: Discord refused a start-up request ({exc.status}): {exc.text}", file=sys.stderr)
            return 1
        finally:
            if closer is not None:
                closer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await closer
    return 0
