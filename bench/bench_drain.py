"""Outbox drain against a fake Discord that enforces Discord's limits.

    python bench/bench_drain.py [--channels 60] [--per-channel 25]

The fake (tests/e2e/discord/discord_fake.py, extended here) allows 50 requests a second in all and
5 messages per 5 seconds in each channel, announces each channel's bucket in the X-RateLimit headers
as Discord does, and answers 429 to anything over. The real discord.py client and our deliverer
drain the queued posts; the bench prints messages per second as a fraction of what the limits allow,
and the 429s received (the target is 0). Wall-clock time: this measures real pacing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import deque
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e" / "discord"))

import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from discord.http import Route  # noqa: E402
from discord_fake import FakeDiscord, json_response  # noqa: E402
from discord_harness import START, TOKEN, start_client, stop_client  # noqa: E402

from adapters.discord.messenger import ChannelPace, GlobalLimit  # noqa: E402
from bot.bootstrap import open_app  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.reply import Reply  # noqa: E402

GLOBAL_PER_SECOND = 50
CHANNEL_MESSAGES, CHANNEL_WINDOW = 5, 5.0


class LimitedDiscord(FakeDiscord):
    def __init__(self) -> None:
        super().__init__()
        self.recent: deque[float] = deque()
        self.windows: dict[str, tuple[float, int]] = {}
        self.too_many = 0
        self.global_429 = 0

    async def rest(self, request):
        now = time.monotonic()
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= GLOBAL_PER_SECOND:
            self.too_many += 1
            self.global_429 += 1
            return json_response({"message": "You are being rate limited.", "retry_after": 1.0, "global": True},
                                 429, {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Global": "true"})
        self.recent.append(now)
        parts = request.match_info["tail"].strip("/").split("/")
        if request.method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            channel = parts[1]
            start, used = self.windows.get(channel, (now, 0))
            if now - start >= CHANNEL_WINDOW:
                start, used = now, 0
            reset_after = CHANNEL_WINDOW - (now - start)
            headers = {"X-RateLimit-Limit": str(CHANNEL_MESSAGES), "X-RateLimit-Bucket": f"msg-{channel}",
                       "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}"}
            if used >= CHANNEL_MESSAGES:
                self.too_many += 1
                return json_response({"message": "You are being rate limited.", "retry_after": reset_after,
                                      "global": False}, 429, {**headers, "X-RateLimit-Remaining": "0",
                                                              "Via": "1.1 google", "Retry-After": f"{reset_after:.3f}"})
            self.windows[channel] = (start, used + 1)
            response = await super().rest(request)
            for k, v in {**headers, "X-RateLimit-Remaining": str(CHANNEL_MESSAGES - used - 1)}.items():
                response.headers[k] = v
            return response
        return await super().rest(request)


async def main(channels: int, per_channel: int) -> None:
    fake = LimitedDiscord()
    await fake.start()
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(platform="discord", db_path=os.path.join(tmp, "drain.db"), discord_token=TOKEN)
        async with open_app(settings, SimulatedClock(START)) as app:
            client, task = await start_client(app, fake, dev_guild=None)
            client.messenger.limit, client.messenger.pace = GlobalLimit(), ChannelPace()  # the real pacing
            store = app.store
            async with app.db.transaction():
                ids = []
                for c in range(channels):
                    cid = await store.channels.add(f"c{c}")
                    await store.links.link("discord", "channel", str(900000000000000000 + c), cid)
                    ids.append(cid)
                for i in range(per_channel):
                    for cid in ids:
                        await store.outbox.enqueue(f"drain:{cid}:{i}", Reply(text=f"post {i}"), app.clock.now(),
                                                   group_id=None, channel_id=cid)
            total = channels * per_channel
            began = time.perf_counter()
            delivered = 0
            while delivered < total:
                delivered += await app.deliverer.drain()
                app.clock.advance(timedelta(seconds=5))  # retries, if any, fall due
            elapsed = time.perf_counter() - began
            await stop_client(client, task)
    await fake.stop()
    bound = max(total / GLOBAL_PER_SECOND, per_channel / CHANNEL_MESSAGES * CHANNEL_WINDOW)
    rate = total / elapsed
    posts = sum(len(v) for v in fake.channel_messages.values())
    print(f"\nstudybot outbox drain against Discord's limits — {os.cpu_count()} cores")
    print(f"{total} posts over {channels} channels; limits {GLOBAL_PER_SECOND}/s global, "
          f"{CHANNEL_MESSAGES} per {CHANNEL_WINDOW:.0f} s per channel; best possible {total / bound:.1f}/s")
    print(f"{'posts':>8}{'seconds':>10}{'per s':>10}{'of limit':>10}{'429s':>8}{'stored':>8}")
    print(f"{total:>8}{elapsed:>10.1f}{rate:>10.1f}{rate / (total / bound):>10.0%}{fake.too_many:>8}{posts:>8}")
    print(f"429s: {fake.global_429} global, {fake.too_many - fake.global_429} per channel")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", type=int, default=60)
    ap.add_argument("--per-channel", type=int, default=25)
    args = ap.parse_args()
    asyncio.run(main(args.channels, args.per_channel))
