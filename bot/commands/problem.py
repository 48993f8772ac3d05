"""problem today | solved | unsolve | hint | random | review"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.content import PATTERNS
from bot.domain.review import FELT
from bot.domain.scoring import WEIGHTS
from bot.domain.selection import DIFFICULTIES
from bot.domain.timeutil import local_date
from bot.errors import Conflict
from bot.reply import Button, Field, Reply, stamp
from bot.services import practice
from bot.services.daily import current_post, next_post_at, render_post, show_solvers
from bot.text import Link, Rich, count, join

_PROBLEM = Param("problem", "problem", "Problem id or number", required=True, max_length=120, metavar="PROBLEM")


def _next_post(group, now) -> Rich:
    """When the next daily problem comes, in the reader's own time."""
    at = next_post_at(group, now)
    return Rich.format("{at} ({rel})", at=stamp(at, "f"), rel=stamp(at, "R"))


def _no_post_yet(ctx: Context, then: Rich) -> Reply:
    """Before the group's first daily post: when it comes, and what to do meanwhile."""
    if ctx.group.paused:
        return Reply(text=Rich.format("The group is paused, so no daily problem is posted. {then}", then=then))
    return Reply(text=Rich.format("No daily problem has been posted here yet; the first comes {when}. {then}",
                                  when=_next_post(ctx.group, ctx.now), then=then))


@command("problem today", scope="group", help="Today's problem for the group (before it is posted: the latest one)")
async def problem_today(ctx: Context) -> Reply:
    group = ctx.group
    today = local_date(ctx.now, group.timezone)
    posted = await ctx.store.practice.post_for(group.id, today)
    if posted is not None:
        return render_post(ctx.content, posted, "Today's problem",
                           solved=await ctx.store.practice.solvers(group.id, posted.item_id))
    latest = await ctx.store.practice.latest_post(group.id)
    if group.paused:
        note = Rich.of("The group is paused, so no daily problem is posted.")
    else:
        note = Rich.format("The next daily problem comes {when}.", when=_next_post(group, ctx.now))
    if latest is None:
        return Reply(text=Rich.format("{note} Meanwhile, try `problem random easy`.", note=note))
    reply = render_post(ctx.content, latest, "Latest problem",
                        solved=await ctx.store.practice.solvers(group.id, latest.item_id))
    reply.text = Rich.of(note, "\n", reply.text)
    return reply


@command(
    "problem solved", private=True, moves_roles=True,
    help="Record a solve (default: today's problem, or before it is posted, the latest you have not solved)",
    params=[
        Param("problem", "problem", "Problem id or number (default: today's)", max_length=120, metavar="PROBLEM"),
        Param("minutes", "int", "Minutes it took", keyword=True, minimum=1, maximum=1440),
        Param("felt", "choice", "How it felt", keyword=True, choices=FELT),
    ],
    examples=("problem solved", "problem solved two-sum minutes 25 felt ok"),
)
async def problem_solved(ctx: Context, problem: str | None = None, minutes: int | None = None,
                         felt: str | None = None) -> Reply:
    if problem:
        item = practice.find_item(ctx.content, problem)
    else:
        found = await practice.current_item(ctx.store, ctx.content, ctx.group, ctx.member, ctx.now)
        if found is None:
            return _no_post_yet(ctx, Rich.format("Name the one you solved: `problem solved two-sum`."))
        item = found
    fresh, st = await practice.record_solve(ctx.store, ctx.group, ctx.member, ctx.now, item, minutes, felt)
    undo = Button("Undo", f"problem unsolve {item.id}")
    if not fresh:
        return Reply(text=f"You had already solved '{item.title}'; it counts once. Noted how it felt this time.",
                     fields=[Field("Streak", count(st.current, "day"))], buttons=[undo])
    # The daily post (if this is a posted problem) shows how many have solved it: an edit, not a message.
    await show_solvers(ctx.store, ctx.content, ctx.group, item.id, ctx.now)
    points = WEIGHTS.get(item.difficulty, 1) if item.kind == "problem" else 1
    return Reply(
        text=f"{ctx.member.name} solved '{item.title}' ({item.difficulty}, +{count(points, 'point')}).",
        fields=[Field("Streak", count(st.current, "day")), Field("Freezes", str(st.freezes))],
        buttons=[Button("Leaderboard", "leaderboard week"), Button("Another one", f"problem random {item.difficulty}"),
                 undo],
        tone="success",
    )


@command("problem unsolve", private=True, moves_roles=True, help="Take back a solve (a mistyped one, say)", params=[_PROBLEM],
         examples=("problem unsolve two-sum",))
async def problem_unsolve(ctx: Context, problem: str) -> Reply:
    item = practice.find_item(ctx.content, problem)
    st = await practice.unsolve(ctx.store, ctx.group, ctx.member, ctx.now, item)
    if st is None:
        raise Conflict(f"You have no solve of '{item.title}' to take back.")
    await show_solvers(ctx.store, ctx.content, ctx.group, item.id, ctx.now)
    return Reply(text=f"Took back your solve of '{item.title}'.",
                 fields=[Field("Streak", count(st.current, "day")), Field("Freezes", str(st.freezes))],
                 buttons=[Button("Solved after all", f"problem solved {item.id}")])


@command("problem hint", scope="group", private=True,
         help="A hint for today's problem (or the one named); ask again for the next tier (nudge, key idea, approach)",
         params=[Param("problem", "problem", "Problem id or number (default: today's)", max_length=120,
                       metavar="PROBLEM")],
         examples=("problem hint", "problem hint two-sum"))
async def problem_hint(ctx: Context, problem: str | None = None) -> Reply:
    if problem:
        item = practice.find_item(ctx.content, problem)
    else:
        found = await practice.current_item(ctx.store, ctx.content, ctx.group, ctx.who.member, ctx.now)
        if found is None:
            return _no_post_yet(ctx, Rich.format("For a problem to practise on now, try `problem random easy`."))
        item = found
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
        buttons=[Button(f"Next hint: {tiers[shown + 1][0]}", f"problem hint {p.id}")] if more else [],
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
    # "Another problem" on the daily post: never the post's own problem.
    current = await current_post(ctx.store, ctx.group, ctx.member, ctx.now)
    exclude = frozenset({current.item_id}) if current is not None else frozenset()
    p = await practice.random_pick(ctx.store, ctx.content, ctx.member, ctx.now, difficulty, topic, exclude)
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
