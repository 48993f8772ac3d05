"""The weekly digest with its chart, the weekly system-design prompt, and aggregate figures for `group stats`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.content import ContentPack, DesignPrompt
from bot.domain import checkins as rules
from bot.domain.applications import STAGES
from bot.domain.design import choose_prompt, design_stage_index, stage_difficulties, week_start
from bot.domain.model import Group
from bot.domain.streaks import streak
from bot.domain.timeutil import local_date, local_midnight, zone
from bot.errors import NotFound
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Field, Image, Reply
from bot.services.chart import solves_chart
from bot.services.daily import group_stage
from bot.services.mock import RoundFigures, round_figures
from bot.text import Rich, Said, count, join

DIGEST_DAY = "mon"
DIGEST_TIME = time(8, 0)  # group-local: the week just ended is complete, and it comes before the daily post
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass
class WeekData:
    group: Group
    week: date  # the Monday of the week covered
    days: list[date]
    per_day: dict[date, dict[str, int]]
    per_member: dict[int, dict[str, int]]
    names: dict[int, str]
    solve_streaks: dict[int, int]
    checkin_streaks: dict[int, int]
    checkin_counts: dict[int, tuple[int, int]]
    milestones: list[tuple[Said, str]]
    mocks: int
    offers: list[tuple[str, str, str | None, int]]
    users: dict[int, int] = field(default_factory=dict)  # member id -> our user id, the author of the name
    rounds: RoundFigures | None = None  # the week's mock rounds: paired, sat out, held, no-show rate


def covered_week(now: datetime, tz: str) -> date:
    """The Monday of the last complete group-local week before `now`."""
    return week_start(local_date(now, tz)) - timedelta(days=7)


async def gather(store: Store, content: ContentPack, group: Group, week: date, now: datetime) -> WeekData:
    repo = store.accountability
    tz = group.timezone
    start, end = local_midnight(week, tz), local_midnight(week + timedelta(days=7), tz)
    days = [week + timedelta(days=i) for i in range(7)]
    members = await store.members.active(group.id)
    names = {m.id: m.name for m in members}
    users = {m.id: m.user_id for m in members}
    per_day: dict[date, dict[str, int]] = {}
    per_member: dict[int, dict[str, int]] = {m.id: {} for m in members}
    for member_id, solved_at, difficulty in await repo.digests.solves_between(group.id, start, end):
        day = local_date(solved_at, tz)
        per_day.setdefault(day, {}).setdefault(difficulty, 0)
        per_day[day][difficulty] += 1
        counts = per_member.setdefault(member_id, {})
        counts[difficulty] = counts.get(difficulty, 0) + 1
    # Streaks as they stood when the week ended, each in the member's own timezone.
    last = end - timedelta(microseconds=1)
    solve_days = await repo.digests.solve_days(group.id)
    solve_streaks = {m.id: streak(solve_days.get(m.id, []), local_date(last, m.timezone)).current for m in members}
    history = await repo.checkins.group_history(group.id)
    checkin_streaks = {
        m.id: rules.checkin_streak(*history.get(m.id, ([], [])), local_date(last, m.timezone)) for m in members
    }
    rm = content.roadmaps.get(group.roadmap) or next(iter(content.roadmaps.values()))
    milestones = []
    for member_id, mid in await repo.digests.milestones_between(group.id, start, end):
        found = rm.milestone(mid)
        milestones.append((Said(names.get(member_id, "?"), by=users.get(member_id)), found[1].title if found else mid))
    return WeekData(
        group=group, week=week, days=days, per_day=per_day, per_member=per_member, names=names,
        solve_streaks=solve_streaks, checkin_streaks=checkin_streaks,
        checkin_counts=await repo.checkins.counts_between(group.id, week, week + timedelta(days=7)),
        milestones=milestones, mocks=await repo.digests.mocks_between(group.id, start, end),
        offers=await repo.applications.announced_between(group.id, start, end), users=users,
        rounds=await round_figures(store, group.id, start, end),
    )


def render_weekly(data: WeekData, png: bytes) -> Reply:
    span = f"{data.days[0]:%a %d %b} – {data.days[-1]:%a %d %b}"
    fields = []
    ranked = sorted(data.names, key=lambda mid: (-sum(data.per_member.get(mid, {}).values()), data.names[mid].lower()))
    for mid in ranked:
        counts = data.per_member.get(mid, {})
        total = sum(counts.values())
        split = ", ".join(f"{counts[d]} {d}" for d in DIFFICULTIES if counts.get(d))
        prompted, answered = data.checkin_counts.get(mid, (0, 0))
        value = f"{count(total, 'solve')}" + (f" ({split})" if split else "")
        value += f" · streak {count(data.solve_streaks.get(mid, 0), 'day')}"
        if prompted:
            value += f" · check-ins {answered}/{prompted} (streak {data.checkin_streaks.get(mid, 0)})"
        # Names, and the companies of announced offers, are members' words: Said parts, so forget-me
        # can remove them from the digest.
        fields.append(Field(Rich.of(Said(data.names[mid], by=data.users.get(mid))), value, inline=False))
    total = sum(sum(c.values()) for c in data.per_day.values())
    if data.milestones:
        fields.append(Field("Milestones ticked", join("\n", (Rich.format("{who}: {title}", who=who, title=title)
                                                             for who, title in data.milestones)), inline=False))
    fields.append(Field("Mock interviews", str(data.mocks)))
    if data.rounds is not None and (data.rounds.paired or data.rounds.sat_out):
        fields += data.rounds.fields()
    if data.offers:
        fields.append(Field("Offers 🎉", join("\n", (
            Rich.format("{who} — {company}{role}", who=Said(who, by=uid), company=Said(company, by=uid),
                        role=Rich.format(" ({role})", role=Said(role, by=uid)) if role else "")
            for who, company, role, uid in data.offers)), inline=False))
    return Reply(
        title=f"Weekly digest — {span}",
        text=f"{data.group.name} solved {count(total, 'problem')} this week."
             + ("" if data.milestones else " No milestones ticked."),
        fields=fields,
        image=Image(f"digest-{data.group.id}-{data.week.isoformat()}.png", png,
                    alt=f"Solves per day, {span}, stacked by difficulty"),
        footer="Streaks as they stood on Sunday night, each in the member's own time.",
        tone="info",
    )


async def post_weekly(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int) -> bool:
    """The weekly digest of the last complete group-local week, posted once with its chart."""
    async def work(store: Store):
        group = await store.groups.get(group_id)
        if group is None or group.paused:
            return False
        week = covered_week(now, group.timezone)
        key = f"digest:{group.id}:{week.isoformat()}"
        if group.created_at and group.created_at >= local_midnight(week + timedelta(days=7), group.timezone):
            return False  # the group did not exist yet in that week
        if await store.outbox.get(key) is not None:
            return False
        return group, week, key, await gather(store, content, group, week, now)

    found = await uow.run(work)
    if found is False:
        return False
    group, week, key, data = found
    # Rendered outside the transaction so other commands are not held up; the key keeps the post unique.
    title = f"Solves per day — week of {week:%d %b %Y}"
    png = await asyncio.to_thread(solves_chart, data.days, data.per_day, title)

    async def post(store: Store) -> bool:
        if not await store.accountability.digests.record_weekly(group.id, week, now):
            return False
        return await store.outbox.enqueue(key, render_weekly(data, png), now, group_id=group.id,
                                          channel_id=group.channel_id)

    return await uow.run(post)


# -- design prompts ----------------------------------------------------------------------------------

async def prompt_of_week(store: Store, content: ContentPack, group: Group, now: datetime) -> tuple[date, DesignPrompt]:
    """This group-local week's prompt, chosen (and remembered) the first time anyone asks."""
    if not content.design_prompts:
        raise NotFound("This content pack has no system-design prompts.")
    week = week_start(local_date(now, group.timezone))
    repo = store.accountability.design
    chosen = await repo.for_week(group.id, week)
    if chosen is None or chosen not in content.design_prompts:
        # Easy prompts while the group is early on its roadmap, interview-level ones from its design stage.
        rm = content.roadmaps.get(group.roadmap) or next(iter(content.roadmaps.values()))
        wanted = stage_difficulties(await group_stage(store, content, group),
                                    design_stage_index([s.id for s in rm.stages]))
        chosen = choose_prompt(group.id, week,
                               [(p.id, p.kind, p.difficulty) for p in content.design_prompts.values()],
                               await repo.history(group.id), wanted)
        await repo.record(group.id, week, chosen, now)
    return week, content.design_prompts[chosen]


