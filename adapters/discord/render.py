"""A core Reply as a Discord message: one embed, rows of command buttons, its image and files attached.

Discord rejects a message that breaks an embed limit, so everything is trimmed here rather than
letting a long roadmap or leaderboard fail to send.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from adapters.discord.buttons import CommandButton
from bot import text as tx
from bot.reply import Reply
from bot.text import Content, Link, Stamp, Styled

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTONS_MAX = 25  # five rows of five
BUTTON_LABEL_MAX = 80
FILES_MAX = 10  # attachments on one message
FILE_DESCRIPTION_MAX = 1024

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


# Discord's markdown: emphasis, code, spoilers (*_~|`), masked links ([..](..)), <@mentions>,
# <#channels>, <t:stamps> and <:emoji:> (all start with <), @everyone, and at a line's start headings,
# quotes, lists and subtext. A backslash before any of them shows the character itself, so text that
# is data is escaped wherever it could mean something.
_ANYWHERE = re.compile(r"([\\*_~|`\[\]<@])")
_LINE_START = re.compile(r"(?m)^(\s*)([#>+\-])")
_NUMBERED = re.compile(r"(?m)^(\s*\d+)\.")  # a digit cannot be escaped, its full stop can


def escape(text: str) -> str:
    return _NUMBERED.sub(r"\1\\.", _LINE_START.sub(r"\1\\\2", _ANYWHERE.sub(r"\\\1", text)))


_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]]+$")


class _Markdown:
    """Parts as Discord markdown (descriptions, field names and values, titles)."""

    def __init__(self, stamps: bool = True):
        self.stamps = stamps

    def text(self, text: str) -> str:
        return escape(text)

    def stamp(self, stamp: Stamp) -> str:
        return discord_time(stamp.epoch, stamp.style) if self.stamps else escape(tx.utc_text(stamp))

    def styled(self, styled: Styled) -> str:
        if not styled.text.strip():
            return escape(styled.text)
        if styled.style == "code":  # nothing inside a code span is read as markdown, but a ` would end it
            return f"`{styled.text.replace('`', 'ˋ')}`"
        mark = "**" if styled.style == "bold" else "*"
        return f"{mark}{escape(styled.text)}{mark}"

    def link(self, link: Link) -> str:
        if not _SAFE_URL.match(link.url):
            return escape(link.label)
        return f"[{escape(link.label)}]({link.url})"


# Footers, button labels and file descriptions: Discord shows these as is.
MARKDOWN, TITLE, PLAIN = _Markdown(), _Markdown(stamps=False), tx.PlainRenderer()
# Nobody is ever pinged by what the bot posts: not @everyone, not a role, not a member.
NO_MENTIONS = discord.AllowedMentions.none()


def markdown(value: Content | None) -> str:
    return tx.render(value, MARKDOWN)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    ephemeral: bool = False

    def send_kwargs(self) -> dict:
        kwargs: dict = {"embed": self.embed, "allowed_mentions": NO_MENTIONS}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs


def _bar_lines(reply: Reply) -> list[str]:
    return [f"**{markdown(b.label)}**\n`{b.text(12)}` {b.value}/{b.total}" for b in reply.bars]


def embed_for(reply: Reply) -> discord.Embed:
    parts = [markdown(reply.text)] if reply.text else []
    if reply.error and reply.usage:
        parts.append(f"usage: `{reply.usage.replace('`', 'ˋ')}`")
    parts.extend(_bar_lines(reply))
    fields = [(clip(tx.render(f.name, TITLE), FIELD_NAME_MAX) or "\u200b",
               clip(markdown(f.value), FIELD_VALUE_MAX) or "\u200b", f.inline)
              for f in reply.fields]
    # Fields beyond Discord's 25 are kept as lines of the description rather than dropped.
    for name, value, _ in fields[FIELDS_MAX:]:
        parts.append(f"**{name}**: {value}")
    fields = fields[:FIELDS_MAX]

    title = clip(tx.render(reply.title, TITLE), TITLE_MAX) if reply.title else None
    footer = clip(tx.render(reply.footer, PLAIN), FOOTER_MAX) if reply.footer else None
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
    # A file with the reply (a CSV export, a calendar invite) is an attachment of the same message.
    for attachment in reply.files[: FILES_MAX - len(files)]:
        files.append(discord.File(io.BytesIO(attachment.data), filename=attachment.filename,
                                  description=clip(attachment.description, FILE_DESCRIPTION_MAX) or None))
    return Rendered(embed=embed_for(reply), view=view_for(reply), files=files,
                    ephemeral=reply.private or reply.error)
