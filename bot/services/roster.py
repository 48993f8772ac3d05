"""What organisers see of their group: the member list by recent activity (`group members`), and the
activity and mock-completion figures of `group stats`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content import Roadmap
from bot.domain import checkins as rules
from bot.domain.model import Group
from bot.domain.progress import current_stage
from bot.domain.scoring import period_start
from bot.domain.streaks import carry
from bot.domain.timeutil import local_date
from bot.ports.storage import MemberActivity, MockCompletion, Store

PAGE_SIZE = 20  # members a page: a page keeps within every platform's message limits
MOCK_SPAN = timedelta(weeks=4)  # how far back `group stats` counts mock sessions


@dataclass(frozen=True)
class RosterLine:
    activity: MemberActivity
    streak: int
    stage: int  # index into the roadmap's stages
    stage_title: str


@dataclass(frozen=True)
class RosterPage:
    lines: list[RosterLine]
    total: int  # active members in the group
    page: int  # 1-based
    pages: int
    first: int  # 1-based position of the first line (0 when there are none)


async def members_page(store: Store, roadmap: Roadmap, group: Group, now: datetime, page: int = 1,
                       size: int = PAGE_SIZE) -> RosterPage:
    """One page of the group's active members, the most recently active first (a page past the end is
    the last page)."""
    total = await store.members.count_active(group.id)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    ids = await store.accountability.roster.recent(group.id, size, (page - 1) * size)
    rows = await store.accountability.roster.activity(ids, period_start("week", now, group.timezone))
    done = await store.accountability.roster.milestones_of(ids)
    lines = []
    for row in rows:
        stage = current_stage(roadmap, set(done.get(row.member.id, {})))
        # The streak as it stands today in the member's own timezone (a missed day breaks it).
        streak = carry(row.mark, local_date(now, row.member.timezone)).current
        lines.append(RosterLine(row, streak, stage, roadmap.stages[stage].title))
    return RosterPage(lines, total, page, pages, (page - 1) * size + 1 if lines else 0)


@dataclass(frozen=True)
class Activity:
    members: int
    active_week: int  # members with any activity since the group's Monday
    prompted: int  # check-in prompts in the last 7 days
    answered: int
    mocks: MockCompletion
    week_of: datetime  # when the group's week began
    mock_since: datetime

    def answer_rate(self) -> str:
        return rules.rate(self.prompted, self.answered)


async def activity(store: Store, group: Group, now: datetime) -> Activity:
    """The figures `group stats` promises: members active this week of all, the check-in answer rate
    over the last 7 days, and the mock sessions of the last 4 weeks held of those scheduled, with the
    feedback given on them."""
    week_of = period_start("week", now, group.timezone)
    members = await store.members.count_active(group.id)
    active = await store.accountability.roster.active_since(group.id, week_of)
    today = local_date(now, group.timezone)
    # Prompts are dated in each member's own zone: a day either side of the group's covers them all.
    per_member = await store.accountability.checkins.counts_between(group.id, today - timedelta(days=6),
                                                                      today + timedelta(days=2))
    prompted = sum(p for p, _ in per_member.values())
    answered = sum(a for _, a in per_member.values())
    since = now - MOCK_SPAN
    mocks = await store.accountability.roster.mock_completion(group.id, since, now)
    return Activity(members, active, prompted, answered, mocks, week_of, since)