def render_design(p: DesignPrompt, week: date) -> Reply:
    return Reply(
        title=f"System design of the week — {p.title}",
        text=p.brief,
        fields=[Field("Kind", "ML system" if p.kind == "ml" else "classic"), Field("Difficulty", p.difficulty),
                Field("Week of", f"{week:%a %d %b}"),
                Field("Afterwards, check yourself against", "\n".join(f"• {k}" for k in p.key_points),
                      inline=False)],
        footer=Rich.format("Sketch it in 45 minutes, thinking aloud, before reading the checklist. "
                           "Pair up with `mock join`."),
        tone=p.difficulty,
    )


async def post_weekly_design(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int) -> bool:
    async def work(store: Store):
        group = await store.groups.get(group_id)
        if group is None or group.paused or not content.design_prompts:
            return False
        week, prompt = await prompt_of_week(store, content, group, now)
        return await store.outbox.enqueue(f"design:{group.id}:{week.isoformat()}", render_design(prompt, week), now,
                                          group_id=group.id, channel_id=group.channel_id)
    return await uow.run(work)


# -- group stats -------------------------------------------------------------------------------------
STATS_MIN_PEOPLE = 3  # application counts need this many members tracking, or they name someone
STATS_HIDDEN = ("rejected", "withdrawn")  # never counted in group stats

async def stats_fields(store: Store, group: Group, now: datetime) -> list[Field]:
    """Aggregates only: application counts by stage, never a name or a company (the activity figures
    of `group stats` are services/roster.py's).

    Counts of fewer than STATS_MIN_PEOPLE members would be one person's pipeline, so they are not shown;
    rejections and withdrawals are never counted (a count of them is nobody else's business)."""
    counts, people = await store.accountability.applications.stage_counts(group.id, exclude=STATS_HIDDEN)
    ordered = {s: counts[s] for s in STAGES if counts.get(s)}
    apps = sum(ordered.values())
    if not apps:
        app_text = "none tracked"
    elif people < STATS_MIN_PEOPLE:
        app_text = f"tracked by fewer than {STATS_MIN_PEOPLE} members: not shown, to keep them private"
    else:
        app_text = f"{apps} by {count(people, 'member')}: " + ", ".join(f"{n} {s}" for s, n in ordered.items())
    return [Field("Applications", app_text, inline=False)]


def weekly_trigger_fields(group: Group) -> dict:
    return {"day_of_week": DIGEST_DAY, "hour": DIGEST_TIME.hour, "minute": DIGEST_TIME.minute,
            "timezone": zone(group.timezone)}
