"""Issue 14 §6 (and 15 §7) on Discord, the real discord.py client against the fake: a group named by its
channel, member options as USER options, fixed choices as choices, "Solved" answered privately with the
post's counter kept by an edit, personal answers private, files attached, scheduled events and stage and
streak roles from the outbox, and a start without voice warnings."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from discord_fake import CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID, Failure, UserOption
from discord_harness import ADA, BOB, is_ephemeral, running, shown, start_group, text_of

from adapters.discord.commands import DAY_CHOICES, list_suggestions, routes
from bot.commands import build_registry
from bot.commands.registry import command
from bot.reply import Attachment, Button, CalendarEvent, Reply, RoleSync
from bot.services import roles as role_service
from tests.units import each_statement_commits, units

EXTERNAL, GUILD_ONLY = 3, 2  # Discord's entity type and privacy level
MISSING_PERMISSIONS = Failure(403, {"message": "Missing Permissions", "code": 50013})
CSV = b"name,joined,streak\nAda,2026-03-02,3\nBob,2026-03-02,0\n"


def leaves(fake) -> dict[str, dict]:
    """Every registered leaf command by its slash path, as the bot sent it at sync."""
    def walk(node, prefix):
        subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            yield "/" + " ".join(prefix), node
        for sub in subs:
            yield from walk(sub, (*prefix, sub["name"]))

    (sync,) = fake.recorded("PUT", f"/applications/{fake.app_id}/guilds/{GUILD_ID}/commands")
    return dict(p for c in sync.body for p in walk(c, (c["name"],)))


def option(fake, slash: str, name: str) -> dict:
    return next(o for o in leaves(fake)[slash].get("options", []) if o["name"] == name)


async def group_of(bot, channel: int = CHANNEL_ID):
    channel_id = await units(bot.app).links.internal("discord", "channel", str(channel))
    return await units(bot.app).groups.by_channel(channel_id)


async def enqueue(bot, key: str, reply: Reply, *, user: int | None = None, edit_of: str | None = None) -> None:
    group = await group_of(bot)
    person = await units(bot.app).links.internal("discord", "user", str(user)) if user is not None else None
    async with each_statement_commits(bot.app.db):
        await units(bot.app).outbox.enqueue(key, reply, bot.clock.now(), group_id=group.id,
                                           channel_id=None if user else group.channel_id, user_id=person,
                                           edit_of=edit_of)


def channel_posts(fake) -> list[dict]:
    return fake.channel_messages[CHANNEL_ID]


# -- the group's name, member options, choices --------------------------------------------------------
async def test_a_group_is_named_by_its_channel_name_not_its_id(dbot):
    fake = dbot.fake
    body = await fake.slash("group setup", {"timezone": "Europe/Paris"}, user=ADA, name="ada", admin=True,
                            channel=OTHER_CHANNEL_ID)
    assert str(OTHER_CHANNEL_ID) not in text_of(body)
    group = await group_of(dbot, OTHER_CHANNEL_ID)
    assert group.name == "#general", "the name Discord shows for the channel, from the interaction"


async def test_a_group_set_up_under_its_channel_id_takes_the_channels_name_at_the_next_command(dbot):
    fake = dbot.fake
    await fake.slash("group setup", {"timezone": "Europe/Paris"}, user=ADA, name="ada", admin=True,
                     channel=OTHER_CHANNEL_ID)
    group = await group_of(dbot, OTHER_CHANNEL_ID)
    group.name = f"#{OTHER_CHANNEL_ID}"  # as an older version named it
    await units(dbot.app).groups.save(group)
    await fake.slash("help", user=ADA, name="ada", channel=OTHER_CHANNEL_ID)
    assert (await group_of(dbot, OTHER_CHANNEL_ID)).name == "#general"


async def test_member_parameters_are_user_options_and_a_picked_user_is_that_member(dbot):
    fake, registry = dbot.fake, dbot.app.registry
    member_params = [(r.slash, p.name) for r in routes(registry) for p in r.command.params if p.kind == "member"]
    assert ("/group organisers add", "member") in member_params
    for slash, name in member_params:
        assert option(fake, slash, name)["type"] == 6, f"{slash} {name}: Discord's USER option"
    await start_group(fake)
    body = await fake.slash("group organisers add", {"member": UserOption(BOB, "bob")}, user=ADA, name="ada",
                            admin=True)
    assert "Bob" in text_of(body), text_of(body)
    listed = await fake.slash("group organisers list", user=ADA, name="ada", admin=True)
    assert "Bob" in text_of(listed) and is_ephemeral(listed)
    bob = await units(dbot.app).links.internal("discord", "user", str(BOB))
    group = await group_of(dbot)
    assert await units(dbot.app).groups.is_organiser(group.id, bob), "the user picked, by identity"


async def test_fixed_choices_are_registered_as_choices_and_lists_complete(dbot):
    fake, registry = dbot.fake, dbot.app.registry
    felt = option(fake, "/problem solved", "felt")
    assert [c["value"] for c in felt["choices"]] == ["easy", "ok", "hard"]
    day = option(fake, "/mock availability add", "day")
    assert [(c["name"], c["value"]) for c in day["choices"]] == [(c.name, c.value) for c in DAY_CHOICES]
    assert day["choices"][0] == {"name": "Monday", "value": "mon"}
    for route in routes(registry):
        for p in route.command.params:
            registered = option(fake, route.slash, p.name)
            if p.kind == "choice" and len(p.choices) <= 25:
                assert [c["value"] for c in registered["choices"]] == list(p.choices), (route.slash, p.name)
            elif p.kind == "weekday":
                assert [c["value"] for c in registered["choices"]] == [c.value for c in DAY_CHOICES]
            elif p.kind in ("choices", "weekdays"):
                assert registered.get("autocomplete") is True, (route.slash, p.name)
    await start_group(fake)
    body = await fake.autocomplete("mock prefs", {"kinds": "coding,"}, "kinds", user=BOB, name="bob")
    values = [c["value"] for c in body["data"]["choices"]]
    assert values == ["coding", "coding,system-design", "coding,ml-design", "coding,behavioral"]
    body = await fake.autocomplete("mock prefs", {"kinds": "coding,m"}, "kinds", user=BOB, name="bob")
    assert [c["value"] for c in body["data"]["choices"]] == ["coding,ml-design"]
    await fake.slash("mock join", user=BOB, name="bob")
    added = await fake.slash("mock availability add", {"day": "sat", "hours": "10:00-12:00"}, user=BOB, name="bob")
    assert "10:00" in text_of(added) and is_ephemeral(added), text_of(added)


def test_list_suggestions_offer_each_value_left():
    prefs = next(p for r in routes(build_registry()) for p in r.command.params if p.kind == "choices")
    assert list_suggestions(prefs, "") == list(prefs.choices)
    assert list_suggestions(prefs, "ml") == ["ml-design"]
    assert list_suggestions(prefs, "coding ml-design,") == ["coding,ml-design", "coding,ml-design,system-design",
                                                            "coding,ml-design,behavioral"]


async def test_commands_install_in_servers_only(dbot):
    (sync,) = dbot.fake.recorded("PUT", f"/applications/{dbot.fake.app_id}/guilds/{GUILD_ID}/commands")
    assert {tuple(c["integration_types"]) for c in sync.body} == {(0,)}, "guild install, not user install"


# -- "Solved" on the daily post, personal answers -----------------------------------------------------
async def test_solved_on_the_daily_post_answers_privately_and_the_post_keeps_the_count(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    await app.advance(timedelta(hours=2))  # the daily post, 09:00 Paris
    (daily,) = channel_posts(fake)
    solved = next(b["custom_id"] for row in daily["components"] for b in row["components"] if b["label"] == "Solved")
    clicked = await fake.click(daily, solved, user=BOB, name="bob")
    assert is_ephemeral(clicked), "a solve is answered to the one who pressed"
    await app.deliver_now()
    assert channel_posts(fake) == [daily], "no public message per solve"
    (edit,) = fake.recorded("PATCH", f"/channels/{CHANNEL_ID}/messages/{daily['id']}")
    assert "Solved by 1 member." in shown(edit.body["embeds"][0]["description"])
    assert edit.body["components"] == daily["components"], "the buttons stay on the post"
    clicked = await fake.click(daily, solved, user=ADA, name="ada")
    assert is_ephemeral(clicked)
    await app.deliver_now()
    now_shows = fake.messages[int(daily["id"])]["embeds"][0]["description"]
    assert "Solved by 2 members." in shown(now_shows)
    assert len(channel_posts(fake)) == 1


async def test_an_edit_of_a_dm_replaces_it_in_the_dm_channel_and_a_deleted_message_is_left_alone(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    await enqueue(dbot, "pairing:1", Reply(text="You are paired with Ada. Confirm?",
                                           buttons=[Button("Confirm", "mock confirm")]), user=BOB)
    await app.deliver_now()
    dm = fake.dm_channels[BOB]
    (first,) = fake.channel_messages[dm]
    await enqueue(dbot, "pairing:1:confirmed", Reply(text="You are paired with Ada. Both confirmed."), user=BOB,
                  edit_of="pairing:1")
    await app.deliver_now()
    (patch,) = fake.recorded("PATCH", f"/channels/{dm}/messages/{first['id']}")
    assert patch.body["components"] == [], "the buttons are gone with the edit"
    assert fake.messages[int(first["id"])]["embeds"][0]["description"] == "You are paired with Ada. Both confirmed."
    assert len(fake.channel_messages[dm]) == 1 and len(fake.recorded("POST", "/users/@me/channels")) == 1

    await enqueue(dbot, "post:1", Reply(text="A post"))
    await app.deliver_now()
    (post,) = channel_posts(fake)
    del fake.messages[int(post["id"])]  # deleted by a moderator
    await enqueue(dbot, "post:1:edit", Reply(text="A post, edited"), edit_of="post:1")
    await enqueue(dbot, "post:2", Reply(text="The next post"))
    await app.deliver_now()
    assert (await units(app).outbox.get("post:1:edit")).status == "delivered", "nothing to edit, nothing to tell"
    assert [m["embeds"][0]["description"] for m in channel_posts(fake)] == ["A post", "The next post"]


async def test_every_private_command_and_its_buttons_answer_privately(dbot):
    fake, registry = dbot.fake, dbot.app.registry
    await start_group(fake)
    await fake.slash("mock join", user=BOB, name="bob")
    checked = 0
    for route in routes(registry):
        cmd = route.command
        if not cmd.private or any(p.required for p in cmd.params) or cmd.form_title:
            continue
        dbot.clock.advance(timedelta(seconds=2))  # well inside the per-person rate limit
        body = await fake.slash(" ".join(route.words), user=BOB, name="bob", admin=cmd.admin)
        assert is_ephemeral(body), f"{route.slash} is private: {text_of(body)}"
        checked += 1
        message = body["response"]["resource"]["message"]
        for row in message.get("components", []):
            button = row["components"][0]
            command_text = button["custom_id"].removeprefix("sb:")
            target = registry.get(tuple(command_text.split()[:2])) or registry.get(tuple(command_text.split()[:1]))
            if target is not None and target.private and not target.admin:
                dbot.clock.advance(timedelta(seconds=2))
                pressed = await fake.click(message, button["custom_id"], user=BOB, name="bob")
                assert is_ephemeral(pressed), f"the button {button['label']} of {route.slash}"
    assert checked >= 10
    # With a slow answer too: the "thinking" placeholder of a private command is private.
    dbot.client.runner.defer_after = 0
    deferred = await fake.slash("me", user=BOB, name="bob")
    assert deferred["type"] == 5 and is_ephemeral(deferred)


# -- files ----------------------------------------------------------------------------------------------
@command("export-test", scope="anyone", private=True, help="A reply with a CSV file")
async def export_test(ctx) -> Reply:
    return Reply(text="The group's progress", private=True,
                 files=[Attachment("members.csv", CSV, "text/csv", "Members of #study")])


async def test_a_csv_file_is_attached_to_an_answer_and_to_a_post(fake, tmp_path):
    async with running(fake, tmp_path, extra_commands=[export_test]) as bot:
        await start_group(fake)
        body = await fake.slash("export-test", user=ADA, name="ada")
        assert is_ephemeral(body)
        assert body["files"] == [("members.csv", CSV)]
        (attachment,) = body["data"]["attachments"]
        assert attachment["filename"] == "members.csv" and attachment["description"] == "Members of #study"
        rows = list(csv.DictReader(io.StringIO(body["files"][0][1].decode())))
        assert [r["name"] for r in rows] == ["Ada", "Bob"]

        await enqueue(bot, "export:1", Reply(text="This week's export",
                                             files=[Attachment("members.csv", CSV, "text/csv")]))
        await bot.app.deliver_now()
        (post,) = channel_posts(fake)
        assert [a["filename"] for a in post["attachments"]] == ["members.csv"]
        (request,) = fake.recorded("POST", f"/channels/{CHANNEL_ID}/messages")
        assert request.files == [("members.csv", CSV)]


# -- scheduled events -------------------------------------------------------------------------------
START = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
SESSION = CalendarEvent("Mock interview: Ada and Bob", START, START + timedelta(hours=1),
                        "https://meet.jit.si/studybot-7f3a", "Coding, 60 minutes: two halves of 30.")


async def test_a_scheduled_event_is_created_edited_and_deleted_from_the_outbox(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    await enqueue(dbot, "mock-event:7", Reply(event=SESSION))
    await app.deliver_now()
    ((event_id, event),) = fake.events.items()
    assert event["entity_type"] == EXTERNAL and event["privacy_level"] == GUILD_ONLY
    assert event["entity_metadata"] == {"location": "https://meet.jit.si/studybot-7f3a"}
    assert datetime.fromisoformat(event["scheduled_start_time"]) == START
    assert datetime.fromisoformat(event["scheduled_end_time"]) == START + timedelta(hours=1)
    assert event["name"] == "Mock interview: Ada and Bob" and event["guild_id"] == str(GUILD_ID)
    assert (await units(app).outbox.get("mock-event:7")).ref == str(event_id), "the event's id is kept"

    moved = CalendarEvent(SESSION.name, START + timedelta(days=1), START + timedelta(days=1, hours=1),
                          SESSION.location, SESSION.description)
    await enqueue(dbot, "mock-event:7:1", Reply(event=moved), edit_of="mock-event:7")
    await app.deliver_now()
    (patch,) = fake.recorded("PATCH", f"/guilds/{GUILD_ID}/scheduled-events/{event_id}")
    assert datetime.fromisoformat(patch.body["scheduled_start_time"]) == START + timedelta(days=1)
    assert datetime.fromisoformat(fake.events[event_id]["scheduled_end_time"]) == START + timedelta(days=1, hours=1)

    cancelled = CalendarEvent(SESSION.name, moved.start, moved.end, SESSION.location, cancelled=True)
    await enqueue(dbot, "mock-event:7:2", Reply(event=cancelled), edit_of="mock-event:7")
    await app.deliver_now()
    assert fake.recorded("DELETE", f"/guilds/{GUILD_ID}/scheduled-events/{event_id}")
    assert fake.events == {}
    assert channel_posts(fake) == [], "an event is never a post"
    for key in ("mock-event:7", "mock-event:7:1", "mock-event:7:2"):
        assert (await units(app).outbox.get(key)).status == "delivered"


async def test_without_manage_events_the_event_is_given_up_and_says_why(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    fake.fail_next(f"POST /guilds/{GUILD_ID}/scheduled-events", MISSING_PERMISSIONS)
    await enqueue(dbot, "mock-event:8", Reply(event=SESSION))
    await enqueue(dbot, "after-event", Reply(text="The next message still goes"))
    await app.deliver_now()
    message = await units(app).outbox.get("mock-event:8")
    assert message.status == "undeliverable" and "Manage Events" in message.last_error
    assert fake.events == {}
    texts = [m["embeds"][0].get("description", "") for m in channel_posts(fake)]
    assert "The next message still goes" in texts, "it held up nothing"


# -- roles ------------------------------------------------------------------------------------------
async def sync_after_a_command(bot, user: int) -> None:
    """What the dispatcher's after-command hook runs (bot/services/roles.after_command)."""
    group = await group_of(bot)
    person = await units(bot.app).links.internal("discord", "user", str(user))
    roadmap = bot.app.content.roadmaps[group.roadmap]
    await bot.app.uow.run(lambda store: role_service.after_command(store, roadmap, group, person, bot.clock.now()))


