"""`help` (issue 14, must-have 5): the commands in sections decided by path in bot/commands/help.py, led
by the three commands that fit whoever asks; `backticked` spans of the core's help strings as code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import SimulatedClock
from bot.commands import build_registry
from bot.commands.context import Context
from bot.commands.help import ORGANISERS, SECTIONS, code_spans, explain, help_, section_of, sections
from bot.content import load_pack
from bot.domain.model import Caller, Group, Member, Whoami
from bot.text import Rich, Styled

REGISTRY = build_registry()
ORDER = [name for name, _ in SECTIONS]


def _ctx(group: bool, member: bool) -> Context:
    g = Group(id=1, channel_id=1, name="#study") if group else None
    m = Member(id=1, group_id=1, user_id=1, name="ann") if member else None
    who = Whoami(caller=Caller("console", "ann", "study", "ann"), user_id=1, channel_id=1, group=g, member=m)
    # help reads nothing from storage: no store is needed to list the commands
    return Context(store=None, clock=SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC)), content=load_pack(),
                   registry=REGISTRY, who=who)


def test_every_command_has_a_section():
    missing = [c.name for c in REGISTRY if section_of(c) is None]
    assert missing == [], f"add these to SECTIONS in bot/commands/help.py: {missing}"


def test_sections_come_in_order_and_every_organiser_command_is_under_organisers():
    found = sections(REGISTRY)
    names = [name for name, _ in found]
    assert names == [n for n in ORDER if n in names] and names[0] == "Getting started"
    assert {c.name for _, cmds in found for c in cmds} == {c.name for c in REGISTRY}, "each command once"
    placed = {c.name: name for name, cmds in found for c in cmds}
    assert all(placed[c.name] == ORGANISERS for c in REGISTRY if c.admin)
    assert placed["join"] == "Getting started" and placed["problem solved"] == "Daily practice"
    assert placed["mock availability add"] == "Mock interviews" and placed["checkin pause"] == "Check-ins"
    assert placed["apply add"] == "Applications" and placed["group checkins"] == ORGANISERS
    daily = dict(found)["Daily practice"]
    assert [c.name for c in daily[:3]] == ["problem today", "problem solved", "problem hint"]


@pytest.mark.parametrize("group,member,first", [
    (False, False, ("join", "problem today", "roadmap")),
    (True, False, ("join", "problem today", "roadmap")),
    (True, True, ("problem today", "problem solved", "roadmap")),
])
async def test_the_first_screen_leads_with_three_commands_that_fit(group, member, first):
    reply = await help_.handler(_ctx(group, member))
    assert reply.title == "studybot commands"
    code = [p.text for p in reply.text.parts if isinstance(p, Styled) and p.style == "code"]
    assert tuple(code[:3]) == first
    assert [f.name for f in reply.fields][0] == "Getting started"
    assert any("(admin)" in f.name and "need organiser rights" in f.name for f in reply.fields)
    assert not group or "group setup" not in code[:3]


async def test_the_first_screen_is_one_line_a_section_of_command_names():
    reply = await help_.handler(_ctx(True, True))
    lines = reply.plain_text().splitlines()
    assert len(lines) <= 12, lines
    daily = next(f for f in reply.fields if f.name == "Daily practice").value
    names = [p.text for p in daily.parts if isinstance(p, Styled)]
    assert names[:3] == ["problem today", "problem solved", "problem hint"] and "roadmap done" in names
    mock = next(f for f in reply.fields if f.name == "Mock interviews").value.plain()
    assert mock.count("mock availability") == 1, "a family of three reads as one entry"
    assert {c.name for c in REGISTRY} <= {c.name for c in REGISTRY if any(
        c.name.startswith(w) for f in reply.fields for w in (p.text for p in f.value.parts if isinstance(p, Styled)))}


async def test_the_listing_fits_every_platform():
    reply = await help_.handler(_ctx(True, True), command="all")
    assert all(len(f.value) <= 1024 for f in reply.fields), "Discord's cap on a field"
    assert sum(len(f.name) + len(f.value) for f in reply.fields) + len(reply.text) < 5500, "Discord's embed"
    assert len(reply.fields) <= 25
    listing = reply.plain_text()
    assert "roadmap done MILESTONE — Tick a milestone" in listing
    assert "group setup … — " in listing, "a long usage is shortened on the first screen"
    assert "`" not in listing, "backticks of the help strings are code, not characters"


def test_backticks_in_help_strings_become_code():
    rich = code_spans("Leave (your history is kept; `forget-me` erases it)")
    assert rich == Rich(("Leave (your history is kept; ", Styled("forget-me", "code"), " erases it)"))
    assert code_spans("no code {here}") == Rich(("no code {here}",)), "braces are not template holes"


async def test_help_command_explains_one_as_before():
    reply = await help_.handler(_ctx(True, True), command="leave")
    assert reply == explain(REGISTRY.get(("leave",)))
    assert reply.title == "leave [confirm]"
    text = reply.text.plain()
    assert text.startswith("Leave this channel's study group (your history is kept; forget-me erases it)")
    assert Styled("forget-me", "code") in reply.text.parts
    setup = await help_.handler(_ctx(True, True), command="group setup")
    assert "(organisers only)" in setup.text.plain()
    assert Styled("group setup timezone Europe/Berlin post-time 08:30", "code") in setup.text.parts
    family = await help_.handler(_ctx(True, True), command="mock availability")
    assert all(f.name == "Mock interviews" for f in family.fields)
