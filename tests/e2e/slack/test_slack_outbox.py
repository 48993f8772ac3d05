"""What the bot sends on its own reaches Slack through the outbox: once, in order, paced, despite failures."""

from __future__ import annotations

import json
from datetime import timedelta

from slack_fake import ADA, BOB, CHANNEL, OTHER_CHANNEL, Failure
from slack_harness import START, buttons_of, response, running, start_group, text_of

from bot.reply import Bar, Button, Field, Image, Reply
from bot.text import Rich, Stamp
from tests.units import each_statement_commits, refuse_writes, units

RATELIMITED = Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})


async def enqueue(bot, key: str, reply: Reply, *, user: str | None = None, channel: str = CHANNEL) -> None:
    links, store = units(bot.app).links, units(bot.app)
    channel_id = await links.internal("slack", "channel", CHANNEL)
    group = await store.groups.by_channel(channel_id)
    target = None
    if user is None and channel != CHANNEL:
        async with each_statement_commits(bot.app.db):
            target = await links.internal("slack", "channel", channel)
            if target is None:
                target = await store.channels.add(channel)
                await links.link("slack", "channel", channel, target)
    person = await links.internal("slack", "user", user) if user else None
    async with each_statement_commits(bot.app.db):
        await store.outbox.enqueue(key, reply, bot.clock.now(), group_id=group.id,
                                   channel_id=None if user else (target or channel_id), user_id=person)


def posted(fake, channel: str = CHANNEL) -> list[str]:
    return [m["text"] for m in fake.messages.get(channel, [])]


async def test_a_channel_post_and_dms_with_local_time_markers(sbot):
    fake = sbot.fake
    await start_group(sbot)
    await enqueue(sbot, "test:post", Reply(title="Weekly digest", text=Rich.format("Pairs meet {when}.",
                                                                                   when=Stamp(1772470800, "f")),
                                           buttons=[Button("Leaderboard", "leaderboard week")]))
    await enqueue(sbot, "test:dm:1", Reply(text=Rich.format("Your mock is {when}.", when=Stamp(1772470800, "R"))),
                  user=BOB)
    await enqueue(sbot, "test:dm:2", Reply(text="Check-in time"), user=BOB)
    assert await sbot.app.deliverer.drain() == 3
    (post,) = fake.messages[CHANNEL]
    assert post["blocks"][1]["text"]["text"] == (
        "Pairs meet <!date^1772470800^{date_short_pretty} {time}|Mon 02 Mar 2026 17:00 UTC>.")
    assert post["metadata"] == {"event_type": "studybot_outbox", "event_payload": {"key": "test:post"}}
    assert post["unfurl_links"] is False
    assert "Mon 02 Mar 2026 17:00 UTC" in post["text"], "the fallback text has a readable time"
    assert buttons_of(post)[0]["value"] == "leaderboard week"
    (opened,) = fake.recorded("conversations.open")
    assert opened.params == {"users": BOB}, "the DM channel is opened once and remembered"
    first, second = fake.messages["D0000BOB1"]
    assert first["blocks"][0]["text"]["text"] == "Your mock is <!date^1772470800^{ago}|Mon 02 Mar 2026 17:00 UTC>."
    assert second["text"] == "Check-in time"
    for key in ("test:post", "test:dm:1", "test:dm:2"):
        assert (await units(sbot.app).outbox.get(key)).status == "delivered"


async def test_a_restart_asks_for_no_im_channel_that_was_opened_before(fake, tmp_path):
    async with running(fake, tmp_path) as bot:
        await start_group(bot)
        await enqueue(bot, "restart-dm:1", Reply(text="Before the restart"), user=BOB)
        assert await bot.app.deliverer.drain() == 1
    opened = [c.params["users"] for c in fake.recorded("conversations.open")]
    assert opened.count(BOB) == 1
    # A new process: nothing in memory, the IM channel comes from the database with the message.
    async with running(fake, tmp_path, start=START + timedelta(minutes=30)) as bot:
        await enqueue(bot, "restart-dm:2", Reply(text="After the restart"), user=BOB)
        assert await bot.app.deliverer.drain() == 1
    again = [c.params["users"] for c in fake.recorded("conversations.open")]
    assert again == opened, "no second request for anyone's IM after the restart"
    assert [m["text"] for m in fake.messages["D0000BOB1"]] == ["Before the restart", "After the restart"]


async def test_the_daily_post_goes_to_the_channel_and_its_button_works_later(sbot):
    fake = sbot.fake
    await start_group(sbot)
    assert posted(fake) == []
    # Europe/Paris 09:00 on Monday 2 March is 08:00 UTC; the clock starts at 07:00 UTC.
    await sbot.app.advance(timedelta(hours=2))
    (daily,) = fake.messages[CHANNEL]
    solved = next(b for b in buttons_of(daily) if b["value"].startswith("problem solved"))
    await sbot.app.advance(timedelta(hours=3))
    clicked = await sbot.click(solved, user=BOB)
    assert "solved" in text_of(response(fake, clicked)).lower()
    assert len(fake.messages[CHANNEL]) == 1, "the daily problem is posted once"


