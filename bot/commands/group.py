"""group setup, group pause, group resume, group stats, group organisers (organisers)

Who is an organiser is decided at each command (commands/dispatch.py): the platform's word at that
moment (Discord's Manage Server, or a /group command Discord let through; Slack admins; the console's
own user) or an explicit grant made here. Setting a group up grants nothing, so rights taken away on
the platform are gone here too.
"""

from __future__ import annotations

from datetime import time

from bot.commands import members as member_refs
from bot.commands.context import Context
from bot.commands.members import MemberRef
from bot.commands.registry import Param, command
from bot.domain.model import Group
from bot.domain.progress import stage_spread
from bot.domain.timeutil import WEEKDAYS, parse_weekdays
from bot.errors import Conflict, UsageError
from bot.reply import Bar, Field, Reply, stamp
from bot.services import digest, practice
from bot.text import Rich, Said, join

PLATFORM_ADMINS = ("Organisers are this space's admins (Manage Server on Discord, workspace admins on Slack, "
                   "the console's own user) and the members granted with `group organisers add`.")


@command(
    "group setup", admin=True, scope="anyone",
    help="Bind this channel to a study group and configure it (run again to change settings)",
    params=[
        Param("timezone", "timezone", "The group's IANA timezone", keyword=True, max_length=64),
        Param("post-time", "hhmm", "Daily problem time, group-local", keyword=True),
        Param("pairing-day", "choice", "Weekday of the pairing round", keyword=True, choices=WEEKDAYS, metavar="DAY"),
        Param("pairing-time", "hhmm", "Time of the pairing round, group-local", keyword=True),
        Param("roadmap", "word", "Roadmap name", keyword=True, max_length=64, metavar="NAME"),
        Param("pace", "int", "Weeks per roadmap stage", keyword=True, minimum=1, maximum=26, metavar="WEEKS"),
        Param("ml-days", "word", "Weekdays whose daily item is an ML-concept question, or `none`",
              keyword=True, max_length=40, metavar="mon,tue,...|none"),
    ],
    details="Defaults: UTC, post-time 09:00, pairing Sunday 18:00, roadmap ml-engineer, 2 weeks a stage.",
    examples=("group setup timezone Europe/Berlin post-time 08:30",),
)
async def group_setup(ctx: Context, timezone: str | None = None, post_time: time | None = None,
                      pairing_day: str | None = None, pairing_time: time | None = None,
                      roadmap: str | None = None, pace: int | None = None, ml_days: str | None = None) -> Reply:
    ml = None
    if ml_days is not None:
        try:
            ml = () if ml_days.lower() == "none" else parse_weekdays(ml_days)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if roadmap is not None and roadmap not in ctx.content.roadmaps:
        raise UsageError(f"There is no roadmap '{roadmap}'. Known: {', '.join(sorted(ctx.content.roadmaps))}.")
    group = ctx.who.group
    created = group is None
    old_timezone = None if created else group.timezone
    if created:
        # The platform's name for the channel ("study"), not its id: the group is known by it everywhere.
        name = ctx.who.caller.channel_name or await ctx.store.channels.name(ctx.who.channel_id) or "study"
        group = Group(id=0, channel_id=ctx.who.channel_id, name=f"#{name.lstrip('#')}", created_at=ctx.now,
                      created_by=ctx.who.user_id)
    updates = {"timezone": timezone, "post_time": post_time, "pairing_day": pairing_day,
               "pairing_time": pairing_time, "roadmap": roadmap, "pace_weeks": pace, "ml_days": ml}
    for attr, value in updates.items():
        if value is not None:
            setattr(group, attr, value)
    if created:
        # No organiser grant for whoever set it up: their rights come from the platform at each
        # command, and end when the platform ends them (`group organisers add` grants explicitly).
        group = await ctx.store.groups.add(group)
        ctx.who.group = group
    else:
        await ctx.store.groups.save(group)
        if timezone is not None and timezone != old_timezone:
            await practice.build_stats(ctx.store, group, ctx.now)  # the weeks now begin at another midnight
    return Reply(
        title=f"Study group {group.name} {'is set up' if created else 'updated'}",
        text="Members join with `join`." if created else "",
        fields=[
            Field("Timezone", group.timezone),
            Field("Daily problem", group.post_time.strftime("%H:%M")),
            Field("Pairing", f"{group.pairing_day} {group.pairing_time.strftime('%H:%M')}"),
            Field("Roadmap", group.roadmap),
            Field("Pace", f"{group.pace_weeks} weeks a stage"),
            Field("ML questions on", ",".join(group.ml_days) or "no day"),
        ],
        tone="success",
    )


