"""Commands written in the bot's DM (Slack's messages tab, issue 14 §7): a member of one group means
that group; a member of several is asked to use the group's channel; nobody's group is guessed."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.model import Caller
from bot.text import plain


def slack(name: str, channel: str = "C-study", admin: bool = False) -> Caller:
    return Caller(platform="slack", user=f"U-{name}", channel=channel, name=name, space="T1", platform_admin=admin)


def dm(name: str) -> Caller:
    return replace(slack(name, channel=f"D-{name}"), is_dm=True)


async def test_a_member_of_one_group_runs_member_commands_in_the_dm(bot):
    app = bot.app
    assert not (await app.handle_text(slack("ada", admin=True), "group setup timezone Europe/Berlin")).error
    assert not (await app.handle_text(slack("bob"), "join")).error
    for text, shown in (("me", "bob"), ("problem today", "problem"), ("mock status", "Mock interviews")):
        reply = await app.handle_text(dm("bob"), text)
        assert not reply.error, (text, plain(reply.text))
        assert shown.lower() in reply.plain_text().lower(), (text, reply.plain_text())
    # organiser commands stay in the channel, and someone in no group is told where to go
    refused = await app.handle_text(dm("ada"), "group stats")
    assert refused.error
    alone = await app.handle_text(dm("cy"), "me")
    assert alone.error and "direct message" in plain(alone.text)


async def test_a_member_of_several_groups_is_asked_to_use_the_groups_channel(bot):
    app = bot.app
    for channel in ("C-one", "C-two"):
        assert not (await app.handle_text(slack("ada", channel, admin=True), "group setup")).error
        assert not (await app.handle_text(slack("bob", channel), "join")).error
    reply = await app.handle_text(dm("bob"), "me")
    assert reply.error and "several study groups" in plain(reply.text)
