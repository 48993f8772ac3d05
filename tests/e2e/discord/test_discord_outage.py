"""A ten-minute Discord outage (server errors, then rate limits, then refused connections), played on
the simulated clock: afterwards every queued message arrives once, in order per channel, and the one
message Discord refuses for good (a 400) is given up without holding back the posts queued behind it.

The server-error phase answers 503: discord.py itself retries 500, 502 and 504 in place with real
sleeps (about 25 s a request), while a 503 reaches the outbox at once, whose backoff runs on our clock.
"""

from __future__ import annotations

import socket
from datetime import timedelta

from discord.http import Route
from discord_fake import CHANNEL_ID, Failure
from discord_harness import ADA, BOB, start_group
from test_discord_outbox import enqueue, posts

from bot.reply import Reply

PHASES = [
    (timedelta(minutes=3), Failure(503, {"message": "503: Service Unavailable", "code": 0})),
    (timedelta(minutes=3), Failure(429, {"message": "You are being rate limited.", "retry_after": 60.0,
                                         "global": False}, {"Via": "1.1 google", "Retry-After": "60"})),
    (timedelta(minutes=4), "refused"),
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes: connections are refused


async def test_ten_minutes_of_outage_then_everything_once_in_order(dbot, monkeypatch):
    fake = dbot.fake
    await start_group(fake)
    fake.poison = "POISON"
    for i in range(30):
        await enqueue(dbot, f"outage:post:{i}", Reply(text=f"post {i}" + (" POISON" if i == 13 else "")))
    for i in range(5):
        await enqueue(dbot, f"outage:dm:{i}", Reply(text=f"dm {i}"), user=ADA if i % 2 else BOB)
    healthy_base = Route.BASE
    attempts_during = 0
    for length, failure in PHASES:
        if failure == "refused":
            monkeypatch.setattr(Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
        else:
            fake.outage = failure
        before = len(fake.requests)
        elapsed = timedelta()
        while elapsed < length:
            assert await dbot.app.deliverer.drain() == 0, "nothing gets through an outage"
            dbot.clock.advance(timedelta(seconds=15))
            elapsed += timedelta(seconds=15)
        attempts_during += len(fake.requests) - before
        fake.outage = None
        monkeypatch.setattr(Route, "BASE", healthy_base)
    assert attempts_during > 0
    assert posts(fake) == []

    for _ in range(80):  # recovery: the backoff reaches at most 30 minutes between tries
        await dbot.app.deliverer.drain()
        dbot.clock.advance(timedelta(minutes=1))
    # An outage is transient even for the poisoned post (it waited like the rest); once Discord answers
    # again, its 400 gives it up and the 16 posts behind it follow at once.
    texts = [m["embeds"][0]["description"] for m in posts(fake)]
    assert texts[:29] == [f"post {i}" for i in range(30) if i != 13]
    assert posts(fake)[29]["embeds"][0]["title"] == "A message could not be delivered"
    dms = [m["embeds"][0]["description"] for ch in (fake.dm_channels[ADA], fake.dm_channels[BOB])
           for m in posts(fake, ch)]
    assert sorted(dms) == [f"dm {i}" for i in range(5)]
    for user in (ADA, BOB):
        texts = [m["embeds"][0]["description"] for m in posts(fake, fake.dm_channels[user])]
        assert texts == sorted(texts), "in order per person"
    rows = await dbot.app.db.all("SELECT key, status FROM outbox WHERE key LIKE 'outage:%'")
    assert {key: status for key, status in rows if status != "delivered"} == {"outage:post:13": "undeliverable"}
    assert len(rows) == 35
    assert CHANNEL_ID in fake.channel_messages
