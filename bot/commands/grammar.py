"""The text grammar shared by the console and Slack: `words of the path, then parameters`.

Keyword parameters are written `name VALUE` (`profile timezone Europe/Paris`); free text runs to the
next keyword, or may be put in double quotes. Apostrophes are ordinary letters, so people can write
`checkin done didn't finish` without quoting.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from bot.commands.registry import Command, Registry
from bot.errors import UsageError
from bot.text import Rich

MAX_LINE = 4000
_QUOTES = {'"': '"', "“": "”", "„": "“"}


class Token(NamedTuple):
    value: str
    start: int
    end: int
    quoted: bool = False

    @property
    def word(self) -> str:
        return "" if self.quoted else self.value.lower()


@dataclass(frozen=True)
class Parsed:
    command: Command
    raw: dict[str, str]


# At each token: a quoted span if its closing quote follows, a mention (`<@U123|Mary Ann>`: Slack's
# label may hold spaces), else a run of non-space (so an unclosed quote is an ordinary letter and free
# text stays usable).
_MENTION = r"<@!?[A-Za-z0-9]{1,40}\|[^<>\n]*>"
_TOKEN = re.compile("|".join(f"{re.escape(o)}(?P<q{i}>[^{re.escape(c)}]*){re.escape(c)}"
                             for i, (o, c) in enumerate(_QUOTES.items())) + f"|{_MENTION}" + r"|\S+")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        quote = m.lastgroup  # the group of a quoted span; None for a run of non-space
        if quote is not None:
            tokens.append(Token(m.group(quote), m.start(), m.end(), True))
        else:
            tokens.append(Token(m.group(), m.start(), m.end()))
    return tokens


def quote(value: str) -> str | None:
    """`value` as one token that parses back to itself: bare when it can be, else in a pair of quotes it
    does not contain; None when it contains every kind of closing quote."""
    value = value.strip()
    if value and not any(ch.isspace() for ch in value) and value[0] not in _QUOTES and not value.startswith("<@"):
        return value
    for opening, closing in _QUOTES.items():
        if closing not in value:
            return f"{opening}{value}{closing}"
    return None


def unparse(cmd: Command, raw: dict[str, str]) -> str | None:
    """The line that parses to `cmd` with these raw values (what a button carries to re-run a command
    with one value changed), or None when a value cannot be written as one token."""
    keywords = {p.name for p in cmd.params if p.keyword}
    words = list(cmd.path)
    for param in sorted(cmd.params, key=lambda p: p.keyword):  # positionals first, in order
        value = raw.get(param.name)
        if value is None or not str(value).strip():
            continue
        value = str(value).strip()
        token = quote(value)
        if token is not None and token == value and value.lower() in keywords:
            token = f'"{value}"'  # a bare word that is also a keyword would be read as the keyword
        if token is None:
            return None
        words += [param.name, token] if param.keyword else [token]
    return " ".join(words)


def parse(registry: Registry, text: str) -> Parsed:
    if len(text) > MAX_LINE:
        raise UsageError(f"That line is too long ({len(text)} characters; at most {MAX_LINE}).")
    cmd, raw = _parse(registry, text)
    return Parsed(cmd, dict(raw))


# People type the same few lines all day (`problem today`, `me`), and a parse depends on nothing else.
@lru_cache(maxsize=2048)
def _parse(registry: Registry, text: str) -> tuple[Command, tuple[tuple[str, str], ...]]:
    tokens = tokenize(text)
    if not tokens:
        raise UsageError(Rich.format("Type a command, for example `help`."))
    cmd, used = _match_path(registry, tokens)
    return cmd, tuple(_assign(cmd, text, tokens[used:]).items())


def _match_path(registry: Registry, tokens: list[Token]) -> tuple[Command, int]:
    words = [t.word for t in tokens]
    for size in range(min(registry.longest, len(words)), 0, -1):
        cmd = registry.get(tuple(words[:size]))
        if cmd is not None:
            return cmd, size
    first = words[0]
    children = registry.under((first,))
    if children:
        options = sorted({c.path[1] for c in children if len(c.path) > 1})
        typed = words[1][:30] if len(words) > 1 else ""
        near = difflib.get_close_matches(f"{first} {typed}".strip(), [c.name for c in children], n=1, cutoff=0.6)
        lead = f"'{first} {typed}' is not a command." if typed else f"'{first}' needs one more word."
        hint = f" Did you mean '{near[0]}'?" if near and typed else ""
        raise UsageError(f"{lead}{hint} Choose one of: {', '.join(options)}.", usage=f"{first} {'|'.join(options)}")
    shown = tokens[0].value if len(tokens[0].value) <= 30 else tokens[0].value[:29] + "…"
    attempt = " ".join(words[:2])
    near = difflib.get_close_matches(attempt, [c.name for c in registry], n=1, cutoff=0.6) or difflib.get_close_matches(
        first, registry.top_words(), n=1, cutoff=0.6
    )
    hint = f" Did you mean '{near[0]}'?" if near else ""
    raise UsageError(Rich.format("Unknown command '{shown}'.{hint} Type `help` for the list.", shown=shown, hint=hint))


def _assign(cmd: Command, text: str, tokens: list[Token]) -> dict[str, str]:
    keywords = {p.name: p for p in cmd.params if p.keyword}
    positionals = [p for p in cmd.params if not p.keyword]
    raw: dict[str, str] = {}

    def is_keyword(tok: Token) -> bool:
        return tok.word in keywords and tok.word not in raw

    def span(start: int) -> tuple[str, int]:
        """Free text from tokens[start] up to the next unused keyword."""
        end = start
        while end < len(tokens) and not (end > start and is_keyword(tokens[end])):
            end += 1
        if end == start + 1 and tokens[start].quoted:
            return tokens[start].value, end
        return text[tokens[start].start : tokens[end - 1].end].strip(), end

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if is_keyword(tok):
            param = keywords[tok.word]
            if i + 1 >= len(tokens) or (is_keyword(tokens[i + 1]) and tokens[i + 1].word != param.name):
                raise UsageError(f"'{param.name}' needs a value ({param.shape()}).", usage=cmd.usage())
            if param.greedy:
                raw[param.name], i = span(i + 1)
            else:
                raw[param.name] = tokens[i + 1].value
                i += 2
            continue
        pending = [p for p in positionals if p.name not in raw]
        if not pending:
            extra = tok.value if len(tok.value) <= 30 else tok.value[:29] + "…"
            raise UsageError(f"Unexpected '{extra}' after '{cmd.name}'.", usage=cmd.usage())
        param = pending[0]
        if param.greedy or param.kind == "choices":
            raw[param.name], i = span(i)
        else:
            raw[param.name] = tok.value
            i += 1
    return raw
