"""Issue 12 through the console adapter, in-process: the rate limit (5), the caps on applications and
offer announcements (5), members by identity and by our id (7), and input edge cases (8). Each attack of
the issue is a test here; the Discord and Slack ends are in tests/e2e."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from bot.commands import grammar
from bot.commands.dispatch import RateLimit, Silence
from bot.domain import buttons
from bot.domain.model import Caller
from bot.text import plain
from tests.conftest import running_bot
from tests.units import units


async def _snapshot(db) -> dict:
    tables = [r[0] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: [tuple(r) for r in await db.all(f'SELECT * FROM "{t}" ORDER BY 1')] for t in tables if t != "runtime"}


def console(user: str, name: str | None = None) -> Caller:
    return Caller(platform="console", user=user, channel="study", name=name or user)


# -- 8. input edge cases -------------------------------------------------------------------------------
@pytest.mark.parametrize("line,usage", [
    ("problem solved ¹", "usage: problem solved [PROBLEM]"),
    ("problem solved ٣", "usage: problem solved [PROBLEM]"),
    ("problem solved two-sum minutes ٣", "usage: problem solved [PROBLEM]"),
    ("problem solved two-sum minutes ²⁵", "usage: problem solved [PROBLEM]"),
    ("checkin pause ²", "usage: checkin pause DAYS"),
    ("checkin pause ٣", "usage: checkin pause DAYS"),
    ("mock snooze ３", "usage: mock snooze WEEKS"),
    ("group setup pace ٢", "usage: group setup"),
    ("group setup post-time ٠٩:٠٠", "usage: group setup"),
    ("group checkins time ٠٩:٠٠", "usage: group checkins"),
])
async def test_other_scripts_digits_are_a_one_line_error_with_the_usage(group, caplog, line, usage):
    caplog.set_level(logging.ERROR)
    before = await _snapshot(group.app.db)
    reply = await group.app.handle_text(console("me"), line)
    assert reply.error and "\n" not in reply.text and "Something went wrong" not in reply.text, reply.text
    assert "0-9" in reply.text or "HH:MM" in reply.text, reply.text
    assert usage in reply.plain_text(), reply.plain_text()
    assert await _snapshot(group.app.db) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback in the log"


async def test_ratings_in_other_digits_are_refused(group):
    reply = await group.app.handle_text(console("me"), "mock feedback alice ٣,٣,٣,٣")
    assert reply.error and "whole numbers from 1 to 4" in plain(reply.text)


@pytest.mark.parametrize("typed,meant", [
    ("EST", "America/New_York"), ("PST", "America/Los_Angeles"), ("US/Eastern", "America/New_York"),
])
async def test_timezone_abbreviations_and_old_names_get_did_you_mean(group, typed, meant):
    out = await group.say(f"profile timezone {typed}")
    assert f"did you mean {meant}?" in out and "usage: profile" in out
    assert "Timezone: Europe/Paris" in await group.say("profile"), "nothing changed"
    out = await group.say(f"group setup timezone {typed}")
    assert f"did you mean {meant}?" in out


@pytest.mark.parametrize("typed", ["localtime", "Factory", "Etc/GMT+5"])
async def test_zones_that_are_not_places_are_refused(group, typed):
    out = await group.say(f"profile timezone {typed}")
    assert f"'{typed}' is not an IANA timezone" in out and "Europe/Paris" in out
    assert "Timezone: Europe/Paris" in await group.say("profile")


async def test_a_canonical_zone_is_still_accepted_in_any_case(group):
    assert "Timezone: America/New_York" in await group.say("profile timezone america/new_york")


# -- 5. the rate limit ---------------------------------------------------------------------------------
@pytest.fixture
async def limited(group):
    """The group, with the limit on for the console too (it is off there by default: one operator)."""
    group.app.dispatcher.rate_limit = RateLimit(count=20, per=timedelta(seconds=10), exempt=frozenset())
    return group


async def test_twenty_commands_in_ten_seconds_then_one_polite_reply_then_silence(limited):
    bot = limited
    for i in range(20):
        assert "streak:" in await bot.say("streak"), i
    polite = await bot.say("streak")
    assert "more than 20 commands in 10 seconds" in polite and "try again in 10 seconds" in polite
    assert polite.count("\n") == 1, "one line"
    before = await _snapshot(bot.app.db)
    for line in ("streak", "problem solved two-sum", "roadmap done python-basics", "nonsense words"):
        assert await bot.say(line) == "", f"silence for {line!r}"
    assert await _snapshot(bot.app.db) == before, "nothing a silenced command asked for was done"
    assert "streak:" in await bot.say("@alice streak"), "the limit is per person"
    await bot.say(":advance 9s")
    assert await bot.say("streak") == "", "not cooled down yet"
    await bot.say(":advance 1s")
    assert "streak:" in await bot.say("streak"), "cooled down: answered again"


async def test_the_limit_counts_typed_options_and_forms_alike(limited):
    app = limited.app
    me = console("me")
    for _ in range(10):
        assert not (await app.handle_text(me, "streak")).error
    for _ in range(10):  # the path adapters use for typed options, form submissions and the App Home
        assert not (await app.handle(me, ("checkin",), {"done": "two-sum"})).error
    reply = await app.handle(me, ("checkin",), {"done": "again"})
    assert reply.error and "more than 20 commands" in reply.text
    assert isinstance(await app.handle_text(me, "streak"), Silence)


async def test_the_console_is_not_limited_by_default(group):
    for i in range(40):
        assert "streak:" in await group.say("streak"), i


# -- 5. caps on applications and announcements ------------------------------------------------------------
async def test_at_most_200_applications_a_member(group):
    app = group.app
    me = console("me")
    for i in range(200):
        reply = await app.handle_text(me, f"apply add Company{i:03d}")
        assert not reply.error, (i, reply.text)
    before = await _snapshot(app.db)
    out = await group.say("apply add OneTooMany")
    assert "You already track 200 applications, the most one member can." in out and out.count("\n") == 1
    assert await _snapshot(app.db) == before
    assert "Tracking Other" in await group.say("@alice apply add Other"), "the cap is per member"


async def test_one_offer_announcement_a_member_a_day_in_their_own_timezone(group):
    bot = group
    # 07:00 UTC on Monday is 02:00 in New York: the member's day, not the group's (Paris) or UTC's.
    await bot.script("""