async def _set_paused(ctx: Context, paused: bool) -> Reply:
    group = ctx.group
    if group.paused == paused:
        raise Conflict(f"{group.name} is already {'paused' if paused else 'running'}.")
    group.paused = paused
    await ctx.store.groups.save(group)
    if paused:
        return Reply(text=f"{group.name} is paused: no scheduled posts until `group resume`.")
    return Reply(text=f"{group.name} is running again.", tone="success")


@command("group pause", admin=True, scope="group", help="Stop scheduled posts")
async def group_pause(ctx: Context) -> Reply:
    return await _set_paused(ctx, True)


@command("group resume", admin=True, scope="group", help="Restart scheduled posts")
async def group_resume(ctx: Context) -> Reply:
    return await _set_paused(ctx, False)


@command("group stats", admin=True, scope="group", private=True,
         help="Members, activity, stage distribution, mock completion")
async def group_stats(ctx: Context) -> Reply:
    group, rm = ctx.group, ctx.roadmap()
    members = await ctx.store.members.active(group.id)
    done = await ctx.store.milestones.done_by_group(group.id)
    spread = stage_spread(rm, done, [m.id for m in members])
    return Reply(
        title=f"{group.name} — stats",
        fields=[Field("Members", str(len(members))), Field("Status", "paused" if group.paused else "running"),
                *await digest.stats_fields(ctx.store, group, ctx.now)],
        bars=[Bar(f"{i + 1}. {stage.title}", spread[i], max(1, len(members))) for i, stage in enumerate(rm.stages)],
        footer="Bars: how many members stand at each roadmap stage.",
    )


_MEMBER = Param("member", "member", "The member (a name or a mention)", required=True, max_length=80)


def _said(member) -> Said:
    return Said(member.name, by=member.user_id)


@command("group organisers add", admin=True, scope="group",
         help="Make a member an organiser of this group",
         params=[_MEMBER], details=PLATFORM_ADMINS + " A grant lasts until `group organisers remove` or `leave`.",
         examples=("group organisers add alice",))
async def group_organisers_add(ctx: Context, member: MemberRef) -> Reply:
    target = await member_refs.resolve(ctx, member)
    if not await ctx.store.groups.add_organiser(ctx.group.id, target.user_id, ctx.who.user_id, ctx.now):
        raise Conflict(Rich.format("{name} is already an organiser of {group}.", name=_said(target),
                                   group=ctx.group.name).plain())
    return Reply(text=Rich.format("{name} is now an organiser of {group}.", name=_said(target),
                                  group=ctx.group.name), tone="success")


@command("group organisers remove", admin=True, scope="group",
         help="Take a member's organiser grant away",
         params=[_MEMBER], details="Rights the platform gives (Manage Server, workspace admin) are changed there.",
         examples=("group organisers remove alice",))
async def group_organisers_remove(ctx: Context, member: MemberRef) -> Reply:
    target = await member_refs.resolve(ctx, member)
    if not await ctx.store.groups.remove_organiser(ctx.group.id, target.user_id):
        raise Conflict(Rich.format(
            "{name} has no organiser grant in {group}. Rights that come from the platform (Manage Server on "
            "Discord, workspace admins on Slack) are changed there.", name=_said(target), group=ctx.group.name,
        ).plain())
    return Reply(text=Rich.format("{name} is no longer an organiser of {group}.", name=_said(target),
                                  group=ctx.group.name), tone="success")


@command("group organisers list", admin=True, scope="group", private=True,
         help="Who holds an organiser grant in this group")
async def group_organisers_list(ctx: Context) -> Reply:
    grants = await ctx.store.groups.organisers(ctx.group.id)
    if not grants:
        text: str | Rich = "Nobody holds an organiser grant; only the platform's admins can run organiser commands."
    else:
        text = join("\n", (Rich.format("{name}, since {at}", name=Said(name, by=user_id), at=stamp(at, "d"))
                           for user_id, name, at in grants))
    return Reply(title=f"Organisers of {ctx.group.name}", text=text, footer=PLATFORM_ADMINS)
