"""What the mock-interview services share: the week and its times, names, keys and the constants."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from bot.domain.model import Group, Member
from bot.domain.sessions import MockSession
from bot.domain.timeutil import WEEKDAYS, zone
from bot.errors import Conflict
from bot.ports.storage import Store
from bot.reply import stamp
from bot.text import Content, Rich, Said, join

KIND_LABEL = {"coding": "coding", "system-design": "system design", "ml-design": "ML system design",
              "behavioral": "behavioral"}

LEAD = timedelta(hours=2)  # the earliest a session may start after pairing

WEEK = timedelta(days=7)

LEVEL_DIFFICULTY = {"beginner": "easy", "intermediate": "medium", "advanced": "hard"}

NO_SHOW_LIMIT = 3

HISTORY_ROUNDS = 4

DISPUTE_WINDOW = timedelta(hours=48)  # a no-show report counts only if not disputed within this

LEFT_OVER = ("unpaired", "no-shared-window", "odd-count")  # sat out though they wanted a session

SUGGESTIONS = 3  # popular weekly hours offered to a member who sat out for want of a shared window

SIT_OUT_WHY: dict[str, Content] = {
    "no-shared-window": "nobody free to be paired with you had a free hour that matches yours this week",
    "odd-count": "the count was odd and no slot fitted three",
    "unpaired": "no one else had a free hour that matches yours this week",
    "no-availability": "you have no availability in the coming week",
    "skipped": Rich.format("you asked to skip it (`mock skip`)"),
    "snoozed": Rich.format("you snoozed pairing (`mock snooze`)"),
}

ROLE_WORD = {"interviewer": "the candidate you interviewed", "observer": "the candidate you observed"}


def next_pairing(group: Group, now: datetime) -> datetime:
    """The first pairing instant strictly after `now`, in the group's timezone (DST-correct)."""
    return next_local(group.pairing_day, group.pairing_time, group.timezone, now)


def last_pairing(group: Group, now: datetime) -> datetime:
    """The latest pairing instant at or before `now`: where the current pairing week began (a job that
    fires a little late still finds its round)."""
    return next_pairing(group, next_pairing(group, now) - timedelta(days=8))


def span(start: datetime, end: datetime) -> Rich:
    """A slot as stamps: each platform shows both ends in the reader's own time."""
    same_day = end - start < timedelta(hours=12)
    return Rich.format("{start} – {end}", start=stamp(start), end=stamp(end, "t" if same_day else "f"))


def round_seed(group_id: int, round_key: str) -> int:
    return int(hashlib.sha256(f"mock:{group_id}:{round_key}".encode()).hexdigest()[:12], 16)


def said_name(member: Member) -> Said:
    return Said(member.name, by=member.user_id)


def _name(members: dict[int, Member], member_id: int, fallback: str = "a former member") -> Content:
    return said_name(members[member_id]) if member_id in members else fallback


def _names(ids: Iterable[int], members: dict[int, Member]) -> Rich:
    return join(" and ", (_name(members, i) for i in ids))


async def _members(store: Store, group_id: int) -> dict[int, Member]:
    return {m.id: m for m in await store.members.active(group_id)}


def pair_key(session_id: int, member_id: int) -> str:
    return f"mock:{session_id}:{member_id}:pair"


async def _week_start(store: Store, group: Group, session: MockSession) -> datetime:
    round_at = await store.mock.round_at(session.round_id) or session.starts_at
    return last_pairing(group, round_at)


def session_window_end(session: MockSession, round_at: datetime | None) -> datetime:
    return (round_at or session.starts_at) + WEEK


def next_local(day: str, at: time, tz: str, after: datetime) -> datetime:
    """The first `day` at wall-clock `at` in `tz` strictly after an instant (DST-correct)."""
    z = zone(tz)
    local = after.astimezone(z)
    for ahead in range(8):
        d = local.date() + timedelta(days=ahead)
        if WEEKDAYS[d.weekday()] == day:
            when = datetime.combine(d, at, tzinfo=z)
            if when > after:
                return when
    raise Conflict("no such time in the coming week")
