"""Rights are checked at each command (issue 12, must-have 3): the platform's word at that moment, or an
explicit grant with `group organisers add`; `group setup` grants nothing that outlives them."""

from __future__ import annotations

import sqlite3

from bot.domain.model import Caller
from bot.storage.db import bundled_migrations, open_database
from bot.text import plain
from tests.conftest import running_bot


def discord(name: str, admin: bool = False) -> Caller:
    return Caller(platform="discord", user=f"id-{name}", channel="c-study", name=name, space="guild",
                  platform_admin=admin)


async def test_a_demoted_admin_who_set_the_group_up_is_refused(bot):
    """Before: the setter got an `organisers` row at setup and kept every right after losing Manage
    Server, for ever. Now rights follow the platform's word at each command."""
    app = bot.app
    assert not (await app.handle_text(discord("dana", admin=True), "group setup timezone Europe/Oslo")).error
    assert not (await app.handle_text(discord("dana", admin=True), "join")).error
    assert "paused" in plain((await app.handle_text(discord("dana", admin=True), "group pause")).text)
    # dana loses Manage Server
    for text in ("group resume", "group stats", "group setup pace 3", "group organisers add dana"):
        reply = await app.handle_text(discord("dana"), text)
        assert reply.error and "for organisers" in reply.text, (text, reply.text)
    assert await app.db.scalar("SELECT COUNT(*) FROM organisers") == 0
    assert await app.db.scalar("SELECT paused FROM groups") == 1  # the refused resume changed nothing


async def test_organisers_are_granted_listed_and_removed(group):
    bot = group
    assert "for organisers" in await bot.say("@alice group pause")
    assert "Nobody holds an organiser grant" in await bot.say("group organisers list")
    assert "alice is now an organiser of #study" in await bot.say("group organisers add alice")
    assert "already an organiser" in await bot.say("group organisers add alice")
    assert "paused" in await bot.say("@alice group pause")
    # a granted organiser may grant in turn
    assert "bob is now an organiser" in await bot.say("@alice group organisers add bob")
    listed = await bot.say("group organisers list")
    assert "alice, since" in listed and "bob, since" in listed
    assert "alice is no longer an organiser" in await bot.say("@bob group organisers remove alice")
    # demoted: refused at once, and the refusal changes nothing
    out = await bot.say("@alice group resume")
    assert "'group resume' is for organisers of this group." in out
    assert await bot.app.db.scalar("SELECT paused FROM groups") == 1
    assert "has no organiser grant" in await bot.say("group organisers remove alice")
    assert "alice" not in (await bot.say("group organisers list")).split("Organisers of")[1].split("Organisers are")[0]


async def test_organiser_commands_take_bad_input_with_one_line_and_the_usage(group):
    bot = group
    out = await bot.say("group organisers add nobody-here")
    assert "No member called 'nobody-here'" in out
    out = await bot.say("group organisers add")
    assert "needs MEMBER" in out and "usage: group organisers add MEMBER" in out
    out = await bot.say("group organisers frobnicate alice")
    assert "'group organisers' is not a command. Did you mean 'group organisers add'?" in out
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM organisers") == 0
    # only members of the group can be granted (a member who left is no longer one)
    await bot.say("@bob leave")
    assert "No member called 'bob'" in await bot.say("group organisers add bob")


async def test_in_the_console_only_its_own_user_administers_and_setup_grants_nothing(bot):
    await bot.say(":channel second")
    assert "is set up" in await bot.say("@olga group setup")  # an unbound channel: anyone may set it up
    await bot.say("@olga join")
    assert "for organisers" in await bot.say("@olga group pause")  # ...and it grants nothing
    assert "paused" in await bot.say("group pause")  # the console's own user (`me`) administers it
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM organisers") == 0


async def test_the_last_organiser_is_warned_before_leave(group):
    bot = group
    await bot.say("group organisers add alice")
    out = await bot.say("@alice leave")
    assert "last member with an organiser grant" in out and "[Leave anyway: leave confirm]" in out
    db = bot.app.db
    assert await db.scalar("SELECT active FROM members WHERE name='alice'") == 1  # nothing changed yet
    assert await db.scalar("SELECT COUNT(*) FROM organisers") == 1
    assert "alice left #study" in await bot.say("@alice leave confirm")
    assert await db.scalar("SELECT COUNT(*) FROM organisers") == 0  # the grant ended with the membership
    assert "Welcome back" in await bot.say("@alice join")
    assert "for organisers" in await bot.say("@alice group pause")
    # with another grant left, nobody is the last: leave goes through at once
    await bot.say("group organisers add alice")
    await bot.say("group organisers add bob")
    assert "alice left #study" in await bot.say("@alice leave")
    assert "confirm must be one of confirm" in await bot.say("@bob leave now")


async def test_the_last_organiser_is_warned_before_forget_me(group):
    bot = group
    await bot.say("group organisers add alice")
    out = await bot.say("@alice forget-me")
    assert "last member with an organiser grant" in out and "forget-me confirm" in out
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM members WHERE name='alice'") == 1
    assert "deleted" in await bot.say("@alice forget-me confirm")
    assert await bot.app.db.scalar("SELECT COUNT(*) FROM organisers") == 0


async def test_upgrading_drops_the_grants_setup_used_to_write(tmp_path):
    path = str(tmp_path / "old.db")
    async with open_database(path, migrate=False) as db:
        await db.migrate([m for m in bundled_migrations() if m.version <= 9])
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO channels (id, name) VALUES (1, 'study');
        INSERT INTO links VALUES ('discord', 'channel', 'c-study', 1), ('discord', 'user', 'id-dana', 1);
        INSERT INTO users (id, name, created_at) VALUES (1, 'dana', '2026-03-01T00:00:00.000000+00:00');
        INSERT INTO groups (id, channel_id, name, timezone, created_at, created_by) VALUES
            (1, 1, '#study', 'UTC', '2026-03-01T00:00:00.000000+00:00', 1);
        INSERT INTO organisers (group_id, user_id) VALUES (1, 1);
    """)
    con.commit()
    con.close()
    async with running_bot(path) as bot:
        assert await bot.app.db.scalar("SELECT COUNT(*) FROM organisers") == 0
        reply = await bot.app.handle_text(discord("dana"), "group pause")
        assert reply.error and "for organisers" in reply.text