profile timezone America/New_York
apply add Acme
apply add Bolt
apply add Crane
""")
    out = await bot.say("apply move Acme offer announce")
    assert "Announced to the group" in out and ">> #study" in out
    await bot.say(":advance 21h")  # 04:00 UTC Tuesday, still 23:00 Monday in New York
    before = await _snapshot(bot.app.db)
    out = await bot.say("apply move Bolt offer announce")
    assert "You have shared an offer with the group today already (one a day, your day in America/New_York)" in out
    assert ">> #study" not in out and out.count("\n") == 1
    assert await _snapshot(bot.app.db) == before, "refused whole: not even moved to offer"
    # Without `announce` it is recorded; its button is refused the same way.
    out = await bot.say("apply move Bolt offer")
    (button,) = re.findall(r"\[Announce to the group: ([^\]]+)\]", out)
    assert button == "apply move Bolt offer announce"
    assert "one a day" in await bot.say(button)
    assert "You had already announced it." in await bot.say("apply move Acme offer announce")  # not the cap
    await bot.say(":advance 2h")  # 01:00 Tuesday in New York
    out = await bot.say(button)
    assert "Announced to the group" in out and ">> #study" in out
    assert "one a day" in await bot.say("apply move Crane offer announce")
    posts = await bot.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE key LIKE 'offer:%'")
    assert posts == 2


# -- 7. members by identity and by our id -------------------------------------------------------------------
async def test_two_members_with_one_name_get_which_one_and_buttons_that_name_each(group):
    app = group.app
    first, second = console("sam-1", "Sam"), console("sam-2", "Sam")
    assert not (await app.handle_text(first, "join")).error
    assert not (await app.handle_text(second, "join")).error
    ids = [r[0] for r in await app.db.all("SELECT id FROM members WHERE name='Sam' ORDER BY id")]
    reply = await app.handle_text(console("me"), "mock join")
    assert not reply.error
    before = await _snapshot(app.db)
    reply = await app.handle_text(console("me"), "mock avoid sam")
    assert reply.error and "\n" not in reply.text
    assert "Two members of" in reply.text and "are called 'sam': which one?" in reply.text
    assert f"member:{ids[0]}" in reply.text and f"member:{ids[1]}" in reply.text
    assert [b.command for b in reply.buttons] == [f"mock avoid member:{i}" for i in ids]
    assert all(b.label.startswith("Sam, joined ") for b in reply.buttons)
    assert await _snapshot(app.db) == before, "no arbitrary pick"
    chosen = await app.handle_text(console("me"), reply.buttons[1].command)
    assert "You will not be paired with Sam" in chosen.text
    avoided = await app.db.all("SELECT other_id FROM mock_avoid")
    assert [r[0] for r in avoided] == [ids[1]], "the one pressed, not the first"


async def test_which_one_buttons_keep_the_rest_of_the_command(group):
    app = group.app
    for user in ("sam-1", "sam-2"):
        await app.handle_text(console(user, "Sam"), "join")
    ids = [r[0] for r in await app.db.all("SELECT id FROM members WHERE name='Sam' ORDER BY id")]
    typed = 'mock feedback Sam 3,3,3,3 "next" time, explain the trade-offs before you write any code at all'
    reply = await app.handle_text(console("me"), typed)
    assert "which one?" in reply.text
    raw = grammar.parse(app.registry, typed).raw
    for button, member_id in zip(reply.buttons, ids, strict=True):
        assert grammar.parse(app.registry, button.command).raw == raw | {"partner": f"member:{member_id}"}
        # too long for a Discord button id: kept by key, though the reply itself was an error
        assert await app.dispatcher.button_command(buttons.key(button.command)) == button.command


async def test_names_resolve_by_mention_and_by_id_only_within_the_group(group):
    app = group.app
    alice = await app.db.scalar("SELECT id FROM members WHERE name='alice'")
    await group.say("mock join")
    assert "You will not be paired with alice" in await group.say(f"mock avoid member:{alice}")
    assert "You will not be paired with bob" in await group.say("mock avoid <@bob>")  # console user id = name
    assert "That member is no longer in" in await group.say("mock avoid member:99999")
    assert "is not in" in await group.say("mock avoid <@nobody>")
    # A member of another group, named by id from here, is not found.
    await group.say(":channel other")
    await group.say("@carol group setup")
    await group.say("@carol join")
    carol = await app.db.scalar("SELECT id FROM members WHERE name='carol'")
    await group.say(":channel study")
    assert "That member is no longer in" in await group.say(f"mock avoid member:{carol}")


MARY = console("mary-ann", "Mary Ann")


async def test_the_no_show_button_names_the_partner_by_id_so_mary_ann_works(group):
    bot, app = group, group.app
    await bot.script("""
