"""Slack requests in, core calls, replies out: the `/study` command, buttons, modals and the App Home.

Slack drops a request that is not acknowledged within three seconds, so every listener acks first
and does the work in a task of its own; the answer then goes to the request's response_url.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.admins import Directory
from adapters.slack.channels import Channels
from adapters.slack.messenger import Pacer, SlackMessenger, has_uploads
from bot.api import CoreApi
from bot.commands.dispatch import Silence
from bot.config import Settings
from bot.domain.model import Caller
from bot.reply import Button, Reply, error_reply

log = logging.getLogger(__name__)
PLATFORM = "slack"
COMMAND = "/study"
FAILED = "Something went wrong on our side; nothing was changed. Please try again."
FORM_FAILED = "The form could not open. Type the command with its parameters instead, e.g. `/study help {}`."
OAUTH_VARIABLES = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
SETUP = ("group", "setup")  # typed with nothing after it, it opens the settings form
# How long a form's submission may take to be checked before the form closes; Slack waits three seconds.
SUBMIT_WAIT = 2.0
MODAL_ERROR_MAX = 300
# The main actions on the Home tab, run in the group's channel as whoever presses them.
HOME_ACTIONS = (
    Button("Today's problem", "problem today", "primary"),
    Button("Check in", "checkin"),
    Button("Roadmap", "roadmap"),
    Button("Mock status", "mock status"),
    Button("Leaderboard", "leaderboard week"),
    Button("Help", "help"),
)
# Someone in no group yet gets these, run in their DM with the bot.
HOME_ALONE = (Button("Help", "help", "primary"),)


class SlackAdapter:
    def __init__(self, app: CoreApi, bolt: AsyncApp, directory: Directory, messenger: SlackMessenger,
                 channels: Channels | None = None):
        self.app = app
        self.bolt = bolt
        self.client: AsyncWebClient = bolt.client
        self.directory = directory
        self.messenger = messenger
        self.channels = channels or Channels(bolt.client)
        self._tasks: set[asyncio.Task] = set()

    # -- the work after the ack -------------------------------------------------------------------
    def spawn(self, work: Awaitable[None], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("answering %s failed", what)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self, limit: float | None = None) -> None:
        """Wait for the answers still being worked on (tests; a clean shutdown), cancelling after `limit` s."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=limit)
            if pending:
                for task in pending:
                    task.cancel()
                return

    async def caller(self, user: str, name: str, channel: str, team: str, *, forms: bool,
                     channel_name: str = "") -> Caller:
        person = await self.directory.person(user, name)
        is_dm = channel.startswith("D")
        return Caller(platform=PLATFORM, user=user, channel=channel, name=person.name, space=team,
                      platform_admin=person.admin, forms=forms, is_dm=is_dm,
                      channel_name="" if is_dm else await self.channels.name(channel, channel_name))

    async def run(self, work: Callable[[], Awaitable[Reply]]) -> Reply:
        try:
            return await work()
        except Exception:
            log.exception("a Slack command failed")
            return error_reply(FAILED)

    # -- answering ------------------------------------------------------------------------------
    async def answer(self, reply: Reply, caller: Caller, *, response_url: str | None, trigger_id: str | None) -> None:
        """One reply to one request: a modal, or a message to the response_url (else a DM)."""
        if isinstance(reply, Silence):  # over the rate limit: the ack was all they get
            return
        if reply.form is not None:
            if await self.open_form(reply, caller, response_url, trigger_id):
                return
            reply = error_reply(FORM_FAILED.format(reply.form.command))
        out = render.message(reply)
        if response_url:
            response = await AsyncRespond(response_url=response_url)(
                text=out.text, blocks=out.blocks, response_type=out.response_type, replace_original=False,
                unfurl_links=False, unfurl_media=False)
            if response.status_code != 200:
                log.warning("Slack refused a response (%s): %s", response.status_code, response.body)
            if has_uploads(reply):
                # Files cannot ride on a response; a private reply's chart or files go to the member's DM.
                private = out.ephemeral and not caller.is_dm
                where = await self.messenger.dm_channel(caller.user) if private else caller.channel
                await self.messenger.upload_all(where, reply)
        else:
            await self.messenger.send(await self.messenger.dm_channel(caller.user), reply)

    async def open_form(self, reply: Reply, caller: Caller, response_url: str | None, trigger_id: str | None) -> bool:
        form = reply.form
        if form is None or not trigger_id:
            return False
        state = render.FormState(command=form.command, given=dict(form.given), channel=caller.channel,
                                 response_url=response_url)
        try:
            view = render.modal(form, state)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except Exception as exc:
            # Most often an expired trigger (over 3 s): the person is told how to type it instead.
            log.warning("could not open the %r form: %s", form.command, exc)
            return False
        return True

    async def open_settings(self, caller: Caller, response_url: str | None, trigger_id: str) -> bool:
        """The settings form of `group setup` (pickers for each setting), for someone the platform
        makes an organiser; its submission runs `group setup` with what was picked."""
        cmd = self.app.registry.get(SETUP)
        if cmd is None:
            return False
        state = render.FormState(command=" ".join(SETUP), given={}, channel=caller.channel,
                                 response_url=response_url)
        try:
            await self.client.views_open(trigger_id=trigger_id,
                                         view=render.settings_modal(cmd, state, self.app.roadmaps()))
        except Exception as exc:
            log.warning("could not open the settings form: %s", exc)
            return False
        return True

    def home_actions(self) -> list[Button]:
        """The main actions whose commands this bot has (a button never names a missing command)."""
        def known(line: str) -> bool:
            words = tuple(line.split())
            return any(self.app.registry.get(words[:n]) is not None for n in range(len(words), 0, -1))

        return [b for b in HOME_ACTIONS if known(b.command)]

    async def publish_home(self, user: str, team: str, channel: str = "") -> None:
        caller = await self.caller(user, "", channel, team, forms=False)
        view = render.home_view(await self.dashboards(caller), self.home_actions(), alone=list(HOME_ALONE),
                                dm_channel=channel if channel.startswith("D") else "")
        await self.client.views_publish(user_id=user, view=view)

    async def dashboards(self, caller: Caller) -> list[tuple[str, Reply]]:
        """Each group's `me` view with its channel, so the Home's buttons know where they run."""
        return await self.app.dashboards(caller)

    # -- the three kinds of request ---------------------------------------------------------------
    async def on_command(self, command: dict[str, Any]) -> None:
        text = from_slack(command.get("text") or "").strip()
        trigger_id = command.get("trigger_id")
        caller = await self.caller(command["user_id"], command.get("user_name", ""), command["channel_id"],
                                   command.get("team_id", ""), forms=bool(trigger_id),
                                   channel_name=command.get("channel_name") or "")
        response_url = command.get("response_url")
        # `group setup` alone opens the settings form, for those the workspace makes organisers (anyone
        # else gets the core's answer: a refusal, or for an organiser granted in the group, the settings).
        if tuple(text.lower().split()) == SETUP and trigger_id and caller.platform_admin and not caller.is_dm:
            if await self.open_settings(caller, response_url, trigger_id):
                return
            # Not the defaults instead of the form: say how to type the settings.
            await self.answer(error_reply(FORM_FAILED.format(" ".join(SETUP))), caller, response_url=response_url,
                              trigger_id=None)
            return
        reply = await self.run(lambda: self.app.handle_text(caller, text or "help"))
        await self.answer(reply, caller, response_url=response_url, trigger_id=trigger_id)

    async def on_action(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        trigger_id = body.get("trigger_id")
        home = (body.get("view") or {}).get("type") == "home"
        where = {} if home else (body.get("channel") or {})
        channel = render.home_channel(action.get("block_id")) if home else where.get("id")
        if not channel:
            return
        caller = await self.caller(user["id"], user.get("name") or user.get("username", ""), channel, team,
                                   forms=bool(trigger_id), channel_name=where.get("name") or "")
        reply = await self.run(lambda: self.app.handle_text(caller, action.get("value") or "help"))
        await self.answer(reply, caller, response_url=None if home else body.get("response_url"),
                          trigger_id=trigger_id)
        if home:
            await self.publish_home(caller.user, team, caller.channel)

    async def on_submit(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], view: dict[str, Any]) -> None:
        """Run the form's command; a refusal shows in the form, on the field it is about (Slack's
        response_action "errors"), and changes nothing. Anything else closes the form and the answer
        goes where the command's answer goes (the channel, or ephemeral, or the DM)."""
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        state = render.FormState.load(view.get("private_metadata") or "{}")
        # No form may open from a form: a missing answer becomes a one-line error instead.
        caller = await self.caller(user["id"], user.get("name") or user.get("username", ""), state.channel, team,
                                   forms=False)
        path = tuple(state.command.split())
        answers = render.answers(view, state)
        task = asyncio.create_task(self.run(lambda: self.app.handle(caller, path, answers)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # Slack waits three seconds for the answer to a submission; a slower command closes the form and
        # answers as a message when it is done.
        done, _ = await asyncio.wait({task}, timeout=SUBMIT_WAIT)
        if done:
            reply = task.result()
            block = render.error_block(view, self.app.registry.get(path)) if reply.error else None
            if block is not None and not isinstance(reply, Silence):
                message = render.clip(" ".join(render.plain(reply.text).split()), MODAL_ERROR_MAX)
                await ack(response_action="errors", errors={block: message or "Not accepted."})
                return
            await ack()
            self.spawn(self.answer(reply, caller, response_url=state.response_url, trigger_id=None), "a form")
            return
        await ack()

        async def later() -> None:
            await self.answer(await task, caller, response_url=state.response_url, trigger_id=None)

        self.spawn(later(), "a form")

    async def on_dm(self, event: dict[str, Any], team: str) -> None:
        """Text in the bot's DM is a command for that person (`/study` in front is optional); the
        answer is a message in the DM."""
        channel, user = event["channel"], event["user"]
        text = from_slack(event.get("text") or "").strip()
        if text.lower().startswith(COMMAND + " ") or text.lower() == COMMAND:
            text = text[len(COMMAND):].strip()
        self.messenger.dm_channels.setdefault(user, channel)
        caller = await self.caller(user, "", channel, team, forms=False)
        reply = await self.run(lambda: self.app.handle_text(caller, text or "help"))
        if isinstance(reply, Silence):
            return
        await self.messenger.send(channel, reply)


# With `should_escape: true` (the manifest) Slack sends what a person typed with its own markup in `<…>`
# (a literal <, > or & arrives as an entity, so every real `<` is Slack's): <@U123|name> for a mention,
# <#C123|name> for a channel, <!here>, and <https://…|as typed> for a link.
_SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def from_slack(text: str) -> str:
    """Command text as the core reads it: a user mention stays in the neutral mention form `<@ID>` /
    `<@ID|name>` (a member parameter resolves it by identity; free text shows the name), anything else
    of Slack's markup becomes what the person typed, and the entities become the characters."""

    def plain(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return m.group(0)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):  # <!here>, <!subteam^S123|@team>, <!date^…|fallback>
            return label or "@" + target[1:].split("^")[0]
        return label or target  # a link: what was typed, else the address

    text = _SLACK_MARKUP.sub(plain, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_environment(environ: dict[str, str]) -> None:
    if all(environ.get(name) for name in OAUTH_VARIABLES):
        # bolt would silently switch to multi-workspace OAuth and ignore the bot token.
        raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set; studybot runs in one workspace with "
                         "STUDYBOT_SLACK_BOT_TOKEN, so unset them")


def build(app: CoreApi, settings: Settings, *, client: AsyncWebClient, pacer: Pacer | None = None) -> SlackAdapter:
    """The bolt app with studybot's listeners; nothing is sent or served until a request arrives."""
    check_environment(dict(os.environ))
    bolt = AsyncApp(client=client, signing_secret=settings.slack_signing_secret or "", name="studybot",
                    logger=logging.getLogger("slack_bolt"))
    adapter = SlackAdapter(app, bolt, Directory(client, settings.slack_admins), SlackMessenger(client, pacer=pacer),
                           Channels(client))

    # bolt passes arguments by parameter name, so these are plain functions, not bound methods.
    @bolt.command(COMMAND)
    async def study(ack, command):
        await ack()
        adapter.spawn(adapter.on_command(command), f"/study {command.get('text', '')!r}")

    @bolt.action(re.compile("^" + re.escape(render.ACTION_PREFIX)))
    async def button(ack, body, action):
        await ack()
        adapter.spawn(adapter.on_action(body, action), f"button {action.get('value')!r}")

    @bolt.view(render.FORM_CALLBACK)
    async def submit(ack, body, view):
        # Acked in there: with the form's errors, or closing it (the answer then arrives as a message).
        acked = False

        async def once(**kwargs) -> None:
            nonlocal acked
            acked = True
            await ack(**kwargs)

        try:
            await adapter.on_submit(once, body, view)
        except Exception:
            log.exception("answering a form failed")
            if not acked:
                await ack()

    # Text in the bot's DM (the App Home's Messages tab): `message.im`, without a subtype (no edits,
    # no joins, no bot's own posts).
    @bolt.event({"type": "message", "subtype": None})
    async def direct(ack, body, event):
        await ack()
        if event.get("channel_type") == "im" and event.get("user") and not event.get("bot_id"):
            adapter.spawn(adapter.on_dm(event, body.get("team_id", "")), "a direct message")

    @bolt.event("app_home_opened")
    async def home(ack, body, event):
        await ack()
        if event.get("tab", "home") == "home":
            adapter.spawn(adapter.publish_home(event["user"], body.get("team_id", ""), event.get("channel", "")),
                          "the App Home")

    return adapter
