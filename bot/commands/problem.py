"""problem today | solved | hint | random | review"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.content import PATTERNS
from bot.domain.review import FELT
from bot.domain.scoring import WEIGHTS
from bot.domain.selection import DIFFICULTIES
from bot.domain.timeutil import local_date
from bot.reply import Button, Field, Reply, stamp
from bot.services import practice
from bot.services.daily import post_time_passed, render_post
from bot.text import Link, Rich, join


@command("problem today", scope="group", help="Today's problem for the group")
async def problem_today(ctx: Context) -> Reply:
    group = ctx.group
    today = local_date(ctx.now, group.timezone)
    posted = await ctx.store.practice.post_for(group.id, today)
    if posted is not None:
        return render_post(ctx.content, posted, "Today's problem")
    latest = await ctx.store.practice.latest_post(group.id)
    when = "tomorrow" if post_time_passed(group, ctx.now) else "today"
    note = f"The next daily problem comes {when} at {group.post_time:%H:%M} ({group.timezone})."
    if group.paused:
        note = "The group is paused, so no daily problem is posted."
    if latest is None:
        return Reply(text=note + " Meanwhile, try `problem random easy`.")
    reply = render_post(ctx.content, latest, "Latest problem")
    reply.text = Rich.of(note, "\n", reply.text)
    return reply


@command(
    "problem solved",
    help="Record a solve (default: today's problem)",
    params=[
        Param("problem", "problem", "Problem id or number (default: today's)", max_length=120, metavar="PROBLEM"),
        Param("minutes", "int", "Minutes it took", keyword=True, minimum=1, maximum=1440),
        Param("felt", "choice", "How it felt", keyword=True, choices=FELT),
    ],
    examples=("problem solved", "problem solved two-sum minutes 25 felt ok"),
)
async def problem_solved(ctx: Context, problem: str | None = None, minutes: int | None = None,
                         felt: str | None = None) -> Reply:
    item = practice.find_item(ctx.content, problem) if problem else await practice.todays_item(ctx.store, ctx.content, ctx.group, ctx.now)
    fresh, st = await practice.record_solve(ctx.store, ctx.group, ctx.member, ctx.now, item, minutes, felt)
    if not fresh:
        return Reply(text=f"You had already solved '{item.title}'; it counts once. Noted how it felt this time.",
                     fields=[Field("Streak", f"{st.current} days")])
    points = WEIGHTS.get(item.difficulty, 1) if item.kind == "problem" else 1
    return Reply(
        text=f"{ctx.member.name} solved '{item.title}' ({item.difficulty}, +{points}).",
        fields=[Field("Streak", f"{st.current} day{'s' if st.current != 1 else ''}"),
                Field("Freezes", str(st.freezes))],
        buttons=[Button("Leaderboard", "leaderboard week"), Button("Another one", f"problem random {item.difficulty}")],
        tone="success",
    )


@command("problem hint", scope="group", private=True,
         help="A hint for today's problem; ask again for the next tier (nudge, key idea, approach)")
async def problem_hint(ctx: Context) -> Reply:
    item = await practice.todays_item(ctx.store, ctx.content, ctx.group, ctx.now)
    if item.kind == "ml":
        q = ctx.content.ml_questions[item.id]
        return Reply(title="Model answer", text=q.answer)
    p = ctx.content.problems[item.id]
    tiers = p.tiers
    # Each ask by the same member goes one tier further, so a hint helps without handing over the solution.
    shown = await ctx.store.hints.next_tier(ctx.member.id, p.id, len(tiers), ctx.now)
    label, text = tiers[shown]
    more = shown + 1 < len(tiers)
    return Reply(
        title=f"Hint — {p.title}",
        text=f"{label}: {text}",
        fields=[Field(f"Earlier: {lbl}", txt, inline=False) for lbl, txt in tiers[:shown]],
        buttons=[Button(f"Next hint: {tiers[shown + 1][0]}", "problem hint")] if more else [],
        footer=(f"Hint {shown + 1} of {len(tiers)}. Ask again for the next one." if more
                else f"Hint {shown + 1} of {len(tiers)}: that is all of them. Now write it out yourself."),
    )


@command(
    "problem random", private=True,
    help="A practice problem you have not solved",
    params=[
        Param("difficulty", "choice", "easy, medium or hard", choices=DIFFICULTIES),
        Param("topic", "choice", "A pattern", keyword=True, choices=tuple(PATTERNS), metavar="T"),
    ],
    examples=("problem random medium topic sliding-window",),
)
async def problem_random(ctx: Context, difficulty: str | None = None, topic: str | None = None) -> Reply:
    p = await practice.random_pick(ctx.store, ctx.content, ctx.member, ctx.now, difficulty, topic)
    # Only members at intermediate level or above are handed a premium-only page; say where it is free.
    premium = [Field("LeetCode Premium", f"Free: {p.free_alternative.name} {p.free_alternative.url}"
                     if p.free_alternative else "Needs a Premium account", inline=False)] if p.premium else []
    return Reply(
        title=f"Practice — {p.title}",
        text=Rich.of(Link(str(p.url), str(p.url))),
        fields=[Field("Difficulty", p.difficulty), Field("Pattern", p.pattern_label), Field("Id", p.id), *premium],
        buttons=[Button("Solved", f"problem solved {p.id}", "success")],
        tone=p.difficulty,
    )


@command("problem review", private=True, help="Your spaced-repetition queue: problems due for another look")
async def problem_review(ctx: Context) -> Reply:
    cards = await practice.review_queue(ctx.store, ctx.member, ctx.now, limit=50)
    if not cards:
        return Reply(text="Nothing to review yet: solve a few problems and mark how they felt.")
    due = [(pid, when) for pid, when in cards if when <= ctx.now]
    upcoming = [(pid, when) for pid, when in cards if when > ctx.now][:5]
    lines = [Rich.format("• {title} ({pid}) — due {when}", title=ctx.content.problems[pid].title, pid=pid,
                         when=stamp(when, "R")) for pid, when in due[:10] if pid in ctx.content.problems]
    later = [Rich.format("• {title} — {when}", title=ctx.content.problems[pid].title, when=stamp(when, "d"))
             for pid, when in upcoming if pid in ctx.content.problems]
    text = Rich.of("Due now:\n", join("\n", lines)) if lines else Rich.of("Nothing is due right now.")
    if later:
        text += Rich.of("\nComing up:\n", join("\n", later))
    buttons = [Button(f"Solved {pid}", f"problem solved {pid}") for pid, _ in due[:3]]
    return Reply(title=f"Review queue — {len(due)} due", text=text, buttons=buttons)
