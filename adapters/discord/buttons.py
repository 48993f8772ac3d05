"""Buttons that run the command they name, as the person who clicks them.

The command text travels in the button's custom_id, so a click on a message posted days ago (or
before a restart) still works: discord.py matches the id against this item's template.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any

import discord

PREFIX = "sb:"
LONG_PREFIX = "sb#"
CUSTOM_ID_MAX = 100


class CommandButton(discord.ui.DynamicItem[discord.ui.Button], template=r"sb(?P<kind>[:#])(?P<body>.+)"):
    # A command too long for a custom_id is remembered by hash, in memory only; core buttons name
    # short follow-ups ("problem solved", "mock skip"), so this is a safety net, not the normal path.
    _long: OrderedDict[str, str] = OrderedDict()
    _LONG_KEEP = 5000

    def __init__(self, command: str, label: str = "Run",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        self.command = command
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=self.custom_id_for(command)))

    @classmethod
    def custom_id_for(cls, command: str) -> str:
        if len(PREFIX) + len(command) <= CUSTOM_ID_MAX:
            return PREFIX + command
        key = hashlib.sha256(command.encode()).hexdigest()[:32]
        cls._long[key] = command
        cls._long.move_to_end(key)
        while len(cls._long) > cls._LONG_KEEP:
            cls._long.popitem(last=False)
        return LONG_PREFIX + key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> CommandButton:
        body = match["body"]
        command = body if match["kind"] == ":" else cls._long.get(body, "")
        return cls(command, item.label or "Run", item.style)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        runner = getattr(interaction.client, "runner", None)
        if runner is not None:
            await runner.run_button(interaction, self.command)
