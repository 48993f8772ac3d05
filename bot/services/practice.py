"""Solving problems: recording a solve, streaks, the leaderboard and the review queue."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from bot.content import ContentPack, Problem
from bot.domain.model import Group, Member
from bot.domain.review import event, fold
from bot.domain.scoring import WEIGHTS, MemberStats, Standing, period_start, rank
from bot.domain.selection import practice_pool
from bot.domain.streaks import Streak, carry, extend, mark_of, streak
from bot.domain.timeutil import local_date
from bot.errors import NotFound
from bot.ports.storage import Store, UnitOfWork
from bot.services.daily import current_post
from bot.text import Rich


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "problem" | "ml"
    title: str
    difficulty: str


def find_item(content: ContentPack, text: str) -> Item:
    """A problem by id, LeetCode number or exact title; an ML question by id."""
    key = text.strip().lower().rstrip("/").split("/problems/")[-1]
    p = content.problems.get(key)
    if p is None and key.isascii() and key.isdigit():  # '¹'.isdigit() is True, and int('¹') raises
        p = next((x for x in content.problems.values() if x.number == int(key)), None)
    if p is None:
        p = next((x for x in content.problems.values() if x.title.lower() == key), None)
    if p is not None:
        return Item(p.id, "problem", p.title, p.difficulty)
    q = content.ml_questions.get(key)
    if q is not None:
        return Item(q.id, "ml", q.question, q.difficulty)
    import difflib

    near = difflib.get_close_matches(key, list(content.problems), n=1, cutoff=0.6)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    raise NotFound(Rich.format("There is no problem '{text}' in the bank.{hint} Use its id, e.g. `two-sum`, or its "
                               "number.", text=text, hint=hint))


async def random_pick(store: Store, content: ContentPack, member: Member, now: datetime, difficulty: str | None,
                      topic: str | None, exclude: frozenset[str] = frozenset()) -> Problem:
    """A practice problem the member has not solved, open to their level (no premium-only page for a
    beginner), drawn afresh each time it is asked for; never one of `exclude` (the group's current post:
    "another problem" is another one)."""
    solved = await store.practice.solved_ids(member.id)
    pool = practice_pool(list(content.problems.values()), level=member.level, solved=solved | exclude,
                         difficulty=difficulty, topic=topic)
    if not pool:
        raise NotFound("You have solved every problem that fits. Try another difficulty or topic.")
    return random.Random(f"{member.id}:{now.isoformat()}").choice(pool)


async def current_item(store: Store, content: ContentPack, group: Group, member: Member | None,
                       now: datetime) -> Item | None:
    """What `problem solved` and `problem hint` mean with no problem named (services/daily.current_post):
    None before the group's first post."""
    posted = await current_post(store, group, member, now)
    if posted is None:
        return None
    if posted.kind == "ml" and posted.item_id not in content.ml_questions \
            or posted.kind == "problem" and posted.item_id not in content.problems:
        return None  # the group's pack changed since: the post names an item it no longer has
    return find_item(content, posted.item_id)


async def record_solve(store: Store, group: Group, member: Member, now: datetime, item: Item, minutes: int | None,
                       felt: str | None) -> tuple[bool, Streak]:
    """Record a solve, schedule its review and count it; returns (counted as new, the member's streak now)."""
    today = local_date(now, member.timezone)
    repo = store.practice
    result = await repo.add_solve(member.id, group.id, item.id, item.kind, item.difficulty, minutes, felt, now, today,
                                  event(felt, now) if item.kind == "problem" else None)
    if not result.fresh:
        return False, carry(result.mark, today)
    mark = extend(result.mark, today)
    if mark is None:  # a solve day before the last one (the member moved west): ask the whole history
        mark = mark_of(await repo.solve_days(member.id))
    await repo.count_solve(group.id, member.id, item.difficulty, mark,
                           period_start("week", now, group.timezone), period_start("month", now, group.timezone))
    return True, carry(mark, today)


async def unsolve(store: Store, group: Group, member: Member, now: datetime, item: Item) -> Streak | None:
    """Take a solve back: the solve and its review card go, and the member's stats (streak, week, month
    and all-time counts, freezes) are rebuilt from the solves left. None: it was not solved."""
    if not await store.practice.remove_solve(member.id, item.id):
        return None
    await build_stats(store, group, now)
    return await member_streak(store, member, now)


async def review_queue(store: Store, member: Member, now: datetime, limit: int) -> list[tuple[str, datetime]]:
    """The member's review cards by due date, after bringing each up to date with the solves since."""
    repo = store.practice
    for problem_id, card_json, events in await repo.unreviewed(member.id):
        card = fold(card_json, member.id, problem_id, events)
        await repo.save_card(member.id, problem_id, card.to_json(), card.due)
    return await repo.due_reviews(member.id, now, limit=limit)


async def member_streak(store: Store, member: Member, now: datetime) -> Streak:
    """A member's streak in their own timezone."""
    return streak(await store.practice.solve_days(member.id), local_date(now, member.timezone))


async def standings(store: Store, group: Group, now: datetime, period: str, top: int | None = None) -> list[Standing]:
    """The group's ranking for a period (its first `top` places only, when given)."""
    since = period_start(period, now, group.timezone)
    table = rank(await store.practice.standings(group.id, period, since, top=top, weights=WEIGHTS))
    return table[:top] if top else table


async def build_stats(store, group: Group, now: datetime) -> None:
    """(Re)build every member's stats from the group's solves: for groups that solved before stats were
    kept, and when the group's timezone moves its weeks."""
    week_of, month_of = period_start("week", now, group.timezone), period_start("month", now, group.timezone)
    rows = await store.practice.stats_sources(group.id, week_of, month_of)
    await store.practice.replace_stats(group.id, [
        MemberStats(member_id, mark_of(days), week_of, week, month_of, month, all_time)
        for member_id, days, week, month, all_time in rows
    ])


async def build_missing_stats(uow: UnitOfWork, now: datetime) -> int:
    """Build the stats of every group that has none yet (after the upgrade that added them)."""
    built = 0
    for group_id in await uow.run(lambda store: store.practice.groups_without_stats()):
        async def build(store: Store, group_id: int = group_id) -> None:
            group = await store.groups.get(group_id)
            await build_stats(store, group, now)

        await uow.run(build)  # a group a unit: a large database does not hold the writer for a minute
        built += 1
    return built
