"""One declaration per command: its words, typed parameters, help and rights.

Every adapter derives its surface from these declarations: the console and Slack parse text with
`grammar.py`, Discord builds application commands from the same parameters.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from bot.commands import members
from bot.domain import timeutil

Kind = Literal[
    "word", "text", "int", "choice", "choices", "timezone", "hhmm", "timerange", "weekday", "weekdays",
    "duration", "member", "problem", "milestone",
]
Scope = Literal["anyone", "group", "member"]
# Numbers are written with ASCII digits: int() also takes '٣' and '²'-like digits of other scripts (and
# '1_000'), which a person cannot tell from what we would print back; '¹' even passes str.isdigit().
_INT = re.compile(r"[-+]?[0-9]+")
# A Slack mention in free text (`<@U123|bob>`, from should_escape) reads as the name it shows.
_LABELLED_MENTION = re.compile(r"<@!?[A-Za-z0-9]{1,40}\|([^<>\n]*)>")


@dataclass(frozen=True)
class Param:
    name: str  # as typed, also the keyword for keyword parameters ("post-time")
    kind: Kind = "word"
    help: str = ""
    required: bool = False
    keyword: bool = False  # given as `name VALUE` rather than by position
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 100
    metavar: str | None = None
    form: bool = False  # may be asked for in a form (modal / prompt)
    long: bool = False  # a paragraph rather than a line, in forms

    @property
    def key(self) -> str:
        """The Python keyword argument the handler receives."""
        return self.name.replace("-", "_")

    @property
    def greedy(self) -> bool:
        return self.kind == "text"

    def shape(self) -> str:
        if self.metavar:
            return self.metavar
        if self.kind in ("choice", "choices") and self.choices:
            return "|".join(self.choices)
        return {
            "timezone": "TZ", "hhmm": "HH:MM", "timerange": "HH:MM-HH:MM", "weekday": "DAY",
            "weekdays": "mon,tue,...", "duration": "DURATION", "int": "N", "text": "TEXT",
        }.get(self.kind, self.name.upper())

    def usage(self) -> str:
        if self.kind == "choices":
            body = " ".join(f"[{c}]" for c in self.choices)
            return body
        body = f"{self.name} {self.shape()}" if self.keyword else self.shape()
        return body if self.required else f"[{body}]"

    def convert(self, raw: str) -> Any:
        """Text -> the typed value; raises ValueError with a message meant for the person."""
        text = raw.strip()
        if len(text) > self.max_length:
            raise ValueError(f"{self.name} is too long ({len(text)} characters; at most {self.max_length})")
        if not text:
            raise ValueError(f"{self.name} is empty")
        if self.kind in ("word", "member", "problem", "milestone", "text"):
            if any(ch in text for ch in "\x00\r") or (self.kind != "text" and "\n" in text):
                raise ValueError(f"{self.name} must be one line of text")
            if self.kind == "member":
                return members.parse(text)
            if self.kind == "problem" and any(ch.isnumeric() and not ch.isascii() for ch in text):
                # 'problem solved ¹': a problem number is written 1, 2, 3 (it used to reach int() and crash)
                raise ValueError(f"{self.name} must be a problem id or a number written with the digits 0-9, "
                                 f"not '{_short(text)}'")
            if self.kind in ("text", "word"):
                text = _LABELLED_MENTION.sub(r"@\1", text)
            return text
        if self.kind == "int":
            if not _INT.fullmatch(text):
                raise ValueError(f"{self.name} must be a whole number written with the digits 0-9, "
                                 f"not '{_short(text)}'")
            value = int(text)
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"{self.name} must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"{self.name} must be at most {self.maximum}")
            return value
        if self.kind == "choice":
            return _choose(self, text)
        if self.kind == "choices":
            return tuple(_choose(self, part) for part in text.replace(",", " ").split())
        converters: dict[str, Callable[[str], Any]] = {
            "timezone": timeutil.parse_timezone, "hhmm": timeutil.parse_hhmm,
            "timerange": timeutil.parse_time_range, "weekday": timeutil.parse_weekday,
            "weekdays": timeutil.parse_weekdays, "duration": timeutil.parse_duration,
        }
        return converters[self.kind](text)


def _short(text: str, limit: int = 40) -> str:
    """What the person typed, fit to be quoted in a one-line message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choose(param: Param, text: str) -> str:
    lowered = text.lower()
    if lowered in param.choices:
        return lowered
    import difflib

    near = difflib.get_close_matches(lowered, param.choices, n=1, cutoff=0.6)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    raise ValueError(f"{param.name} must be one of {', '.join(param.choices)}, not '{_short(text)}'.{hint}")


Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    help: str
    handler: Handler
    params: tuple[Param, ...] = ()
    admin: bool = False
    scope: Scope = "member"  # who may run it: anyone, anyone in a group channel, members only
    private: bool = False  # reply only to the caller (ephemeral)
    form_title: str | None = None  # when set, missing `form` params open a form
    form_when_empty: bool = False  # open the form when no parameter at all is given
    # async (ctx, form) -> form: fits the form to the caller's group (e.g. its own questions as the
    # labels) before it opens; it runs in the command's unit of work, so it may await only the database
    form_hook: Handler | None = None
    details: str = ""  # longer help shown by `help COMMAND`
    examples: tuple[str, ...] = ()
    # It may change what earns a member a stage or streak role (a join, a leave, a tick, a solve): the
    # dispatcher syncs the caller's roles after it (bot/services/roles.py), and after no other command.
    moves_roles: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def usage(self) -> str:
        return " ".join([self.name, *(p.usage() for p in self.params)])

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def form_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.form)


