"""Check-ins on Discord: the daily digest as a header in the channel with the answers in a thread started
from it, delivered once across failures and a restart; the form asks the group's own questions."""

from __future__ import annotations

from datetime import timedelta

from discord_fake import CHANNEL_ID, Failure
from discord_harness import ADA, BOB, START, embed_of, is_ephemeral, running, start_group, text_of

from adapters.discord.messenger import nonce_for
from tests.units import units

DIGEST = START.replace(hour=18)  # 19:00 Paris (the digest of the 09:00 check-ins) is 18:00 UTC
POSTS = f"POST /channels/{CHANNEL_ID}/messages"
UNAVAILABLE = Failure(503, {"message": "503: Service Unavailable", "code": 0})


def headers(fake) -> list[dict]:
    """The check-in digest headers posted in the group's channel."""
    return [m for m in fake.channel_messages[CHANNEL_ID]
            if (m["embeds"][0].get("title") or "").startswith("Check-ins — ")]


def thread_text(fake, thread_id: int) -> str:
    return "\n".join(f"{f['name']}: {f['value']}" for m in fake.channel_messages[thread_id]
                     for f in m["embeds"][0].get("fields", []))


async def answer(fake, user: int, name: str, **slots: str) -> None:
    body = await fake.slash("checkin answer", slots, user=user, name=name)
    assert is_ephemeral(body) and "Checked in" in text_of(body), text_of(body)


async def test_the_digest_is_a_header_in_the_channel_and_the_answers_are_in_its_thread(dbot):
    fake = dbot.fake
    await start_group(fake)
    await answer(fake, BOB, "bob", done="two-sum", next="sliding window", blockers="none")
    await answer(fake, ADA, "ada", done="big-o notes")
    await dbot.app.advance(DIGEST - dbot.clock.now())

    (header,) = headers(fake)
    embed = header["embeds"][0]
    assert embed["title"] == "Check-ins — Mon 02 Mar"
    assert embed["description"].startswith("2 members checked in for ")
    assert not embed.get("fields"), "the answers are not in the channel"
    header_id = int(header["id"])
    (started,) = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages/{header_id}/threads")
    assert started.body["name"] == "Check-ins — Mon 02 Mar" and started.body["auto_archive_duration"] == 1440
    assert fake.threads[header_id]["parent_id"] == str(CHANNEL_ID), "a thread started from the header"
    (in_thread,) = fake.channel_messages[header_id]
    text = thread_text(fake, header_id)
    assert "Bob · streak 1: Done: two-sum\nNext: sliding window\nBlockers: none" in text
    assert "Ada · streak 1: Done: big-o notes" in text
    assert in_thread["nonce"] == nonce_for("checkin-digest:1:2026-03-02:1")
    # Nothing else went into the channel but the daily problem and the header.
    assert len(fake.channel_messages[CHANNEL_ID]) == 2
    header_row = await units(dbot.app).outbox.get("checkin-digest:1:2026-03-02")
    assert header_row.ref == str(header_id), "what Discord returned for the header is kept in the outbox"


async def test_a_lost_answer_a_failed_thread_post_and_a_restart_post_each_part_once(fake, tmp_path):
    async with running(fake, tmp_path) as bot:
        await start_group(fake)
        await answer(fake, BOB, "bob", done="two-sum")
        await bot.app.advance(DIGEST - timedelta(minutes=5) - bot.clock.now())  # daily post done
        # Discord stores the header but its answer is lost (503); then the first post into the thread fails.
        fake.fail_next(POSTS, Failure(503, {"message": "upstream reset", "code": 0}, after_accept=True))
        fake.thread_failures.append(UNAVAILABLE)
        await bot.app.advance(timedelta(minutes=5))
        assert len(headers(fake)) == 1 and not fake.threads
        bot.clock.advance(timedelta(seconds=5))
        assert await bot.app.deliverer.drain() == 1  # the header again: Discord drops it by its nonce
        (header,) = headers(fake)
        header_id = int(header["id"])
        assert header_id in fake.threads, "the thread was started from the header Discord kept"
        assert fake.channel_messages[header_id] == [], "the post in it failed"
        assert (await units(bot.app).outbox.get("checkin-digest:1:2026-03-02")).ref == str(header_id)
        stopped_at = bot.clock.now()
    # A crash now: the process restarts with nothing in memory, and delivers the rest from the outbox.
    async with running(fake, tmp_path, start=stopped_at + timedelta(minutes=1)) as bot:
        await bot.app.deliverer.drain()
        assert len(headers(fake)) == 1, "the header is in the channel once"
        tries = [r for r in fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
                 if r.body and r.body.get("nonce") == nonce_for("checkin-digest:1:2026-03-02")]
        assert len(tries) == 2
        starts = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages/{header_id}/threads")
        assert len(starts) == 2 and len(fake.threads) == 1, "starting it again was answered 'already created'"
        (in_thread,) = fake.channel_messages[header_id]
        assert "Bob · streak 1: Done: two-sum" in thread_text(fake, header_id)
        assert len(fake.recorded("POST", f"/channels/{header_id}/messages")) == 2  # the failed try, then one
        for key in ("checkin-digest:1:2026-03-02", "checkin-digest:1:2026-03-02:1"):
            assert (await units(bot.app).outbox.get(key)).status == "delivered"


async def test_without_the_right_to_start_threads_the_answers_go_to_the_channel(dbot):
    fake = dbot.fake
    await start_group(fake)
    await answer(fake, BOB, "bob", done="two-sum")
    fake.fail_next(f"{POSTS}/", Failure(403, {"message": "Missing Permissions", "code": 50013}))
    await dbot.app.advance(DIGEST - dbot.clock.now())
    daily, header, answers = fake.channel_messages[CHANNEL_ID]
    assert header["embeds"][0]["title"] == "Check-ins — Mon 02 Mar"
    assert answers["embeds"][0]["fields"][0]["name"] == "Bob · streak 1"
    assert not fake.threads
    assert (await units(dbot.app).outbox.get("checkin-digest:1:2026-03-02:1")).status == "delivered"


async def test_the_checkin_form_asks_the_groups_own_questions(dbot):
    fake = dbot.fake
    await start_group(fake)
    long_question = "What is in your way right now, if anything at all?"  # longer than a modal label
    body = await fake.slash("group checkins run", {"questions": f"What did you ship today?; {long_question}"},
                            user=ADA, name="ada", admin=True)
    assert "What did you ship today?" in text_of(body)
    opened = await fake.slash("checkin answer", user=BOB, name="bob")
    assert opened["type"] == 9, "a modal"
    modal = opened["data"]
    inputs = [row["components"][0] for row in modal["components"]]
    assert [(i["custom_id"], i["label"]) for i in inputs] == [
        ("f:done", "What did you ship today?"), ("f:next", long_question[:44].rstrip() + "…")]
    assert "placeholder" not in inputs[0] and inputs[1]["placeholder"] == long_question
    body = await fake.submit_modal(modal["custom_id"], {"f:done": "the parser", "f:next": "a flaky test"},
                                   user=BOB, name="bob")
    assert is_ephemeral(body)
    fields = {f["name"]: f["value"] for f in embed_of(body)["fields"]}
    assert fields["What did you ship today?"] == "the parser" and fields[long_question] == "a flaky test"
    # Someone outside the group is told why rather than shown a form they cannot send.
    refused = await fake.slash("checkin answer", user=103, name="cy")
    assert refused["type"] == 4 and is_ephemeral(refused) and "join" in text_of(refused)
