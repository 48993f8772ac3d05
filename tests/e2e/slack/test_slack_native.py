"""Slack as Slack people use it: the settings form of `group setup`, the Home tab's actions, commands
typed in the bot's DM, edits in place (chat.update), files, and groups named by their channel."""

from __future__ import annotations

import csv
import io
import json
from datetime import time, timedelta

from slack_fake import ADA, BOB, CHANNEL, Failure
from slack_harness import START, button_for, response, running, start_group, text_of

from adapters.slack import render
from bot.commands.registry import command
from bot.reply import Attachment, CalendarEvent, Reply, RoleSync
from tests.units import each_statement_commits, units

BOB_DM = "D" + BOB[1:]


async def the_group(bot):
    (group,) = await units(bot.app).groups.all()
    return group


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def options(block: dict) -> list[str]:
    return [o["value"] for o in block["element"]["options"]]


# -- the settings form -----------------------------------------------------------------------------

async def test_group_setup_alone_opens_the_settings_form_and_its_submission_configures_the_group(sbot):
    fake = sbot.fake
    answer = await sbot.slash("group setup", user=ADA)  # ada is a workspace admin
    assert (answer.status, answer.body) == (200, "")
    assert fake.responses_to(answer.response_url) == [], "a form, not a message"
    (opened,) = fake.recorded("views.open")
    assert opened.params["trigger_id"].startswith("trig."), "opened with the command's trigger"
    (view,) = fake.opened
    assert view["callback_id"] == render.FORM_CALLBACK and view["title"]["text"] == "Set up the group"
    fields = inputs(view)
    kinds = {k: b["element"]["type"] for k, b in fields.items()}
    assert kinds.items() >= {
        "f:timezone": "static_select", "o:timezone": "plain_text_input", "f:post-time": "timepicker",
        "f:pairing-day": "static_select", "f:pairing-time": "timepicker", "f:roadmap": "static_select",
        "f:pace": "number_input"}.items(), kinds
    assert not [k for k in kinds if k.startswith("f:discord-")], "another platform's settings stay out"
    assert all(b["optional"] for b in fields.values()), "what is left empty keeps its setting"
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= set(options(fields["f:timezone"]))
    assert "Europe/Kiev" not in options(fields["f:timezone"]), "only canonical zones are offered"
    assert options(fields["f:pairing-day"]) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert options(fields["f:roadmap"]) == ["ml-engineer"], "the content pack's roadmaps"
    assert (fields["f:pace"]["element"]["min_value"], fields["f:pace"]["element"]["max_value"]) == ("1", "26")
    state = render.FormState.load(view["private_metadata"])
    assert (state.command, state.channel, state.response_url) == ("group setup", CHANNEL, answer.response_url)

    submitted = await sbot.submit_picks(view, {
        "f:timezone": "Europe/Berlin", "f:post-time": "08:30", "f:pairing-day": "sat", "f:pairing-time": "17:00",
        "f:roadmap": "ml-engineer", "f:pace": "3"}, user=ADA)
    assert (submitted.status, submitted.body) == (200, ""), "accepted: the form closes"
    sent = response(fake, answer)  # the answer goes to the channel where /study was typed
    assert sent["response_type"] == "in_channel"
    text = text_of(sent)
    assert "Study group #study is set up" in text
    assert "Europe/Berlin" in text and "08:30" in text
    group = await the_group(sbot)
    assert (group.timezone, group.post_time, group.pairing_day, group.pairing_time, group.pace_weeks) == (
        "Europe/Berlin", time(8, 30), "sat", time(17, 0), 3)

    # Again, changing one thing: what is left empty keeps its setting; a typed zone wins over the list.
    again = await sbot.slash("group setup", user=ADA)
    view = fake.opened[-1]
    await sbot.submit_picks(view, {"f:timezone": "UTC", "o:timezone": "asia/kolkata"}, user=ADA)
    text = text_of(response(fake, again))
    assert "updated" in text and "Asia/Kolkata" in text and "08:30" in text, text
    group = await the_group(sbot)
    assert (group.timezone, group.post_time, group.pace_weeks) == ("Asia/Kolkata", time(8, 30), 3)
    stats = response(fake, await sbot.slash("group stats", user=ADA))
    assert "#study" in text_of(stats)


