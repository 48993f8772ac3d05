"""What the bot sends on its own reaches Discord through the outbox: once, in order, despite failures."""

from __future__ import annotations

from datetime import timedelta

from discord_fake import CHANNEL_ID, Failure
from discord_harness import ADA, BOB, start_group, text_of

from adapters.discord import render
from adapters.discord.messenger import nonce_for
from bot.reply import Bar, Field, Image, Reply

POSTS = f"POST /channels/{CHANNEL_ID}/messages"


async def ids(bot, user: int | None = None) -> tuple[int, int | None]:
    links = bot.app.store.links
    channel = await links.internal("discord", "channel", str(CHANNEL_ID))
    person = await links.internal("discord", "user", str(user)) if user is not None else None
    return channel, person


async def enqueue(bot, key: str, reply: Reply, *, user: int | None = None) -> None:
    channel, person = await ids(bot, user)
    group = await bot.app.store.groups.by_channel(channel)
    async with bot.app.db.transaction():
        await bot.app.store.outbox.enqueue(key, reply, bot.clock.now(), group_id=group.id,
                                           channel_id=None if user else channel, user_id=person)


def posts(fake, channel: int = CHANNEL_ID) -> list[dict]:
    return fake.channel_messages[channel]


async def test_daily_post_goes_to_the_channel_and_its_button_works_later(dbot):
    fake = dbot.fake
    await start_group(fake)
    assert posts(fake) == []
    # Europe/Paris 09:00 on Monday 2 March is 08:00 UTC; the clock starts at 07:00 UTC.
    await dbot.app.scheduler.advance(timedelta(hours=2))
    (daily,) = posts(fake)
    (request,) = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
    assert request.body["enforce_nonce"] is True and len(request.body["nonce"]) <= 25
    group = await dbot.app.store.groups.by_channel((await ids(dbot))[0])
    assert request.body["nonce"] == nonce_for(f"daily:{group.id}:2026-03-02")
    embed = daily["embeds"][0]
    assert embed["color"] == render.COLOURS["easy"], "week one is easy problems, coloured green"
    buttons = {b["label"]: b["custom_id"] for b in daily["components"][0]["components"]}
    assert buttons["Solved"] == "sb:problem solved"
    # Hours later, the post's button still runs its command, as whoever clicks it.
    await dbot.app.scheduler.advance(timedelta(hours=3))
    clicked = await fake.click(daily, buttons["Solved"], user=BOB, name="bob")
    assert "solved" in text_of(clicked).lower()
    assert len(posts(fake)) == 1, "the daily problem is posted once"


async def test_dm_through_the_outbox_caches_the_dm_channel_and_a_closed_dm_is_reported_once(dbot):
    fake = dbot.fake
    await start_group(fake)
    await enqueue(dbot, "test-dm:1", Reply(title="Your pairing", text="You meet {t:1772470800:f}."), user=BOB)
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
    assert (await dbot.app.store.outbox.get("test-dm:3")).status == "undeliverable"
    notices = [m for m in posts(fake) if "direct message" in m["embeds"][0]["description"]]
    assert len(notices) == 1, "a closed DM is reported in the channel once, not per message"
    assert len(fake.recorded("POST", f"/channels/{fake.dm_channels[ADA]}/messages")) == 2, "never retried"


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
        assert (await dbot.app.store.outbox.get(key)).status == "delivered"


async def test_a_burst_of_1000_posts_arrives_complete_without_duplicates(dbot):
    fake = dbot.fake
    await start_group(fake)
    channel, _ = await ids(dbot)
    group = await dbot.app.store.groups.by_channel(channel)
    async with dbot.app.db.transaction():
        for i in range(1000):
            await dbot.app.store.outbox.enqueue(f"burst:{i}", Reply(text=f"post {i}"), dbot.clock.now(),
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
