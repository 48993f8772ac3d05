"""`studybot run --platform slack`: the real entry point, real clock, in HTTP mode and in Socket Mode."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import yaml
from slack_fake import APP_TOKEN, BOB, BOT_TOKEN, CHANNEL, TEAM, Failure
from slack_harness import PACK, SECRET, sign

import adapters.slack
from adapters.slack.main import run_slack
from bot.bootstrap import open_app
from bot.config import Settings

ADAPTER = Path(adapters.slack.__file__).parent


def settings_for(tmp_path, **overrides) -> Settings:
    values = dict(platform="slack", db_path=str(tmp_path / "s.db"), content_dir=PACK, slack_bot_token=BOT_TOKEN,
                  slack_signing_secret=SECRET, slack_host="127.0.0.1", slack_port=0)
    values.update(overrides)
    return Settings(**values)


async def started(fake, settings: Settings):
    """run_slack in a task; returns (task, where it listens, its stop event)."""
    loop = asyncio.get_running_loop()
    where: asyncio.Future[str] = loop.create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(run_slack(settings, open_core=open_app, api_url=fake.api_url, ready=where.set_result, stop=stop))
    done, _ = await asyncio.wait({task, where}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if where not in done:
        raise AssertionError(f"run_slack never became ready: {task.result() if task in done else 'timeout'}")
    return task, where.result(), stop


async def test_missing_or_wrong_tokens_are_one_clear_line_each(fake, tmp_path, capsys):
    assert await run_slack(open_core=open_app, settings=Settings(platform="slack", db_path=str(tmp_path / "s.db"))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "studybot: STUDYBOT_SLACK_BOT_TOKEN is not set; see docs/slack.md",
        "studybot: STUDYBOT_SLACK_SIGNING_SECRET is not set (needed in HTTP mode; or set STUDYBOT_SLACK_APP_TOKEN "
        "for Socket Mode); see docs/slack.md",
    ]
    assert await run_slack(open_core=open_app, settings=settings_for(tmp_path, slack_bot_token="xoxp-user-token", slack_app_token="bot")) == 2
    err = capsys.readouterr().err
    assert "must be the bot token (xoxb-...)" in err and "must be an app-level token (xapp-...)" in err
    assert "Traceback" not in err and fake.calls == []


async def test_oauth_variables_would_silently_change_bolts_mode_so_they_are_refused(fake, tmp_path, capsys,
                                                                                     monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "123.456")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    assert await run_slack(open_core=open_app, settings=settings_for(tmp_path), api_url=fake.api_url) == 2
    assert "unset them" in capsys.readouterr().err


async def test_a_refused_bot_token_is_one_clear_line(fake, tmp_path, capsys):
    fake.fail_next("auth.test", Failure(200, {"ok": False, "error": "invalid_auth"}))
    assert await run_slack(open_core=open_app, settings=settings_for(tmp_path), api_url=fake.api_url) == 2
    assert capsys.readouterr().err.strip() == (
        "studybot: Slack refused the bot token (STUDYBOT_SLACK_BOT_TOKEN): invalid_auth; see docs/slack.md")


async def test_a_port_in_use_is_one_clear_line(fake, tmp_path, capsys):
    task, url, stop = await started(fake, settings_for(tmp_path / "a"))
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    try:
        (tmp_path / "b").mkdir()
        assert await run_slack(open_core=open_app, settings=settings_for(tmp_path / "b", slack_port=port), api_url=fake.api_url) == 1
        assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 10) == 0


async def test_http_mode_serves_signed_requests_and_stops_cleanly(fake, tmp_path):
    task, url, stop = await started(fake, settings_for(tmp_path))
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/slack/events", url)
    response_url = fake.response_url()
    body = urlencode({"command": "/study", "text": "help", "user_id": BOB, "user_name": "bob",
                      "channel_id": CHANNEL, "team_id": TEAM, "response_url": response_url, "trigger_id": "trig.1"})
    ts = int(time.time())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": sign(body, ts)}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers=headers) as response:
            assert (response.status, await response.text()) == (200, "")
        async with http.post(url, data=body, headers={**headers, "X-Slack-Signature": "v0=0"}) as response:
            assert response.status == 401
    (sent,) = await fake.wait_for(lambda: fake.responses_to(response_url))
    assert sent["response_type"] == "ephemeral" and sent["blocks"][0]["text"]["text"] == "studybot commands"
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0


async def test_socket_mode_receives_envelopes_and_acks_them(fake, tmp_path):
    task, where, stop = await started(fake, settings_for(tmp_path, slack_signing_secret=None,
                                                         slack_app_token=APP_TOKEN))
    assert where == "socket-mode"
    (opened,) = fake.recorded("apps.connections.open")
    assert opened.token == APP_TOKEN, "the app-level token opens the socket; the bot token does the rest"
    response_url = fake.response_url()
    envelope = await fake.send_envelope("slash_commands", {
        "command": "/study", "text": "help", "user_id": BOB, "user_name": "bob", "channel_id": CHANNEL,
        "team_id": TEAM, "response_url": response_url, "trigger_id": "trig.2"})
    await fake.wait_for(lambda: envelope in fake.envelopes_acked)
    (sent,) = await fake.wait_for(lambda: fake.responses_to(response_url))
    assert sent["response_type"] == "ephemeral" and sent["blocks"][0]["text"]["text"] == "studybot commands"
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0


# -- the manifest ----------------------------------------------------------------------------------

# The bot scopes each Web API method needs; a method missing here fails the test until it is added.
METHOD_SCOPES = {
    "auth_test": set(), "views_open": set(), "views_publish": set(),
    "chat_postMessage": {"chat:write"}, "chat_update": {"chat:write"}, "conversations_open": {"im:write"},
    "files_upload_v2": {"files:write"}, "users_info": {"users:read"},
    "conversations_info": {"channels:read", "groups:read"},  # public and private channels
}
# The bot scopes each event the adapter listens to needs.
EVENT_SCOPES = {"app_home_opened": set(), "message.im": {"im:history"}}


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses():
    manifest = yaml.safe_load((ADAPTER / "manifest.yaml").read_text())
    source = "\n".join(p.read_text() for p in ADAPTER.glob("*.py"))
    called = set(re.findall(r"\bclient\.([a-z]+_[A-Za-z_0-9]+)\(", source))
    assert called, "the adapter calls the Web API through `client.`"
    assert called <= set(METHOD_SCOPES), f"unknown Web API methods: {called - set(METHOD_SCOPES)}"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called), *EVENT_SCOPES.values())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)
    (slash,) = manifest["features"]["slash_commands"]
    assert slash["command"] == "/study"
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    # The Messages tab is the bot's DM, where commands are typed: on, and not read-only.
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(EVENT_SCOPES)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    urls = {slash["url"], manifest["settings"]["interactivity"]["request_url"],
            manifest["settings"]["event_subscriptions"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