def command(
    path: str, *, help: str, params: Iterable[Param] = (), admin: bool = False, scope: Scope = "member",
    private: bool = False, form_title: str | None = None, form_when_empty: bool = False,
    form_hook: Handler | None = None, details: str = "", examples: Iterable[str] = (), moves_roles: bool = False,
) -> Callable[[Handler], Command]:
    """Declare a command: the decorated handler becomes a Command the registry can collect."""

    def wrap(handler: Handler) -> Command:
        params_t = tuple(params)
        sig = inspect.signature(handler)
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
        missing = [p.key for p in params_t if p.key not in sig.parameters]
        if missing and not takes_any:
            raise TypeError(f"handler {handler.__name__} lacks parameters {missing}")
        return Command(
            path=tuple(path.split()), help=help, handler=handler, params=params_t, admin=admin, scope=scope,
            private=private, form_title=form_title, form_when_empty=form_when_empty, form_hook=form_hook,
            details=details, examples=tuple(examples), moves_roles=moves_roles,
        )

    return wrap


class Registry:
    """Every command the bot knows, by path."""

    def __init__(self, commands: Iterable[Command] = ()):
        self._by_path: dict[tuple[str, ...], Command] = {}
        self.longest = 0  # words in the longest command path (the parser tries that many first)
        for cmd in commands:
            self.add(cmd)

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> Registry:
        found = []
        for module in modules:
            found.extend(v for v in vars(module).values() if isinstance(v, Command))
        return cls(found)

    def add(self, cmd: Command) -> None:
        if cmd.path in self._by_path:
            raise ValueError(f"command {cmd.name!r} declared twice")
        self._by_path[cmd.path] = cmd
        self.longest = max(self.longest, len(cmd.path))

    def get(self, path: tuple[str, ...]) -> Command | None:
        return self._by_path.get(path)

    def __iter__(self):
        return iter(sorted(self._by_path.values(), key=lambda c: c.path))

    def __len__(self) -> int:
        return len(self._by_path)

    def paths(self) -> list[tuple[str, ...]]:
        return sorted(self._by_path)

    def top_words(self) -> list[str]:
        return sorted({p[0] for p in self._by_path})

    def under(self, prefix: tuple[str, ...]) -> list[Command]:
        return [c for c in self if c.path[: len(prefix)] == prefix]