async def test_a_bad_timezone_in_the_form_is_shown_on_its_field_and_changes_nothing(sbot):
    fake = sbot.fake
    answer = await sbot.slash("group setup", user=ADA)
    (view,) = fake.opened
    for typed, said in (("Europe/Kiev", "did you mean Europe/Kyiv?"), ("Mars/Olympus", "is not an IANA timezone")):
        refused = await sbot.submit_picks(view, {"o:timezone": typed, "f:post-time": "07:00"}, user=ADA)
        assert refused.status == 200
        body = json.loads(refused.body)
        assert body["response_action"] == "errors" and list(body["errors"]) == ["o:timezone"], body
        assert typed in body["errors"]["o:timezone"] and said in body["errors"]["o:timezone"]
        assert await units(sbot.app).groups.all() == [], "a refused form changes nothing"
    assert fake.responses_to(answer.response_url) == [], "the refusal is in the form, not a message"

    accepted = await sbot.submit_picks(view, {"o:timezone": "Europe/Kyiv"}, user=ADA)
    assert (accepted.status, accepted.body) == (200, "")
    assert "Europe/Kyiv" in text_of(response(fake, answer))
    assert (await the_group(sbot)).timezone == "Europe/Kyiv"


async def test_group_setup_alone_from_someone_who_is_not_an_organiser_opens_no_form(sbot):
    fake = sbot.fake
    sent = response(fake, await sbot.slash("group setup", user=BOB))
    assert fake.opened == [] and sent["response_type"] == "ephemeral" and "organisers" in text_of(sent)
    assert await units(sbot.app).groups.all() == []


async def test_a_settings_form_that_cannot_open_says_how_to_type_it_and_sets_nothing_up(sbot):
    fake = sbot.fake
    fake.fail_next("views.open", Failure(200, {"ok": False, "error": "expired_trigger_id"}))
    sent = response(fake, await sbot.slash("group setup", user=ADA))
    assert sent["response_type"] == "ephemeral"
    assert "could not open" in text_of(sent) and "/study help group setup" in text_of(sent)
    assert await units(sbot.app).groups.all() == [], "no group with the defaults instead"


async def test_group_setup_with_parameters_runs_as_typed(sbot):
    await start_group(sbot)  # `group setup timezone Europe/Paris pace 3`
    assert sbot.fake.opened == []


# -- the Home tab --------------------------------------------------------------------------------

async def test_the_home_tabs_buttons_run_the_main_commands_and_answer_by_dm(sbot):
    fake = sbot.fake
    await sbot.home_opened(BOB)
    alone = fake.homes[BOB]
    help_button = button_for(alone, "help")  # in no group yet: help, run in the DM
    await sbot.click(help_button, user=BOB, block_id=alone["blocks"][-1]["block_id"], view=alone)
    (dm,) = fake.messages[BOB_DM]
    assert "studybot commands" in text_of(dm)

    await start_group(sbot)
    await sbot.app.advance(START.replace(hour=8, minute=1) - sbot.clock.now())  # 09:01 Paris: posted
    (daily,) = fake.messages[CHANNEL]
    await sbot.home_opened(BOB)
    home = fake.homes[BOB]
    main = next(b for b in home["blocks"] if b.get("block_id", "").startswith(f"home:{CHANNEL}:main"))
    assert [e["value"] for e in main["elements"]] == [
        "problem today", "checkin", "roadmap", "mock status", "leaderboard week", "help"]

    def press(value: str):
        (button,) = [e for e in main["elements"] if e["value"] == value]
        return sbot.click(button, user=BOB, block_id=main["block_id"], view=home)

    await press("problem today")
    answer = fake.messages[BOB_DM][-1]
    problem = daily["blocks"][0]["text"]["text"].split(" — ")[-1]  # "Daily problem — Contains Duplicate"
    assert f"Today's problem — {problem}" in text_of(answer), "today's problem, privately"
    assert len(fake.messages[CHANNEL]) == 1, "nothing in the channel"

    await press("mock status")
    assert fake.messages[BOB_DM][-1] is not answer, "mock status answered in the DM"

    await press("checkin")  # the check-in form opens with the button's trigger
    form = fake.opened[-1]
    assert form["callback_id"] == render.FORM_CALLBACK
    done = await sbot.submit(form, {"done": "two pointers"}, user=BOB)
    assert (done.status, done.body) == (200, "")
    assert "Checked in" in text_of(fake.messages[BOB_DM][-1])
    assert fake.homes[BOB] is not home, "the Home is drawn again after a press"


