"""Issue 12 on Discord, the real discord.py client against the fake: members picked by identity (the USER
option), the "They did not show" button for a partner called "Mary Ann", a long button command that
still works after a restart, and the rate limit through button clicks."""

from __future__ import annotations

from datetime import timedelta

from discord_fake import UserOption
from discord_harness import ADA, BOB, is_ephemeral, running, start_group, text_of

from adapters.discord.buttons import LONG_PREFIX, CommandButton
from bot.domain import buttons

MARY = 103
LONG_COMPANY = "Institute for Very Large Scale Machine Learning Systems and Applied Research"


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def with_button(message: dict, custom_id: str) -> dict:
    """The message as if the bot had posted it with one button of this id (discord.py answers a click
    only for a component the message has)."""
    button = {"type": 2, "style": 2, "label": "Go", "custom_id": custom_id}
    return message | {"components": [{"type": 1, "components": [button]}]}


async def test_a_member_option_is_a_user_picked_by_identity_not_by_name(dbot):
    fake, db = dbot.fake, dbot.app.db
    await start_group(fake)
    # A second person who also shows as "Bob": a name would be ambiguous, an identity is not.
    assert "Welcome" in text_of(await fake.slash("join", user=104, name="bob"))
    await fake.slash("mock join", user=ADA, name="ada")
    body = await fake.slash("mock avoid", {"member": UserOption(104, "bob")}, user=ADA, name="ada")
    assert is_ephemeral(body) and "You will not be paired with Bob" in text_of(body), text_of(body)
    (avoided,) = await db.all("SELECT m.user_id FROM mock_avoid a JOIN members m ON m.id = a.other_id")
    linked = await db.scalar("SELECT internal_id FROM links WHERE platform='discord' AND kind='user' "
                             "AND external_id=?", (str(104),))
    assert avoided[0] == linked, "the person picked, not the first 'Bob'"
    body = await fake.slash("mock avoid", {"member": UserOption(999, "zed")}, user=ADA, name="ada")
    assert "@" not in text_of(body) and "is not in" in text_of(body) and "join" in text_of(body)


async def test_the_no_show_button_works_for_a_partner_called_mary_ann(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    assert "Welcome" in text_of(await fake.slash("join", user=MARY, name="mary ann"))  # shows as "Mary Ann"
    for user, name in ((ADA, "ada"), (MARY, "mary ann")):
        await fake.slash("mock join", user=user, name=name)
        body = await fake.slash("mock availability add", {"day": "sat", "hours": "10:00-12:00"}, user=user, name=name)
        assert "Added sat 10:00-12:00" in text_of(body), text_of(body)
    assert "Pairing round done" in text_of(await fake.slash("group pair-now", user=ADA, name="ada", admin=True))
    await app.advance(timedelta(days=7))
    await app.deliverer.drain()
    prompts = [m for m in fake.channel_messages[fake.dm_channels[ADA]]
               if (m["embeds"][0].get("title") or "") == "How did Mary Ann do?"]
    (prompt,) = prompts
    mary = await app.db.scalar("SELECT id FROM members WHERE name='Mary Ann'")
    assert f"sb:mock feedback member:{mary} no-show" in custom_ids(prompt)
    clicked = await fake.click(prompt, f"sb:mock feedback member:{mary} no-show", user=ADA, name="ada")
    assert is_ephemeral(clicked) and "Noted that Mary Ann did not show" in text_of(clicked), text_of(clicked)
    assert await app.db.scalar("SELECT no_show FROM mock_feedback") == 1


async def test_a_long_button_command_still_works_after_a_restart(fake, tmp_path):
    async with running(fake, tmp_path) as bot:
        await start_group(fake)
        body = await fake.slash("apply add", {"company": LONG_COMPANY}, user=BOB, name="bob")
        assert "Tracking" in text_of(body)
        moved = await fake.slash("apply move", {"company": LONG_COMPANY, "stage": "offer"}, user=BOB, name="bob")
        message = moved["response"]["resource"]["message"]
        (custom_id,) = custom_ids(message)
        command = f'apply move "{LONG_COMPANY}" offer announce'
        assert len("sb:" + command) > 100 and custom_id == LONG_PREFIX + buttons.key(command)
        stopped_at = bot.clock.now()
    CommandButton.recent.clear()  # a new process remembers nothing the last one rendered
    async with running(fake, tmp_path, start=stopped_at + timedelta(minutes=5)) as bot:
        clicked = await fake.click(message, custom_id, user=BOB, name="bob")
        assert "Announced to the group" in text_of(clicked), text_of(clicked)
        await bot.app.deliverer.drain()
        assert await bot.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE key LIKE 'offer:%'") == 1
        # A key the database never held (or no longer holds) is a clear message, not a silent nothing.
        stale_id = LONG_PREFIX + "0" * 32
        stale = await fake.click(with_button(message, stale_id), stale_id, user=BOB, name="bob")
        assert is_ephemeral(stale) and "This button no longer works" in text_of(stale)


async def test_button_clicks_count_against_the_rate_limit(dbot):
    fake = dbot.fake
    await start_group(fake)  # bob has run one command: join
    shown = await fake.slash("streak", user=BOB, name="bob")
    message = with_button(shown["response"]["resource"]["message"], "sb:streak")
    for i in range(18):  # join, streak and these 18 clicks: twenty in the same instant
        clicked = await fake.click(message, "sb:streak", user=BOB, name="bob")
        assert "streak:" in text_of(clicked), (i, text_of(clicked))
    polite = await fake.click(message, "sb:streak", user=BOB, name="bob")
    assert is_ephemeral(polite) and "more than 20 commands in 10 seconds" in text_of(polite)
    other = await fake.slash("streak", user=ADA, name="ada")
    assert "streak:" in text_of(other), "another person is not held back"
    dbot.clock.advance(timedelta(seconds=10))
    again = await fake.click(message, "sb:streak", user=BOB, name="bob")
    assert "streak:" in text_of(again), "cooled down"


async def test_timezone_abbreviations_are_refused_with_a_suggestion(dbot):
    fake = dbot.fake
    await start_group(fake)
    for typed, expected in (("EST", "did you mean America/New_York?"), ("US/Eastern", "did you mean America/New_York?"),
                            ("localtime", "is not an IANA timezone"), ("Factory", "is not an IANA timezone")):
        body = await fake.slash("profile", {"timezone": typed}, user=BOB, name="bob")
        text = text_of(body).replace("\\", "")  # Discord markdown escapes the underscore
        assert is_ephemeral(body) and expected in text, text
