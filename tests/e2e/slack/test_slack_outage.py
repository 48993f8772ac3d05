"""A ten-minute Slack outage (HTTP 500, then 429 with Retry-After, then refused connections), played
on the simulated clock: afterwards every queued message arrives once, in order per channel, and the one
message Slack refuses for good (invalid_blocks) is given up without holding back the posts behind it."""

from __future__ import annotations

import socket
from datetime import timedelta

from slack_fake import ADA, BOB, CHANNEL, Failure
from slack_harness import start_group
from test_slack_outbox import enqueue, posted

from bot.reply import Reply

PHASES = [
    (timedelta(minutes=3), Failure(500, {"ok": False, "error": "internal_error"})),
    (timedelta(minutes=3), Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "60"})),
    (timedelta(minutes=4), "refused"),
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes: connections are refused


async def test_ten_minutes_of_outage_then_everything_once_in_order(sbot):
    fake = sbot.fake
    await start_group(sbot)
    fake.poison = "POISON"
    for i in range(20):
        await enqueue(sbot, f"outage:post:{i}", Reply(text=f"post {i}" + (" POISON" if i == 7 else "")))
    for i in range(4):
        await enqueue(sbot, f"outage:dm:{i}", Reply(text=f"dm {i}"), user=ADA if i % 2 else BOB)
    client = sbot.app.deliverer.messenger.client
    healthy = client.base_url
    calls_during = 0
    for length, failure in PHASES:
        if failure == "refused":
            client.base_url = f"http://127.0.0.1:{closed_port()}/api/"
        else:
            fake.outage = failure
        before = len(fake.calls)
        elapsed = timedelta()
        while elapsed < length:
            assert await sbot.app.deliverer.drain() == 0, "nothing gets through an outage"
            sbot.clock.advance(timedelta(seconds=15))
            elapsed += timedelta(seconds=15)
        calls_during += len(fake.calls) - before
        fake.outage = None
        client.base_url = healthy
    assert calls_during > 0
    assert posted(fake) == []

    for _ in range(80):  # recovery: the backoff reaches at most 30 minutes between tries
        await sbot.app.deliverer.drain()
        sbot.clock.advance(timedelta(minutes=1))
    # The outage held the poisoned post like the rest; once Slack answers again, it is given up and the
    # 12 posts behind it follow at once.
    assert [t for t in posted(fake) if t.startswith("post")] == [f"post {i}" for i in range(20) if i != 7]
    assert len([t for t in posted(fake) if "was not delivered" in t]) == 1
    for user, mine in ((ADA, ["dm 1", "dm 3"]), (BOB, ["dm 0", "dm 2"])):
        assert [m["text"] for m in fake.messages.get("D" + user[1:], [])] == mine, "once, in order per person"
    rows = await sbot.app.db.all("SELECT key, status FROM outbox WHERE key LIKE 'outage:%'")
    assert {key: status for key, status in rows if status != "delivered"} == {"outage:post:7": "undeliverable"}
    assert len(rows) == 24
    assert CHANNEL in fake.messages