# -- the bot's DM ------------------------------------------------------------------------------

@command("whoami", help="Who the bot thinks is asking", scope="anyone", private=True)
async def whoami_command(ctx) -> Reply:
    caller = ctx.who.caller
    return Reply(text=f"{caller.name} ({caller.user}) in {caller.channel}, dm={caller.is_dm}", private=True)


async def test_a_command_typed_in_the_bots_dm_runs_for_that_person(fake, tmp_path):
    async with running(fake, tmp_path, extra_commands=[whoami_command]) as bot:
        await start_group(bot)
        answer = await bot.dm("whoami")
        assert (answer.status, answer.body) == (200, "")
        (reply,) = fake.messages[BOB_DM]
        assert reply["text"] == f"bob ({BOB}) in {BOB_DM}, dm=True"
        await bot.dm("/study help join")  # the slash in front is optional
        assert "join" in text_of(fake.messages[BOB_DM][-1])
        # A group command in the DM gets the core's answer there, not in the channel.
        await bot.dm("problem today")
        assert len(fake.messages[BOB_DM]) == 3 and CHANNEL not in fake.messages
        assert fake.recorded("conversations.open") == [], "the answer goes to the DM it was typed in"
        # The bot's own posts, edits and other subtypes are no commands.
        await bot.dm("whoami", bot_id="B0000BOT1")
        await bot.dm("whoami", subtype="message_changed")
        assert len(fake.messages[BOB_DM]) == 3
        # Typed in the channel, the same command is not in a DM.
        sent = response(fake, await bot.slash("whoami", user=BOB))
        assert sent["response_type"] == "ephemeral" and f"in {CHANNEL}, dm=False" in text_of(sent)


# -- the outbox: edits, files, things Slack has not --------------------------------------------------

async def enqueue(bot, key: str, reply: Reply, *, user: str | None = None, edit_of: str | None = None) -> None:
    store = units(bot.app)
    group = await bot_group(bot)
    person = await store.links.internal("slack", "user", user) if user else None
    async with each_statement_commits(bot.app.db):
        await store.outbox.enqueue(key, reply, bot.clock.now(), group_id=group.id,
                                   channel_id=None if user else group.channel_id, user_id=person, edit_of=edit_of)


async def bot_group(bot):
    return await the_group(bot)


async def test_an_edit_updates_the_earlier_message_in_place(sbot):
    fake = sbot.fake
    await start_group(sbot)
    await enqueue(sbot, "count", Reply(text="Solved by 1"))
    await enqueue(sbot, "dm", Reply(text="Your slot: pending"), user=BOB)
    assert await sbot.app.deliverer.drain() == 2
    (post,) = fake.messages[CHANNEL]
    (dm,) = fake.messages[BOB_DM]
    await enqueue(sbot, "count:2", Reply(text="Solved by 2"), edit_of="count")
    await enqueue(sbot, "dm:2", Reply(text="Your slot: confirmed"), user=BOB, edit_of="dm")
    assert await sbot.app.deliverer.drain() == 2
    updates = fake.recorded("chat.update")
    assert [(c.params["channel"], c.params["ts"]) for c in updates] == [(CHANNEL, post["ts"]), (BOB_DM, dm["ts"])]
    (post,) = fake.messages[CHANNEL]
    (dm,) = fake.messages[BOB_DM]
    assert (post["text"], post["edits"]) == ("Solved by 2", 1), "the same message, edited"
    assert (dm["text"], dm["edits"]) == ("Your slot: confirmed", 1)
    assert len(fake.recorded("chat.postMessage")) == 2, "no new message for an edit"


