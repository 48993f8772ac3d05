"""Running a command: parse or take typed input, check rights, call the handler in one transaction.

A rejected command rolls back, so it changes nothing; every failure becomes a one-line reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.commands import grammar
from bot.commands.context import Context
from bot.commands.registry import Command, Registry
from bot.content import ContentPack
from bot.domain.model import Caller, Whoami
from bot.errors import NotAllowed, StudybotError, UsageError
from bot.ports import Clock
from bot.reply import Form, FormField, Reply, error_reply
from bot.storage.db import Database
from bot.storage.sqlite import SqliteStore

log = logging.getLogger(__name__)
AfterCommit = Callable[[Context], Awaitable[None]]


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, content: ContentPack, registry: Registry):
        self.db = db
        self.clock = clock
        self.content = content
        self.registry = registry
        self.store = SqliteStore(db)
        self.after_commit: list[AfterCommit] = []

    async def run_text(self, caller: Caller, text: str) -> Reply:
        try:
            parsed = grammar.parse(self.registry, text)
        except UsageError as exc:
            return error_reply(str(exc), exc.usage)
        return await self.run(caller, parsed.command, parsed.raw)

    async def run_path(self, caller: Caller, path: tuple[str, ...], raw: dict[str, str]) -> Reply:
        cmd = self.registry.get(path)
        if cmd is None:
            return error_reply(f"Unknown command '{' '.join(path)}'. Type `help` for the list.")
        return await self.run(caller, cmd, raw)

    async def run(self, caller: Caller, cmd: Command, raw: dict[str, str]) -> Reply:
        try:
            kwargs = convert(cmd, raw)
        except UsageError as exc:
            return error_reply(str(exc), exc.usage)
        form = needs_form(cmd, raw, caller.forms)
        if form is not None:
            form_hook = cmd.form_hook
            if form_hook is not None:
                async def fit(form: Form = form) -> Form:
                    ctx = await self._context(caller)
                    await self._check_rights(cmd, ctx)
                    return await form_hook(ctx, form)

                # The hook needs the caller's group: it runs in the database's thread, as a command does.
                ok, fitted = await self._unit(cmd, fit)
                if not ok:  # the command cannot run for this caller: say why rather than open the form
                    return fitted
                form = fitted
            return Reply(title=form.title, form=form, private=True)
        missing = [p for p in cmd.params if p.required and p.key not in kwargs]
        if missing:
            names = ", ".join(p.shape() for p in missing)
            return error_reply(f"'{cmd.name}' needs {names}.", cmd.usage())
        async def unit() -> tuple[Context, Reply]:
            ctx = await self._context(caller)
            await self._check_rights(cmd, ctx)
            return ctx, await cmd.handler(ctx, **kwargs)

        # The whole command runs in the database's thread as one transaction: one hop, not one a query.
        ok, result = await self._unit(cmd, unit)
        if not ok:
            return result
        ctx, reply = result
        if cmd.private:
            reply.private = True
        for hook in self.after_commit:
            try:
                await hook(ctx)
            except Exception:
                log.exception("after-commit hook failed")
        return reply

    async def _unit(self, cmd: Command, work: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        """Run work as one unit (one transaction) in the database's thread: (True, its result), or
        (False, a one-line error reply) after a rollback."""
        try:
            return True, await self.db.run(work)
        except UsageError as exc:
            return False, error_reply(str(exc), exc.usage or cmd.usage())
        except StudybotError as exc:
            return False, error_reply(str(exc))
        except Exception:
            log.exception("command %r failed", cmd.name)
            return False, error_reply("Something went wrong on our side; nothing was changed. Please try again.")

    async def _context(self, caller: Caller) -> Context:
        store, now = self.store, self.clock.now()
        user_id, channel_id, group, member, organiser = await store.groups.for_caller(
            caller.platform, caller.user, caller.channel)
        if user_id is None or channel_id is None:  # first contact: make our ids, then look again
            if user_id is None:
                user_id = await store.users.add(caller.name, now)
                await store.links.link(caller.platform, "user", caller.user, user_id)
            if channel_id is None:
                channel_id = await store.channels.add(caller.channel)
                await store.links.link(caller.platform, "channel", caller.channel, channel_id)
            group, member, organiser = await store.groups.with_member(channel_id, user_id)
        organiser = caller.platform_admin or organiser
        who = Whoami(caller=caller, user_id=user_id, channel_id=channel_id, group=group, member=member,
                      organiser=organiser)
        return Context(store=store, clock=self.clock, content=self.content, registry=self.registry, who=who)

    async def _check_rights(self, cmd: Command, ctx: Context) -> None:
        if cmd.admin and not ctx.who.organiser:
            raise NotAllowed(f"'{cmd.name}' is for organisers of this group.")
        if cmd.scope == "group" and not cmd.admin:
            _ = ctx.group
        elif cmd.scope == "member":
            _ = ctx.group
            _ = ctx.member


def convert(cmd: Command, raw: dict[str, str]) -> dict[str, Any]:
    """Raw text values -> typed keyword arguments, or a UsageError naming the parameter."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        param = cmd.param(name)
        if param is None:
            raise UsageError(f"'{cmd.name}' has no parameter '{name}'.", cmd.usage())
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            out[param.key] = param.convert(str(value))
        except ValueError as exc:
            raise UsageError(str(exc), cmd.usage()) from None
    return out


def needs_form(cmd: Command, raw: dict[str, str], can_show: bool) -> Form | None:
    """A form for the missing free-text parameters, when the command wants one and the adapter can."""
    if not cmd.form_title or not can_show:
        return None
    given = {k: v for k, v in raw.items() if v and str(v).strip()}
    fields = cmd.form_params
    if cmd.form_when_empty:
        if given:
            return None
        ask = fields
    else:
        ask = tuple(p for p in fields if p.required and p.name not in given)
        if not ask:
            return None
        ask = tuple(p for p in fields if p.name not in given)
    return Form(
        title=cmd.form_title,
        command=cmd.name,
        fields=tuple(
            FormField(param=p.name, label=p.help or p.name, long=p.long, required=p.required,
                      max_length=p.max_length)
            for p in ask
        ),
        given=tuple(sorted(given.items())),
    )
