"""Running a command: parse or take typed input, check rights, call the handler in one transaction.

A rejected command rolls back, so it changes nothing; every failure becomes a one-line reply. Every
command, whether typed, pressed (a button) or submitted (a form), comes through here, so the per-person
rate limit applies to all of them alike.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.commands import grammar
from bot.commands.context import Context
from bot.commands.members import Ambiguous, by_id, label
from bot.commands.registry import Command, Registry
from bot.content import ContentPack
from bot.domain import buttons
from bot.domain.model import Caller, Whoami
from bot.errors import NotAllowed, StudybotError, UsageError
from bot.ports import Clock, Store, UnitOfWork
from bot.reply import Button, Form, FormField, Reply, error_reply
from bot.services import roles
from bot.text import Rich

log = logging.getLogger(__name__)


@dataclass
class Silence(Reply):
    """No answer at all: what a person gets while they are over the rate limit, after one polite reply.
    Adapters send nothing for it (a Discord interaction is left unanswered, a Slack request only acked),
    so flooding the bot costs the flooder and not the bot's own platform rate limits."""

    error: bool = True  # anything that skips failed replies (dashboards) skips this too
    private: bool = True


@dataclass
class RateLimit:
    """At most `count` commands in any `per`, for each person on each platform (the platform's user id:
    a second display name does not buy a second allowance). Past it, one polite reply, then silence
    until a command would be taken again; the polite reply comes at most once in any `per`.

    Time is the injected clock's (tests move a simulated one). The counts live in this process: they
    bound what one process spends on one person, which is what a limit on flooding is for.
    """

    count: int = 20
    per: timedelta = timedelta(seconds=10)
    # The console is one person at the terminal who owns the database and plays every member with
    # `@NAME`: a limit there protects nothing, and a piped script is far faster than 20 lines in 10 s.
    exempt: frozenset[str] = frozenset({"console"})
    _seen: dict[tuple[str, str], deque[datetime]] = field(default_factory=dict, repr=False)
    _told: dict[tuple[str, str], datetime] = field(default_factory=dict, repr=False)
    _calls: int = field(default=0, repr=False)

    def admit(self, key: tuple[str, str], now: datetime) -> timedelta | None:
        """None when the command may run (and is counted); else how long until one would be taken."""
        if key[0] in self.exempt:
            return None
        self._calls += 1
        if self._calls % 1024 == 0:
            self._forget_before(now - self.per)
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= now - self.per:
            times.popleft()
        if len(times) < self.count:
            times.append(now)
            return None
        return max(times[0] + self.per - now, timedelta(seconds=1))

    def tell(self, key: tuple[str, str], now: datetime) -> bool:
        """Whether to send the polite reply now (at most once in any `per`), rather than stay silent."""
        told = self._told.get(key)
        if told is not None and timedelta(0) <= now - told < self.per:
            return False
        self._told[key] = now
        return True

    @property
    def tracked(self) -> int:
        """How many people the limiter holds counts for."""
        return len(self._seen)

    def _forget_before(self, horizon: datetime) -> None:
        """Drop people who have been quiet for a whole period, so the table holds only the active ones."""
        for key in [k for k, times in self._seen.items() if not times or times[-1] <= horizon]:
            del self._seen[key]
        for key in [k for k, told in self._told.items() if told <= horizon]:
            del self._told[key]


