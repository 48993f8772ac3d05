"""The job sources: each feature says which jobs should exist, from what the database holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.scheduling.scheduler import JobSource

if TYPE_CHECKING:
    from bot.bootstrap import App


def job_sources(app: App) -> list[JobSource]:
    return []
