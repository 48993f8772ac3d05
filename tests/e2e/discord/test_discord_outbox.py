"""What the bot sends on its own reaches Discord through the outbox: once, in order, despite failures."""

from __future__ import annotations

import json
from datetime import timedelta

from discord_fake import CHANNEL_ID, Failure
from discord_harness import ADA, BOB, START, running, start_group, text_of

from adapters.discord import render
from adapters.discord.messenger import nonce_for
from bot.reply import Bar, Field, Image, Reply
from bot.text import Rich, Stamp
from tests.units import each_statement_commits, refuse_writes, units

POSTS = f"POST /channels/{CHANNEL_ID}/messages"


async def ids(bot, user: int | None = None) -> tuple[int, int | None]:
    links = units(bot.app).links
    channel = await links.internal("discord", "channel", str(CHANNEL_ID))
    person = await links.internal("discord", "user", str(user)) if user is not None else None
    return channel, person


async def enqueue(bot, key: str, reply: Reply, *, user: int | None = None) -> None:
    channel, person = await ids(bot, user)
    group = await units(bot.app).groups.by_channel(channel)
    async with each_statement_commits(bot.app.db):
        await units(bot.app).outbox.enqueue(key, reply, bot.clock.now(), group_id=group.id,
                                           channel_id=None if user else channel, user_id=person)


def posts(fake, channel: int = CHANNEL_ID) -> list[dict]:
    return fake.channel_messages[channel]


async def test_daily_post_goes_to_the_channel_and_its_button_works_later(dbot):
    fake = dbot.fake
    await start_group(fake)
    assert posts(fake) == []
    # Europe/Paris 09:00 on Monday 2 March is 08:00 UTC; the clock starts at 07:00 UTC.
    await dbot.app.advance(timedelta(hours=2))
    (daily,) = posts(fake)
    (request,) = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
    assert request.body["enforce_nonce"] is True and len(request.body["nonce"]) <= 25
    group = await units(dbot.app).groups.by_channel((await ids(dbot))[0])
    assert request.body["nonce"] == nonce_for(f"daily:{group.id}:2026-03-02")
    embed = daily["embeds"][0]
    assert embed["color"] == render.COLOURS["easy"], "week one is easy problems, coloured green"
    buttons = {b["label"]: b["custom_id"] for b in daily["components"][0]["components"]}
    assert buttons["Solved"].startswith("sb:problem solved")
    # Hours later, the post's button still runs its command, as whoever clicks it.
    await dbot.app.advance(timedelta(hours=3))
    clicked = await fake.click(daily, buttons["Solved"], user=BOB, name="bob")
    assert "solved" in text_of(clicked).lower()
    assert len(posts(fake)) == 1, "the daily problem is posted once"


async def test_dm_through_the_outbox_caches_the_dm_channel_and_a_closed_dm_is_reported_once(dbot):
    fake = dbot.fake
    await start_group(fake)
    await enqueue(dbot, "test-dm:1", Reply(title="Your pairing", text=Rich.format("You meet {when}.",
                                                                                    when=Stamp(1772470800, "f"))),
                  user=BOB)
    await enqueue(dbot, "test-dm:2", Reply(text="A reminder"), user=BOB)
    assert await dbot.app.deliverer.drain() == 2
    (opened,) = fake.recorded("POST", "/users/@me/channels")
    assert opened.body == {"recipient_id": BOB}
    dm = fake.dm_channels[BOB]
    first, second = posts(fake, dm)
    assert first["embeds"][0]["description"] == "You meet <t:1772470800:f>."
    assert second["embeds"][0]["description"] == "A reminder"

    fake.closed_dms.add(ADA)
    await enqueue(dbot, "test-dm:3", Reply(text="Check-in time"), user=ADA)
    await enqueue(dbot, "test-dm:4", Reply(text="Another prompt"), user=ADA)
    await dbot.app.deliverer.drain()
    dbot.clock.advance(timedelta(hours=1))
    await dbot.app.deliverer.drain()
    assert posts(fake, fake.dm_channels[ADA]) == []
    assert (await units(dbot.app).outbox.get("test-dm:3")).status == "undeliverable"
    notices = [m for m in posts(fake) if "direct message" in m["embeds"][0]["description"]]
    assert len(notices) == 1, "a closed DM is reported in the channel once, not per message"
    assert len(fake.recorded("POST", f"/channels/{fake.dm_channels[ADA]}/messages")) == 2, "never retried"


