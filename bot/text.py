"""Reply text as typed parts: what the core wrote, what a member wrote, and moments in time.

Member text is data. A plain `str` anywhere in a reply is plain text: every renderer escapes it for
its platform, so nothing in it is ever read as markup, a mention, a link or a time stamp. The few
things that must be more than text are typed values the core puts there:

- `Stamp(epoch, style)`: a moment, shown in each reader's own time by the platform;
- `Styled(text, "bold" | "code" | "italic")`: emphasis the core chose, around text that is escaped;
- `Link(url, label)`: a link the core made (a problem page, a meeting room), never one a member typed;
- `Said(text, by)`: words a member wrote, or a name they chose, with our id of the author, so that
  `forget-me` can find and remove them in messages already queued or sent.

`Rich.format(template, **values)` builds a `Rich` from a core template: the template's literals may
use `**bold**` and `` `code` `` (the template is code, never input); every value is a part as given,
or, for anything else, plain text.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

TimeStyle = Literal["R", "f", "F", "d", "D", "t", "T"]
Style = Literal["bold", "code", "italic"]
REMOVED = "(removed)"


@dataclass(frozen=True)
class Stamp:
    epoch: int
    style: TimeStyle = "f"

    @classmethod
    def at(cls, when: datetime, style: TimeStyle = "f") -> Stamp:
        return cls(int(when.timestamp()), style)


@dataclass(frozen=True)
class Said:
    text: str
    by: int | None = None  # our user id of whoever wrote it


@dataclass(frozen=True)
class Styled:
    text: str
    style: Style = "bold"


@dataclass(frozen=True)
class Link:
    url: str
    label: str


Part = str | Stamp | Said | Styled | Link
_MARK = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Rich:
    parts: tuple[Part, ...] = ()

    @classmethod
    def of(cls, *parts: Part | Rich) -> Rich:
        out: list[Part] = []
        for part in parts:
            if isinstance(part, Rich):
                out.extend(part.parts)
            elif part != "":
                out.append(part)
        return cls(tuple(out))

    @classmethod
    def format(cls, template: str, /, **values: Any) -> Rich:
        """A core template with {name} (or {name:spec}) holes; markup in the template's own literals. A
        `code span` may hold holes too (`mock feedback {ref} 3,4`): it becomes one code part, its values
        written in as plain text."""
        if "`" in template and "{" in template:
            template, values = _code_holes(template, values)
        out: list[Part | Rich] = []
        for literal, name, spec, conversion in _FORMATTER.parse(template):
            if literal:
                out.extend(_core_markup(literal))
            if name is None:
                continue
            value = values[name]
            if isinstance(value, Rich | Stamp | Said | Styled | Link):
                out.append(value)
            else:
                if conversion == "r":
                    value = repr(value)
                out.append(format(value, spec or ""))
        return cls.of(*out)

    def __add__(self, other: Rich | Part) -> Rich:
        return Rich.of(self, other)

    def __radd__(self, other: Part) -> Rich:
        return Rich.of(other, self)

    def __bool__(self) -> bool:
        return any(p != "" for p in self.parts)

    def __len__(self) -> int:  # a rough size, for limits; renderers measure what they produce
        return sum(len(_as_plain(p)) for p in self.parts)

    def plain(self) -> str:
        """The words as plain text, stamps in UTC: for logs, tests and fallbacks."""
        return "".join(_as_plain(p) for p in self.parts)


Content = str | Rich  # what a reply's text, title, field or footer may hold


def join(sep: str, items: Iterable[Content]) -> Rich:
    out: list[Part | Rich] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return Rich.of(*out)


def count(n: int, word: str, many: str | None = None) -> str:
    """`n` and the word in the right number: "1 day", "2 days", "1 pt", "3 pts" (`many` for irregular
    plurals: count(2, "match", "matches"))."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def plain(value: Content | None) -> str:
    """The words alone, for places that show no formatting (a thread's name, a log line)."""
    if not value:
        return ""
    return visible(value.plain() if isinstance(value, Rich) else value)


def parts_of(value: Content | Part) -> tuple[Part, ...]:
    return value.parts if isinstance(value, Rich) else ((value,) if value != "" else ())


_CODE_SPAN = re.compile(r"`([^`]*)`")


