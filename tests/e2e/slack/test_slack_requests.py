"""The real slack-bolt app over HTTP: signed slash commands, button clicks, modals and the App Home."""

from __future__ import annotations

import json
import threading
import time

from slack_fake import ADA, BOB, CAROL, CHANNEL, Failure
from slack_harness import button_for, response, running, sign, start_group, text_of

from adapters.slack import render
from bot.commands.registry import Param, command
from bot.reply import Reply
from tests.units import units


async def test_slash_commands_ack_at_once_and_answer_through_the_response_url(sbot, tmp_path):
    fake = sbot.fake
    await start_group(sbot)
    answer = await sbot.slash("roadmap")
    assert (answer.status, answer.body) == (200, ""), "an empty ack: the answer follows on the response_url"
    sent = response(fake, answer)
    assert sent["response_type"] == "ephemeral", "a roadmap is personal"
    assert sent["replace_original"] is False
    header, *_ = sent["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "ML engineer (test pack) roadmap — bob",
                                                 "emoji": True}}
    text = text_of(sent)
    assert "[ ] python-basics" in text
    assert "`░░░░░░░░░░░░` 0/3  1. Foundations" in text, "progress bars as text"
    button = button_for(sent, "roadmap done python-basics")
    assert button["action_id"].startswith("study:")
    assert sent["blocks"][-1]["type"] == "context" and "3 weeks a stage" in text
    assert "roadmap" in sent["text"], "a fallback text for notifications"
    # bolt checks the token once; the directory asks about each person once, however many commands they run.
    assert len(fake.recorded("auth.test")) == 1
    assert sorted(c.params["user"] for c in fake.recorded("users.info")) == [ADA, BOB]
    (tmp_path / "roadmap-response.json").write_text(json.dumps(sent, indent=2, ensure_ascii=False))


async def test_the_ack_does_not_wait_for_the_work(fake, tmp_path):
    release = threading.Event()

    @command("slow", scope="anyone", help="Takes its time")
    async def slow(ctx) -> Reply:
        # A command runs in the database's thread, so it is slow the way a command is: held up there.
        assert release.wait(timeout=30)
        return Reply(text="done at last")

    async with running(fake, tmp_path, extra_commands=[slow]) as bot:
        answer = await bot.slash("slow", settle=False)
        assert (answer.status, answer.body) == (200, ""), "acknowledged while the command still runs"
        assert fake.responses_to(answer.response_url) == []
        release.set()
        await bot.adapter.settle(limit=10)
        assert text_of(response(fake, answer)) == "done at last"


async def test_empty_text_and_help_list_the_commands_privately(sbot):
    for text in ("", "help", "  "):
        sent = response(sbot.fake, await sbot.slash(text))
        assert sent["response_type"] == "ephemeral"
        assert sent["blocks"][0]["text"]["text"] == "studybot commands"
        listing = text_of(sent)
        assert "roadmap done" in listing and "group setup" in listing and "(admin)" in listing
    sent = response(sbot.fake, await sbot.slash("help roadmap done"))
    assert "Tick a milestone" in text_of(sent)


async def test_bad_input_gets_one_line_and_the_usage_never_a_traceback(sbot):
    await start_group(sbot)
    sent = response(sbot.fake, await sbot.slash("profile timezone Mars/Olympus"))
    assert sent["response_type"] == "ephemeral"
    message, usage = sent["blocks"]
    assert message["text"]["text"].startswith(":warning: ") and "\n" not in message["text"]["text"]
    assert "Mars/Olympus" in message["text"]["text"]
    assert usage["type"] == "context" and usage["elements"][0]["text"].startswith("usage: `profile")
    sent = response(sbot.fake, await sbot.slash("roadmapp"))
    assert "Did you mean" in text_of(sent) or "did you mean" in text_of(sent)
    assert "Traceback" not in json.dumps(sbot.fake.responses)


