"""The study group's nouns, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

TARGETS = {"general": 50, "faang": 150}
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass
class Group:
    id: int
    channel_id: int
    name: str
    timezone: str = "UTC"
    post_time: time = time(9, 0)
    pairing_day: str = "sun"
    pairing_time: time = time(18, 0)
    roadmap: str = "ml-engineer"
    pace_weeks: int = 2
    paused: bool = False
    created_at: datetime | None = None
    created_by: int | None = None
    space_id: int | None = None
    ml_days: tuple[str, ...] = ("sat",)  # weekdays whose daily item is an ML-concept question
    meeting_url: str | None = "https://meet.jit.si"  # base of each mock session's meeting link; None: no link
    platform_events: bool = False  # mock sessions become platform scheduled events (Discord: Manage Events)


@dataclass
class Member:
    id: int
    group_id: int
    user_id: int
    name: str
    timezone: str = "UTC"
    target: str = "general"
    level: str = "beginner"
    active: bool = True
    joined_at: datetime | None = None

    @property
    def target_count(self) -> int:
        return TARGETS[self.target]


@dataclass(frozen=True)
class Caller:
    """Who is talking, as the adapter saw it: platform ids, mapped to ours by the core."""

    platform: str
    user: str
    channel: str
    name: str
    space: str = ""
    platform_admin: bool = False  # e.g. Discord Manage Server, Slack workspace admin
    forms: bool = False  # can the adapter show a form (modal, terminal prompts)?
    is_dm: bool = False
    channel_name: str = ""  # the channel's name as the platform shows it ("study"), when the adapter knows it


@dataclass
class Whoami:
    """The caller resolved to our ids for the span of one command."""

    caller: Caller
    user_id: int
    channel_id: int
    group: Group | None = None
    member: Member | None = None
    organiser: bool = False
    extra: dict = field(default_factory=dict)