def _code_holes(template: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Each code span with holes in it filled in and turned into a hole of its own (a Styled value)."""
    values = dict(values)
    plain_values = {k: plain(Rich.of(v)) if isinstance(v, Rich | Said | Styled | Link | Stamp) else v
                    for k, v in values.items()}

    def fill(m: re.Match) -> str:
        if "{" not in m.group(1):  # a span without holes stays for _core_markup (spans pair left to right)
            return m.group(0)
        holes = [field for _, field, _, _ in _FORMATTER.parse(m.group(1)) if field]
        if any(authors(values[h] if isinstance(values[h], Rich) else Rich.of(values[h]))
               for h in holes if isinstance(values[h], Rich | Said)):
            # A member's words stay a Said part (forget-me must find them): the span is shown as plain
            # text, without its backticks (left in, they would pair with the next span's).
            return m.group(1)
        name = f"_code{len(values)}"
        values[name] = Styled(m.group(1).format(**plain_values), "code")
        return "{" + name + "}"

    return _CODE_SPAN.sub(fill, template), values


def _core_markup(literal: str) -> Iterator[Part]:
    pos = 0
    for m in _MARK.finditer(literal):
        if m.start() > pos:
            yield literal[pos:m.start()]
        yield Styled(m.group(1), "bold") if m.group(1) is not None else Styled(m.group(2), "code")
        pos = m.end()
    if pos < len(literal):
        yield literal[pos:]


def utc_text(stamp: Stamp) -> str:
    """A moment as readable UTC text, for places where a platform shows no local-time stamp."""
    try:
        when = datetime.fromtimestamp(stamp.epoch, UTC)
    except (OverflowError, OSError, ValueError):  # beyond the calendar: say so rather than fail a send
        return "(an unknown time)"
    if stamp.style in ("d", "D"):
        return when.strftime("%a %d %b %Y")
    if stamp.style in ("t", "T"):
        return when.strftime("%H:%M UTC")
    return when.strftime("%a %d %b %Y %H:%M UTC")


def _as_plain(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Stamp):
        return utc_text(part)
    if isinstance(part, Link):
        return f"{part.label} ({part.url})" if part.label != part.url else part.url
    return part.text


# Characters that change how text is shown without being seen: zero-width ones and direction
# overrides. A member's name or answer never carries them to other readers.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E, 0x061C]
    + list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A))
)


def visible(text: str) -> str:
    """Text with invisible and direction-changing characters removed, and other control characters
    (an escape sequence for a terminal, say) shown as nothing; newlines and tabs stay."""
    text = text.translate(_INVISIBLE)
    if text.isprintable():
        return text
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))


class Renderer(Protocol):
    """One platform's way to show each kind of part; `text` must escape everything it is given."""

    def text(self, text: str) -> str: ...
    def stamp(self, stamp: Stamp) -> str: ...
    def styled(self, styled: Styled) -> str: ...
    def link(self, link: Link) -> str: ...


class PlainRenderer:
    """Parts as plain text, for the places a platform shows text as is (a button label, a header, a
    footer): words unchanged, moments in UTC, a link by its label."""

    def text(self, text: str) -> str:
        return text

    def stamp(self, stamp: Stamp) -> str:
        return utc_text(stamp)

    def styled(self, styled: Styled) -> str:
        return styled.text

    def link(self, link: Link) -> str:
        return link.label


def render(value: Content | None, renderer: Renderer) -> str:
    if not value:
        return ""
    out: list[str] = []
    for part in parts_of(value):
        if isinstance(part, str):
            out.append(renderer.text(visible(part)))
        elif isinstance(part, Said):
            out.append(renderer.text(visible(part.text)))
        elif isinstance(part, Stamp):
            out.append(renderer.stamp(part))
        elif isinstance(part, Styled):
            out.append(renderer.styled(Styled(visible(part.text), part.style)))
        else:
            out.append(renderer.link(part))
    return "".join(out)


# The outbox keeps replies as JSON; these keep every part's type through the round trip.
def to_json(value: Content | None) -> Any:
    if isinstance(value, Stamp | Said | Styled | Link):
        value = Rich((value,))
    if not isinstance(value, Rich):
        return value
    return {"rich": [_part_json(p) for p in value.parts]}


def from_json(data: Any) -> Content | None:
    if isinstance(data, dict) and "rich" in data:
        return Rich(tuple(_part_from_json(p) for p in data["rich"]))
    return data


def _part_json(part: Part) -> Any:
    if isinstance(part, str):
        return part
    if isinstance(part, Stamp):
        return {"t": part.epoch, "s": part.style}
    if isinstance(part, Said):
        return {"said": part.text, "by": part.by}
    if isinstance(part, Styled):
        return {"styled": part.text, "s": part.style}
    return {"url": part.url, "label": part.label}


def _part_from_json(data: Any) -> Part:
    if isinstance(data, str):
        return data
    if "t" in data:
        return Stamp(int(data["t"]), data.get("s", "f"))
    if "said" in data:
        return Said(data["said"], data.get("by"))
    if "styled" in data:
        return Styled(data["styled"], data.get("s", "bold"))
    return Link(data["url"], data["label"])


def authors(value: Content | None) -> set[int]:
    return {p.by for p in parts_of(value) if isinstance(p, Said) and p.by is not None} if value else set()


def scrub(value: Content | None, user_id: int) -> Content | None:
    """The same text with everything `user_id` wrote replaced by a neutral marker."""
    if isinstance(value, Said):
        value = Rich((value,))
    if not isinstance(value, Rich):
        return value
    return Rich(tuple(Said(REMOVED) if isinstance(p, Said) and p.by == user_id else p for p in value.parts))
