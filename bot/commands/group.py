"""group setup, group pause, group resume, group stats (organisers)"""

from __future__ import annotations

from datetime import time

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain.model import Group
from bot.domain.progress import stage_spread
from bot.domain.timeutil import WEEKDAYS, parse_weekdays
from bot.errors import Conflict, UsageError
from bot.reply import Bar, Field, Reply
from bot.services import digest, practice


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
        name = await ctx.store.channels.name(ctx.who.channel_id) or "study"
        group = Group(id=0, channel_id=ctx.who.channel_id, name=f"#{name.lstrip('#')}", created_at=ctx.now,
                      created_by=ctx.who.user_id)
    updates = {"timezone": timezone, "post_time": post_time, "pairing_day": pairing_day,
               "pairing_time": pairing_time, "roadmap": roadmap, "pace_weeks": pace, "ml_days": ml}
    for attr, value in updates.items():
        if value is not None:
            setattr(group, attr, value)
    if created:
        group = await ctx.store.groups.add(group)
        await ctx.store.groups.add_organiser(group.id, ctx.who.user_id)
        ctx.who.group = group
    else:
        await ctx.store.groups.save(group)
        if timezone is not None and timezone != old_timezone:
            await practice.build_stats(ctx.store, group, ctx.now)  # the weeks now begin at another midnight
    ctx.reschedule = True
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
    ctx.reschedule = True
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
