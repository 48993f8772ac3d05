"""The clock port's two implementations. Everything asks the clock for 'now'; nothing calls datetime.now()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class RealClock:
    simulated = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """Time stands still until someone moves it, so tests and scripts never sleep."""

    simulated = True

    def __init__(self, start: datetime | None = None):
        start = start or datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError("a simulated clock never goes back")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
