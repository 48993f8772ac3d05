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
from bot.domain import booking
from bot.domain.model import Group
from bot.domain.progress import stage_spread
from bot.domain.timeutil import WEEKDAYS, days_in_words, parse_weekdays, weekly_at
from bot.errors import Conflict, NotAllowed, UsageError
from bot.reply import Bar, Button, Field, Reply, stamp
from bot.services import daily, digest, export, practice, roster
from bot.text import Rich, Said, count, join

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
        Param("meeting-url", "word", "Base URL of each mock session's meeting link, or `none` (default: "
              "https://meet.jit.si)", keyword=True, max_length=200, metavar="URL|none"),
        Param("discord-events", "choice", "Mock sessions as Discord scheduled events (needs Manage Events)",
              keyword=True, choices=("on", "off")),
    ],
    details="Defaults: UTC, post-time 09:00, pairing Sunday 18:00, roadmap ml-engineer, 2 weeks a stage.",
    examples=("group setup timezone Europe/Berlin post-time 08:30",),
)
async def group_setup(ctx: Context, timezone: str | None = None, post_time: time | None = None,
                      pairing_day: str | None = None, pairing_time: time | None = None,
                      roadmap: str | None = None, pace: int | None = None, ml_days: str | None = None,
                      meeting_url: str | None = None, discord_events: str | None = None) -> Reply:
    ml = None
    if ml_days is not None:
        try:
            ml = () if ml_days.lower() == "none" else parse_weekdays(ml_days)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    meeting_base = None
    if meeting_url is not None:
        try:
            meeting_base = booking.meeting_base(meeting_url) or ""  # "": no meeting links
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if roadmap is not None and roadmap not in ctx.content.roadmaps:
        raise UsageError(f"There is no roadmap '{roadmap}'. Known: {', '.join(sorted(ctx.content.roadmaps))}.")
    group = ctx.who.group
    created = group is None
    old_timezone = None if created else group.timezone
    if created and ctx.who.caller.is_dm:
        raise NotAllowed(Rich.format("A study group lives in a channel: run `group setup` in the channel it is for."))
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
    if meeting_base is not None:
        group.meeting_url = meeting_base or None
    if discord_events is not None:
        group.platform_events = discord_events == "on"
    if created:
        # No organiser grant for whoever set it up: their rights come from the platform at each
        # command, and end when the platform ends them (`group organisers add` grants explicitly).
        group = await ctx.store.groups.add(group)
        ctx.who.group = group
    else:
        await ctx.store.groups.save(group)
        if timezone is not None and timezone != old_timezone:
            await practice.build_stats(ctx.store, group, ctx.now)  # the weeks now begin at another midnight
    if created:  # set up after today's post time: today's problem now (the same key as the scheduled post)
        await daily.post_if_due(ctx.store, ctx.content, group, ctx.now)
    return Reply(
        title=f"Study group {group.name} {'is set up' if created else 'updated'}",
        text=Rich.format("Members join with `join`.") if created else "",
        # The settings are on the group's clock (that is what they set), so they say so.
        fields=[
            Field("Timezone", group.timezone),
            Field("Daily problem", f"{group.post_time:%H:%M} every day, group time"),
            Field("Pairing", f"{weekly_at(group.pairing_day, group.pairing_time)}, group time"),
            Field("Roadmap", group.roadmap),
            Field("Pace", f"{count(group.pace_weeks, 'week')} a stage"),
            Field("ML questions on", days_in_words(group.ml_days)),
            Field("Mock meeting links", f"{group.meeting_url}/…" if group.meeting_url else "none"),
            Field("Discord events for mock sessions", "on" if group.platform_events else "off"),
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
        return Reply(text=Rich.format("{group} is paused: no scheduled posts until `group resume`.", group=group.name))
    # Resumed after today's post time: today's problem comes now, not tomorrow (at most once a day).
    await daily.post_if_due(ctx.store, ctx.content, group, ctx.now)
    return Reply(text=f"{group.name} is running again.", tone="success")


@command("group pause", admin=True, scope="group", help="Stop scheduled posts")
async def group_pause(ctx: Context) -> Reply:
    return await _set_paused(ctx, True)


@command("group resume", admin=True, scope="group", help="Restart scheduled posts")
async def group_resume(ctx: Context) -> Reply:
    return await _set_paused(ctx, False)


@command("group stats", admin=True, scope="group", private=True,
         help="Members, activity, stage distribution, mock completion",
         details=("Activity: members active this week (a solve, a check-in answer, a milestone or mock feedback "
                  "since Monday, group time) of all members, and the check-in answer rate of the last 7 days. "
                  "Mock completion: the sessions of the last 4 weeks held of those scheduled, and how many of "
                  "the people in them gave feedback. Applications: counts by stage only, never whose. "
                  "`group members` lists the members; `group export` sends it all as CSV."))
async def group_stats(ctx: Context) -> Reply:
    group, rm = ctx.group, ctx.roadmap()
    members = await ctx.store.members.active(group.id)
    done = await ctx.store.milestones.done_by_group(group.id)
    spread = stage_spread(rm, done, [m.id for m in members])
    act = await roster.activity(ctx.store, group, ctx.now)
    mocks = act.mocks
    return Reply(
        title=f"{group.name} — stats",
        fields=[Field("Members", str(len(members))), Field("Status", "paused" if group.paused else "running"),
                Field("Active this week", Rich.format("{n} of {total}, since {at}", n=act.active_week,
                                                      total=count(act.members, "member"),
                                                      at=stamp(act.week_of, "f"))),
                Field("Check-in answers (7 days)", act.answer_rate()),
                Field("Mock interviews (4 weeks)", f"{mocks.held} of {count(mocks.scheduled, 'session')} held"
                                                   if mocks.scheduled else "none scheduled"),
                Field("Mock feedback", f"{mocks.feedback_given} of {count(mocks.seats_held, 'participant')} "
                                       "in held sessions gave feedback" if mocks.seats_held else "no session held yet"),
                *await digest.stats_fields(ctx.store, group, ctx.now)],
        bars=[Bar(f"{i + 1}. {stage.title}", spread[i], max(1, len(members))) for i, stage in enumerate(rm.stages)],
        footer="Bars: how many members stand at each roadmap stage. Weeks begin at midnight on Monday, group time.",
    )


@command("group members", admin=True, scope="group", private=True,
         help="The members, most recently active first: joined, last active, streak, stage, solves this week",
         params=[Param("page", "int", "Which page (20 members a page)", keyword=True, minimum=1, maximum=100_000)],
         details="Last active: the latest solve, check-in answer, milestone or mock feedback.",
         examples=("group members", "group members page 2"))
async def group_members(ctx: Context, page: int | None = None) -> Reply:
    group = ctx.group
    found = await roster.members_page(ctx.store, ctx.roadmap(), group, ctx.now, page or 1)
    if not found.lines:
        return Reply(title=f"Members of {group.name}", text=Rich.format("Nobody has joined yet: members join with `join`."))
    stages = len(ctx.roadmap().stages)
    lines = []
    for line in found.lines:
        a = line.activity
        active = Rich.format("active {at}", at=stamp(a.last_active, "R")) if a.last_active else "not active yet"
        lines.append(Rich.format(
            "{name} · joined {joined} · {active} · streak {streak} · stage {stage}/{stages} {title} · {solves} "
            "this week", name=Said(a.member.name, by=a.member.user_id),
            joined=stamp(a.member.joined_at, "D") if a.member.joined_at else "?", active=active,
            streak=count(line.streak, "day"), stage=line.stage + 1, stages=stages, title=line.stage_title,
            solves=count(a.week_solves, "solve")))
    last = found.first + len(found.lines) - 1
    buttons = []
    if found.page > 1:
        buttons.append(Button("Previous page", f"group members page {found.page - 1}"))
    if found.page < found.pages:
        buttons.append(Button("Next page", f"group members page {found.page + 1}", "primary"))
    return Reply(
        title=f"Members of {group.name}",
        text=Rich.format("{first}–{last} of {total}, most recently active first (page {page} of {pages}):\n",
                         first=found.first, last=last, total=count(found.total, "member"), page=found.page,
                         pages=found.pages) + join("\n", lines),
        buttons=buttons,
        footer="Solves this week: since midnight on Monday, group time. Streaks in each member's own time.",
    )


@command("group export", admin=True, scope="group", private=True,
         help="The group's progress as CSV files: members, solves, milestones, check-ins, mock sessions",
         details=("Five CSV files (members, solves, milestones, checkins, mock_sessions), joined by member_id; "
                  "times in UTC. Never applications, never mock feedback ratings or notes. A file you keep is "
                  "out of the bot's reach: `forget-me` cannot remove a member from it."))
async def group_export(ctx: Context) -> Reply:
    group = ctx.group
    out = await export.export_group(ctx.store, ctx.roadmap(), group, ctx.now)
    counts = ", ".join(f"{name}.csv ({count(n, 'row')})" for name, n in out.rows.items())
    text = Rich.format("{group}'s progress as CSV, made {at}: {counts}.", group=group.name,
                       at=stamp(ctx.now, "f"), counts=counts)
    if out.cut:
        text += Rich.format("\n{tables} stop at the export's size limit.", tables=", ".join(out.cut))
    return Reply(title=f"Export of {group.name}", text=text, files=out.files,
                 footer="Applications are never exported. Times in the files are UTC.")


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
    return Reply(title=f"Organisers of {ctx.group.name}", text=text, footer=Rich.format(PLATFORM_ADMINS))
