"""Discord application commands, generated from the core registry at start-up.

The first word of a command path is the top-level slash command, further words are subcommand
groups and subcommands. Nothing here names a particular command: a command added to the registry
appears on Discord at the next start.

Discord forbids invoking a top-level command (or group) that has subcommands, so a path that is
both a command and a prefix of others (`roadmap` and `roadmap done`) gets a subcommand of its own:
`/roadmap show` when it takes no options, `/X run` otherwise (see BARE_NAMES for nicer words).
Discord allows three levels (`/a b c`); deeper paths join their tail with dashes (`/a b c-d`).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Optional

import discord
from discord import app_commands

from bot.commands.registry import Command, Param, Registry
from bot.domain.timeutil import DAY_NAMES, WEEKDAYS

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 100
CHOICES_MAX = 25
AUTOCOMPLETE_KINDS = ("timezone", "problem", "milestone")  # a member is a user option: Discord picks
# Several of a fixed set in one option ("coding,ml-design", "mon,wed,fri"): Discord has no multiple
# choice for a slash option, so its autocomplete offers the list so far with each value still left.
LIST_KINDS = ("choices", "weekdays")
# A weekday is a choice shown by its name ("Monday") that sends the core's word ("mon").
DAY_CHOICES = [app_commands.Choice(name=DAY_NAMES[day], value=day) for day in WEEKDAYS]
# The subcommand a bare command gets when it also heads a group. A word here only makes the name
# read better; a command missing from it still gets "show" or "run".
BARE_NAMES = {"checkin": "answer", "mock availability": "show", "roadmap": "show"}

Invoke = Callable[[discord.Interaction, Command, dict[str, str]], Awaitable[None]]
Complete = Callable[[discord.Interaction, str, str], Awaitable[list[str]]]


@dataclass(frozen=True)
class Route:
    """Where one core command lives on Discord."""

    command: Command
    words: tuple[str, ...]  # the Discord path, e.g. ("roadmap", "show")

    @property
    def slash(self) -> str:
        return "/" + " ".join(self.words)


def routes(registry: Registry) -> list[Route]:
    paths = set(registry.paths())
    heads = {p[:i] for p in paths for i in range(1, len(p))}
    out = []
    for cmd in registry:
        words = cmd.path
        if words in heads:
            bare = BARE_NAMES.get(cmd.name) or ("run" if cmd.params else "show")
            words = (*words, bare)
        if len(words) > 3:
            words = (*words[:2], "-".join(words[2:]))
        out.append(Route(cmd, words))
    return out


def slash_names(registry: Registry) -> list[str]:
    return sorted(r.slash for r in routes(registry))


def _describe(text: str, fallback: str) -> str:
    text = " ".join((text or fallback).split())
    if len(text) > DESCRIPTION_MAX:
        text = text[: DESCRIPTION_MAX - 1] + "…"
    return text or "…"


def _annotation(param: Param, optional: bool) -> Any:
    if param.kind == "member":
        # Discord's USER option: the person is picked by identity, never by a display name two may share.
        ann: Any = discord.User
    elif param.kind == "int":
        ann = int
        if param.minimum is not None or param.maximum is not None:
            ann = app_commands.Range[int, param.minimum, param.maximum]
    elif param.kind == "choice" and 0 < len(param.choices) <= CHOICES_MAX:
        ann = Literal[tuple(param.choices)]  # type: ignore[valid-type]
    elif param.kind == "weekday":
        ann = str  # its choices come from app_commands.choices (DAY_CHOICES)
    elif param.max_length and param.max_length <= 6000:
        ann = app_commands.Range[str, 1, param.max_length]
    else:
        ann = str
    return Optional[ann] if optional else ann  # noqa: UP045 - discord.py reads typing.Optional


def _completes(param: Param) -> bool:
    return (param.kind in AUTOCOMPLETE_KINDS or param.kind in LIST_KINDS
            or (param.kind == "choice" and len(param.choices) > CHOICES_MAX))


def _list_values(param: Param) -> tuple[str, ...]:
    return WEEKDAYS if param.kind == "weekdays" else param.choices


def list_suggestions(param: Param, current: str) -> list[str]:
    """For a list option: what was typed so far, completed with each value not yet in it."""
    values = _list_values(param)
    words = [w for w in re.split(r"[,\s]+", current.lower()) if w]
    partial = "" if not words or re.search(r"[,\s]$", current) else words.pop()
    chosen = [w for w in words if w in values]
    head = ",".join(chosen)
    out = [head] if head and not partial else []
    for value in values:
        if value not in chosen and value.startswith(partial):
            out.append(f"{head},{value}" if head else value)
    return out


def _raw(value: Any) -> str:
    if isinstance(value, discord.abc.User | discord.Object):
        # A picked user (or only its id, when Discord sent no resolved data) as the core's neutral
        # mention form: the core maps the Discord id to ours (bot/commands/members.py).
        return f"<@{value.id}>"
    return str(value)


def build_command(route: Route, invoke: Invoke, complete: Complete) -> app_commands.Command:
    cmd = route.command

    async def callback(interaction: discord.Interaction, **kwargs: Any) -> None:
        by_key = {p.key: p for p in cmd.params}
        raw = {by_key[k].name: _raw(v) for k, v in kwargs.items() if v is not None and k in by_key}
        await invoke(interaction, cmd, raw)

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    descriptions, renames, completers, choices = {}, {}, {}, {}
    for p in cmd.params:
        # A parameter a form can ask for stays optional here, so the modal can collect it.
        optional = not p.required or (cmd.form_title is not None and p.form)
        parameters.append(inspect.Parameter(p.key, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=_annotation(p, optional),
                                            default=None if optional else inspect.Parameter.empty))
        descriptions[p.key] = _describe(p.help, p.shape())
        if p.key != p.name:
            renames[p.key] = p.name
        if _completes(p):
            completers[p.key] = _completer(p, complete)
        elif p.kind == "weekday":
            choices[p.key] = DAY_CHOICES
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    # discord.py's own decorators, applied by hand: the parameters exist only at run time.
    decorated = app_commands.describe(**descriptions)(callback)
    if renames:
        decorated = app_commands.rename(**renames)(decorated)
    if completers:
        decorated = app_commands.autocomplete(**completers)(decorated)
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    command = app_commands.Command(name=route.words[-1], description=_describe(cmd.help, cmd.name),
                                   callback=decorated, extras={"path": cmd.path})
    if cmd.admin and len(route.words) == 1:
        command.default_permissions = discord.Permissions(manage_guild=True)
        command.guild_only = True
    return command


def _completer(param: Param, complete: Complete):
    async def autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if param.kind == "choice":
            low = current.lower()
            values = [c for c in param.choices if low in c.lower()]
        elif param.kind in LIST_KINDS:
            values = list_suggestions(param, current)
        else:
            values = await complete(interaction, param.kind, current)
        return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values[:CHOICES_MAX]]

    return autocomplete


def build_commands(registry: Registry, invoke: Invoke, complete: Complete) -> list:
    """Top-level commands and groups, ready for tree.add_command."""
    all_routes = routes(registry)
    top: dict[str, Any] = {}
    groups: dict[tuple[str, ...], app_commands.Group] = {}

    def admin_only(prefix: tuple[str, ...]) -> bool:
        under = [r.command for r in all_routes if r.words[: len(prefix)] == prefix]
        return bool(under) and all(c.admin for c in under)

    def group_for(prefix: tuple[str, ...]) -> app_commands.Group:
        if prefix in groups:
            return groups[prefix]
        parent = group_for(prefix[:-1]) if len(prefix) > 1 else None
        extra: dict[str, Any] = {}
        if parent is None and admin_only(prefix):
            # Hidden from members by default; the core checks again at run time.
            extra = {"default_permissions": discord.Permissions(manage_guild=True), "guild_only": True}
        group = app_commands.Group(name=prefix[-1], parent=parent,
                                   description=_describe(f"{' '.join(prefix)} commands", ""), **extra)
        groups[prefix] = group
        if parent is None:
            top[prefix[0]] = group
        return group

    for route in all_routes:
        command = build_command(route, invoke, complete)
        if len(route.words) == 1:
            top[route.words[0]] = command
        else:
            group_for(route.words[:-1]).add_command(command)
    for prefix, group in groups.items():
        # Discord shows this under the command name; listing the subcommands is the useful hint.
        group.description = _describe(f"{' '.join(prefix)}: " + " · ".join(c.name for c in group.commands), "")
    return [top[name] for name in sorted(top)]


class StudyTree(app_commands.CommandTree):
    """The bot's commands, for servers that install it (not for a person's own account: a study group
    lives in a server's channel). A failure inside discord.py's own option handling still gets a
    one-line reply."""

    def __init__(self, client: discord.Client) -> None:
        super().__init__(client, allowed_installs=app_commands.AppInstallationType(guild=True, user=False))

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.TransformerError):
            message = f"'{error.value}' is not a valid value here."
        elif isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            message = "This command changed since Discord last synced; please try again in a minute."
        else:
            log.error("application command failed", exc_info=error)
            message = "Something went wrong on our side; nothing was changed. Please try again."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not report an error to the user")


def populate(tree: app_commands.CommandTree, registry: Registry, invoke: Invoke, complete: Complete) -> None:
    for command in build_commands(registry, invoke, complete):
        tree.add_command(command)


def option_text(param: Param) -> str:
    """One option as the command table shows it: its name and what Discord offers for it."""
    if param.kind == "member":
        shape = "a user"
    elif param.kind == "choice" and 0 < len(param.choices) <= CHOICES_MAX:
        shape = " / ".join(param.choices)
    elif param.kind == "weekday":
        shape = "a weekday"
    elif param.kind in LIST_KINDS:
        shape = "a list of " + " / ".join(_list_values(param))
    elif _completes(param):
        shape = "autocomplete"
    elif param.kind in ("hhmm", "timerange", "duration"):
        shape = param.shape()
    elif param.kind == "int":
        bounded = param.minimum is not None and param.maximum is not None and param.maximum <= 10_000
        shape = "a number" + (f" {param.minimum}-{param.maximum}" if bounded else "")
    else:
        shape = ""
    body = f"{param.name}: {shape}" if shape else param.name
    return body if param.required else f"[{body}]"


def table(registry: Registry) -> str:
    """The generated commands as a Markdown table (docs/discord.md is refreshed from this by
    `python -m adapters.discord.docs`)."""
    lines = ["| slash command | core command | options | who | reply seen by |", "|---|---|---|---|---|"]
    for route in sorted(routes(registry), key=lambda r: r.slash):
        cmd = route.command
        options = " ".join(option_text(p) for p in cmd.params)
        who = "organisers" if cmd.admin else {"anyone": "anyone", "group": "anyone in the channel"}.get(
            cmd.scope, "members")
        seen = "only you" if cmd.private else "the channel"
        lines.append(f"| `{route.slash}` | `{cmd.name}` | {options} | {who} | {seen} |")
    return "\n".join(lines)

