"""The README's command table names every declared command, so the docs cannot fall behind the code."""

from pathlib import Path

from bot.commands import build_registry

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    missing = [c.name for c in build_registry() if f"`{c.name}" not in README]
    assert missing == []


def test_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in quick.split("```sh")[1:]]
    commands = [b.split("```", 1)[0].strip() for b in blocks]
    assert len(commands) == 2
    assert commands[0].endswith("studybot console") and "pip install -e ." in commands[0]
    assert commands[1].endswith("pytest") and "'.[dev]'" in commands[1]