async def test_a_restart_opens_no_dm_channel_that_was_opened_before(fake, tmp_path):
    async with running(fake, tmp_path) as bot:
        await start_group(fake)
        await enqueue(bot, "restart-dm:1", Reply(text="Before the restart"), user=BOB)
        assert await bot.app.deliverer.drain() == 1
    opened = [r.body["recipient_id"] for r in fake.recorded("POST", "/users/@me/channels")]
    assert opened.count(BOB) == 1
    # A new process: nothing in memory, the DM channel comes from the database with the message.
    async with running(fake, tmp_path, start=START + timedelta(minutes=30)) as bot:
        await enqueue(bot, "restart-dm:2", Reply(text="After the restart"), user=BOB)
        assert await bot.app.deliverer.drain() == 1
    again = [r.body["recipient_id"] for r in fake.recorded("POST", "/users/@me/channels")]
    assert again == opened, "no second request for anyone's DM channel after the restart"
    texts = [m["embeds"][0]["description"] for m in posts(fake, fake.dm_channels[BOB])]
    assert texts == ["Before the restart", "After the restart"]


async def test_a_kept_dm_channel_that_discord_no_longer_knows_is_opened_again_once(dbot):
    fake = dbot.fake
    await start_group(fake)
    _, bob = await ids(dbot, BOB)
    async with each_statement_commits(dbot.app.db):
        await units(dbot.app).links.keep_dm("discord", bob, "424242")  # Discord answers 404 Unknown Channel
    await enqueue(dbot, "stale-dm:1", Reply(text="one"), user=BOB)
    await enqueue(dbot, "stale-dm:2", Reply(text="two"), user=BOB)
    assert await dbot.app.deliverer.drain() == 2, "not given up as a closed DM"
    assert len(fake.recorded("POST", "/users/@me/channels")) == 1, "opened again once, then kept"
    assert [m["embeds"][0]["description"] for m in posts(fake, fake.dm_channels[BOB])] == ["one", "two"]
    kept = await dbot.app.db.scalar("SELECT channel_ref FROM dm_channels WHERE user_id=?", (bob,))
    assert kept == str(fake.dm_channels[BOB])


