"""Check-ins on Slack: the daily digest as a header in the channel with the answers in its thread
(thread_ts = the header's ts), delivered once across a failure and a restart; the form asks the group's
own questions."""

from __future__ import annotations

from datetime import timedelta

from slack_fake import ADA, BOB, CHANNEL, Failure
from slack_harness import START, response, running, start_group, text_of

from adapters.slack import render
from tests.units import units

DIGEST = START.replace(hour=18)  # 19:00 Paris (the digest of the 09:00 check-ins) is 18:00 UTC
UNAVAILABLE = Failure(503, {"ok": False, "error": "service_unavailable"})


def digest_posts(fake) -> tuple[list[dict], list[dict]]:
    """(headers in the channel, replies in threads) of the check-in digests."""
    posts = fake.messages.get(CHANNEL, [])
    headers = [m for m in posts if "thread_ts" not in m and text_of(m).startswith("Check-ins — ")]
    return headers, [m for m in posts if "thread_ts" in m]


async def answer(bot, text: str, user: str) -> None:
    sent = response(bot.fake, await bot.slash(text, user=user))
    assert "Checked in" in text_of(sent), text_of(sent)


async def test_the_digest_is_a_header_in_the_channel_and_the_answers_are_in_its_thread(sbot):
    fake = sbot.fake
    await start_group(sbot)
    await answer(sbot, "checkin done two-sum next sliding window blockers none", BOB)
    await answer(sbot, "checkin done big-o notes", ADA)
    await sbot.app.advance(DIGEST - sbot.clock.now())

    (header,), (replies,) = digest_posts(fake)
    assert text_of(header).startswith("Check-ins — Mon 02 Mar\n2 members checked in for ")
    assert "two-sum" not in text_of(header), "the answers are not in the channel"
    assert replies["thread_ts"] == header["ts"], "the answers are a reply in the header's thread"
    text = text_of(replies)
    assert "*bob · streak 1*\nDone: two-sum\nNext: sliding window\nBlockers: none" in text
    assert "*ada · streak 1*\nDone: big-o notes" in text
    assert replies["metadata"]["event_payload"] == {"key": "checkin-digest:1:2026-03-02:1"}
    assert len(fake.messages[CHANNEL]) == 3  # the daily problem, the header, the reply
    header_row = await units(sbot.app).outbox.get("checkin-digest:1:2026-03-02")
    assert header_row.ref == header["ts"], "what Slack returned for the header is kept in the outbox"


async def test_a_failed_thread_post_and_a_restart_post_each_part_once(fake, tmp_path):
    async with running(fake, tmp_path) as bot:
        await start_group(bot)
        await answer(bot, "checkin done two-sum", BOB)
        fake.thread_failures.append(UNAVAILABLE)
        await bot.app.advance(DIGEST - bot.clock.now())
        (header,), replies = digest_posts(fake)
        assert replies == [], "the post into the thread failed"
        message = await units(bot.app).outbox.get("checkin-digest:1:2026-03-02:1")
        assert message.status == "pending" and "service_unavailable" in message.last_error
        stopped_at = bot.clock.now()
    # A crash now: the process restarts with nothing in memory, and delivers the rest from the outbox.
    async with running(fake, tmp_path, start=stopped_at + timedelta(minutes=1)) as bot:
        await bot.app.deliverer.drain()
        (again,), (reply,) = digest_posts(fake)
        assert again == header, "the header is in the channel once"
        assert reply["thread_ts"] == header["ts"] and "*bob · streak 1*\nDone: two-sum" in text_of(reply)
        threaded = [c for c in fake.recorded("chat.postMessage") if c.params.get("thread_ts")]
        assert [c.params["thread_ts"] for c in threaded] == [header["ts"]] * 2  # the failed try, then one
        for key in ("checkin-digest:1:2026-03-02", "checkin-digest:1:2026-03-02:1"):
            assert (await units(bot.app).outbox.get(key)).status == "delivered"


async def test_the_checkin_form_asks_the_groups_own_questions(sbot):
    fake = sbot.fake
    await start_group(sbot)
    sent = response(fake, await sbot.slash("group checkins questions What did you ship today?; What is in your way?",
                                           user=ADA))
    assert "What did you ship today?" in text_of(sent)
    answer = await sbot.slash("checkin", user=BOB)
    assert fake.responses_to(answer.response_url) == [], "a modal, not a message"
    (opened,) = fake.recorded("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == render.FORM_CALLBACK
    assert [(b["block_id"], b["label"]["text"]) for b in view["blocks"]] == [
        ("f:done", "What did you ship today?"), ("f:next", "What is in your way?")]
    await sbot.submit(view, {"done": "the parser", "next": "a flaky test"}, user=BOB)
    text = text_of(response(fake, answer))
    assert "*What did you ship today?*\nthe parser" in text and "*What is in your way?*\na flaky test" in text
