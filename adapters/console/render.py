"""Replies as terminal text: rich panels on a terminal, plain lines when piped."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bot.reply import Reply, render_stamps

_TONE_STYLE = {"error": "red", "success": "green", "warning": "yellow", "easy": "green", "medium": "yellow",
               "hard": "red", "info": "cyan"}


def console_time(epoch: int, style: str) -> str:
    when = datetime.fromtimestamp(epoch, UTC)
    if style == "d":
        return when.strftime("%a %d %b %Y")
    if style == "t":
        return when.strftime("%H:%M UTC")
    return when.strftime("%a %d %b %Y %H:%M UTC")


def plain(reply: Reply) -> str:
    if reply.error:
        line = reply.text
        return f"{line}\nusage: {reply.usage}" if reply.usage else line
    return render_stamps(reply.plain_text(), console_time)


def rich(reply: Reply):
    if reply.error:
        text = Text(reply.text, style="red")
        if reply.usage:
            text.append(f"\nusage: {reply.usage}", style="dim")
        return text
    parts = []
    if reply.text:
        parts.append(Text(render_stamps(reply.text, console_time)))
    if reply.fields:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for f in reply.fields:
            table.add_row(f.name, render_stamps(f.value, console_time))
        parts.append(table)
    if reply.bars:
        table = Table.grid(padding=(0, 1))
        for b in reply.bars:
            table.add_row(b.label, ProgressBar(total=max(b.total, 1), completed=b.value, width=20), f"{b.value}/{b.total}")
        parts.append(table)
    if reply.buttons:
        parts.append(Text("  ".join(f"[{b.label}: {b.command}]" for b in reply.buttons), style="blue"))
    if reply.image is not None:
        parts.append(Text(f"(image {reply.image.filename})", style="dim"))
    if reply.footer:
        parts.append(Text(render_stamps(reply.footer, console_time), style="dim"))
    return Panel(RichGroup(*parts), title=reply.title, border_style=_TONE_STYLE.get(reply.tone, "cyan"),
                 title_align="left")
