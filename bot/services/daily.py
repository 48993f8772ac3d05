"""The daily post: chosen by the selection policy, queued in the outbox, exactly once per local date."""

from __future__ import annotations

from datetime import datetime, time

from bot.content import ContentPack
from bot.domain.model import Group
from bot.domain.progress import current_stage
from bot.domain.selection import Posted, choose_daily
from bot.domain.timeutil import local_date, zone
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply
from bot.text import Link, Rich


async def group_stage(store: Store, content: ContentPack, group: Group) -> int:
    """The group's roadmap stage: the median stage of its active members."""
    rm = content.roadmaps.get(group.roadmap) or next(iter(content.roadmaps.values()))
    done = await store.milestones.done_by_group(group.id)
    count = await store.members.count_active(group.id)
    # Members who ticked nothing stand at stage 0 and need no row.
    stages = sorted([current_stage(rm, d) for d in done.values()] + [0] * max(0, count - len(done)))
    return stages[len(stages) // 2] if stages else 0


def render_post(content: ContentPack, posted: Posted, heading: str = "Daily problem") -> Reply:
    if posted.kind == "ml":
        q = content.ml_questions[posted.item_id]
        return Reply(
            title=f"{heading} — ML concept ({posted.local_date:%a %d %b})",
            text=q.question,
            fields=[Field("Topic", q.topic), Field("Difficulty", q.difficulty)],
            buttons=[Button("Answered", f"problem solved {q.id}", "success"), Button("Model answer", "problem hint")],
            tone=q.difficulty,
        )
    p = content.problems[posted.item_id]
    return Reply(
        title=f"{heading} — {p.title}",
        text=Rich.of(Link(str(p.url), str(p.url))),
        fields=[Field("Difficulty", p.difficulty), Field("Pattern", p.pattern_label), Field("Id", p.id)],
        buttons=[Button("Solved", "problem solved", "success"), Button("Hint", "problem hint"),
                 Button("Skip", f"problem random {p.difficulty}")],
        footer=f"{posted.local_date:%A %d %B %Y}. Mark it with `problem solved minutes N felt easy|ok|hard`.",
        tone=p.difficulty,
    )


async def choose_for(store: Store, content: ContentPack, group: Group, now: datetime) -> Posted:
    day = local_date(now, group.timezone)
    age = (day - local_date(group.created_at or now, group.timezone)).days
    choice = choose_daily(
        group_key=group.id, local_date=day, age_days=age, stage=await group_stage(store, content, group),
        problems=list(content.problems.values()), history=await store.practice.post_history(group.id),
        ml_questions=list(content.ml_questions.values()), ml_days=group.ml_days,
    )
    return Posted(day, choice.item_id, choice.kind, choice.difficulty, choice.pattern)


async def post_daily(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int, *,
                     only_after_post_time: bool = False) -> bool:
    """Post today's problem for a group unless it already has one (idempotent across restarts).

    `only_after_post_time`: a run made late (the bot was down at post time) posts only once today's post
    time has passed, so a day that has passed is never posted late and a bot back early waits."""
    async def work(store: Store):
        group = await store.groups.get(group_id)
        if group is None or group.paused or not content.problems:
            return False
        if only_after_post_time and not post_time_passed(group, now):
            return False
        day = local_date(now, group.timezone)
        if await store.practice.post_for(group.id, day) is not None:
            return False
        posted = await choose_for(store, content, group, now)
        await store.practice.record_post(group.id, posted, now)
        await store.outbox.enqueue(f"daily:{group.id}:{day.isoformat()}", render_post(content, posted), now,
                                   group_id=group.id, channel_id=group.channel_id)
        return True
    return await uow.run(work)


def post_time_passed(group: Group, now: datetime) -> bool:
    local = now.astimezone(zone(group.timezone))
    return local.time().replace(second=0, microsecond=0) >= time(group.post_time.hour, group.post_time.minute)
