"""Outbox drain against a fake Discord that enforces Discord's limits.

    python bench/bench_drain.py [--channels 60] [--per-channel 25]
    python bench/bench_drain.py --quick              # 10 channels x 5 posts, a few seconds
    python bench/bench_drain.py --quick --inject drop   # the self-check must fail: exit 1

The fake (tests/e2e/discord/discord_fake.py, extended here) allows 50 requests a second in all and
5 messages per 5 seconds in each channel, announces each channel's bucket in the X-RateLimit headers
as Discord does, and answers 429 to anything over. It knows the benchmark's channels (a channel it
does not know gets 404 Unknown Channel, as on Discord). The real discord.py client and our deliverer
drain the queued posts; the bench prints messages per second as a fraction of what the limits allow,
and the 429s received (the target is 0). Wall-clock time: this measures real pacing.

Before it prints a rate it checks its own result, and exits 1 with one line on stderr unless: the
fake stored every enqueued post exactly once, in each channel in the order enqueued (nonce and text,
message by message), answered 2xx to exactly that many posts and nothing but 429 otherwise, and the
deliverer counted exactly that many as delivered. `--inject` breaks the fake on purpose to show the
check at work: `drop` accepts every 7th post without storing it, `unknown-channels` forgets the
benchmark's channels (the fault that once went unnoticed here: every post got a 404).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e" / "discord"))

import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from discord.http import Route  # noqa: E402
from discord_fake import FakeDiscord, Recorded, json_response  # noqa: E402
from discord_harness import START, TOKEN, start_client, stop_client  # noqa: E402

from adapters.discord.messenger import ChannelPace, GlobalLimit, nonce_for  # noqa: E402
from bot.bootstrap import open_app  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.reply import Reply  # noqa: E402

GLOBAL_PER_SECOND = 50
CHANNEL_MESSAGES, CHANNEL_WINDOW = 5, 5.0
FIRST_CHANNEL = 900000000000000000
DROP_EVERY = 7


# -- the database layer, in one place -------------------------------------------------------------
# The only code here that reaches below the app's public entry points (open_app, the deliverer, the
# fakes): one unit of work that sets the outbox up.
async def run_unit(app, work):
    """`work(store)` as one unit of work: one transaction, the hop a command takes."""
    return await app.uow.run(work)


async def seed_outbox(app, channels: int, per_channel: int) -> dict[int, list[tuple[str, str]]]:
    """Link `channels` Discord channels and queue `per_channel` posts to each, in one unit of work.
    Returns what each Discord channel must receive, in order: (nonce, text) per post."""
    expected: dict[int, list[tuple[str, str]]] = {}

    async def work(store) -> None:
        ids = []
        for c in range(channels):
            cid = await store.channels.add(f"c{c}")
            await store.links.link("discord", "channel", str(FIRST_CHANNEL + c), cid)
            ids.append((FIRST_CHANNEL + c, cid))
        for i in range(per_channel):
            for ref, cid in ids:
                key, text = f"drain:{cid}:{i}", f"post {i} to channel {ref - FIRST_CHANNEL}"
                await store.outbox.enqueue(key, Reply(text=text), app.clock.now(), group_id=None, channel_id=cid)
                expected.setdefault(ref, []).append((nonce_for(key), text))

    await run_unit(app, work)
    return expected
# ---------------------------------------------------------------------------------------------------


class LimitedDiscord(FakeDiscord):
    def __init__(self, inject: str | None = None) -> None:
        super().__init__()
        self.recent: deque[float] = deque()
        self.windows: dict[str, tuple[float, int]] = {}
        self.too_many = 0
        self.global_429 = 0
        self.known: set[int] = set()  # the benchmark's channels, on top of the base fake's two
        self.inject = inject
        self.answers: Counter[int] = Counter()  # status of every answer to a channel post
        self.accepted_nonces: Counter[str] = Counter()  # nonces of posts answered 2xx
        self.posts_seen = 0

    def add_channels(self, channel_ids) -> None:
        if self.inject != "unknown-channels":
            self.known.update(channel_ids)

    async def rest(self, request):
        response = await self._limited(request)
        parts = request.match_info["tail"].strip("/").split("/")
        if request.method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            self.answers[response.status] += 1
        return response

    async def _limited(self, request):
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
            if int(channel) in self.known:
                response = await self._post_known(request, int(channel))
            else:
                response = await super().rest(request)  # the base fake's channels, or 404 Unknown Channel
            for k, v in {**headers, "X-RateLimit-Remaining": str(CHANNEL_MESSAGES - used - 1)}.items():
                response.headers[k] = v
            return response
        return await super().rest(request)

    async def _post_known(self, request, channel: int):
        """A post to one of the benchmark's channels: recorded and stored (deduplicated by nonce) as
        the base fake does for its own channels."""
        body, files = await self._body(request)
        self.requests.append(Recorded(request.method, "/" + request.match_info["tail"], dict(request.query),
                                      body, files))
        self.posts_seen += 1
        if self.inject == "drop" and self.posts_seen % DROP_EVERY == 0:
            message = self._message(channel, body, files)  # answered as stored, but never kept
        else:
            message = self._post(channel, body, files)
        if body.get("nonce"):
            self.accepted_nonces[body["nonce"]] += 1
        return json_response(message)


def stored_by_channel(fake: LimitedDiscord) -> dict[int, list[tuple[str, str]]]:
    def text(message: dict) -> str:
        embeds = message.get("embeds") or []
        return (embeds[0].get("description") or "") if embeds else message.get("content") or ""

    return {channel: [(str(m.get("nonce")), text(m)) for m in messages]
            for channel, messages in fake.channel_messages.items() if messages}


def check(expected: dict[int, list[tuple[str, str]]], fake: LimitedDiscord, delivered: int) -> str | None:
    """Why this run's figures mean nothing, or None when every post reached the fake exactly once."""
    total = sum(len(v) for v in expected.values())
    stored = stored_by_channel(fake)
    stored_total = sum(len(v) for v in stored.values())
    others = {s: n for s, n in fake.answers.items() if not 200 <= s < 300 and s != 429}
    if others:
        return (f"the fake refused posts ({', '.join(f'{n} x {s}' for s, n in sorted(others.items()))}); "
                f"{stored_total} of {total} stored")
    repeats = sum(n - 1 for n in fake.accepted_nonces.values() if n > 1)
    if repeats:
        return f"{repeats} posts were sent again after the fake had taken them (same nonce): duplicates"
    for channel, want in expected.items():
        got = stored.get(channel, [])
        if got != want:
            missing = len(set(want) - set(got))
            dupes = len(got) - len(set(got))
            extra = len(set(got) - set(want))
            order = "" if missing or dupes or extra else ", out of order"
            return (f"channel {channel}: the fake stored {len(got)} of {len(want)} posts ({missing} missing, "
                    f"{dupes} duplicated, {extra} unexpected{order}); {stored_total} of {total} in all")
    if set(stored) - set(expected):
        return f"the fake stored posts in channels nobody wrote to: {sorted(set(stored) - set(expected))}"
    accepted = sum(n for s, n in fake.answers.items() if 200 <= s < 300)
    if accepted != total:
        return f"the fake answered 2xx to {accepted} posts, but {total} were enqueued"
    if delivered != total:
        return f"the deliverer counted {delivered} posts as delivered, but the fake took {total}"
    return None


