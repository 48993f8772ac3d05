"""The application tracker's rules: stages, and finding an application by what a person types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

STAGES = ("applied", "referral", "recruiter-screen", "phone-screen", "onsite", "offer", "rejected", "withdrawn")
CLOSED = ("offer", "rejected", "withdrawn")


@dataclass(frozen=True)
class Application:
    id: int
    member_id: int
    company: str
    role: str | None
    stage: str
    created_at: datetime
    updated_at: datetime
    announced_at: datetime | None = None


def company_key(name: str) -> str:
    return " ".join(name.split()).lower()


def find(apps: Sequence[Application], typed: str) -> Application | None | list[Application]:
    """The one application `typed` names: exact (any case), else a unique prefix; a list when ambiguous."""
    key = company_key(typed)
    for app in apps:
        if company_key(app.company) == key:
            return app
    starts = [a for a in apps if company_key(a.company).startswith(key)]
    if len(starts) == 1:
        return starts[0]
    return starts or None