async def test_a_429_is_survived_and_the_message_delivered_once_in_order(sbot):
    fake = sbot.fake
    await start_group(sbot)
    fake.fail_next("chat.postMessage", RATELIMITED)
    await enqueue(sbot, "test:limited", Reply(text="first"))
    await enqueue(sbot, "test:behind", Reply(text="second"))
    assert await sbot.app.deliverer.drain() == 0
    assert posted(fake) == []
    message = await units(sbot.app).outbox.get("test:limited")
    assert message.status != "delivered" and "rate limited" in message.last_error
    sbot.clock.advance(timedelta(seconds=29))
    assert await sbot.app.deliverer.drain() == 0, "not before Retry-After"
    sbot.clock.advance(timedelta(seconds=2))
    assert await sbot.app.deliverer.drain() == 2
    assert posted(fake) == ["first", "second"], "delivered once, order kept"
    assert len(fake.recorded("chat.postMessage")) == 3  # the refused try, then one each
    # An outage (a 503) backs off on the outbox's own clock and is retried.
    fake.fail_next("chat.postMessage", Failure(503, {"ok": False, "error": "service_unavailable"}))
    await enqueue(sbot, "test:outage", Reply(text="third"))
    assert await sbot.app.deliverer.drain() == 0
    sbot.clock.advance(timedelta(seconds=5))
    assert await sbot.app.deliverer.drain() == 1
    assert posted(fake) == ["first", "second", "third"]


async def test_posts_to_one_channel_are_paced_to_one_a_second(sbot):
    fake = sbot.fake
    await start_group(sbot)
    for i in range(3):
        await enqueue(sbot, f"test:burst:{i}", Reply(text=f"post {i}"))
    await enqueue(sbot, "test:burst:dm", Reply(text="a DM"), user=ADA)
    assert await sbot.app.deliverer.drain() == 4
    assert posted(fake) == ["post 0", "post 1", "post 2"]
    assert sbot.timer.waits == [1.0, 1.0], "the channel waits between its posts; the DM did not wait"


async def test_unreachable_places_are_recorded_once_and_never_retried(sbot):
    fake = sbot.fake
    await start_group(sbot)
    await enqueue(sbot, "test:not-invited", Reply(text="hello"), channel=OTHER_CHANNEL)
    fake.disabled_users.add(BOB)
    await enqueue(sbot, "test:dm-gone:1", Reply(text="Check-in time"), user=BOB)
    await enqueue(sbot, "test:dm-gone:2", Reply(text="Another prompt"), user=BOB)
    await sbot.app.deliverer.drain()
    sbot.clock.advance(timedelta(hours=1))
    await sbot.app.deliverer.drain()
    assert (await units(sbot.app).outbox.get("test:not-invited")).status == "undeliverable"
    assert (await units(sbot.app).outbox.get("test:dm-gone:1")).status == "undeliverable"
    assert len([c for c in fake.recorded("chat.postMessage") if c.params["channel"] == OTHER_CHANNEL]) == 1
    assert len(fake.recorded("conversations.open")) == 2, "one try per message, no retries"
    notices = [t for t in posted(fake) if "direct message" in t]
    assert len(notices) == 1, "a closed DM is reported in the channel once"


async def test_a_chart_is_uploaded_and_a_failed_upload_does_not_repeat_the_post(sbot):
    fake = sbot.fake
    await start_group(sbot)
    chart = Image("digest.png", b"\x89PNG fake chart", "Solves this week")
    fake.fail_next("files.completeUploadExternal", Failure(500, {"ok": False, "error": "internal_error"}))
    await enqueue(sbot, "test:digest", Reply(title="Weekly digest", text="12 solves", image=chart))
    assert await sbot.app.deliverer.drain() == 0
    assert posted(fake) == ["Weekly digest\n12 solves"]
    sbot.clock.advance(timedelta(minutes=1))
    assert await sbot.app.deliverer.drain() == 1
    assert len(posted(fake)) == 1, "the retry sent the chart only"
    (file_id,) = fake.shared[CHANNEL]
    assert fake.uploads[file_id] == chart.data
    (url_call, _) = fake.recorded("files.getUploadURLExternal")
    assert url_call.params["filename"] == "digest.png" and url_call.params["length"] == str(len(chart.data))
    assert "Solves this week" in text_of(fake.messages[CHANNEL][0]), "the post says a chart follows"


