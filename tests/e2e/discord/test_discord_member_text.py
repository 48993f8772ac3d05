"""The attacks of issue 12 on Discord: what a member typed is shown as text in bot-authored embeds; no
stamp, mention or masked link comes out of it, and nobody is pinged by anything the bot posts."""

from __future__ import annotations

from discord_harness import BOB, START, is_ephemeral, start_group, text_of

DIGEST = START.replace(hour=18)  # 19:00 Paris, the day's check-in digest
STAMP_NAME = "{t:99999999999999:f}"
LINK = "[Free interview prep](http://evil.example/N)"


def every_post(fake) -> list[dict]:
    return [m for messages in fake.channel_messages.values() for m in messages]


def markdown_of(message: dict) -> str:
    embed = message["embeds"][0]
    return "\n".join([embed.get("title") or "", embed.get("description") or ""]
                     + [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])])


async def test_a_display_name_shaped_like_a_stamp_and_a_masked_link_stay_text(dbot):
    fake = dbot.fake
    await start_group(fake)
    body = await fake.slash("join", user=BOB + 7, name=STAMP_NAME)
    assert "Welcome" in text_of(body) or "joined" in text_of(body).lower(), text_of(body)
    body = await fake.slash("checkin answer", {"done": LINK, "blockers": "@everyone <@1> <@&2>"},
                            user=BOB + 7, name=STAMP_NAME)
    assert is_ephemeral(body), text_of(body)
    await fake.slash("apply add", {"company": LINK}, user=BOB + 7, name=STAMP_NAME)
    body = await fake.slash("apply move", {"company": LINK, "stage": "offer", "announce": "announce"},
                            user=BOB + 7, name=STAMP_NAME)
    await dbot.app.advance(DIGEST - dbot.clock.now())

    posts = every_post(fake)
    shown = "\n".join(markdown_of(m) for m in posts)
    assert "\\[Free interview prep\\](http://evil.example/N)" in shown, "the link is text, escaped"
    assert "](http://evil.example" not in shown.replace("\\](", ""), "never a masked link"
    assert "{t:99999999999999:f}" in shown.lower(), "the name is shown as text (display names are capitalised)"
    assert "<t:99999999999999" not in shown.lower()
    assert "\\@everyone" in shown and "\\<\\@1>" in shown and "\\<\\@&2>" in shown
    # every post and every interaction answer the bot made allows no mention at all
    posted = [r.body for r in fake.recorded("POST", "/channels/") if r.path.endswith("/messages")]
    answered = [r.body["data"] for r in fake.recorded("POST", "/interactions")
                if isinstance(r.body, dict) and r.body.get("type") in (4, 7)]
    assert len(posted) >= 3 and len(answered) >= 4
    assert [b.get("allowed_mentions") for b in posted + answered] == [{"parse": []}] * len(posted + answered)
