"""A core Reply as a Discord message: one embed, a row of command buttons, an optional attachment.

Discord rejects a message that breaks an embed limit, so everything is trimmed here rather than
letting a long roadmap or leaderboard fail to send.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord

from adapters.discord.buttons import CommandButton
from bot.reply import Reply, render_stamps

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTONS_MAX = 25  # five rows of five
BUTTON_LABEL_MAX = 80

COLOURS = {
    "info": 0x5865F2,
    "success": 0x2ECC71,
    "easy": 0x2ECC71,
    "warning": 0xF1A20F,
    "medium": 0xF1A20F,
    "hard": 0xE74C3C,
    "error": 0xE74C3C,
}
_BUTTON_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def discord_time(epoch: int, style: str) -> str:
    """Discord renders <t:..> in each reader's own timezone and locale."""
    return f"<t:{epoch}:{style}>"


def utc_time(epoch: int, style: str) -> str:
    # Titles and footers show <t:..> literally, so they get a plain UTC time instead.
    when = datetime.fromtimestamp(epoch, UTC)
    return when.strftime("%a %d %b %Y" if style in ("d", "D") else "%a %d %b %Y %H:%M UTC")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    ephemeral: bool = False

    def send_kwargs(self) -> dict:
        kwargs: dict = {"embed": self.embed}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs


def _bar_lines(reply: Reply) -> list[str]:
    return [f"**{b.label}**\n`{b.text(12)}` {b.value}/{b.total}" for b in reply.bars]


def embed_for(reply: Reply) -> discord.Embed:
    parts = [render_stamps(reply.text, discord_time)] if reply.text else []
    if reply.error and reply.usage:
        parts.append(f"usage: `{reply.usage}`")
    parts.extend(_bar_lines(reply))
    fields = [(clip(render_stamps(f.name, utc_time), FIELD_NAME_MAX) or "\u200b",
               clip(render_stamps(f.value, discord_time), FIELD_VALUE_MAX) or "\u200b", f.inline)
              for f in reply.fields]
    # Fields beyond Discord's 25 are kept as lines of the description rather than dropped.
    for name, value, _ in fields[FIELDS_MAX:]:
        parts.append(f"**{name}**: {value}")
    fields = fields[:FIELDS_MAX]

    title = clip(render_stamps(reply.title, utc_time), TITLE_MAX) if reply.title else None
    footer = clip(render_stamps(reply.footer, utc_time), FOOTER_MAX) if reply.footer else None
    fixed = len(title or "") + len(footer or "") + sum(len(n) + len(v) for n, v, _ in fields)
    if fixed > EMBED_TOTAL_MAX - 100:
        # Trim the fields from the end until the whole embed fits, keeping room for the text.
        while fields and fixed > EMBED_TOTAL_MAX - 100:
            name, value, _ = fields.pop()
            fixed -= len(name) + len(value)
    room = max(0, min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - fixed))
    description = clip("\n".join(parts), room) if parts else None

    embed = discord.Embed(title=title, description=description or None,
                          colour=COLOURS.get("error" if reply.error else reply.tone, COLOURS["info"]))
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    if reply.image is not None:
        embed.set_image(url=f"attachment://{reply.image.filename}")
    return embed


def view_for(reply: Reply) -> discord.ui.View | None:
    if not reply.buttons:
        return None
    # No timeout: the buttons are dynamic items, answered by pattern even after a restart.
    view = discord.ui.View(timeout=None)
    for button in reply.buttons[:BUTTONS_MAX]:
        view.add_item(CommandButton(button.command, clip(button.label, BUTTON_LABEL_MAX),
                                    _BUTTON_STYLES.get(button.style, discord.ButtonStyle.secondary)))
    return view


def render(reply: Reply) -> Rendered:
    files = []
    if reply.image is not None:
        files.append(discord.File(io.BytesIO(reply.image.data), filename=reply.image.filename,
                                  description=reply.image.alt or None))
    return Rendered(embed=embed_for(reply), view=view_for(reply), files=files,
                    ephemeral=reply.private or reply.error)