async def test_stage_roles_follow_group_roles_on_a_stage_change_and_off(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    body = await fake.slash("group roles", {"state": "on"}, user=ADA, name="ada", admin=True)
    assert "Manage Roles" in text_of(body), text_of(body)
    await app.deliver_now()
    assert fake.role_names(ADA) == fake.role_names(BOB) == {"Stage 1 · Foundations"}
    assert [r.body["name"] for r in fake.recorded("POST", f"/guilds/{GUILD_ID}/roles")] == ["Stage 1 · Foundations"]
    assert channel_posts(fake) == [], "roles are never posts"

    for milestone in ("python-basics", "big-o", "linear-algebra"):
        await fake.slash("roadmap done", {"milestone": milestone}, user=BOB, name="bob")
    await sync_after_a_command(dbot, BOB)
    await app.deliver_now()
    assert fake.role_names(BOB) == {"Stage 2 · ML basics"}, "the old stage's role is taken away"
    assert fake.role_names(ADA) == {"Stage 1 · Foundations"}
    removed = fake.recorded("DELETE", f"/guilds/{GUILD_ID}/members/{BOB}/roles/")
    assert len(removed) == 1
    requests = len(fake.requests)
    await sync_after_a_command(dbot, BOB)  # nothing changed: nothing queued, nothing sent
    await app.deliver_now()
    assert len(fake.requests) == requests

    body = await fake.slash("group roles", {"state": "off"}, user=ADA, name="ada", admin=True)
    assert "2 members" in text_of(body), text_of(body)
    await app.deliver_now()
    assert fake.role_names(ADA) == fake.role_names(BOB) == set()


async def test_a_role_sync_adds_and_removes_by_name_and_creates_what_is_missing(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    managed = ("Stage 1 · Foundations", "Stage 2 · ML basics", "7-day streak", "30-day streak")
    await enqueue(dbot, "roles:t:1", Reply(roles=RoleSync(("Stage 1 · Foundations", "7-day streak"), managed)),
                  user=BOB)
    await app.deliver_now()
    assert fake.role_names(BOB) == {"Stage 1 · Foundations", "7-day streak"}
    await enqueue(dbot, "roles:t:2", Reply(roles=RoleSync(("Stage 2 · ML basics", "30-day streak"), managed)),
                  user=BOB)
    await app.deliver_now()
    assert fake.role_names(BOB) == {"Stage 2 · ML basics", "30-day streak"}
    names = [r["name"] for r in fake.roles.values()]
    assert sorted(names) == sorted(managed), "each role made once, then found by name"
    fake.gone_members.add(BOB)  # left the server: nothing to change, nothing to report
    await enqueue(dbot, "roles:t:3", Reply(roles=RoleSync((), managed)), user=BOB)
    await app.deliver_now()
    assert (await units(app).outbox.get("roles:t:3")).status == "delivered"


async def test_without_manage_roles_a_role_sync_is_given_up_and_says_why(dbot):
    fake, app = dbot.fake, dbot.app
    await start_group(fake)
    fake.fail_next(f"POST /guilds/{GUILD_ID}/roles", MISSING_PERMISSIONS)
    await enqueue(dbot, "roles:t:9", Reply(roles=RoleSync(("Stage 1 · Foundations",), ("Stage 1 · Foundations",))),
                  user=ADA)
    await app.deliver_now()
    message = await units(app).outbox.get("roles:t:9")
    assert message.status == "undeliverable" and "Manage Roles" in message.last_error
    assert fake.role_names(ADA) == set()


# -- start-up ---------------------------------------------------------------------------------------
def test_a_start_logs_no_voice_warnings():
    # A process of its own: discord.py warns only in the first client a process makes.
    code = ("import logging; logging.basicConfig(level=logging.WARNING)\n"
            "from adapters.discord.client import StudyClient\n"
            "StudyClient(None)\n"
            "logging.getLogger('discord.client').warning('a warning that is not about voice')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "voice" not in done.stderr.replace("a warning that is not about voice", "")
    assert done.stderr.strip() == "WARNING:discord.client:a warning that is not about voice", done.stderr
