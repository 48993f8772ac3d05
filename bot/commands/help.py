"""help [command]"""

from __future__ import annotations

import difflib

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.errors import NotFound
from bot.reply import Field, Reply


@command(
    "help", scope="anyone", private=True,
    help="Lists the commands, or explains one",
    params=[Param("command", "text", "A command, e.g. `problem solved`", max_length=60, metavar="COMMAND")],
    examples=("help", "help roadmap done"),
)
async def help_(ctx: Context, command: str | None = None) -> Reply:
    registry = ctx.registry
    if command:
        words = tuple(command.lower().split())
        found = registry.get(words)
        if found is not None:
            fields = [Field(p.usage(), p.help or p.kind, inline=False) for p in found.params]
            text = found.help + (f"\n{found.details}" if found.details else "")
            if found.admin:
                text += "\n(organisers only)"
            if found.examples:
                text += "\nExamples: " + "; ".join(f"`{e}`" for e in found.examples)
            return Reply(title=found.usage(), text=text, fields=fields)
        family = registry.under(words)
        if not family:
            near = difflib.get_close_matches(command.lower(), [c.name for c in registry], n=1, cutoff=0.5)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise NotFound(f"There is no command '{command}'.{hint} Type `help` for the list.")
        commands = family
    else:
        commands = list(registry)
    lines = []
    for cmd in commands:
        mark = " (admin)" if cmd.admin else ""
        lines.append(f"{cmd.usage()} — {cmd.help}{mark}")
    return Reply(title="studybot commands", text="\n".join(lines),
                 footer="Type `help COMMAND` for details, e.g. `help profile`.")