async def main(channels: int, per_channel: int, inject: str | None = None) -> int:
    fake = LimitedDiscord(inject)
    await fake.start()
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    total = channels * per_channel
    bound = max(total / GLOBAL_PER_SECOND, per_channel / CHANNEL_MESSAGES * CHANNEL_WINDOW)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(platform="discord", db_path=os.path.join(tmp, "drain.db"), discord_token=TOKEN)
            async with open_app(settings, SimulatedClock(START)) as app:
                client, task = await start_client(app, fake, dev_guild=None)
                try:
                    client.messenger.limit, client.messenger.pace = GlobalLimit(), ChannelPace()  # the real pacing
                    fake.add_channels(FIRST_CHANNEL + c for c in range(channels))
                    # Timed from the enqueue: where the commit itself wakes the deliverer, it starts there.
                    began = time.perf_counter()
                    expected = await seed_outbox(app, channels, per_channel)
                    # Bounded: at most three times the best possible time plus a margin, and a few idle passes.
                    deadline, idle, settled = began + 3 * bound + 30, 0, 0
                    while app.deliverer.delivered < total and settled < total and idle < 20 \
                            and time.perf_counter() < deadline:
                        progress = await app.deliverer.drain()
                        settled += progress
                        idle = 0 if progress else idle + 1
                        app.clock.advance(timedelta(seconds=5))  # retries, if any, fall due
                    elapsed = time.perf_counter() - began
                    delivered = app.deliverer.delivered
                finally:
                    await stop_client(client, task)
    finally:
        await fake.stop()
    problem = check(expected, fake, delivered)
    if problem is not None:
        print(f"bench_drain FAILED: {problem}", file=sys.stderr)
        return 1
    rate = total / elapsed
    print(f"\nstudybot outbox drain against Discord's limits — {os.cpu_count()} cores")
    print(f"{total} posts over {channels} channels; limits {GLOBAL_PER_SECOND}/s global, "
          f"{CHANNEL_MESSAGES} per {CHANNEL_WINDOW:.0f} s per channel; best possible {total / bound:.1f}/s")
    print(f"{'posts':>8}{'seconds':>10}{'per s':>10}{'of limit':>10}{'429s':>8}{'stored':>8}")
    print(f"{total:>8}{elapsed:>10.1f}{rate:>10.1f}{rate / (total / bound):>10.0%}{fake.too_many:>8}{total:>8}")
    print(f"429s: {fake.global_429} global, {fake.too_many - fake.global_429} per channel")
    print(f"checked: each of the {total} posts stored by the fake exactly once, in order per channel; "
          f"{total} answered 2xx, none refused")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", type=int, default=60)
    ap.add_argument("--per-channel", type=int, default=25)
    ap.add_argument("--quick", action="store_true", help="10 channels x 5 posts: a smoke run of a few seconds")
    ap.add_argument("--inject", choices=("drop", "unknown-channels"), default=None,
                    help="break the fake on purpose; the self-check must then fail (exit 1)")
    args = ap.parse_args()
    if args.quick:
        args.channels, args.per_channel = 10, 5
    sys.exit(asyncio.run(main(args.channels, args.per_channel, args.inject)))
