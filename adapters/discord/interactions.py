"""Discord interactions in, core calls, one reply out.

Every interaction gets exactly one answer through `Responder`: a direct response when the core
answers quickly, otherwise a "thinking" deferral followed by a follow-up (Discord drops an
interaction that is not acknowledged within three seconds).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.forms import FormModal
from bot.commands import grammar
from bot.commands.dispatch import Silence
from bot.commands.registry import Command
from bot.domain.model import Caller
from bot.errors import UsageError
from bot.reply import Button, Form, Reply, error_reply

log = logging.getLogger(__name__)
PLATFORM = "discord"
# Acknowledge well inside Discord's three seconds, leaving room for the round trip.
DEFER_AFTER = 1.5
FAILED = "Something went wrong on our side; nothing was changed. Please try again."


def caller_for(interaction: discord.Interaction, *, forms: bool = True) -> Caller:
    user = interaction.user
    in_guild = interaction.guild_id is not None
    # interaction.permissions are the member's resolved permissions in this channel, as Discord sent them.
    admin = in_guild and interaction.permissions.manage_guild
    return Caller(platform=PLATFORM, user=str(user.id), channel=str(interaction.channel_id),
                  name=user.display_name, space=str(interaction.guild_id or ""), platform_admin=admin,
                  forms=forms, is_dm=not in_guild, channel_name=channel_name(interaction))


def channel_name(interaction: discord.Interaction) -> str:
    """The channel's name as Discord shows it ("study"): a group set up there is known by it. A DM has none."""
    channel = interaction.channel
    if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return channel.name or ""
    return ""


class Responder:
    """The single reply path of one interaction."""

    def __init__(self, interaction: discord.Interaction):
        self.interaction = interaction
        self.deferred = False
        self.deferred_ephemeral = False

    async def defer(self, ephemeral: bool) -> None:
        if self.interaction.response.is_done():
            return
        await self.interaction.response.defer(thinking=True, ephemeral=ephemeral)
        self.deferred, self.deferred_ephemeral = True, ephemeral

    async def send(self, reply: Reply) -> None:
        i = self.interaction
        if isinstance(reply, Silence):
            # Over the rate limit: no answer at all (Discord shows the person that nothing came back).
            if self.deferred:
                await i.delete_original_response()
            return
        if reply.form is not None:
            if not i.response.is_done():
                await i.response.send_modal(FormModal(reply.form))
                return
            # A modal can only be the first answer; after a deferral, offer it behind a button.
            reply = Reply(text="Open the form to answer.", private=True,
                          buttons=[Button("Open form", reply.form.command, "primary")])
        out = render.render(reply)
        if not i.response.is_done():
            await i.response.send_message(ephemeral=out.ephemeral, **out.send_kwargs())
        elif out.ephemeral and not self.deferred_ephemeral:
            # The public "thinking" placeholder would leak that a private answer exists; swap it.
            await i.delete_original_response()
            await i.followup.send(ephemeral=True, **out.send_kwargs())
        else:
            await i.followup.send(**out.send_kwargs())


class Runner:
    """Turns interactions into core calls; the client, buttons and modals all come through here."""

    def __init__(self, app, *, defer_after: float = DEFER_AFTER):
        self.app = app
        self.defer_after = defer_after

    async def _answer(self, interaction: discord.Interaction, work: Callable[[], Awaitable[Reply]],
                      private_guess: bool) -> None:
        responder = Responder(interaction)
        try:
            task = asyncio.ensure_future(work())
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                await responder.defer(ephemeral=private_guess)
            try:
                reply = await task
            except Exception:
                log.exception("command failed in the Discord adapter")
                reply = error_reply(FAILED)
            await responder.send(reply)
        except discord.HTTPException as exc:
            # The interaction expired or Discord refused the answer; nothing more can reach the user.
            log.warning("could not answer interaction %s: %s", interaction.id, exc)
        except Exception:
            log.exception("answering interaction %s failed", interaction.id)

    async def run_command(self, interaction: discord.Interaction, cmd: Command, raw: dict[str, str]) -> None:
        caller = caller_for(interaction)
        if cmd.admin and _gated_by_discord(interaction):
            # Discord delivers a command with default_member_permissions only to members who hold them
            # or whom the server's Integrations settings allow: this interaction is the server's word.
            # (A button carries no such proof: it goes through run_button and is checked as usual.)
            caller = replace(caller, platform_admin=True)
        await self._answer(interaction, lambda: self.app.handle(caller, cmd.path, raw), cmd.private)

    async def run_button(self, interaction: discord.Interaction, text: str) -> None:
        caller = caller_for(interaction)
        await self._answer(interaction, lambda: self.app.handle_text(caller, text), self._private(text))

    async def run_expired(self, interaction: discord.Interaction, message: str) -> None:
        """A button whose command is no longer known (a key the database does not hold)."""
        await self._answer(interaction, _constant(error_reply(message)), True)

    async def run_form(self, interaction: discord.Interaction, form: Form, answers: dict[str, str]) -> None:
        # No form may open from a form: a missing answer becomes a one-line error instead.
        caller = caller_for(interaction, forms=False)
        path = tuple(form.command.split())
        cmd = self.app.registry.get(path)
        await self._answer(interaction, lambda: self.app.handle(caller, path, answers),
                           bool(cmd and cmd.private))

    async def complete(self, interaction: discord.Interaction, kind: str, prefix: str) -> list[str]:
        try:
            return await self.app.complete(caller_for(interaction), kind, prefix)
        except Exception:
            log.exception("autocomplete for %s failed", kind)
            return []

    def _private(self, text: str) -> bool:
        try:
            return grammar.parse(self.app.registry, text).command.private
        except UsageError:
            return True


def _gated_by_discord(interaction: discord.Interaction) -> bool:
    """Was this interaction an application command whose top-level command Discord gates by permission?"""
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return False
    root = command.root_parent or command
    perms = root.default_permissions
    return interaction.guild_id is not None and perms is not None and perms.value != 0


def _constant(reply: Reply) -> Callable[[], Awaitable[Reply]]:
    async def work() -> Reply:
        return reply

    return work