async def test_long_replies_are_kept_within_slacks_block_limits(sbot):
    fake = sbot.fake
    await start_group(sbot)
    huge = Reply(title="T" * 400, text="\n".join("x" * 120 for _ in range(1500)), footer="f" * 3000,
                 fields=[Field(f"field {i}", "v" * 2500) for i in range(40)],
                 bars=[Bar(f"stage {i}", i, 10) for i in range(8)],
                 buttons=[Button(f"button {i}", f"problem solved p{i}") for i in range(30)])
    await enqueue(sbot, "test:huge", huge)
    assert await sbot.app.deliverer.drain() == 1
    (message,) = fake.messages[CHANNEL]
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    assert [b["type"] for b in blocks[-3:]] == ["actions", "actions", "context"], "buttons and footer are kept"
    assert sum(len(b["elements"]) for b in blocks if b["type"] == "actions") == 30
    assert any("more than Slack shows" in e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])
    assert len(message["text"]) <= 3000


async def test_one_poisoned_message_among_100_delays_none_of_the_other_99(sbot):
    fake = sbot.fake
    await start_group(sbot)
    fake.poison = "POISON"  # Slack answers invalid_blocks to that message, every time
    for i in range(100):
        await enqueue(sbot, f"poison:{i}", Reply(text=f"post {i}" + (" POISON" if i == 37 else "")))
    assert await sbot.app.deliverer.drain() == 101, "the 100 and the notice, without the clock moving"
    texts = posted(fake)
    assert [t for t in texts if t.startswith("post")] == [f"post {i}" for i in range(100) if i != 37]
    tries = [c for c in fake.recorded("chat.postMessage") if "POISON" in json.dumps(c.params)]
    assert len(tries) == 1, "refused once, never retried"
    poisoned = await units(sbot.app).outbox.get("poison:37")
    assert poisoned.status == "undeliverable" and "invalid_blocks" in poisoned.last_error
    # No organiser is granted in this group, so the channel is told, once, without the message's words.
    (notice,) = [t for t in texts if "was not delivered" in t]
    assert "Slack refused it" in notice and "POISON" not in notice and "post 37" not in notice
    sbot.clock.advance(timedelta(hours=1))
    await enqueue(sbot, "poison:again", Reply(text="again POISON"))
    await sbot.app.deliverer.drain()
    assert len([t for t in posted(fake) if "was not delivered" in t]) == 1, "once per kind in 24 hours"


async def test_an_error_slack_names_is_final_unless_it_is_an_outage_or_the_bots_own_credentials(sbot):
    fake = sbot.fake
    await start_group(sbot)
    # An error we never listed is still Slack refusing this message: before, it was retried for ever.
    fake.fail_next("chat.postMessage", Failure(200, {"ok": False, "error": "invalid_arguments"}))
    await enqueue(sbot, "refused:unknown", Reply(text="first"))
    await enqueue(sbot, "refused:next", Reply(text="second"))
    await sbot.app.deliverer.drain()
    assert posted(fake)[0] == "second"
    assert (await units(sbot.app).outbox.get("refused:unknown")).last_error == "Slack refused the message: invalid_arguments"
    # A revoked token or a missing scope is fixed once by the operator, for every message: wait for it.
    fake.fail_next("chat.postMessage", Failure(200, {"ok": False, "error": "token_revoked"}),
                   Failure(200, {"ok": False, "error": "missing_scope"}))
    await enqueue(sbot, "held:1", Reply(text="third"))
    await enqueue(sbot, "held:2", Reply(text="fourth"))
    assert await sbot.app.deliverer.drain() == 0
    sbot.clock.advance(timedelta(minutes=1))
    assert await sbot.app.deliverer.drain() == 0
    sbot.clock.advance(timedelta(minutes=1))
    assert await sbot.app.deliverer.drain() == 2
    assert [t for t in posted(fake) if "was not delivered" not in t] == ["second", "third", "fourth"]


async def test_a_post_that_cannot_be_marked_sent_is_sent_once_and_nothing_more_until_writes_work(sbot):
    fake = sbot.fake
    await start_group(sbot)
    for i in range(10):
        await enqueue(sbot, f"bookkeeping:{i}", Reply(text=f"post {i}"))
    db = sbot.app.db
    # The database refuses the outbox's writes from here on, as a full disk does. Slack does not drop a
    # repeated post, so each extra send here would be one more copy in the channel.
    await refuse_writes(db, True)
    for _ in range(100):  # five seconds at the old loop's pace: that was 98 copies of the first post
        await sbot.app.deliverer.drain()
        sbot.clock.advance(timedelta(milliseconds=50))
    assert posted(fake) == ["post 0"]
    await refuse_writes(db, False)
    sbot.clock.advance(timedelta(minutes=1))
    assert await sbot.app.deliverer.drain() == 9
    assert posted(fake) == [f"post {i}" for i in range(10)], "each once, in order"
    first = await units(sbot.app).outbox.get("bookkeeping:0")
    assert first.status == "delivered" and first.ref == fake.messages[CHANNEL][0]["ts"]
