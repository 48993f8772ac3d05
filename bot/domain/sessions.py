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
    attended_at: datetime | None = None  # their word, after the slot, that they took part


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
    room: str | None = None  # the meeting-room token (bot/domain/booking.py)
    sequence: int = 0  # the invite's SEQUENCE: one more on every change
    proposed_end: datetime | None = None

    @property
    def order(self) -> list[int]:
        """Member ids by role: who interviews first, who is interviewed first, the observer."""
        return [s.member_id for s in sorted(self.seats, key=lambda s: s.role)]

    @property
    def confirmed(self) -> bool:
        """Every seat confirmed the slot as it stands."""
        return bool(self.seats) and all(s.confirmed_at is not None for s in self.seats)

    def candidates_of(self, member_id: int) -> list[tuple[int, str]]:
        """(candidate, the reader's role) for each member `member_id` watched being interviewed: in a
        pair the partner, as interviewer; in a trio the member they interviewed and the one they observed."""
        order = self.order
        if member_id not in order:
            return []
        me = order.index(member_id)
        if len(order) == 2:
            return [(order[1 - me], "interviewer")]
        n = len(order)
        return [(order[(me + 1) % n], "interviewer"), (order[(me + 2) % n], "observer")]

    def seat(self, member_id: int) -> Seat | None:
        return next((s for s in self.seats if s.member_id == member_id), None)

    def others(self, member_id: int) -> list[Seat]:
        return [s for s in self.seats if s.member_id != member_id]


@dataclass(frozen=True)
class NoShowReport:
    """A member's word that another did not come; it counts only when the reported member neither took
    part by their own word after the slot nor disputes it within the dispute window."""

    session_id: int
    by: int  # member who reported
    about: int  # member reported
    created_at: datetime
    state: str  # open, counted, disputed
    settled_at: datetime | None = None
