"""Time comes from an injected clock: real, or simulated in tests and console scripts."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    simulated: bool

    def now(self) -> datetime: ...
