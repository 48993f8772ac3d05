"""The daily post: chosen by the selection policy, queued in the outbox, exactly once per local date.

Its reply is built by one function (`render_post`), so the solve counter an edit adds later shows the
same post with one more line. "The current problem" (what `problem solved` and `problem hint` mean when
no problem is named) is today's post once it is out, and before it the latest posted one the member
has not solved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.content import ContentPack
from bot.domain.model import Group, Member
from bot.domain.progress import current_stage
from bot.domain.selection import Posted, choose_daily
from bot.domain.timeutil import local_date, zone
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply
from bot.text import Link, Rich, Styled, count

# An edit key taken by an earlier counter of the same value (a solve taken back, then made again) gets
# a suffix; past this many the counter waits for the next solve.
_EDIT_TRIES = 20


async def group_stage(store: Store, content: ContentPack, group: Group) -> int:
    """The group's roadmap stage: the median stage of its active members."""
    rm = content.roadmaps.get(group.roadmap) or next(iter(content.roadmaps.values()))
    done = await store.milestones.done_by_group(group.id)
    count_ = await store.members.count_active(group.id)
    # Members who ticked nothing stand at stage 0 and need no row.
    stages = sorted([current_stage(rm, d) for d in done.values()] + [0] * max(0, count_ - len(done)))
    return stages[len(stages) // 2] if stages else 0


def post_key(group_id: int, day: date) -> str:
    """The outbox key of a group's post for a local date: the scheduled post and a post made at once
    (a group set up after its post time) share it, so a day is never posted twice."""
    return f"daily:{group_id}:{day.isoformat()}"


def render_post(content: ContentPack, posted: Posted, heading: str = "Daily problem",
                solved: int | None = None) -> Reply:
    """The post of a day's item; `solved`, when given, adds the counter ("Solved by 3 members")."""
    counter = Rich.of("\nSolved by ", count(solved, "member"), ".") if solved else Rich.of()
    if posted.kind == "ml":
        q = content.ml_questions[posted.item_id]
        return Reply(
            title=f"{heading} — ML concept ({posted.local_date:%a %d %b})",
            text=Rich.of(q.question, counter),
            fields=[Field("Topic", q.topic), Field("Difficulty", q.difficulty)],
            buttons=[Button("Answered", f"problem solved {q.id}", "success"),
                     Button("Model answer", f"problem hint {q.id}")],
            tone=q.difficulty,
        )
    p = content.problems[posted.item_id]
    return Reply(
        title=f"{heading} — {p.title}",
        text=Rich.of(Link(str(p.url), str(p.url)), counter),
        fields=[Field("Difficulty", p.difficulty), Field("Pattern", p.pattern_label), Field("Id", p.id)],
        # Each button names the problem: pressed on an older post, it means that post's problem.
        buttons=[Button("Solved", f"problem solved {p.id}", "success"), Button("Hint", f"problem hint {p.id}"),
                 Button("Another problem", f"problem random {p.difficulty}")],
        footer=Rich.format("{day}. Mark it with {how}.", day=f"{posted.local_date:%A %d %B %Y}",
                           how=Styled(f"problem solved {p.id} minutes N felt easy|ok|hard", "code")),
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


async def _post(store: Store, content: ContentPack, now: datetime, group: Group | None, *,
                only_after_post_time: bool) -> bool:
    if group is None or group.paused or not content.problems:
        return False
    if only_after_post_time and not post_time_passed(group, now):
        return False
    day = local_date(now, group.timezone)
    if await store.practice.post_for(group.id, day) is not None:
        return False
    posted = await choose_for(store, content, group, now)
    await store.practice.record_post(group.id, posted, now)
    await store.outbox.enqueue(post_key(group.id, day), render_post(content, posted), now,
                               group_id=group.id, channel_id=group.channel_id)
    return True


async def post_daily(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int, *,
                     only_after_post_time: bool = False) -> bool:
    """Post today's problem for a group unless it already has one (idempotent across restarts).

    `only_after_post_time`: a run made late (the bot was down at post time) posts only once today's post
    time has passed, so a day that has passed is never posted late and a bot back early waits."""
    async def work(store: Store) -> bool:
        return await _post(store, content, now, await store.groups.get(group_id),
                           only_after_post_time=only_after_post_time)
    return await uow.run(work)


async def post_if_due(store: Store, content: ContentPack, group: Group, now: datetime) -> bool:
    """Today's problem at once when today's post time has already passed and nothing was posted today
    (a group set up, or moved to an earlier post time, after it): in the caller's unit, under the same
    outbox key as the scheduled post, so the day still gets exactly one post."""
    return await _post(store, content, now, group, only_after_post_time=True)


def post_time_passed(group: Group, now: datetime) -> bool:
    local = now.astimezone(zone(group.timezone))
    return local.time().replace(second=0, microsecond=0) >= time(group.post_time.hour, group.post_time.minute)


def next_post_at(group: Group, now: datetime) -> datetime:
    """When the next daily post is due (UTC): today's post time if it is still ahead, else tomorrow's.
    A post time that a DST change skips that day falls where the clocks went (as the scheduler fires)."""
    tz = zone(group.timezone)
    day = now.astimezone(tz).date()
    if post_time_passed(group, now):
        day += timedelta(days=1)
    local = datetime.combine(day, time(group.post_time.hour, group.post_time.minute), tzinfo=tz)
    return local.astimezone(UTC)


async def current_post(store: Store, group: Group, member: Member | None, now: datetime) -> Posted | None:
    """The problem a member means by "the daily problem": today's post once it is out; before it, the
    latest posted one the member has not solved (else the latest posted); None before the first post."""
    today = await store.practice.post_for(group.id, local_date(now, group.timezone))
    if today is not None:
        return today
    if member is not None:
        unsolved = await store.practice.latest_unsolved_post(group.id, member.id)
        if unsolved is not None:
            return unsolved
    return await store.practice.latest_post(group.id)


async def show_solvers(store: Store, content: ContentPack, group: Group, item_id: str, now: datetime) -> bool:
    """After a solve (or a solve taken back) of a posted item, queue an edit of that post with its solve
    counter. The outbox sends only the newest edit of a post waiting at once; a post no longer in the
    outbox (pruned) is left alone. Returns whether an edit was queued."""
    posted = await store.practice.post_of_item(group.id, item_id)
    if posted is None:
        return False
    key = post_key(group.id, posted.local_date)
    if await store.outbox.get(key) is None:
        return False
    n = await store.practice.solvers(group.id, item_id)
    reply = render_post(content, posted, solved=n)
    for attempt in range(_EDIT_TRIES):
        edit_key = f"{key}:solved:{n}" + (f":{attempt}" if attempt else "")
        if await store.outbox.enqueue(edit_key, reply, now, group_id=group.id, channel_id=group.channel_id,
                                      edit_of=key):
            return True
    return False
