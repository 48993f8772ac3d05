"""apply add | move | list: a private job-application tracker.

Every reply is private and every query is by the caller's own member id. The only way anything leaves
the tracker is an offer its member chooses to announce; `group stats` shows counts without names.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain.applications import CLOSED, STAGES, Application, find
from bot.errors import Conflict, NotFound, UsageError
from bot.reply import Button, Field, Reply, stamp
from bot.services import checkins

_COMPANY = 80


def _quoted(company: str) -> str:
    return f'"{company}"' if " " in company else company


async def _mine(ctx: Context, typed: str) -> Application:
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    found = find(apps, typed)
    if isinstance(found, list):
        names = ", ".join(a.company for a in found[:5])
        raise UsageError(f"'{typed}' could be {names}: type more of the name.")
    if found is None:
        raise NotFound(f"You are not tracking '{typed[:40]}'. `apply list` shows yours; `apply add` adds one.")
    return found


async def _announce(ctx: Context, app: Application) -> bool:
    repo = ctx.store.accountability.applications
    if not await repo.mark_announced(app.id, ctx.now):
        return False
    group, member = ctx.group, ctx.member
    role = f" as {app.role}" if app.role else ""
    await ctx.store.outbox.enqueue(
        f"offer:{app.id}",
        Reply(title=f"🎉 {member.name} has an offer!",
              text=f"{member.name} got an offer from {app.company}{role}. Congratulations from {group.name}!",
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
    await checkins.own_group(ctx)
    company = " ".join(company.split())
    stage = stage or "applied"
    new_id = await ctx.store.accountability.applications.add(ctx.member.id, company, role, stage, ctx.now)
    if new_id is None:
        raise Conflict(f"You already track {company}. Move it on with `apply move {_quoted(company)} STAGE`.")
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
    await checkins.own_group(ctx)
    if announce and stage != "offer":
        raise UsageError("Only an offer can be announced: `apply move COMPANY offer announce`.")
    app = await _mine(ctx, company)
    repo = ctx.store.accountability.applications
    if app.stage == stage and not announce:
        raise Conflict(f"{app.company} is already at {stage}.")
    if app.stage != stage:
        await repo.move(app.id, stage, ctx.now)
    text = f"{app.company}: {app.stage} → {stage}." if app.stage != stage else f"{app.company}: {stage}."
    buttons = []
    if announce:
        shared = await _announce(ctx, app)
        text += " Announced to the group. Congratulations!" if shared else " You had already announced it."
    elif stage == "offer":
        text += " Congratulations! It stays private unless you share it."
        buttons.append(Button("Announce to the group", f"apply move {_quoted(app.company)} offer announce", "success"))
    return Reply(text=text, buttons=buttons, tone="success")


@command("apply list", scope="anyone", private=True, help="Your applications (only you see them)")
async def apply_list(ctx: Context) -> Reply:
    await checkins.own_group(ctx)
    apps = await ctx.store.accountability.applications.of_member(ctx.member.id)
    if not apps:
        return Reply(text="You are not tracking any application yet. Start with `apply add COMPANY`.")
    active = [a for a in apps if a.stage not in CLOSED]
    closed = [a for a in apps if a.stage in CLOSED]
    fields = [
        Field(a.company + (f" — {a.role}" if a.role else ""),
              f"{a.stage} since {stamp(a.updated_at, 'd')}" + (" · announced" if a.announced_at else ""),
              inline=False)
        for a in active + closed
    ]
    return Reply(
        title=f"Your applications — {len(active)} open, {len(closed)} closed",
        fields=fields[:25],
        footer="Only you see this list. Stages: " + ", ".join(STAGES) + ".",
    )
