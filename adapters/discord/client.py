"""The discord.py client: builds the command tree from the registry, syncs it, starts the core."""

from __future__ import annotations

import logging

import discord

from adapters.discord.buttons import CommandButton
from adapters.discord.commands import StudyTree, populate
from adapters.discord.interactions import DEFER_AFTER, Runner
from adapters.discord.messenger import DiscordMessenger

log = logging.getLogger(__name__)


# discord.py warns at every start that the voice libraries are missing; the bot has no voice features,
# so these two lines say nothing to an operator. Only these exact messages are dropped.
VOICE_WARNINGS = frozenset({
    "PyNaCl is not installed, voice will NOT be supported",
    "davey is not installed, voice will NOT be supported",
})


class NoVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in VOICE_WARNINGS


def silence_voice_warnings() -> None:
    logger = logging.getLogger("discord.client")  # where discord.py logs them, from Client.__init__
    if not any(isinstance(f, NoVoiceWarnings) for f in logger.filters):
        logger.addFilter(NoVoiceWarnings())


def intents() -> discord.Intents:
    # Slash commands, buttons and modals arrive as interactions whatever the intents; the guilds
    # intent only tells us which servers we are in. Nothing privileged (members, presence, content).
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class StudyClient(discord.Client):
    def __init__(self, app, *, dev_guild: int | None = None, defer_after: float = DEFER_AFTER, **options):
        options.setdefault("max_ratelimit_timeout", 30.0)  # a longer wait goes back to the outbox's clock
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        silence_voice_warnings()
        super().__init__(intents=intents(), **options)
        self.app = app
        self.dev_guild = dev_guild
        self.runner = Runner(app, defer_after=defer_after)
        self.tree = StudyTree(self)
        self.messenger = DiscordMessenger(self)
        self.synced: list[discord.app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        populate(self.tree, self.app.registry, self.runner.run_command, self.runner.complete)
        self.add_dynamic_items(CommandButton)
        if self.dev_guild is not None:
            # A guild's commands update at once; global ones can take a while to reach every client.
            guild = discord.Object(id=self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()
        log.info("synced %d application commands", len(self.synced))
        await self.app.start()

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d server(s)", self.user, len(self.guilds))
