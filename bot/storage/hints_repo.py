"""The repository of hint tiers: which tier of a problem's hints a member has been shown."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.db import Database

# One statement, so a command costs one hop: a first ask inserts tier 0, each later ask moves one tier on
# and stays on the last one (`last`) once all have been shown.
_NEXT = (
    "INSERT INTO hint_tiers (member_id, problem_id, shown, shown_at) VALUES (?, ?, 0, ?) "
    "ON CONFLICT (member_id, problem_id) DO UPDATE SET shown = MIN(shown + 1, ?), shown_at = excluded.shown_at "
    "RETURNING shown"
)


class SqliteHints:
    def __init__(self, db: Database):
        self.db = db

    async def next_tier(self, member_id: int, problem_id: str, tiers: int, now: datetime) -> int:
        """Record one more ask and return the 0-based tier to show now (never past `tiers - 1`)."""
        last = max(0, tiers - 1)
        row = await self.db.one(_NEXT, (member_id, problem_id, now.astimezone(UTC).isoformat(timespec="microseconds"),
                                        last))
        return min(int(row[0]), last)  # a pack that now has fewer tiers than were shown
