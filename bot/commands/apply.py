"""apply add | move | list: a private job-application tracker.

Every reply is private and every query is by the caller's own member id. The only way anything leaves
the tracker is an offer its member chooses to announce; `group stats` shows counts without names.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.grammar import quote
from bot.commands.registry import Param, command
from bot.domain.applications import CLOSED, STAGES, Application, find
from bot.domain.timeutil import local_date
from bot.errors import Conflict, NotFound, UsageError
from bot.reply import Button, Field, Reply, stamp
from bot.text import Rich, Said

_COMPANY = 80
# Abuse limits: a tracker is not a dump (200 is several job hunts), and an offer post reaches the whole
# channel, so one member posts at most one a day: the member's own day, in their timezone, as their
# streak is counted (the limit is on the member, wherever the group is).
MAX_APPLICATIONS = 200
ANNOUNCES_A_DAY = 1


async def _mine(ctx: Context, typed: str) -> Application:
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    found = find(apps, typed)
    if isinstance(found, list):
        names = ", ".join(a.company for a in found[:5])
        raise UsageError(f"'{typed}' could be {names}: type more of the name.")
    if found is None:
        raise NotFound(Rich.format("You are not tracking '{typed}'. `apply list` shows yours; `apply add` adds one.",
                                   typed=typed[:40]))
    return found


async def _may_announce_today(ctx: Context, app: Application) -> None:
    tz = ctx.member.timezone
    today = local_date(ctx.now, tz)
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    if sum(1 for a in apps if a.announced_at and local_date(a.announced_at, tz) == today) >= ANNOUNCES_A_DAY:
        raise Conflict(Rich.format("You have shared an offer with the group today already (one a day, your day in "
                                   "{tz}). Announce {company} tomorrow; `apply move COMPANY offer` records it now.",
                                   tz=tz, company=app.company))


async def _announce(ctx: Context, app: Application) -> bool:
    repo = ctx.store.accountability.applications
    if not await repo.mark_announced(app.id, ctx.now):
        return False
    group, member = ctx.group, ctx.member
    # The name, company and role are the member's words: Said parts, so forget-me can remove them.
    name = Said(member.name, by=member.user_id)
    role = Rich.format(" as {role}", role=Said(app.role, by=member.user_id)) if app.role else ""
    await ctx.store.outbox.enqueue(
        f"offer:{app.id}",
        Reply(title=Rich.format("🎉 {name} has an offer!", name=name),
              text=Rich.format("{name} got an offer from {company}{role}. Congratulations from {group}!", name=name,
                               company=Said(app.company, by=member.user_id), role=role, group=group.name),
              tone="success"),
        ctx.now, group_id=group.id, channel_id=group.channel_id,
    )
    ctx.sent += 1
    return True


@command(
    "apply add", scope="anyone", private=True,
    help="Track a job application (private)",
    params=[
        Param("company", "text", "Company name", required=True, max_length=_COMPANY, metavar="COMPANY"),
        Param("role", "text", "Role applied for", keyword=True, max_length=80, metavar="R"),
        Param("stage", "choice", "Where it stands (default: applied)", keyword=True, choices=STAGES, metavar="S"),
    ],
    details="Stages: " + ", ".join(STAGES) + ". Only you see your applications.",
    examples=("apply add Acme role ML engineer stage referral",),
)
async def apply_add(ctx: Context, company: str, role: str | None = None, stage: str | None = None) -> Reply:
    await ctx.own_group()
    company = " ".join(company.split())
    stage = stage or "applied"
    if len(await ctx.store.accountability.applications.of_member(ctx.member.id)) >= MAX_APPLICATIONS:
        raise Conflict(f"You already track {MAX_APPLICATIONS} applications, the most one member can.")
    new_id = await ctx.store.accountability.applications.add(ctx.member.id, company, role, stage, ctx.now)
    if new_id is None:
        raise Conflict(Rich.format("You already track {company}. Move it on with `apply move {name} STAGE`.",
                                   company=company, name=quote(company) or "COMPANY"))
    return Reply(
        text=f"Tracking {company}" + (f" ({role})" if role else "") + f": {stage}. Only you can see this.",
        buttons=[Button("My applications", "apply list")],
        tone="success",
    )


@command(
    "apply move", scope="anyone", private=True,
    help="Move an application to another stage; `announce` shares an offer with the group",
    params=[
        Param("company", "word", "Company (a unique start of the name will do)", required=True,
              max_length=_COMPANY, metavar="COMPANY"),
        Param("stage", "choice", "The new stage", required=True, choices=STAGES, metavar="STAGE"),
        Param("announce", "choice", "Tell the group about this offer", choices=("announce",)),
    ],
    details=('Quote a name with spaces: `apply move "Jane Street" onsite`. Nothing is shared unless you add '
             "`announce` to an offer (or press its button)."),
    examples=("apply move Acme phone-screen", "apply move Acme offer announce"),
)
async def apply_move(ctx: Context, company: str, stage: str, announce: str | None = None) -> Reply:
    await ctx.own_group()
    if announce and stage != "offer":
        raise UsageError(Rich.format("Only an offer can be announced: `apply move COMPANY offer announce`."))
    app = await _mine(ctx, company)
    repo = ctx.store.accountability.applications
    if app.stage == stage and not announce:
        raise Conflict(f"{app.company} is already at {stage}.")
    if app.stage != stage:
        await repo.move(app.id, stage, ctx.now)
    text = f"{app.company}: {app.stage} → {stage}." if app.stage != stage else f"{app.company}: {stage}."
    buttons = []
    if announce:
        if app.announced_at is None:
            await _may_announce_today(ctx, app)
        shared = await _announce(ctx, app)
        text += " Announced to the group. Congratulations!" if shared else " You had already announced it."
    elif stage == "offer":
        text += " Congratulations! It stays private unless you share it."
        name = quote(app.company)
        if name is not None:  # None: a name holding every kind of quote, which no command line can carry
            buttons.append(Button("Announce to the group", f"apply move {name} offer announce", "success"))
    return Reply(text=text, buttons=buttons, tone="success")


@command(
    "apply remove", scope="anyone", private=True,
    help="Stop tracking an application (a mistake, or one you would rather not keep)",
    params=[Param("company", "text", "Company (a unique start of the name will do)", required=True,
                  max_length=_COMPANY, metavar="COMPANY")],
    details="This deletes it; to keep a record of how it ended, `apply move COMPANY rejected` or `withdrawn`.",
    examples=("apply remove Acme",),
)
async def apply_remove(ctx: Context, company: str) -> Reply:
    await ctx.own_group()
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    found = find(apps, company)
    if isinstance(found, list):
        named = [(a, quote(a.company)) for a in found]
        buttons = [Button(f"Remove {a.company}", f"apply remove {name}", "danger") for a, name in named[:5] if name]
        return Reply(text=f"'{company[:40]}' could be " + ", ".join(a.company for a in found[:5])
                     + ". Which one? Type more of the name, or press its button.", buttons=buttons)
    if found is None:
        raise NotFound(Rich.format("You are not tracking '{company}'. `apply list` shows yours.", company=company[:40]))
    await ctx.store.accountability.applications.remove(ctx.member.id, found.id)
    return Reply(text=f"Removed {found.company}" + (f" ({found.role})" if found.role else "")
                 + f", which stood at {found.stage}. Only you could see it.",
                 buttons=[Button("My applications", "apply list")])


@command("apply list", scope="anyone", private=True, help="Your applications (only you see them)")
async def apply_list(ctx: Context) -> Reply:
    await ctx.own_group()
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    if not apps:
        return Reply(text=Rich.format("You are not tracking any application yet. Start with `apply add COMPANY`."))
    active = [a for a in apps if a.stage not in CLOSED]
    closed = [a for a in apps if a.stage in CLOSED]
    fields = [
        Field(a.company + (f" — {a.role}" if a.role else ""),
              Rich.format("{stage} since {at}{shared}", stage=a.stage, at=stamp(a.updated_at, "d"),
                          shared=" · announced" if a.announced_at else ""),
              inline=False)
        for a in active + closed
    ]
    return Reply(
        title=f"Your applications — {len(active)} open, {len(closed)} closed",
        fields=fields[:25],
        footer="Only you see this list. Stages: " + ", ".join(STAGES) + ".",
    )
