"""Isolation and privacy: two servers and two groups in one database never see each other; organiser
commands stay with organisers; `forget-me` leaves no row behind; secrets never reach a log line."""

import io
import logging
from datetime import timedelta

from bot.config import Settings
from bot.domain.model import Caller
from bot.logs import configure_logging
from bot.text import plain


def member(space: str, channel: str, name: str, admin: bool = False) -> Caller:
    return Caller(platform="discord", user=f"{space}-{name}", channel=channel, name=name, space=space,
                  platform_admin=admin)


async def test_two_servers_never_see_each_other(bot):
    app = bot.app
    north = [member("north", "n-study", n) for n in ("nadia", "nils")]
    south = [member("south", "s-study", n) for n in ("sven", "sara")]
    await app.handle_text(member("north", "n-study", "nadia", admin=True), "group setup timezone Europe/Oslo")
    await app.handle_text(member("south", "s-study", "sven", admin=True), "group setup timezone Asia/Tokyo")
    for c in north + south:
        assert not (await app.handle_text(c, "join")).error
        await app.handle_text(c, "problem solved two-sum minutes 10 felt ok")
        await app.handle_text(c, "problem solved valid-anagram")
    await app.advance(timedelta(days=8))

    for mine, theirs in ((north, south), (south, north)):
        their_names = {c.name for c in theirs}
        for c in mine:
            for text in ("leaderboard all", "leaderboard week", "me", "streak", "roadmap", "problem today", "help"):
                shown = (await app.handle_text(c, text)).plain_text()
                assert not any(name in shown for name in their_names), (c.name, text, shown)
        # a member of one server naming the other's channel gets nothing of it
        stranger = Caller("discord", mine[0].user, theirs[0].channel, mine[0].name, space=mine[0].space)
        assert "not in this study group" in plain((await app.handle_text(stranger, "me")).text)

    rows = await app.db.all(
        "SELECT o.payload, g.timezone FROM outbox o JOIN groups g ON g.id = o.group_id WHERE o.channel_id IS NOT NULL")
    assert rows
    for payload, tz in rows:
        others = {c.name for c in (south if tz == "Europe/Oslo" else north)}
        assert not any(name in payload for name in others)


async def test_organiser_commands_are_refused_to_members(group):
    for text in ("group pause", "group resume", "group stats", "group setup pace 3"):
        reply = await group.app.handle_text(Caller("console", "alice", "study", "alice"), text)
        assert reply.error and "for organisers" in reply.text


async def test_forget_me_leaves_no_row_of_that_member_anywhere(group):
    bot = group
    await bot.script("""
@alice profile timezone America/New_York target faang
@alice problem solved two-sum felt hard
@alice roadmap done python-fluency
""")
    await bot.app.advance(timedelta(days=3))
    db = bot.app.db
    member_id = await db.scalar("SELECT id FROM members WHERE name='alice'")
    user_id = await db.scalar("SELECT user_id FROM members WHERE name='alice'")
    assert "deleted" in await bot.say("@alice forget-me confirm")
    tables = [r[0] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        columns = [r[1] for r in await db.all(f'PRAGMA table_info("{table}")')]
        for column in columns:
            if column in ("member_id", "partner_id", "reporter_id"):
                assert not await db.scalar(f'SELECT 1 FROM "{table}" WHERE "{column}"=?', (member_id,)), (table, column)
            if column in ("user_id",):
                assert not await db.scalar(f'SELECT 1 FROM "{table}" WHERE "{column}"=?', (user_id,)), (table, column)
        text_columns = [c for c in columns if c not in ("id",)]
        for column in text_columns:
            hit = await db.scalar(f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ?', ("%alice%",))
            assert not hit, f"'alice' still in {table}.{column}"


def test_secrets_never_reach_a_log_line():
    token, secret = "MTIzNDU2Nzg5.fake.discord-token", "0123456789abcdef-signing"
    stream = io.StringIO()
    configure_logging(Settings(discord_token=token, slack_signing_secret=secret, log_level="DEBUG"))
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    logging.getLogger("discord.http").debug("connecting with %s", token)
    logging.getLogger("slack_bolt").warning(f"bad signature for secret {secret}")
    try:
        raise RuntimeError(f"login failed for {token}")
    except RuntimeError:
        logging.getLogger("bot").exception("boom")
    out = stream.getvalue()
    assert "connecting with" in out and "[redacted]" in out
    assert token not in out and secret not in out
    assert token not in repr(Settings(discord_token=token))  # secrets are kept out of the repr too
