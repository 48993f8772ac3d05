"""Issue 12 on Slack, the real bolt app against the fake: mentions in `/study` text name members by
identity (the manifest asks Slack to escape them), two members with one display name get "which one?",
Slack's other markup reads as what was typed, and the rate limit covers commands and buttons alike."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml
from slack_fake import ADA, BOB
from slack_harness import button_for, buttons_of, response, start_group, text_of

import adapters.slack

BOB_TOO = "U0000BOB2"


def manifest() -> dict:
    return yaml.safe_load((Path(adapters.slack.__file__).parent / "manifest.yaml").read_text())


def test_the_manifest_asks_slack_to_escape_mentions_in_study():
    (study,) = manifest()["features"]["slash_commands"]
    assert study["command"] == "/study" and study["should_escape"] is True


async def _member_ids(sbot) -> dict[str, int]:
    rows = await sbot.app.db.all(
        "SELECT l.external_id, m.id FROM members m JOIN links l ON l.kind='user' AND l.platform='slack' "
        "AND l.internal_id = m.user_id")
    return {r[0]: r[1] for r in rows}


async def test_a_mention_names_the_person_and_a_shared_name_asks_which_one(sbot):
    fake = sbot.fake
    fake.users[BOB_TOO] = {"id": BOB_TOO, "name": "bob2", "profile": {"display_name": "bob"}}
    await start_group(sbot)
    assert "Welcome" in text_of(response(fake, await sbot.slash("join", user=BOB_TOO)))
    assert "you're in" in text_of(response(fake, await sbot.slash("mock join", user=ADA)))
    ids = await _member_ids(sbot)

    sent = response(fake, await sbot.slash("mock avoid bob", user=ADA))
    assert "Two members of" in text_of(sent) and "which one?" in text_of(sent)
    assert sent["response_type"] == "ephemeral"
    choices = buttons_of(sent)
    assert [b["value"] for b in choices] == [f"mock avoid member:{ids[BOB]}", f"mock avoid member:{ids[BOB_TOO]}"]
    assert await sbot.app.db.scalar("SELECT COUNT(*) FROM mock_avoid") == 0, "no arbitrary pick"

    clicked = response(fake, await sbot.click(choices[1], user=ADA))
    assert "You will not be paired with bob" in text_of(clicked)
    # Slack sends a mention as <@U…|name> (should_escape): the identity decides, not the name.
    sent = response(fake, await sbot.slash(f"mock avoid <@{BOB}|bob>", user=ADA))
    assert "You will not be paired with bob" in text_of(sent), text_of(sent)
    avoided = sorted(r[0] for r in await sbot.app.db.all("SELECT other_id FROM mock_avoid"))
    assert avoided == sorted([ids[BOB], ids[BOB_TOO]])
    sent = response(fake, await sbot.slash("mock avoid <@U0000NOBODY|zed>", user=ADA))
    assert "@zed is not in" in text_of(sent)


async def test_slack_markup_in_free_text_reads_as_typed(sbot):
    fake = sbot.fake
    await start_group(sbot)
    text = "checkin done paired with <@U0000ADA1|ada> on <https://leetcode.com/problems/two-sum/> in <#C0000STUDY|study> &amp; more"
    sent = response(fake, await sbot.slash(text))
    assert "Checked in" in text_of(sent), text_of(sent)
    (answer,) = await sbot.app.db.all("SELECT done FROM checkin_answers")
    assert "paired with @ada on https://leetcode.com/problems/two-sum/ in #study & more" in answer[0]


async def test_the_rate_limit_covers_commands_and_buttons_then_stays_silent(sbot):
    fake = sbot.fake
    await start_group(sbot)  # bob has run one command: join
    roadmap = response(fake, await sbot.slash("roadmap"))
    button = button_for(roadmap, "roadmap done python-basics")
    for i in range(9):
        assert "streak:" in text_of(response(fake, await sbot.slash("streak"))), i
    for i in range(9):  # buttons count like typed commands
        assert response(fake, await sbot.click(button)), i
    polite = response(fake, await sbot.slash("streak"))
    assert polite["response_type"] == "ephemeral"
    assert "more than 20 commands in 10 seconds" in text_of(polite)
    for quiet in (await sbot.slash("streak"), await sbot.click(button), await sbot.slash("roadmap")):
        assert quiet.status == 200, "Slack still gets its ack"
        assert fake.responses_to(quiet.response_url) == [], "and nothing else"
    assert "streak:" in text_of(response(fake, await sbot.slash("streak", user=ADA))), "per person"
    sbot.clock.advance(timedelta(seconds=10))
    assert "streak:" in text_of(response(fake, await sbot.slash("streak"))), "cooled down"


async def test_one_offer_announcement_a_day_through_the_button_too(sbot):
    fake = sbot.fake
    await start_group(sbot)
    for company in ("Acme", "Bolt"):
        assert "Tracking" in text_of(response(fake, await sbot.slash(f"apply add {company}")))
    (announce,) = buttons_of(response(fake, await sbot.slash("apply move Acme offer")))
    assert announce["value"] == "apply move Acme offer announce"
    assert "Announced to the group" in text_of(response(fake, await sbot.click(announce)))
    (announce,) = buttons_of(response(fake, await sbot.slash("apply move Bolt offer")))
    refused = response(fake, await sbot.click(announce))
    assert "You have shared an offer with the group today already" in text_of(refused)
    await sbot.app.deliverer.drain()
    offers = [m for m in fake.messages.get("C0000STUDY", []) if "has an offer" in json.dumps(m)]
    assert len(offers) == 1
