"""group roles (organisers): stage and streak roles for the group's members (bot/services/roles.py)."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.reply import Reply
from bot.services import roles
from bot.text import Rich, count

NEEDS = "On Discord the bot needs the Manage Roles permission, and its own role above the roles it gives."


@command(
    "group roles", admin=True, scope="group",
    help="Stage and streak roles for members: on or off (off by default; Discord, needs Manage Roles)",
    params=[Param("state", "choice", "on: give the roles, off: take them back", choices=("on", "off"))],
    details="With roles on, each member holds a role for their roadmap stage (\"Stage 3 · Experience and "
            "real projects\") and one for the longest streak they have reached (7, 30 or 100 days), kept "
            "up to date as they tick milestones and solve. `group roles off` takes the roles back. " + NEEDS,
    examples=("group roles on", "group roles off"),
)
async def group_roles(ctx: Context, state: str | None = None) -> Reply:
    group, roadmap = ctx.group, ctx.roadmap()
    if state is None:
        on = await ctx.store.roles.enabled(group.id)
        return Reply(text=Rich.format("Stage and streak roles are on. `group roles off` takes them back."
                                      if on else "Stage and streak roles are off. `group roles on` gives them. "
                                      + NEEDS), private=True)
    if state == "on":
        changed, queued = await roles.turn_on(ctx.store, roadmap, group, ctx.now)
        ctx.sent += queued
        if not changed:
            return Reply(text="Stage and streak roles were already on.", private=True)
        return Reply(text=Rich.format("Stage and streak roles are on: roles go out to {members} now, and "
                                      "follow each one's stage and longest streak from here on. " + NEEDS,
                                      members=count(queued, "member")),
                     tone="success")
    changed, taken = await roles.turn_off(ctx.store, roadmap, group, ctx.now)
    ctx.sent += taken
    if not changed:
        return Reply(text="Stage and streak roles were already off.", private=True)
    return Reply(text=Rich.format("Stage and streak roles are off; they are taken back from {members}.",
                                  members=count(taken, "member")), tone="success")