mock join
mock availability add sat 10:00-12:00
""")
    for line in ("join", "mock join", "mock availability add sat 10:00-12:00"):
        assert not (await app.handle_text(MARY, line)).error, line
    assert "Pairing round done" in await bot.say("group pair-now")
    out = await bot.say(":advance 7d")
    assert "How did Mary Ann do?" in out
    mary = await app.db.scalar("SELECT id FROM members WHERE name='Mary Ann'")
    buttons = re.findall(r"\[They did not show: ([^\]]+)\]", out)
    assert f"mock feedback member:{mary} no-show" in buttons
    assert re.search(rf"Type mock feedback member:{mary} [1-4](,[1-4]){{3,4}} hire clear and calm\.", out), \
        "the hint works when typed, too"
    before = await _snapshot(app.db)
    reply = await app.handle_text(console("me"), "mock feedback Mary Ann no-show")  # the old button's command
    assert reply.error and await _snapshot(app.db) == before
    out = await bot.say(f"mock feedback member:{mary} no-show")
    assert "Noted that Mary Ann did not show" in out
    assert "Noted that" in await bot.say('mock feedback "Mary Ann" no-show'), "a quoted name works too"


# -- 7. long button commands survive a restart -------------------------------------------------------------
async def test_long_button_commands_are_kept_in_the_database(tmp_path):
    company = "The Very Long Company Name Of Machine Learning Research And Applied Intelligence"[:80]
    path = str(tmp_path / "study.db")
    async with running_bot(path) as bot:
        await bot.script(f"""
group setup
join
apply add {company}
""")
        out = await bot.say(f'apply move "{company}" offer')
        (command,) = re.findall(r"\[Announce to the group: ([^\]]+)\]", out)
        assert len(command) > 100 and buttons.kept(command)
    async with running_bot(path) as bot:  # a restart: nothing of the last process is left
        assert await bot.app.dispatcher.button_command(buttons.key(command)) == command
        assert await bot.app.dispatcher.button_command(buttons.key("mock status")) is None
        out = await bot.say(command)
        assert "Announced to the group" in out


async def test_messages_queued_by_jobs_keep_their_long_buttons_too(group):
    from bot.reply import Button, Reply

    app = group.app
    command = "problem solved " + "a-very-long-problem-id-" * 4
    reply = Reply(text="From a job", buttons=[Button("Solved", command), Button("Short", "streak")])
    alice = await app.db.scalar("SELECT user_id FROM members WHERE name='alice'")
    await units(app).outbox.enqueue("test:long-button", reply, group.clock.now(), group_id=1, user_id=alice)
    assert await app.dispatcher.button_command(buttons.key(command)) == command
    assert await app.db.scalar("SELECT COUNT(*) FROM button_commands") == 1, "short commands need no row"


async def test_kept_button_commands_go_with_the_user(group):
    company = "A" * 80
    await group.say(f"@alice apply add {company}")
    await group.say(f"@alice apply move {company} offer")
    assert await group.app.db.scalar("SELECT COUNT(*) FROM button_commands WHERE command LIKE ?",
                                     (f"%{company}%",)) == 1
    await group.say("@alice forget-me confirm")
    assert await group.app.db.scalar("SELECT COUNT(*) FROM button_commands") == 0
