"""Figures for `me`, the weekly digest and organisers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content import ContentPack
from bot.ports.storage import Store
from bot.reply import Field, stamp
from bot.text import Rich, count


async def me_fields(store: Store, content: ContentPack, member_id: int) -> list[Field]:
    held, missed, last = await store.mock.history_counts(member_id)
    rated = await store.mock.feedback_for(member_id)
    if not (held or missed or rated):
        return []
    text = Rich.of(f"{held} held", f", {missed} missed" if missed else "",
                   Rich.format(", last {last}", last=stamp(last, "D")) if last else "")
    fields = [Field("Mock interviews", text)]
    if rated:
        averages = [sum(r) / len(r) for _, r in rated[-6:]]
        trend = " → ".join(f"{a:.1f}" for a in averages)
        latest = ", ".join(str(v) for v in rated[-1][1])
        fields.append(Field("Feedback trend", f"{trend} (latest: {latest})", inline=False))
    return fields


@dataclass(frozen=True)
class RoundFigures:
    """A group's mock rounds over a period, for the weekly digest."""

    paired: int  # members given a session
    sat_out: int  # members who sat out (any reason)
    held: int  # sessions held (rated)
    missed: int  # sessions missed (a no-show counted)
    no_shows: int  # no-show reports counted

    @property
    def no_show_rate(self) -> float | None:
        """Counted no-shows per session that should have happened (held or missed); None: none did."""
        done = self.held + self.missed
        return None if done == 0 else self.no_shows / done

    def fields(self) -> list[Field]:
        rate = self.no_show_rate
        return [Field("Mock rounds", ", ".join((
            f"{count(self.paired, 'member')} paired", f"{self.sat_out} sat out",
            f"{count(self.held, 'session')} held",
            "no-show rate " + ("n/a" if rate is None else f"{rate:.0%}"))), inline=False)]


async def round_figures(store: Store, group_id: int, since: datetime, until: datetime) -> RoundFigures:
    """Figures of the rounds run in [since, until): paired, sat out, sessions held, no-show rate."""
    return RoundFigures(*await store.mock.round_figures(group_id, since, until))
