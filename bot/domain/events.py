"""What a unit of work records while it changes things; handled after it commits.

Repositories record these as they write, so no command has to remember to say "reschedule" or
"deliver now": the change itself says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Subject = Literal["group", "member", "session", "checkins"]


@dataclass(frozen=True)
class ScheduleChanged:
    """Something a scheduled job depends on changed: a group's times, a member's timezone or check-in
    settings, a mock session's slot."""

    subject: Subject
    id: int


@dataclass(frozen=True)
class MessageEnqueued:
    """A message went into the outbox: the deliverer has something to do."""

    key: str


Event = ScheduleChanged | MessageEnqueued