async def test_files_with_a_reply_are_uploaded_and_events_and_roles_send_nothing(sbot):
    fake = sbot.fake
    await start_group(sbot)
    invite = Attachment("mock.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar", "Your mock interview")
    await enqueue(sbot, "invite", Reply(text="You are paired", files=[invite]), user=BOB)
    event = CalendarEvent("Mock", START, START + timedelta(hours=1), "https://meet.example/x")
    await enqueue(sbot, "event", Reply(event=event))
    await enqueue(sbot, "roles", Reply(roles=RoleSync(("Stage 2",), ("Stage 1", "Stage 2"))), user=BOB)
    assert await sbot.app.deliverer.drain() == 3
    (dm,) = fake.messages[BOB_DM]
    assert dm["text"] == "You are paired"
    (file_id,) = fake.shared[BOB_DM]
    assert fake.files[file_id] | {"data": None} == {"filename": "mock.ics", "alt_txt": None,
                                                    "title": "Your mock interview", "channel": BOB_DM, "data": None}
    assert fake.files[file_id]["data"] == invite.data
    assert CHANNEL not in fake.messages, "an event is not a post on Slack"
    for key in ("event", "roles"):
        assert (await units(sbot.app).outbox.get(key)).status == "delivered"


@command("report", help="A CSV report", scope="anyone", private=True)
async def report_command(ctx) -> Reply:
    return Reply(text="Your report", private=True, files=[Attachment("report.csv", b"name,solves\r\nbob,3\r\n",
                                                                     "text/csv", "The report")])


@command("poster", help="A public file", scope="anyone")
async def poster_command(ctx) -> Reply:
    return Reply(text="A poster for everyone", files=[Attachment("poster.txt", b"hello", "text/plain")])


async def test_a_command_replys_files_go_to_the_dm_when_private_and_the_channel_when_public(fake, tmp_path):
    async with running(fake, tmp_path, extra_commands=[report_command, poster_command]) as bot:
        await start_group(bot)
        sent = response(fake, await bot.slash("report", user=BOB))
        assert sent["response_type"] == "ephemeral" and "Your report" in text_of(sent)
        (file_id,) = fake.shared[BOB_DM]
        rows = list(csv.reader(io.StringIO(fake.files[file_id]["data"].decode())))
        assert rows == [["name", "solves"], ["bob", "3"]] and fake.files[file_id]["filename"] == "report.csv"
        sent = response(fake, await bot.slash("poster", user=BOB))
        assert sent["response_type"] == "in_channel"
        (file_id,) = fake.shared[CHANNEL]
        assert fake.files[file_id]["data"] == b"hello"
        await bot.dm("report", user=BOB)  # typed in the DM: the reply and its file in the DM
        assert fake.messages[BOB_DM][-1]["text"] == "Your report"
        assert len(fake.shared[BOB_DM]) == 2


# -- names and privacy --------------------------------------------------------------------------------

async def test_a_group_is_named_by_its_channels_name(sbot):
    fake = sbot.fake
    fake.channel_names[CHANNEL] = "interview-prep"
    # A private channel: the slash command says only "privategroup"; conversations.info says the name.
    sent = response(fake, await sbot.slash("group setup timezone UTC", user=ADA, channel_name="privategroup"))
    assert "Study group #interview-prep is set up" in text_of(sent), text_of(sent)
    assert (await the_group(sbot)).name == "#interview-prep"
    for _ in range(2):
        await sbot.slash("join", user=BOB, channel_name="privategroup")
    (info,) = fake.recorded("conversations.info")
    assert info.params["channel"] == CHANNEL, "asked once, then remembered"


async def test_personal_commands_answer_privately(sbot):
    fake = sbot.fake
    await start_group(sbot)
    # Whether a reply is private is the core's word (Reply.private); Slack shows a private one ephemerally.
    # (`mock join` and `mock skip` are still answered in the channel by the core.)
    lines = ("me", "streak", "profile timezone America/New_York", "roadmap done python-basics",
             "roadmap undo python-basics", "apply add Acme", "apply list", "mock status",
             "leave")
    for line in lines:
        sent = response(fake, await sbot.slash(line, user=BOB))
        assert not text_of(sent).startswith(":warning:"), (line, text_of(sent))  # errors are private anyway
        assert sent["response_type"] == "ephemeral", (line, text_of(sent))
