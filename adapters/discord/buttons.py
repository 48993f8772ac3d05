"""Buttons that run the command they name, as the person who clicks them.

The command text travels in the button's custom_id, so a click on a message posted days ago (or
before a restart) still works: discord.py matches the id against this item's template. A custom_id
holds at most 100 characters; a longer command travels as its key (`sb#KEY`), and the core, which
keeps every long button command by key in the same transaction as the message that shows it (see
bot/domain/buttons.py), gives the command back when the button is pressed, whenever that is.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Any

import discord

from bot.domain import buttons

log = logging.getLogger(__name__)
PREFIX = "sb:"
LONG_PREFIX = "sb#"
CUSTOM_ID_MAX = 100
EXPIRED = "This button no longer works. Type the command instead (`help` lists them)."


class CommandButton(discord.ui.DynamicItem[discord.ui.Button], template=r"sb(?P<kind>[:#])(?P<body>.+)"):
    # The long commands this process rendered lately: a click soon after needs no database read. Only
    # a cache; the database is what makes the button outlive the process.
    recent: OrderedDict[str, str] = OrderedDict()
    _RECENT_KEEP = 1000

    def __init__(self, command: str, label: str = "Run",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, *, custom_id: str | None = None) -> None:
        self.command = command
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=custom_id or self.custom_id_for(command)))

    @classmethod
    def custom_id_for(cls, command: str) -> str:
        if len(PREFIX) + len(command) <= CUSTOM_ID_MAX:
            return PREFIX + command
        key = buttons.key(command)
        cls.recent[key] = command
        cls.recent.move_to_end(key)
        while len(cls.recent) > cls._RECENT_KEEP:
            cls.recent.popitem(last=False)
        return LONG_PREFIX + key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> CommandButton:
        body = match["body"]
        command = body if match["kind"] == ":" else (cls.recent.get(body) or await _kept(interaction, body))
        # An unknown key still makes an item (discord.py needs one); its callback says the button expired.
        return cls(command or "", item.label or "Run", item.style, custom_id=item.custom_id)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        runner = getattr(interaction.client, "runner", None)
        if runner is None:
            return
        if self.command:
            await runner.run_button(interaction, self.command)
        else:
            await runner.run_expired(interaction, EXPIRED)


async def _kept(interaction: discord.Interaction, key: str) -> str | None:
    """The command the core keeps for a key, or None (unknown key, or the database could not say)."""
    runner = getattr(interaction.client, "runner", None)
    if runner is None:
        return None
    try:
        return await runner.app.button_command(key)
    except Exception:
        log.exception("could not read the command of button %s", key)
        return None