async def test_member_text_cannot_mention_everyone(sbot):
    # Slack sends what was typed (`help <!channel> & <@U0000ADA1>`) with &, < and > as entities.
    sent = response(sbot.fake, await sbot.slash("help &lt;!channel&gt; &amp; &lt;@U0000ADA1&gt;"))
    text = text_of(sent)
    assert "There is no command '&lt;!channel&gt; &amp; &lt;@U0000ADA1&gt;'" in text, "shown as typed, inert"
    assert "<!channel>" not in text and "<@" not in text


async def test_organisers_are_workspace_admins_owners_or_configured(sbot, fake, tmp_path):
    sent = response(fake, await sbot.slash("group setup", user=BOB))
    assert sent["response_type"] == "ephemeral" and "organisers" in text_of(sent)
    assert await units(sbot.app).groups.all() == [], "a refused command changes nothing"
    sent = response(fake, await sbot.slash("group setup timezone Asia/Kolkata", user=CAROL))  # an owner
    assert sent["response_type"] == "in_channel" and "Asia/Kolkata" in text_of(sent)
    sent = response(fake, await sbot.slash("group pause", user=ADA))  # an admin
    assert "paused" in text_of(sent)
    sent = response(fake, await sbot.slash("group resume", user=BOB))
    assert "organisers" in text_of(sent)


async def test_a_configured_user_id_is_an_organiser(fake, tmp_path):
    async with running(fake, tmp_path, admins=(BOB,)) as bot:
        answer = await bot.slash("group setup", user=BOB)
        (view,) = fake.opened  # for an organiser, `group setup` alone opens the settings form
        submitted = await bot.submit_picks(view, {}, user=BOB)
        assert (submitted.status, submitted.body) == (200, ""), "accepted: the form closes"
        sent = response(fake, answer)
        assert sent["response_type"] == "in_channel", text_of(sent)
        assert "set up" in text_of(sent)


async def test_a_button_runs_its_command_as_the_clicker(sbot):
    fake = sbot.fake
    await start_group(sbot)
    button = button_for(response(fake, await sbot.slash("roadmap", user=BOB)), "roadmap done python-basics")
    answer = await sbot.click(button, user=BOB)
    assert (answer.status, answer.body) == (200, "")
    clicked = response(fake, answer)
    assert "Ticked 'Python basics'" in text_of(clicked)
    assert "1/3" in text_of(response(fake, await sbot.slash("roadmap", user=BOB)))
    assert "0/3  1. Foundations" in text_of(response(fake, await sbot.slash("roadmap", user=ADA))), \
        "the click counted for the clicker only"


@command("note", help="Leave a note for the organisers", scope="member", private=True, form_title="A note for the organisers",
         params=[Param("subject", "text", help="Subject", required=True, form=True, max_length=80),
                 Param("body", "text", help="What you want to say", form=True, long=True, max_length=1000)])
async def note_command(ctx, subject: str, body: str | None = None) -> Reply:
    return Reply(title=f"Note: {subject}", text=body or "(no body)", private=True)


async def test_a_form_opens_a_modal_and_its_submission_runs_the_command(fake, tmp_path):
    # A command added to the registry appears on Slack with no Slack-specific code.
    async with running(fake, tmp_path, extra_commands=[note_command]) as bot:
        await start_group(bot)
        answer = await bot.slash("note", user=BOB)
        assert (answer.status, answer.body) == (200, "")
        assert fake.responses_to(answer.response_url) == [], "a modal, not a message"
        (opened,) = fake.recorded("views.open")
        assert opened.params["trigger_id"].startswith("trig.")
        view = opened.params["view"]
        assert view["type"] == "modal" and view["callback_id"] == render.FORM_CALLBACK
        assert view["title"]["text"] == "A note for the organise…", "a modal title is at most 24 characters"
        inputs = [(b["block_id"], b["element"]["multiline"], b["optional"]) for b in view["blocks"]]
        assert inputs == [("f:subject", False, False), ("f:body", True, True)]
        state = render.FormState.load(view["private_metadata"])
        assert (state.command, state.channel, state.response_url) == ("note", CHANNEL, answer.response_url)

        submitted = await bot.submit(view, {"subject": "Mock times", "body": "Evenings please"}, user=BOB)
        assert (submitted.status, submitted.body) == (200, ""), "the ack closes the modal"
        sent = response(fake, answer)  # the answer goes where the slash command was typed
        assert sent["response_type"] == "ephemeral"
        assert sent["blocks"][0]["text"]["text"] == "Note: Mock times"
        assert "Evenings please" in text_of(sent)


