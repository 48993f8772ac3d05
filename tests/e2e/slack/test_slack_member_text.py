"""The attacks of issue 12 on Slack: a check-in answer, a company name and a display name that hold
Slack's markup (<!channel>, <http://..|..>, <!date^..>, *bold*) reach the channel as the text typed."""

from __future__ import annotations

import json
import re

from slack_fake import BOB, CHANNEL
from slack_harness import START, response, start_group, text_of

DIGEST = START.replace(hour=18)  # 19:00 Paris
ATTACK = "<!channel> <http://evil.example|Free prep> <!date^99999999999999^{date}|x> *loud* #C0123ABCDE"


def mrkdwn_objects(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [o for v in node.values() for o in mrkdwn_objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in mrkdwn_objects(v)]
    return []


async def test_slack_markup_typed_by_a_member_never_reaches_the_channel_as_markup(sbot):
    fake = sbot.fake
    fake.users[BOB]["profile"]["display_name"] = "<!here> bob"
    await start_group(sbot)
    sent = response(fake, await sbot.slash(f"checkin done {ATTACK}", user=BOB))
    assert "Checked in" in text_of(sent), text_of(sent)
    response(fake, await sbot.slash('apply add "<!channel> Corp"', user=BOB))
    response(fake, await sbot.slash('apply move "<!channel> Corp" offer announce', user=BOB))
    await sbot.app.advance(DIGEST - sbot.clock.now())

    posts = fake.messages[CHANNEL] + [m for ts, ms in fake.messages.items() if ts != CHANNEL for m in ms]
    objects = [o for m in posts for o in mrkdwn_objects(m.get("blocks"))]
    words = "\n".join(o["text"] for o in objects)
    assert "&lt;!here&gt; bob" in words, "a display name's form is shown, not obeyed"
    # /study text is read as the person typed it: a link shows its label, @channel is the word
    assert "Done: @channel Free prep x \u2217loud\u2217 #C0123ABCDE" in words
    assert "got an offer from @channel Corp" in words
    assert "Free prep" in words and "evil.example" not in words
    # the only <...> forms in what the bot posted are the ones the core put there itself: the daily
    # problem's page and stamps
    forms = re.findall(r"<[^>]*>", words)
    assert forms and all(f.startswith(("<!date^", "<https://leetcode.com/problems/")) for f in forms), forms
    assert "99999999999999" not in "".join(forms)
    assert "\u2217loud\u2217" in words and "*loud*" not in words
    assert all(o.get("verbatim") is True for o in objects)
    assert "<!channel>" not in json.dumps([m.get("text") for m in posts])
