"""The platform-neutral reply. Handlers return one; each adapter renders it to its own surface."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from bot import text as tx
from bot.text import Content, Rich, Said, Stamp, TimeStyle

Tone = Literal["info", "success", "warning", "error", "easy", "medium", "hard"]
__all__ = ["Content", "Rich", "Said", "Stamp", "stamp"]


def stamp(when: datetime, style: TimeStyle = "f") -> Stamp:
    """A moment in a reply; each platform shows it in the reader's own time."""
    return Stamp.at(when, style)


@dataclass(frozen=True)
class Field:
    name: Content
    value: Content
    inline: bool = True


@dataclass(frozen=True)
class Bar:
    """A progress bar: `value` of `total`."""

    label: Content
    value: int
    total: int

    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else max(0.0, min(1.0, self.value / self.total))

    def text(self, width: int = 10) -> str:
        filled = round(self.fraction() * width)
        return "█" * filled + "░" * (width - filled)


@dataclass(frozen=True)
class Button:
    """A button that runs a follow-up command, written exactly as a person would type it."""

    label: str
    command: str
    style: Literal["primary", "secondary", "success", "danger"] = "secondary"


@dataclass(frozen=True)
class Image:
    filename: str
    data: bytes
    alt: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply: a CSV export, a calendar invite. Discord attaches it, Slack uploads it,
    the console saves it and prints the path."""

    filename: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """A scheduled event on the platform (Discord: a guild scheduled event of type EXTERNAL), for the
    platforms and groups that have them; see Messenger. Times are UTC."""

    name: str
    start: datetime
    end: datetime
    location: str
    description: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class RoleSync:
    """The roles the message's person should hold, of the roles the bot manages (`managed`): every
    managed role not in `roles` is taken away. Roles are named; the platform creates missing ones."""

    roles: tuple[str, ...]
    managed: tuple[str, ...]


@dataclass(frozen=True)
class FormField:
    param: str
    label: str
    long: bool = False
    required: bool = False
    placeholder: str = ""
    max_length: int = 1000


@dataclass(frozen=True)
class Form:
    """Missing free-text parameters asked for at once: a modal on Discord/Slack, prompts on a terminal."""

    title: str
    command: str  # the command path the answers complete, e.g. "checkin"
    fields: tuple[FormField, ...]
    given: tuple[tuple[str, str], ...] = ()  # raw values already supplied


@dataclass
class Reply:
    text: Content = ""
    title: Content | None = None
    fields: list[Field] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    image: Image | None = None
    private: bool = False
    tone: Tone = "info"
    footer: Content | None = None
    form: Form | None = None
    error: bool = False
    usage: str | None = None
    files: list[Attachment] = field(default_factory=list)
    event: CalendarEvent | None = None
    roles: RoleSync | None = None

    # The outbox stores replies as JSON, so a queued message survives restarts unchanged.
    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": tx.to_json(self.text),
            "title": tx.to_json(self.title),
            "fields": [{"name": tx.to_json(f.name), "value": tx.to_json(f.value), "inline": f.inline}
                       for f in self.fields],
            "bars": [{"label": tx.to_json(b.label), "value": b.value, "total": b.total} for b in self.bars],
            "buttons": [{"label": b.label, "command": b.command, "style": b.style} for b in self.buttons],
            "image": None,
            "private": self.private,
            "tone": self.tone,
            "footer": tx.to_json(self.footer),
            "error": self.error,
            "usage": self.usage,
        }
        if self.files:
            data["files"] = [{"filename": f.filename, "data": base64.b64encode(f.data).decode("ascii"),
                              "mime": f.mime, "description": f.description} for f in self.files]
        if self.event is not None:
            e = self.event
            data["event"] = {"name": e.name, "start": e.start.isoformat(), "end": e.end.isoformat(),
                             "location": e.location, "description": e.description, "cancelled": e.cancelled}
        if self.roles is not None:
            data["roles"] = {"roles": list(self.roles.roles), "managed": list(self.roles.managed)}
        if self.image is not None:
            data["image"] = {
                "filename": self.image.filename,
                "data": base64.b64encode(self.image.data).decode("ascii"),
                "alt": self.image.alt,
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        image, event, roles = data.get("image"), data.get("event"), data.get("roles")
        return cls(
            text=tx.from_json(data.get("text", "")) or "",
            title=tx.from_json(data.get("title")),
            fields=[Field(tx.from_json(f["name"]), tx.from_json(f["value"]), f.get("inline", True))
                    for f in data.get("fields", [])],
            bars=[Bar(tx.from_json(b["label"]), b["value"], b["total"]) for b in data.get("bars", [])],
            buttons=[Button(**b) for b in data.get("buttons", [])],
            image=Image(image["filename"], base64.b64decode(image["data"]), image.get("alt", ""))
            if image
            else None,
            private=data.get("private", False),
            tone=data.get("tone", "info"),
            footer=tx.from_json(data.get("footer")),
            error=data.get("error", False),
            usage=data.get("usage"),
            files=[Attachment(f["filename"], base64.b64decode(f["data"]), f.get("mime", "application/octet-stream"),
                              f.get("description", "")) for f in data.get("files", [])],
            event=CalendarEvent(event["name"], datetime.fromisoformat(event["start"]),
                                datetime.fromisoformat(event["end"]), event["location"],
                                event.get("description", ""), event.get("cancelled", False)) if event else None,
            roles=RoleSync(tuple(roles["roles"]), tuple(roles["managed"])) if roles else None,
        )

    def contents(self) -> list[Content]:
        """Every piece of text a reader sees, in order."""
        out: list[Content] = [c for c in (self.title, self.text) if c]
        for f in self.fields:
            out += [f.name, f.value]
        out += [b.label for b in self.bars]
        if self.footer:
            out.append(self.footer)
        return out

    def authors(self) -> set[int]:
        """Our ids of the members whose words (names, answers, notes) this reply carries."""
        found: set[int] = set()
        for value in self.contents():
            found |= tx.authors(value)
        return found

    def scrub(self, user_id: int) -> Reply:
        """This reply with every word `user_id` wrote replaced (forget-me, for queued and sent copies)."""
        return replace(
            self,
            title=tx.scrub(self.title, user_id),
            text=tx.scrub(self.text, user_id) or "",
            fields=[Field(tx.scrub(f.name, user_id), tx.scrub(f.value, user_id), f.inline) for f in self.fields],
            bars=[Bar(tx.scrub(b.label, user_id), b.value, b.total) for b in self.bars],
            footer=tx.scrub(self.footer, user_id),
        )

    def plain_text(self, show: Callable[[Content], str] | None = None) -> str:
        """Everything a reader would see, as lines of text; `show` renders each piece (by default its
        words with stamps in UTC: logs and tests read this; the console passes its own)."""
        show = show or _plain
        lines: list[str] = []
        if self.title:
            lines.append(show(self.title))
        if self.text:
            lines.append(show(self.text))
        for f in self.fields:
            lines.append(f"{show(f.name)}: {show(f.value)}")
        for b in self.bars:
            lines.append(f"{show(b.label)}  {b.text()} {b.value}/{b.total}")
        if self.usage:
            lines.append(f"usage: {self.usage}")
        if self.buttons:
            lines.append("  ".join(f"[{show(b.label)}: {show(b.command)}]" for b in self.buttons))
        if self.image is not None:
            lines.append(f"(image {self.image.filename}, {len(self.image.data)} bytes)")
        for f in self.files:
            lines.append(f"(file {f.filename}, {len(f.data)} bytes)")
        if self.event is not None:
            lines.append(f"(event {'cancelled: ' if self.event.cancelled else ''}{self.event.name}, "
                         f"{self.event.start.isoformat()} to {self.event.end.isoformat()})")
        if self.roles is not None:
            lines.append(f"(roles {', '.join(self.roles.roles) or 'none'})")
        if self.footer:
            lines.append(show(self.footer))
        return "\n".join(lines)


def _plain(value: Content) -> str:
    return value.plain() if isinstance(value, Rich) else value


def error_reply(message: Content, usage: str | None = None) -> Reply:
    # One line, whatever the person typed into it (a pasted newline, a 10,000-character word).
    return Reply(text=_one_line(message), usage=usage, error=True, tone="error", private=True)


def _one_line(message: Content, limit: int = 300) -> Content:
    if not isinstance(message, Rich):
        line = " ".join(message.split())
        return line if len(line) <= limit else line[: limit - 1] + "…"
    parts: list = []
    room = limit
    for part in message.parts:
        words = part if isinstance(part, str) else getattr(part, "text", None)
        if isinstance(words, str):
            # newlines and runs of spaces become one space; the ends of a part keep theirs
            flat = " ".join(words.split())
            flat = (" " if words[:1].isspace() else "") + flat + (" " if words[-1:].isspace() and flat else "")
            if len(flat) > room:
                flat, room = flat[: max(room - 1, 0)] + "…", 0
            else:
                room -= len(flat)
            part = flat if isinstance(part, str) else replace(part, text=flat)
        parts.append(part)
        if room <= 0:
            break
    return Rich.of(*parts)
