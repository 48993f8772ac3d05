"""help [command]

`help` is a first screen in sections (the section of each command is decided here, by its path, in
SECTIONS), one line of command names each, led by the three commands that fit the person asking;
`help all` adds what each does, `help mock` lists a family, `help COMMAND` explains one command.
The help strings are core literals, never member text: a `backticked` span in them is shown as code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from bot.commands.context import Context
from bot.commands.registry import Command, Param, command
from bot.errors import NotFound
from bot.reply import Field, Reply
from bot.text import Content, Rich, Styled, join

GETTING_STARTED = "Getting started"
DAILY = "Daily practice"
MOCK = "Mock interviews"
CHECKINS = "Check-ins"
APPLICATIONS = "Applications"
ORGANISERS = "Organisers"

# The one table of sections: each entry is a command path or the first words of some (the longest
# entry that a command's path starts with decides its section); within a section, commands come in
# the order of their entries, then by path. A command that no entry covers fails tests/unit/test_help.py.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GETTING_STARTED, ("join", "profile", "me", "help", "leave", "forget-me")),
    (DAILY, ("problem today", "problem solved", "problem hint", "problem", "design", "roadmap", "leaderboard",
             "streak", "link", "unlink")),
    (MOCK, ("mock join", "mock availability", "mock prefs", "mock status", "mock")),
    (CHECKINS, ("checkin",)),
    (APPLICATIONS, ("apply",)),
    (ORGANISERS, ("group setup", "group members", "group stats", "group export", "group")),
)
ORGANISERS_TITLE = "Organisers (admin) — these need organiser rights"
OTHER = "Other"
# A field of the listing stays under Discord's 1024 characters; a longer section goes on in another.
FIELD_BUDGET = 1000
# On the first screen a long usage is shortened to the command's words ("group setup …"); `help
# COMMAND` shows it whole.
BRIEF_USAGE = 44

_CODE = re.compile(r"`([^`\n]+)`")


def code_spans(text: str) -> Rich:
    """A core help string with each `backticked` span as code (never used on member text)."""
    parts: list = []
    pos = 0
    for m in _CODE.finditer(text):
        parts.append(text[pos:m.start()])
        parts.append(Styled(m.group(1), "code"))
        pos = m.end()
    parts.append(text[pos:])
    return Rich.of(*parts)


def _entries() -> list[tuple[tuple[str, ...], str, int]]:
    out = []
    for section, paths in SECTIONS:
        for i, path in enumerate(paths):
            out.append((tuple(path.split()), section, i))
    return out


def section_of(cmd: Command) -> tuple[str, int] | None:
    """(section, order within it) for a command, or None when SECTIONS covers it nowhere."""
    best = None
    for words, section, order in _entries():
        if cmd.path[: len(words)] == words and (best is None or len(words) > len(best[0])):
            best = (words, section, order)
    return None if best is None else (best[1], best[2])


def _brief_usage(cmd: Command) -> str:
    usage = cmd.usage()
    return usage if len(usage) <= BRIEF_USAGE else f"{cmd.name} …"


def _line(cmd: Command) -> Rich:
    return Rich.of(Styled(_brief_usage(cmd), "code"), " — ", code_spans(cmd.help))


def sections(commands: Iterable[Command]) -> list[tuple[str, list[Command]]]:
    """The commands in their sections, in the order of SECTIONS (then any not covered, as Other)."""
    order = [name for name, _ in SECTIONS] + [OTHER]
    found: dict[str, list[tuple[int, tuple[str, ...], Command]]] = {}
    for cmd in commands:
        placed = section_of(cmd)
        name, rank = placed if placed is not None else (OTHER, 0)
        found.setdefault(name, []).append((rank, cmd.path, cmd))
    return [(name, [c for _, _, c in sorted(found[name], key=lambda t: (t[0], t[1]))]) for name in order
            if name in found]


def _fields(groups: list[tuple[str, list[Command]]]) -> list[Field]:
    fields = []
    for name, cmds in groups:
        title = ORGANISERS_TITLE if name == ORGANISERS else name
        lines: list[Rich] = []
        size = 0
        part = 0
        for cmd in cmds:
            line = _line(cmd)
            if lines and size + len(line) + 1 > FIELD_BUDGET:
                fields.append(Field(title if part == 0 else f"{title} (more)", join("\n", lines), inline=False))
                lines, size, part = [], 0, part + 1
            lines.append(line)
            size += len(line) + 1
        if lines:
            fields.append(Field(title if part == 0 else f"{title} (more)", join("\n", lines), inline=False))
    return fields


def _names(groups: list[tuple[str, list[Command]]]) -> list[Field]:
    """The first screen: each section as one line of command words, so it reads at a glance."""
    fields = []
    for name, cmds in groups:
        words: list[str] = []
        for cmd in cmds:
            # "mock availability add/clear/remove" read as one entry: the family's name
            family = " ".join(cmd.path[:2]) if len(cmd.path) > 2 else cmd.name
            if family not in words:
                words.append(family)
        title = ORGANISERS_TITLE if name == ORGANISERS else name
        fields.append(Field(title, join(" · ", (Styled(w, "code") for w in words)), inline=False))
    return fields


def first_steps(ctx: Context) -> Rich:
    """The three commands to start with, for whoever asks: no group here, a group not joined, a member."""
    who = ctx.who
    if who.member is not None and who.member.active:
        steps, lead = ("problem today", "problem solved", "roadmap"), "Your next steps"
    elif who.group is not None:
        steps, lead = ("join", "problem today", "roadmap"), "Start with"
    else:
        return Rich.format("Start in a study group's channel with `join`, then `problem today` and `roadmap`. "
                           "No group there yet? An organiser starts one with `group setup`.")
    return Rich.format("{lead}: {a} · {b} · {c}", lead=lead, a=Styled(steps[0], "code"), b=Styled(steps[1], "code"),
                       c=Styled(steps[2], "code"))


def explain(cmd: Command) -> Reply:
    """`help COMMAND`: the usage, the help, the details, whether it needs rights, examples, the parameters."""
    fields = [Field(p.usage(), code_spans(p.help) if p.help else p.kind, inline=False) for p in cmd.params]
    parts: list[Content] = [code_spans(cmd.help)]
    if cmd.details:
        parts.append(code_spans(cmd.details))
    if cmd.admin:
        parts.append("(organisers only)")
    if cmd.examples:
        parts.append(Rich.of("Examples: ", join("; ", (Styled(e, "code") for e in cmd.examples))))
    return Reply(title=cmd.usage(), text=join("\n", parts), fields=fields)


@command(
    "help", scope="anyone", private=True,
    help="Lists the commands, or explains one",
    params=[Param("command", "text", "A command, e.g. `problem solved`; `all` lists every command with what it "
                  "does; `mock` every mock command", max_length=60, metavar="COMMAND")],
    examples=("help", "help all", "help mock", "help roadmap done"),
)
async def help_(ctx: Context, command: str | None = None) -> Reply:
    registry = ctx.registry
    if command and command.strip().lower() == "all":
        return Reply(title="studybot commands, all", text=first_steps(ctx), fields=_fields(sections(registry)),
                     footer=Rich.format("Type `help COMMAND` for details, e.g. `help problem solved`."))
    if command:
        words = tuple(command.lower().split())
        found = registry.get(words)
        if found is not None:
            return explain(found)
        family = registry.under(words)
        if not family:
            near = difflib.get_close_matches(command.lower(), [c.name for c in registry], n=1, cutoff=0.5)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise NotFound(Rich.format("There is no command '{command}'.{hint} Type `help` for the list.",
                                       command=command, hint=hint))
        return Reply(title=f"studybot commands: {' '.join(words)}", fields=_fields(sections(family)),
                     footer=Rich.format("Type `help COMMAND` for details, e.g. `help profile`."))
    return Reply(title="studybot commands", text=first_steps(ctx), fields=_names(sections(registry)),
                 footer=Rich.format("`help all` says what each command does; `help COMMAND` explains one, "
                                    "e.g. `help problem solved`; `help mock` lists the mock commands."))
