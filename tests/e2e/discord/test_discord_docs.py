"""docs/discord.md: its command table and permissions are what the code generates, and its setup steps
cover what issue 14 found missing."""

from __future__ import annotations

import discord
import pytest

from adapters.discord import docs
from adapters.discord.commands import routes
from bot.commands import build_registry

TEXT = docs.DOC.read_text(encoding="utf-8")


def row(slash: str) -> list[str]:
    line = next(line for line in TEXT.splitlines() if line.startswith(f"| `{slash}` |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_committed_doc_is_what_the_registry_and_the_permissions_generate():
    assert docs.refresh(TEXT, build_registry()) == TEXT, "docs/discord.md is out of date: run " + docs.WRITER
    assert docs.main(["--check"]) == 0


def test_every_command_is_in_the_table_once():
    for route in routes(build_registry()):
        assert TEXT.count(f"| `{route.slash}` |") == 1, route.slash


def test_personal_actions_are_listed_as_private():
    for slash in ("/checkin answer", "/roadmap undo", "/mock skip", "/leave", "/problem solved"):
        assert row(slash)[-1] == "only you", slash


def test_the_permission_integers_are_recomputed_from_the_permissions_named():
    needed = discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                                 create_public_threads=True, embed_links=True, attach_files=True,
                                 read_message_history=True)
    everything = discord.Permissions(needed.value)
    everything.update(manage_events=True, manage_roles=True)
    assert (needed.value, everything.value) == (309237763072, 318096133120)
    assert f"needs: **{needed.value}**" in TEXT and f"**{everything.value}**" in TEXT
    assert f"permissions={needed.value}\n" in TEXT and f"permissions={everything.value}\n" in TEXT
    for name in ("View Channels", "Send Messages in Threads", "Create Public Threads", "Read Message History",
                 "Manage Events", "Manage Roles"):
        assert f"| {name} |" in TEXT


def test_setup_covers_public_bot_and_the_install_contexts():
    setup = TEXT.split("## 1. Create the application", 1)[1].split("\n## ", 1)[0]
    assert "**Public Bot** off" in setup
    assert "**Guild Install** only" in setup and "untick **User Install**" in setup
    assert "Manage Roles" in TEXT.split("### Optional: stage and streak roles", 1)[1].split("###", 1)[0]


def test_a_doc_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="commands"):
        docs.refresh(TEXT.replace("<!-- end of generated: commands -->", ""), build_registry())