async def test_a_form_that_cannot_open_says_how_to_type_the_command(fake, tmp_path):
    async with running(fake, tmp_path, extra_commands=[note_command]) as bot:
        await start_group(bot)
        fake.fail_next("views.open", Failure(200, {"ok": False, "error": "expired_trigger_id"}))
        sent = response(fake, await bot.slash("note", user=BOB))
        assert sent["response_type"] == "ephemeral"
        assert "could not open" in text_of(sent) and "/study help note" in text_of(sent)
        # A request without a trigger (no form possible) needs the parameters typed.
        sent = response(fake, await bot.slash("note", user=BOB, trigger=False))
        assert "needs" in text_of(sent) and "usage: `note" in text_of(sent)
        sent = response(fake, await bot.slash('note "Mock times"', user=BOB, trigger=False))
        assert sent["blocks"][0]["text"]["text"] == "Note: Mock times"


async def test_app_home_shows_each_members_dashboard_and_its_buttons_work(sbot):
    fake = sbot.fake
    answer = await sbot.home_opened(BOB)
    assert (answer.status, answer.body) == (200, "")
    (first,) = fake.recorded("views.publish")
    assert first.params["user_id"] == BOB
    assert "/study join" in text_of(first.params["view"]), "not in a group yet: how to join"

    await start_group(sbot)
    await sbot.home_opened(BOB)
    view = fake.recorded("views.publish")[-1].params["view"]
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "bob in #study", "the group is named by its channel's name"
    text = text_of(view)
    assert "*Solved*\n0/50 (general)" in text and "*Streak*" in text and "Roadmap" in text
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    assert actions and actions[0]["block_id"] == f"home:{CHANNEL}:0"
    roadmap = next(b for b in actions[0]["elements"] if b["value"] == "roadmap")

    # A Home button has no response_url: the answer comes by DM, and the Home is refreshed.
    clicked = await sbot.click(roadmap, user=BOB, block_id=actions[0]["block_id"], view=view)
    assert (clicked.status, clicked.body) == (200, "")
    (opened,) = fake.recorded("conversations.open")
    assert opened.params["users"] == BOB
    (dm,) = fake.messages["D0000BOB1"]
    assert dm["blocks"][0]["text"]["text"] == "ML engineer (test pack) roadmap — bob"
    assert len(fake.recorded("views.publish")) == 3


async def test_requests_with_a_bad_or_stale_signature_are_refused(sbot):
    fake = sbot.fake
    body = "command=%2Fstudy&text=help&user_id=U0000BOB1&channel_id=C0000STUDY&team_id=T0000TEAM"
    now = int(time.time())
    forged = await sbot.post(body, "application/x-www-form-urlencoded", signature=sign(body, now, "not-the-secret"))
    assert forged.status == 401
    stale_ts = now - 10 * 60
    stale = await sbot.post(body, "application/x-www-form-urlencoded", timestamp=stale_ts,
                            signature=sign(body, stale_ts))
    assert stale.status == 401, "a replayed request, correctly signed ten minutes ago"
    tampered = await sbot.post(body + "&x=1", "application/x-www-form-urlencoded", signature=sign(body, now))
    assert tampered.status == 401
    assert fake.calls == [], "nothing was run, nothing was sent"
    good = await sbot.slash("help")
    assert good.status == 200 and response(fake, good)["response_type"] == "ephemeral"
