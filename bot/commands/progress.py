"""leaderboard, streak"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain.scoring import PERIODS, period_start
from bot.domain.streaks import MAX_FREEZES, carry
from bot.domain.timeutil import local_date
from bot.reply import Field, Reply, stamp
from bot.services import practice
from bot.text import Content, Rich, Said, count, join


@command(
    "leaderboard", scope="group",
    help="Ranking by solves weighted by difficulty (easy 1, medium 3, hard 7), with streaks",
    params=[Param("period", "choice", "week, month or all", choices=PERIODS)],
)
async def leaderboard(ctx: Context, period: str | None = None) -> Reply:
    period = period or "week"
    table = await practice.standings(ctx.store, ctx.group, ctx.now, period, top=20)
    if not table:
        return Reply(title=f"Leaderboard — {period}",
                     text=Rich.format("No solves yet in this period. Be the first: `problem today`."))
    lines = []
    for i, s in enumerate(table, start=1):
        st = carry(s.mark, local_date(ctx.now, s.timezone))
        parts = ", ".join(f"{s.by_difficulty[d]} {d}" for d in ("easy", "medium", "hard") if s.by_difficulty.get(d))
        lines.append(Rich.format("{i}. {name} — {points} ({parts}) · streak {streak}", i=i,
                                 name=s.name,
                                 points=count(s.points, "pt"), parts=parts, streak=st.current))
    return Reply(title=f"Leaderboard — {period}", text=join("\n", lines), footer=_period_note(ctx, period))


def _period_note(ctx: Context, period: str) -> Content:
    """When the period began, as a stamp in the reader's time; the group's clock is the point (its weeks
    and months begin at the group's midnight), so that is said, labelled."""
    if period == "all":
        return "All time."
    start = period_start(period, ctx.now, ctx.group.timezone)
    which = "Monday" if period == "week" else "the 1st"
    return Rich.format("Since {at}: midnight on {which}, group time ({tz}).", at=stamp(start, "f"), which=which,
                       tz=ctx.group.timezone)


@command("streak", private=True, help="Your streak in your own timezone, and your streak freezes")
async def streak_(ctx: Context) -> Reply:
    st = await practice.member_streak(ctx.store, ctx.member, ctx.now)
    today = local_date(ctx.now, ctx.member.timezone)
    status = "You solved something today." if st.solved_today else "Nothing solved yet today (your time)."
    text = status
    if st.frozen_days:
        text += f"\nFreezes saved your streak on {', '.join(f'{d:%a %d %b}' for d in st.frozen_days[-3:])}."
    return Reply(
        title=Rich.format("{name}'s streak: {days}", name=Said(ctx.member.name, by=ctx.member.user_id),
                          days=count(st.current, "day")),
        text=text,
        fields=[Field("Best", count(st.best, "day")), Field("Freezes", f"{st.freezes}/{MAX_FREEZES}"),
                Field("Today", f"{today:%a %d %b}, your time ({ctx.member.timezone})")],
        footer="A freeze is earned for each 7-day run (2 at most) and spent on a missed day.",
    )