class Dispatcher:
    def __init__(self, uow: UnitOfWork, clock: Clock, content: ContentPack, registry: Registry,
                 rate_limit: RateLimit | None = None):
        self.uow = uow
        self.clock = clock
        self.content = content
        self.registry = registry
        self.rate_limit = rate_limit if rate_limit is not None else RateLimit()

    async def run_text(self, caller: Caller, text: str) -> Reply:
        refused = self._over_limit(caller)
        if refused is not None:
            return refused
        try:
            parsed = grammar.parse(self.registry, text)
        except UsageError as exc:
            return error_reply(exc.content, exc.usage)
        return await self.run(caller, parsed.command, parsed.raw)

    async def run_path(self, caller: Caller, path: tuple[str, ...], raw: dict[str, str]) -> Reply:
        refused = self._over_limit(caller)
        if refused is not None:
            return refused
        cmd = self.registry.get(path)
        if cmd is None:
            return error_reply(Rich.format("Unknown command '{path}'. Type `help` for the list.", path=" ".join(path)))
        return await self.run(caller, cmd, raw)

    async def button_command(self, key: str) -> str | None:
        """The command a button carries by key (bot/domain/buttons.py), or None if none is kept."""
        return await self.uow.run(lambda store: store.buttons.command(key))

    def _over_limit(self, caller: Caller) -> Reply | None:
        key = (caller.platform, caller.user)
        now = self.clock.now()
        wait = self.rate_limit.admit(key, now)
        if wait is None:
            return None
        if not self.rate_limit.tell(key, now):
            return Silence()
        seconds = max(1, round(wait.total_seconds()))
        log.info("rate limit: %s user %s is over %d commands in %s", caller.platform, caller.user,
                 self.rate_limit.count, self.rate_limit.per)
        return error_reply(f"That is more than {self.rate_limit.count} commands in "
                           f"{round(self.rate_limit.per.total_seconds())} seconds, so I will not answer for a "
                           f"little while: try again in {seconds} second{'s' if seconds != 1 else ''}.")

    async def run(self, caller: Caller, cmd: Command, raw: dict[str, str]) -> Reply:
        """One command, not counted against the rate limit (run_text and run_path count; they call this)."""
        try:
            kwargs = convert(cmd, raw)
        except UsageError as exc:
            return error_reply(exc.content, exc.usage)
        form = needs_form(cmd, raw, caller.forms)
        if form is not None:
            form_hook = cmd.form_hook
            if form_hook is not None:
                async def fit(store: Store, form: Form = form) -> Form:
                    ctx = await self._context(store, caller)
                    await self._check_rights(cmd, ctx)
                    return await form_hook(ctx, form)

                # The hook needs the caller's group: it runs in the database's thread, as a command does.
                ok, fitted = await self._unit(caller, cmd, raw, fit)
                if not ok:  # the command cannot run for this caller: say why rather than open the form
                    return fitted
                form = fitted
            return Reply(title=form.title, form=form, private=True)
        missing = [p for p in cmd.params if p.required and p.key not in kwargs]
        if missing:
            names = ", ".join(p.shape() for p in missing)
            return error_reply(f"'{cmd.name}' needs {names}.", cmd.usage())
        async def unit(store: Store) -> Reply:
            ctx = await self._context(store, caller)
            await self._check_rights(cmd, ctx)
            reply = await cmd.handler(ctx, **kwargs)
            if cmd.moves_roles and ctx.who.group is not None:  # a tick or a solve may earn a role
                await roles.after_command(ctx.store, ctx.roadmap(), ctx.who.group, ctx.who.user_id, ctx.now)
            # Its long button commands are kept with it, so a short button id can name them (domain/buttons).
            await ctx.store.buttons.keep(reply, ctx.who.user_id, ctx.now)
            return reply

        # The whole command runs in the database's thread as one transaction: one hop, not one a query.
        # What it changed (a schedule, a queued message) is handled after commit, from its events.
        ok, reply = await self._unit(caller, cmd, raw, unit)
        if ok and cmd.private:
            reply.private = True
        return reply

    async def _unit(self, caller: Caller, cmd: Command, raw: dict[str, str],
                    work: Callable[[Store], Awaitable[Any]]) -> tuple[bool, Any]:
        """Run work as one unit (one transaction) in the database's thread: (True, its result), or
        (False, a one-line error reply) after a rollback."""
        try:
            return True, await self.uow.run(work)
        except Ambiguous as exc:
            return False, await self._which_one(caller, cmd, raw, exc)
        except UsageError as exc:
            return False, error_reply(exc.content, exc.usage or cmd.usage())
        except StudybotError as exc:
            return False, error_reply(exc.content)
        except Exception:
            log.exception("command %r failed", cmd.name)
            return False, error_reply("Something went wrong on our side; nothing was changed. Please try again.")

    async def _which_one(self, caller: Caller, cmd: Command, raw: dict[str, str], exc: Ambiguous) -> Reply:
        """Two members share the name typed: the question, and a button per member that runs the same
        command naming that member by our id (never a guess)."""
        reply = error_reply(exc.content, cmd.usage())
        named = next((p for p in cmd.params if p.kind == "member" and p.name in raw
                      and _ref_of(p, raw[p.name]) == exc.ref), None)
        if named is None:
            return reply
        for member in exc.members[:5]:
            line = grammar.unparse(cmd, {**raw, named.name: by_id(member.id)})
            if line is not None:
                reply.buttons.append(Button(label(member), line))
        if any(buttons.kept(b.command) for b in reply.buttons):
            async def keep(store: Store) -> None:  # the buttons outlive this reply like any other
                ctx = await self._context(store, caller)
                await ctx.store.buttons.keep(reply, ctx.who.user_id, ctx.now)

            try:
                await self.uow.run(keep)
            except Exception:  # the question still stands without its buttons
                log.exception("could not keep the buttons of a which-one reply")
                reply.buttons.clear()
        return reply

    async def _context(self, store: Store, caller: Caller) -> Context:
        now = self.clock.now()
        user_id, channel_id, group, member, organiser = await store.groups.for_caller(
            caller.platform, caller.user, caller.channel)
        if user_id is None or channel_id is None:  # first contact: make our ids, then look again
            if user_id is None:
                user_id = await store.users.add(caller.name, now)
                await store.links.link(caller.platform, "user", caller.user, user_id)
            if channel_id is None:
                channel_id = await store.channels.add(caller.channel_name or caller.channel)
                await store.links.link(caller.platform, "channel", caller.channel, channel_id)
            group, member, organiser = await store.groups.with_member(channel_id, user_id)
        organiser = caller.platform_admin or organiser
        named = f"#{caller.channel_name.lstrip('#')}" if caller.channel_name else None
        if group is not None and named and group.name == f"#{caller.channel}" and named != group.name:
            # Set up before the platform's channel names reached us: known by the channel's id until now.
            group.name = named
            await store.groups.save(group)
        who = Whoami(caller=caller, user_id=user_id, channel_id=channel_id, group=group, member=member,
                      organiser=organiser)
        return Context(store=store, clock=self.clock, content=self.content, registry=self.registry, who=who)

    async def _check_rights(self, cmd: Command, ctx: Context) -> None:
        if ctx.who.caller.is_dm and ctx.who.group is None and cmd.scope != "anyone" and not cmd.admin:
            # Written in the bot's DM: a member of one group means that one (several: they are asked to
            # use the group's channel). Organiser commands stay in the group's channel.
            await ctx.own_group(need_member=False)
        if cmd.admin and not ctx.who.organiser:
            raise NotAllowed(f"'{cmd.name}' is for organisers of this group.")
        if cmd.scope == "group" and not cmd.admin:
            _ = ctx.group
        elif cmd.scope == "member":
            _ = ctx.group
            _ = ctx.member


def _ref_of(param, value: str) -> Any:
    try:
        return param.convert(value)
    except ValueError:
        return None


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
