"""leaderboard, streak"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain.scoring import PERIODS
from bot.domain.streaks import MAX_FREEZES, carry
from bot.domain.timeutil import local_date
from bot.reply import Field, Reply
from bot.services import practice


@command(
    "leaderboard", scope="group",
    help="Ranking by solves weighted by difficulty (easy 1, medium 3, hard 7), with streaks",
    params=[Param("period", "choice", "week, month or all", choices=PERIODS)],
)
async def leaderboard(ctx: Context, period: str | None = None) -> Reply:
    period = period or "week"
    table = await practice.standings(ctx.store, ctx.group, ctx.now, period, top=20)
    if not table:
        return Reply(title=f"Leaderboard — {period}", text="No solves yet in this period. Be the first: `problem today`.")
    lines = []
    for i, s in enumerate(table, start=1):
        st = carry(s.mark, local_date(ctx.now, s.timezone))
        parts = ", ".join(f"{s.by_difficulty[d]} {d}" for d in ("easy", "medium", "hard") if s.by_difficulty.get(d))
        lines.append(f"{i}. {s.name} — {s.points} pts ({parts}) · streak {st.current}")
    since = {"week": "since Monday", "month": "since the 1st", "all": "all time"}[period]
    return Reply(title=f"Leaderboard — {period}", text="\n".join(lines),
                 footer=f"{since}, group time ({ctx.group.timezone})")


@command("streak", private=True, help="Your streak in your own timezone, and your streak freezes")
async def streak_(ctx: Context) -> Reply:
    st = await practice.member_streak(ctx.store, ctx.member, ctx.now)
    today = local_date(ctx.now, ctx.member.timezone)
    status = "You solved something today." if st.solved_today else "Nothing solved yet today (your time)."
    text = status
    if st.frozen_days:
        text += f"\nFreezes saved your streak on {', '.join(d.isoformat() for d in st.frozen_days[-3:])}."
    return Reply(
        title=f"{ctx.member.name}'s streak: {st.current} day{'s' if st.current != 1 else ''}",
        text=text,
        fields=[Field("Best", f"{st.best} days"), Field("Freezes", f"{st.freezes}/{MAX_FREEZES}"),
                Field("Today", f"{today:%a %d %b} ({ctx.member.timezone})")],
        footer="A freeze is earned for each 7-day run (2 at most) and spent on a missed day.",
    )
