"""The real discord.py client against the fake Discord: gateway, command sync and interactions."""

from __future__ import annotations

import json

from discord_fake import APP_ID, BOT_ID, CHANNEL_ID, GUILD_ID
from discord_harness import ADA, BOB, EPHEMERAL, embed_of, is_ephemeral, running, start_group, text_of

from adapters.discord.commands import routes, slash_names
from bot.commands.registry import Param, command
from bot.reply import Reply

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


async def test_ready_and_guild_create_without_privileged_intents(dbot):
    fake, client = dbot.fake, dbot.client
    assert [r.path for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert client.application_id == APP_ID and client.user.id == BOT_ID
    guild = client.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "ML Interview Prep"
    assert guild.get_channel(CHANNEL_ID).name == "study"
    (identify,) = fake.identifies
    assert identify["token"] == "fake-token-for-tests"
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert identify["intents"] & 1  # guilds


async def test_synced_commands_match_the_registry(dbot):
    fake, registry = dbot.fake, dbot.app.registry
    (sync,) = fake.recorded("PUT", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    sent = {c["name"]: c for c in sync.body}

    def paths(node, prefix):
        subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            yield "/" + " ".join(prefix), node
        for sub in subs:
            yield from paths(sub, (*prefix, sub["name"]))

    leaves = dict(p for c in sync.body for p in paths(c, (c["name"],)))
    assert sorted(leaves) == slash_names(registry)
    assert len(leaves) == len(registry)
    for route in routes(registry):
        options = {o["name"]: o for o in leaves[route.slash].get("options", [])}
        assert sorted(options) == sorted(p.name for p in route.command.params), route.slash
        for p in route.command.params:
            assert options[p.name]["required"] is p.required
            if p.kind == "int":
                assert options[p.name]["type"] == 4
            if p.kind == "choice" and len(p.choices) <= 25:
                assert [c["value"] for c in options[p.name]["choices"]] == list(p.choices)
            if p.kind in ("timezone", "problem", "milestone"):
                assert options[p.name]["autocomplete"] is True
            if p.kind == "member":  # Discord's USER option: a member is picked by identity, not by name
                assert options[p.name]["type"] == 6 and "autocomplete" not in options[p.name]
    # `roadmap` is also a prefix of `roadmap done`, so Discord sees it as `/roadmap show`.
    assert "/roadmap show" in leaves and "/roadmap done" in leaves
    # Organiser-only groups are hidden from members by default (Manage Server = 32).
    assert int(sent["group"]["default_member_permissions"]) == 32
    assert sent["roadmap"]["default_member_permissions"] is None
    pace = next(o for o in leaves["/group setup"]["options"] if o["name"] == "pace")
    assert (pace["min_value"], pace["max_value"]) == (1, 26)


async def test_slash_commands_with_options_and_time_markers(dbot):
    fake = dbot.fake
    await start_group(fake)
    body = await fake.slash("profile", {"timezone": "America/New_York", "target": "faang"}, user=BOB, name="bob")
    assert is_ephemeral(body), "a profile is personal"
    assert "America/New_York" in text_of(body) and "faang" in text_of(body)
    assert body["type"] == 4
    body = await fake.slash("roadmap show", user=BOB, name="bob")
    assert is_ephemeral(body)
    embed = embed_of(body)
    assert "`" in embed["description"] and "0/3" in embed["description"]  # progress bars as text
    assert embed["color"] == 0x5865F2
    (row,) = body["data"]["components"]
    assert row["components"][0]["custom_id"] == "sb:roadmap done python-basics"
    # Bad input from a client that skipped Discord's own checks: one line, no traceback.
    body = await fake.slash("profile", {"timezone": "Mars/Olympus"}, user=BOB, name="bob")
    assert is_ephemeral(body) and embed_of(body)["color"] == 0xE74C3C
    assert "\n" not in embed_of(body)["description"].split("usage:")[0].strip()


async def test_roadmap_response_is_recorded(dbot, tmp_path):
    await start_group(dbot.fake)
    body = await dbot.fake.slash("roadmap show", user=ADA, name="ada")
    (callback,) = [r for r in dbot.fake.recorded("POST", "/interactions/") if body["_token"] in r.path]
    assert callback.query == {"with_response": "1"}
    assert callback.body["type"] == 4 and callback.body["data"]["embeds"]
    (tmp_path / "roadmap-response.json").write_text(json.dumps(callback.body, indent=2))


async def test_button_click_runs_the_named_command_as_the_clicker(dbot):
    fake = dbot.fake
    await start_group(fake)
    shown = await fake.slash("roadmap show", user=BOB, name="bob")
    message = shown["response"]["resource"]["message"]
    custom_id = message["components"][0]["components"][0]["custom_id"]
    clicked = await fake.click(message, custom_id, user=BOB, name="bob")
    assert clicked["type"] == 4
    assert "python-basics" in text_of(clicked).lower() or "python basics" in text_of(clicked).lower()
    again = await fake.slash("roadmap show", user=BOB, name="bob")
    assert "1/3" in embed_of(again)["description"]
    ada = await fake.slash("roadmap show", user=ADA, name="ada")
    assert "1/3" not in embed_of(ada)["description"], "the click counted for the clicker only"


async def test_organiser_command_refused_to_a_member(dbot):
    fake = dbot.fake
    await start_group(fake)
    # Discord delivers `/group` only to those its permissions let run it, so a delivered one is allowed
    # (tests/e2e/discord/test_discord_rights.py); a member reaches a group command by a button at most.
    shown = await fake.slash("roadmap show", user=BOB, name="bob")
    message = shown["response"]["resource"]["message"]
    message["components"][0]["components"][0]["custom_id"] = "sb:group pause"
    body = await fake.click(message, "sb:group pause", user=BOB, name="bob", admin=False)
    assert is_ephemeral(body)
    assert "organisers" in text_of(body)
    body = await fake.slash("group pause", user=ADA, name="ada", admin=True)
    assert not is_ephemeral(body)


async def test_autocomplete_suggests_timezones(dbot):
    fake = dbot.fake
    await start_group(fake)
    body = await fake.autocomplete("profile", {"timezone": "Europe/Pa"}, "timezone", user=BOB, name="bob")
    assert body["type"] == 8
    values = [c["value"] for c in body["data"]["choices"]]
    assert "Europe/Paris" in values and len(values) <= 25
    body = await fake.autocomplete("roadmap done", {"milestone": "big"}, "milestone", user=BOB, name="bob")
    assert [c["value"] for c in body["data"]["choices"]] == ["big-o"]


@command("note", help="Leave a note for the organisers", scope="member", private=True, form_title="A note",
         params=[Param("subject", "text", help="Subject", required=True, form=True, max_length=80),
                 Param("body", "text", help="What you want to say", form=True, long=True, max_length=1000)])
async def note_command(ctx, subject: str, body: str | None = None) -> Reply:
    return Reply(title=f"Note: {subject}", text=body or "(no body)", private=True)


async def test_modal_opens_for_a_form_and_its_submit_runs_the_command(fake, tmp_path):
    # A command added to the registry appears on Discord with no Discord-specific code.
    async with running(fake, tmp_path, extra_commands=[note_command]) as bot:
        await start_group(fake)
        assert any(c["name"] == "note" for c in fake.commands[GUILD_ID])
        opened = await fake.slash("note", user=BOB, name="bob")
        assert opened["type"] == 9, "a modal, not a message"
        modal = opened["data"]
        assert modal["title"] == "A note"
        inputs = [row["components"][0] for row in modal["components"]]
        assert [(i["custom_id"], i["style"], i["required"]) for i in inputs] == [
            ("f:subject", 1, True), ("f:body", 2, False)]
        body = await fake.submit_modal(modal["custom_id"], {"f:subject": "Mock times", "f:body": "Evenings please"},
                                       user=BOB, name="bob")
        assert is_ephemeral(body)
        assert embed_of(body)["title"] == "Note: Mock times"
        assert embed_of(body)["description"] == "Evenings please"
        assert bot.client.application_id == APP_ID


@command("announce-check", scope="anyone", help="A public command whose answer here is private")
async def public_command_private_answer(ctx) -> Reply:
    return Reply(text="Only for you, after all", private=True)


async def test_slow_answer_is_deferred_then_sent_as_one_follow_up(fake, tmp_path):
    async with running(fake, tmp_path, extra_commands=[public_command_private_answer]) as bot:
        await start_group(fake)
        bot.client.runner.defer_after = 0  # as if every command took longer than the deferral threshold
        deferred = await fake.slash("profile", {"level": "advanced"}, user=BOB, name="bob")
        assert deferred["type"] == 5 and is_ephemeral(deferred), "thinking, privately, as profile is private"
        follow = await fake.followup(deferred["_token"])
        assert follow["method"] == "POST" and "advanced" in json.dumps(follow["data"])
        # A public deferral whose answer turns out private: the placeholder goes, the answer is ephemeral.
        deferred = await fake.slash("announce-check", user=BOB, name="bob")
        assert deferred["type"] == 5 and not is_ephemeral(deferred)
        follow = await fake.followup(deferred["_token"])
        assert follow["data"]["flags"] & EPHEMERAL
        deletes = [r for r in fake.requests if r.method == "DELETE" and deferred["_token"] in r.path]
        assert len(deletes) == 1 and deletes[0].path.endswith("/messages/@original")
