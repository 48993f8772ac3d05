"""Mock-interview participation and sessions as the core sees them (stored by bot/storage/mock_repo.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class MockMember:
    member_id: int
    status: str
    kinds: tuple[str, ...]
    skip_rounds: int
    no_shows: int


@dataclass
class Seat:
    session_id: int
    member_id: int
    role: int  # 0 interviews first, 1 interviewed first, 2 observes first
    item_id: str | None
    confirmed_at: datetime | None


@dataclass
class MockSession:
    id: int
    round_id: int
    group_id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    status: str
    proposed_at: datetime | None
    proposed_by: int | None
    seats: list[Seat]

    def seat(self, member_id: int) -> Seat | None:
        return next((s for s in self.seats if s.member_id == member_id), None)

    def others(self, member_id: int) -> list[Seat]:
        return [s for s in self.seats if s.member_id != member_id]
