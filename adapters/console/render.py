"""Replies as terminal text: rich panels on a terminal, plain lines when piped.

A terminal shows no platform stamps, so the console renders each moment itself, in the reader's own
time: a `Reader` is the timezone of whoever reads the reply (the person who typed the command, the
recipient of a DM, the console's own user for a channel post) and the app's clock, for relative
stamps ("in 1 hour", "2 days ago"). Every absolute time carries its offset ("09:30 UTC-05:00"), so a
reader always sees which zone a time is in; without a reader, times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bot.reply import Reply
from bot.text import Content, Link, Stamp, Styled, count, render, visible

_TONE_STYLE = {"error": "red", "success": "green", "warning": "yellow", "easy": "green", "medium": "yellow",
               "hard": "red", "info": "cyan"}


@dataclass(frozen=True)
class Reader:
    """Who reads a reply, as far as showing times goes: their zone, and now (None: no relative times)."""

    zone: tzinfo = UTC
    now: datetime | None = None

    @classmethod
    def of(cls, zone: str | None, now: datetime | None = None) -> Reader:
        """The reader in IANA zone `zone` (None, or a name this machine does not know: UTC)."""
        try:
            return cls(ZoneInfo(zone) if zone else UTC, now)
        except (ValueError, KeyError, OSError):  # zoneinfo's ZoneInfoNotFoundError is a KeyError
            return cls(UTC, now)


UTC_READER = Reader()


def offset(when: datetime) -> str:
    """The zone of a local time as its UTC offset: "UTC", "UTC-05:00", "UTC+05:30"."""
    delta = when.utcoffset()
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds()) // 60
    sign, minutes = ("+", minutes) if minutes >= 0 else ("-", -minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# (below this many seconds, count in units of this many seconds, unit): the thresholds of the usual
# "time ago" wording, so 50 minutes is "in 1 hour" and 23 hours "in 1 day".
_RELATIVE = ((45 * 60, 60, "minute"), (22 * 3600, 3600, "hour"), (26 * 86400, 86400, "day"),
             (320 * 86400, 30.44 * 86400, "month"))


def relative(when: datetime, now: datetime) -> str:
    """How far `when` is from `now`, in words: "in 1 hour", "2 days ago", "in a few seconds"."""
    seconds = (when - now).total_seconds()
    ahead, span = seconds >= 0, abs(seconds)
    if span < 45:
        return "in a few seconds" if ahead else "a few seconds ago"
    size, unit = next(((size, unit) for limit, size, unit in _RELATIVE if span < limit), (365.25 * 86400, "year"))
    words = count(max(1, round(span / size)), unit)
    return f"in {words}" if ahead else f"{words} ago"


def local_text(stamp: Stamp, reader: Reader = UTC_READER) -> str:
    """A moment as the reader reads it: relative for style "R" (when the reader's now is known), else
    their local date and time with the offset."""
    try:
        when = datetime.fromtimestamp(stamp.epoch, UTC).astimezone(reader.zone)
    except (OverflowError, OSError, ValueError):  # beyond the calendar: say so rather than fail a send
        return "(an unknown time)"
    if stamp.style == "R" and reader.now is not None:
        return relative(when, reader.now)
    if stamp.style == "d":
        return when.strftime("%a %d %b %Y")
    if stamp.style == "D":
        return when.strftime("%A %d %B %Y")
    if stamp.style == "t":
        return f"{when:%H:%M} {offset(when)}"
    if stamp.style == "T":
        return f"{when:%H:%M:%S} {offset(when)}"
    if stamp.style == "F":
        return f"{when:%A %d %B %Y %H:%M} {offset(when)}"
    return f"{when:%a %d %b %Y %H:%M} {offset(when)}"


class _Terminal:
    """Parts as terminal text. The result always goes into a rich `Text`, never through rich's own
    [markup], and `visible` has already dropped control characters, so member text cannot move the
    cursor, recolour the screen or fake a line from the bot."""

    def __init__(self, reader: Reader = UTC_READER):
        self.reader = reader

    def text(self, text: str) -> str:
        return text

    def stamp(self, stamp: Stamp) -> str:
        return local_text(stamp, self.reader)

    def styled(self, styled: Styled) -> str:
        return styled.text

    def link(self, link: Link) -> str:
        return link.url if link.label == link.url else f"{link.label} <{link.url}>"


TERMINAL = _Terminal()


def text(value: Content | None, reader: Reader = UTC_READER) -> str:
    return render(value, TERMINAL if reader is UTC_READER else _Terminal(reader))


def plain(reply: Reply, reader: Reader = UTC_READER) -> str:
    if reply.error:
        line = text(reply.text, reader)
        return f"{line}\nusage: {reply.usage}" if reply.usage else line
    return reply.plain_text(lambda value: text(value, reader))


def rich(reply: Reply, reader: Reader = UTC_READER):
    def show(value: Content | None) -> str:
        return text(value, reader)

    if reply.error:
        out = Text(show(reply.text), style="red")
        if reply.usage:
            out.append(f"\nusage: {reply.usage}", style="dim")
        return out
    parts = []
    if reply.text:
        parts.append(Text(show(reply.text)))
    if reply.fields:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for f in reply.fields:
            table.add_row(Text(show(f.name)), Text(show(f.value)))
        parts.append(table)
    if reply.bars:
        table = Table.grid(padding=(0, 1))
        for b in reply.bars:
            table.add_row(Text(show(b.label)), ProgressBar(total=max(b.total, 1), completed=b.value, width=20),
                          Text(f"{b.value}/{b.total}"))
        parts.append(table)
    if reply.buttons:
        parts.append(Text("  ".join(f"[{visible(b.label)}: {visible(b.command)}]" for b in reply.buttons),
                          style="blue"))
    if reply.image is not None:
        parts.append(Text(f"(image {reply.image.filename})", style="dim"))
    for f in reply.files:
        parts.append(Text(f"(file {visible(f.filename)})", style="dim"))
    if reply.footer:
        parts.append(Text(show(reply.footer), style="dim"))
    return Panel(RichGroup(*parts), title=Text(show(reply.title)) if reply.title else None,
                 border_style=_TONE_STYLE.get(reply.tone, "cyan"), title_align="left")

