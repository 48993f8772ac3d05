"""The command catalogue: each module declares its commands; the registry collects them."""

from __future__ import annotations

from bot.commands import (
    apply,
    checkin,
    design,
    group,
    help,
    membership,
    mock,
    problem,
    progress,
    roadmap,
    roles,
)
from bot.commands.registry import Registry

CATALOGUE = (help, membership, roadmap, group, problem, progress, checkin, design, apply, mock, roles)


def build_registry() -> Registry:
    return Registry.from_modules(CATALOGUE)
