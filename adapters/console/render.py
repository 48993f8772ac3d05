"""Replies as terminal text: rich panels on a terminal, plain lines when piped."""

from __future__ import annotations

from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bot.reply import Reply
from bot.text import Content, Link, Stamp, Styled, render, utc_text, visible

_TONE_STYLE = {"error": "red", "success": "green", "warning": "yellow", "easy": "green", "medium": "yellow",
               "hard": "red", "info": "cyan"}


class _Terminal:
    """Parts as terminal text. The result always goes into a rich `Text`, never through rich's own
    [markup], and `visible` has already dropped control characters, so member text cannot move the
    cursor, recolour the screen or fake a line from the bot."""

    def text(self, text: str) -> str:
        return text

    def stamp(self, stamp: Stamp) -> str:
        return utc_text(stamp)

    def styled(self, styled: Styled) -> str:
        return styled.text

    def link(self, link: Link) -> str:
        return link.url if link.label == link.url else f"{link.label} <{link.url}>"


TERMINAL = _Terminal()


def text(value: Content | None) -> str:
    return render(value, TERMINAL)


def plain(reply: Reply) -> str:
    if reply.error:
        line = text(reply.text)
        return f"{line}\nusage: {reply.usage}" if reply.usage else line
    return reply.plain_text(text)


def rich(reply: Reply):
    if reply.error:
        out = Text(text(reply.text), style="red")
        if reply.usage:
            out.append(f"\nusage: {reply.usage}", style="dim")
        return out
    parts = []
    if reply.text:
        parts.append(Text(text(reply.text)))
    if reply.fields:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for f in reply.fields:
            table.add_row(Text(text(f.name)), Text(text(f.value)))
        parts.append(table)
    if reply.bars:
        table = Table.grid(padding=(0, 1))
        for b in reply.bars:
            table.add_row(Text(text(b.label)), ProgressBar(total=max(b.total, 1), completed=b.value, width=20),
                          Text(f"{b.value}/{b.total}"))
        parts.append(table)
    if reply.buttons:
        parts.append(Text("  ".join(f"[{visible(b.label)}: {visible(b.command)}]" for b in reply.buttons),
                          style="blue"))
    if reply.image is not None:
        parts.append(Text(f"(image {reply.image.filename})", style="dim"))
    if reply.footer:
        parts.append(Text(text(reply.footer), style="dim"))
    return Panel(RichGroup(*parts), title=Text(text(reply.title)) if reply.title else None,
                 border_style=_TONE_STYLE.get(reply.tone, "cyan"), title_align="left")
