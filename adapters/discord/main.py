"""`studybot run --platform discord`."""

from __future__ import annotations

import logging
import sys

import discord

from adapters.discord.client import StudyClient
from bot.bootstrap import open_app
from bot.config import Settings

log = logging.getLogger(__name__)


def _guild_id(settings: Settings) -> int | None:
    if not settings.discord_guild:
        return None
    try:
        return int(settings.discord_guild)
    except ValueError:
        raise ValueError(f"STUDYBOT_DISCORD_GUILD must be a server id (a number), "
                         f"not {settings.discord_guild!r}") from None


async def run_discord(settings: Settings, *, client_options: dict | None = None) -> int:
    if not settings.discord_token:
        print("studybot: STUDYBOT_DISCORD_TOKEN is not set; see docs/discord.md", file=sys.stderr)
        return 2
    try:
        guild = _guild_id(settings)
    except ValueError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    async with open_app(settings) as app:
        client = StudyClient(app, dev_guild=guild, **(client_options or {}))
        app.use_messenger(client.messenger)
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
    return 0
