"""docs/discord.md's generated parts: the bot's permissions with their integers, and the command table.

`python -m adapters.discord.docs` rewrites them in place from discord.Permissions and the registry;
`python -m adapters.discord.docs --check` only says whether the committed file is current (exit 1 when
not). tests/e2e/discord/test_discord_docs.py runs the same check, so the doc cannot fall behind.

Each generated part sits between two HTML comments (`<!-- generated: NAME ... -->` and
`<!-- end of generated: NAME -->`) that Markdown does not show.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import discord

from adapters.discord.commands import table
from bot.commands.registry import Registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "discord.md"
WRITER = "python -m adapters.discord.docs"


@dataclass(frozen=True)
class Permission:
    flag: str  # discord.Permissions' name for it
    label: str  # as Discord's settings show it
    why: str
    optional: bool = False


PERMISSIONS = (
    Permission("view_channel", "View Channels", "see the channel the group lives in"),
    Permission("send_messages", "Send Messages", "the daily problem, the digests, pairing notices"),
    Permission("send_messages_in_threads", "Send Messages in Threads", "the check-in answers, in the digest's thread"),
    Permission("create_public_threads", "Create Public Threads", "the daily check-in digest: a thread on its header"),
    Permission("embed_links", "Embed Links", "every reply and post is an embed"),
    Permission("attach_files", "Attach Files", "the weekly chart, CSV exports, calendar invites"),
    Permission("read_message_history", "Read Message History",
               "the posts the bot keeps up to date (the daily post's solve counter) and their threads"),
    Permission("manage_events", "Manage Events",
               "optional: mock sessions as server events (`group setup discord-events on`)", optional=True),
    Permission("manage_roles", "Manage Roles", "optional: stage and streak roles (`group roles on`)", optional=True),
)


def permissions(*, optional: bool) -> discord.Permissions:
    """The bot's permissions: those it needs, and with `optional` those its optional features need too."""
    return discord.Permissions(**{p.flag: True for p in PERMISSIONS if optional or not p.optional})


def invite_url(value: int) -> str:
    return ("https://discord.com/oauth2/authorize?client_id=APPLICATION_ID&scope=bot+applications.commands"
            f"&permissions={value}")


def permission_part() -> str:
    rows = ["| permission | why | bit |", "|---|---|---|"]
    for p in PERMISSIONS:
        rows.append(f"| {p.label} | {p.why} | {discord.Permissions(**{p.flag: True}).value} |")
    needed, everything = permissions(optional=False).value, permissions(optional=True).value
    return "\n".join([
        *rows, "",
        f"The permissions it needs: **{needed}**.",
        f"With the optional ones (Manage Events, Manage Roles): **{everything}**.", "",
        "The invite URL (with `APPLICATION_ID` from the General Information tab) is",
        "", "```", invite_url(needed), "```", "",
        "or, with the optional permissions,", "", "```", invite_url(everything), "```",
    ])


def parts(registry: Registry) -> dict[str, str]:
    return {"permissions": permission_part(), "commands": table(registry)}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated: {name} [^>]*-->\n)(.*?)(<!-- end of generated: {name} -->)", re.S)


def refresh(text: str, registry: Registry) -> str:
    """The document with every generated part made anew; a part whose markers are missing is an error."""
    for name, body in parts(registry).items():
        pattern = _block(name)
        if not pattern.search(text):
            raise ValueError(f"docs/discord.md has no generated part '{name}'")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(3), text, count=1)
    return text


def main(argv: list[str] | None = None) -> int:
    from bot.commands import build_registry

    parser = argparse.ArgumentParser(prog=WRITER, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/discord.md is current")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    fresh = refresh(text, build_registry())
    if args.check:
        if fresh != text:
            print(f"{args.doc} is out of date: run `{WRITER}`", file=sys.stderr)
            return 1
        return 0
    if fresh != text:
        args.doc.write_text(fresh, encoding="utf-8")
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
