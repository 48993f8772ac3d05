"""The platform-neutral reply. Handlers return one; each adapter renders it to its own surface."""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Tone = Literal["info", "success", "warning", "error", "easy", "medium", "hard"]
TimeStyle = Literal["R", "f", "d", "t"]

# A moment in a reply is written as a marker; each platform renders it so every reader sees local time
# (Discord <t:..>, Slack <!date^..>, the console in the viewer's zone).
_STAMP = re.compile(r"\{t:(\d+):([RfdtD])\}")


def stamp(when: datetime, style: TimeStyle = "f") -> str:
    return f"{{t:{int(when.timestamp())}:{style}}}"


def render_stamps(text: str, render) -> str:
    """Replace every time marker with render(epoch_seconds, style)."""
    return _STAMP.sub(lambda m: render(int(m.group(1)), m.group(2)), text)


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Bar:
    """A progress bar: `value` of `total`."""

    label: str
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
    text: str = ""
    title: str | None = None
    fields: list[Field] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    image: Image | None = None
    private: bool = False
    tone: Tone = "info"
    footer: str | None = None
    form: Form | None = None
    error: bool = False
    usage: str | None = None

    # The outbox stores replies as JSON, so a queued message survives restarts unchanged.
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.image is not None:
            data["image"] = {
                "filename": self.image.filename,
                "data": base64.b64encode(self.image.data).decode("ascii"),
                "alt": self.image.alt,
            }
        data.pop("form", None)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        image = data.get("image")
        return cls(
            text=data.get("text", ""),
            title=data.get("title"),
            fields=[Field(**f) for f in data.get("fields", [])],
            bars=[Bar(**b) for b in data.get("bars", [])],
            buttons=[Button(**b) for b in data.get("buttons", [])],
            image=Image(image["filename"], base64.b64decode(image["data"]), image.get("alt", ""))
            if image
            else None,
            private=data.get("private", False),
            tone=data.get("tone", "info"),
            footer=data.get("footer"),
            error=data.get("error", False),
            usage=data.get("usage"),
        )

    def plain_text(self) -> str:
        """Everything a reader would see, as text: the console and tests read this."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        for f in self.fields:
            lines.append(f"{f.name}: {f.value}")
        for b in self.bars:
            lines.append(f"{b.label}  {b.text()} {b.value}/{b.total}")
        if self.usage:
            lines.append(f"usage: {self.usage}")
        if self.buttons:
            lines.append("  ".join(f"[{b.label}: {b.command}]" for b in self.buttons))
        if self.image is not None:
            lines.append(f"(image {self.image.filename}, {len(self.image.data)} bytes)")
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)


def error_reply(message: str, usage: str | None = None) -> Reply:
    # One line, whatever the person typed into it (a pasted newline, a 10,000-character word).
    line = " ".join(message.split())
    if len(line) > 300:
        line = line[:299] + "…"
    return Reply(text=line, usage=usage, error=True, tone="error", private=True)
