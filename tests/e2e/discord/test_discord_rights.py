"""Organiser rights on Discord, through the real discord.py client and the fake Discord (issue 12).

Discord itself gates `/group`: the command is synced with default_member_permissions (Manage Server),
so it reaches the bot only from members who have that permission or whom the server's Integrations
settings allow. A delivered `/group` interaction is therefore the server's word. A button carries no
such proof: a click runs its command with the clicker's own rights, checked again."""

from __future__ import annotations

import copy

from discord_fake import UserOption
from discord_harness import ADA, BOB, is_ephemeral, start_group, text_of


async def _message_with_button(fake, command: str, user: int, name: str) -> dict:
    """A message the bot posted, with one of its buttons running `command` (no core reply offers an
    organiser command as a button today; a notice could, and a forged click must fare no better)."""
    shown = await fake.slash("roadmap show", user=user, name=name)
    message = copy.deepcopy(shown["response"]["resource"]["message"])
    message["components"][0]["components"][0]["custom_id"] = "sb:" + command
    return message


async def test_setting_up_grants_nothing_and_buttons_re_check(dbot):
    """Before: ada ran `/group setup` with Manage Server and stayed an organiser for ever. Now a button
    for an organiser command, clicked after she lost Manage Server, is refused."""
    fake = dbot.fake
    await start_group(fake)  # ada, with Manage Server, sets the group up
    assert await dbot.app.db.scalar("SELECT COUNT(*) FROM organisers") == 0
    message = await _message_with_button(fake, "group pause", ADA, "ada")
    clicked = await fake.click(message, "sb:group pause", user=ADA, name="ada", admin=False)
    assert is_ephemeral(clicked) and "'group pause' is for organisers of this group." in text_of(clicked)
    assert await dbot.app.db.scalar("SELECT paused FROM groups") == 0
    clicked = await fake.click(message, "sb:group pause", user=ADA, name="ada", admin=True)
    assert "paused" in text_of(clicked) and not is_ephemeral(clicked)


async def test_a_group_command_discord_delivered_counts_as_the_servers_word(dbot):
    fake = dbot.fake
    await start_group(fake)
    # bob has no Manage Server, but the server's Integrations settings let him run /group
    body = await fake.slash("group pause", user=BOB, name="bob", admin=False)
    assert "paused" in text_of(body) and not is_ephemeral(body)
    # ...which lets him run /group commands and nothing more: a member's command is still a member's
    body = await fake.slash("group organisers list", user=BOB, name="bob", admin=False)
    assert "Nobody holds an organiser grant" in text_of(body)
    # an explicit grant works from a button too, and ends with `group organisers remove`
    body = await fake.slash("group organisers add", {"member": UserOption(BOB, "bob")}, user=ADA, name="ada", admin=True)
    assert "bob is now an organiser" in text_of(body).lower(), text_of(body)
    message = await _message_with_button(fake, "group resume", BOB, "bob")
    assert "running again" in text_of(await fake.click(message, "sb:group resume", user=BOB, name="bob"))
    await fake.slash("group organisers remove", {"member": UserOption(BOB, "bob")}, user=ADA, name="ada", admin=True)
    refused = await fake.click(message, "sb:group resume", user=BOB, name="bob")
    assert "for organisers" in text_of(refused)