async def test_rate_limit_and_server_errors_are_survived_and_deliver_exactly_once(dbot):
    fake = dbot.fake
    await start_group(fake)
    # A long 429 (with Via, so discord.py would honour it) goes back to the outbox's own clock.
    fake.fail_next(POSTS, Failure(429, {"message": "You are being rate limited.", "retry_after": 60.0,
                                        "global": False}, {"Via": "1.1 google", "Retry-After": "60"}))
    await enqueue(dbot, "test:ratelimited", Reply(text="first"))
    await enqueue(dbot, "test:behind", Reply(text="second"))
    assert await dbot.app.deliverer.drain() == 0
    assert posts(fake) == []
    dbot.clock.advance(timedelta(seconds=30))
    assert await dbot.app.deliverer.drain() == 0, "not before Retry-After"
    dbot.clock.advance(timedelta(seconds=31))
    assert await dbot.app.deliverer.drain() == 2
    assert [m["embeds"][0]["description"] for m in posts(fake)] == ["first", "second"], "order kept"

    # A 500 after Discord stored the message: discord.py retries, the nonce makes the retry a no-op.
    fake.fail_next(POSTS, Failure(500, {"message": "500: Internal Server Error", "code": 0}, after_accept=True))
    await enqueue(dbot, "test:flaky", Reply(text="third"))
    assert await dbot.app.deliverer.drain() == 1
    tries = [r for r in fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages") if r.body["nonce"] == nonce_for("test:flaky")]
    assert len(tries) == 2
    # A 503 that discord.py does not retry: the outbox backs off on the simulated clock.
    fake.fail_next(POSTS, Failure(503, {"message": "upstream connect error", "code": 0}))
    await enqueue(dbot, "test:outage", Reply(text="fourth"))
    assert await dbot.app.deliverer.drain() == 0
    dbot.clock.advance(timedelta(seconds=5))
    assert await dbot.app.deliverer.drain() == 1
    assert [m["embeds"][0]["description"] for m in posts(fake)] == ["first", "second", "third", "fourth"]
    for key in ("test:ratelimited", "test:behind", "test:flaky", "test:outage"):
        assert (await units(dbot.app).outbox.get(key)).status == "delivered"


async def test_a_burst_of_1000_posts_arrives_complete_without_duplicates(dbot):
    fake = dbot.fake
    await start_group(fake)
    channel, _ = await ids(dbot)
    group = await units(dbot.app).groups.by_channel(channel)
    async with each_statement_commits(dbot.app.db):
        for i in range(1000):
            await units(dbot.app).outbox.enqueue(f"burst:{i}", Reply(text=f"post {i}"), dbot.clock.now(),
                                               group_id=group.id, channel_id=channel)
    # Outages in the middle of the burst: each holds the queue, none loses or repeats a post.
    fake.fail_next(POSTS, *[Failure(503, {"message": "unavailable", "code": 0})] * 3)
    rounds = 0
    while len(posts(fake)) < 1000 and rounds < 20:
        await dbot.app.deliverer.drain()
        dbot.clock.advance(timedelta(minutes=1))
        rounds += 1
    texts = [m["embeds"][0]["description"] for m in posts(fake)]
    assert texts == [f"post {i}" for i in range(1000)]
    assert len({m["nonce"] for m in posts(fake)}) == 1000


async def test_long_replies_are_kept_within_discords_embed_limits(dbot):
    fake = dbot.fake
    await start_group(fake)
    huge = Reply(title="T" * 400, text="x" * 5000, footer="f" * 3000,
                 fields=[Field(f"field {i}", "v" * 2000) for i in range(40)],
                 bars=[Bar(f"stage {i}", i, 10) for i in range(8)],
                 image=Image("chart.png", b"\x89PNG fake", "weekly chart"))
    await enqueue(dbot, "test:huge", huge)
    assert await dbot.app.deliverer.drain() == 1
    (request,) = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
    embed = request.body["embeds"][0]
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25 and all(len(f["value"]) <= 1024 for f in embed["fields"])
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"]) + sum(
        len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    assert embed["image"]["url"] == "attachment://chart.png"
    assert request.files == [("chart.png", b"\x89PNG fake")]


NOTICE_TITLE = "A message could not be delivered"


def titled(fake, title: str, channel: int = CHANNEL_ID) -> list[dict]:
    return [m for m in posts(fake, channel) if m["embeds"] and m["embeds"][0].get("title") == title]


async def test_one_poisoned_message_among_100_delays_none_of_the_other_99(dbot):
    fake = dbot.fake
    await start_group(fake)
    fake.poison = "POISON"  # Discord answers 400 Invalid Form Body (50035) to that message, every time
    for i in range(100):
        await enqueue(dbot, f"poison:{i}", Reply(text=f"post {i}" + (" POISON" if i == 37 else "")))
    assert await dbot.app.deliverer.drain() == 101, "the 100 and the notice, without the clock moving"
    delivered = [m["embeds"][0]["description"] for m in posts(fake) if m["embeds"][0].get("title") != NOTICE_TITLE]
    assert delivered == [f"post {i}" for i in range(100) if i != 37], "in order, none held back"
    tries = [r for r in fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages") if "POISON" in json.dumps(r.body)]
    assert len(tries) == 1, "refused once, never retried"
    poisoned = await units(dbot.app).outbox.get("poison:37")
    assert poisoned.status == "undeliverable" and "400 50035" in poisoned.last_error
    # No organiser is granted in this group, so the channel is told, once, without the message's words.
    (notice,) = titled(fake, NOTICE_TITLE)
    assert "Discord refused it" in notice["embeds"][0]["description"]
    assert "POISON" not in json.dumps(notice) and "post 37" not in json.dumps(notice)
    dbot.clock.advance(timedelta(hours=1))
    await enqueue(dbot, "poison:again", Reply(text="again POISON"))
    await dbot.app.deliverer.drain()
    assert len(titled(fake, NOTICE_TITLE)) == 1, "one notice per group and kind of failure in 24 hours"


async def test_what_discord_refuses_for_good_is_given_up_and_what_may_pass_is_retried(dbot):
    fake = dbot.fake
    await start_group(fake)
    channel, ada = await ids(dbot, ADA)
    group = await units(dbot.app).groups.by_channel(channel)
    async with each_statement_commits(dbot.app.db):
        await units(dbot.app).groups.add_organiser(group.id, ada, None, dbot.clock.now())
    # Missing Permissions in the channel: every try would get the same answer until an organiser acts.
    fake.fail_next(POSTS, Failure(403, {"message": "Missing Permissions", "code": 50013}))
    await enqueue(dbot, "refused:forbidden", Reply(text="first"))
    await enqueue(dbot, "refused:next", Reply(text="second"))
    assert await dbot.app.deliverer.drain() == 3
    assert [m["embeds"][0]["description"] for m in posts(fake)] == ["second"]
    forbidden = await units(dbot.app).outbox.get("refused:forbidden")
    assert forbidden.status == "undeliverable" and "403 50013" in forbidden.last_error
    (notice,) = posts(fake, fake.dm_channels[ADA])
    assert notice["embeds"][0]["title"] == NOTICE_TITLE, "the granted organiser is told by DM"
    assert "may not post there" in notice["embeds"][0]["description"]
    # A 401 (the bot's token) or a 403 that is not about the channel says nothing of this message: it
    # waits, holding the queue, and goes once Discord takes it.
    fake.fail_next(POSTS, Failure(401, {"message": "401: Unauthorized", "code": 0}),
                   Failure(403, {"message": "You are being blocked from accessing our API", "code": 40333}))
    await enqueue(dbot, "held:1", Reply(text="third"))
    await enqueue(dbot, "held:2", Reply(text="fourth"))
    assert await dbot.app.deliverer.drain() == 0
    dbot.clock.advance(timedelta(minutes=1))
    assert await dbot.app.deliverer.drain() == 0
    dbot.clock.advance(timedelta(minutes=1))
    assert await dbot.app.deliverer.drain() == 2
    assert [m["embeds"][0]["description"] for m in posts(fake)] == ["second", "third", "fourth"]


async def test_a_post_that_cannot_be_marked_sent_is_sent_once_and_nothing_more_until_writes_work(dbot):
    fake = dbot.fake
    await start_group(fake)
    for i in range(10):
        await enqueue(dbot, f"bookkeeping:{i}", Reply(text=f"post {i}"))
    db = dbot.app.db
    # The database refuses the outbox's writes from here on, as a full disk does.
    await refuse_writes(db, True)
    for _ in range(100):  # five seconds at the old loop's pace: that was 98 copies of the first post
        await dbot.app.deliverer.drain()
        dbot.clock.advance(timedelta(milliseconds=50))
    requests = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
    assert len(requests) == 1 and requests[0].body["nonce"] == nonce_for("bookkeeping:0")
    assert (await units(dbot.app).outbox.get("bookkeeping:0")).status == "pending"
    await refuse_writes(db, False)
    dbot.clock.advance(timedelta(minutes=1))
    assert await dbot.app.deliverer.drain() == 9
    requests = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
    assert [r.body["nonce"] for r in requests] == [nonce_for(f"bookkeeping:{i}") for i in range(10)], \
        "each sent once, in order: the first was recorded late, not sent again"
    first = await units(dbot.app).outbox.get("bookkeeping:0")
    assert first.status == "delivered" and first.ref == posts(fake)[0]["id"]
