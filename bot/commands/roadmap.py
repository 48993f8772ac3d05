"""roadmap, roadmap done, roadmap undo"""

from __future__ import annotations

import difflib

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.content import Roadmap
from bot.domain.progress import current_stage, expected_stage, stage_progress
from bot.errors import NotFound
from bot.reply import Bar, Button, Reply

MILESTONE = Param("milestone", "milestone", "A milestone id, as `roadmap` lists them", required=True, max_length=64,
                  metavar="MILESTONE")


def _find(roadmap: Roadmap, milestone: str):
    found = roadmap.milestone(milestone.lower())
    if found is None:
        near = difflib.get_close_matches(milestone.lower(), roadmap.milestone_ids(), n=1, cutoff=0.5)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        raise NotFound(f"There is no milestone '{milestone}' on the {roadmap.name} roadmap.{hint} "
                       "Type `roadmap` to see them.")
    return found


@command("roadmap", private=True, help="The group roadmap with your progress per stage")
async def roadmap(ctx: Context) -> Reply:
    member, rm = ctx.member, ctx.roadmap()
    done = set(await ctx.store.milestones.done(member.id))
    progress = stage_progress(rm, done)
    here = current_stage(rm, done)
    pace = expected_stage(rm, ctx.group.created_at or ctx.now, ctx.now, ctx.group.pace_weeks)
    lines = []
    for i, stage in enumerate(rm.stages):
        marker = "▶" if i == here else ("✓" if progress[i].complete else "·")
        lines.append(f"{marker} {i + 1}. {stage.title}")
        if i == here:
            for m in stage.milestones:
                tick = "x" if m.id in done else " "
                lines.append(f"    [{tick}] {m.id} — {m.description} ({m.resource.name}: {m.resource.url})")
    next_todo = next((m.id for m in rm.stages[here].milestones if m.id not in done), None)
    buttons = [Button(f"Done: {next_todo}", f"roadmap done {next_todo}", "success")] if next_todo else []
    return Reply(
        title=f"{rm.title} roadmap — {member.name}",
        text="\n".join(lines),
        bars=[Bar(f"{i + 1}. {p.title}", p.done, p.total) for i, p in enumerate(progress)],
        footer=f"The group's pace ({ctx.group.pace_weeks} weeks a stage) puts you at stage {pace + 1} now.",
        buttons=buttons,
    )


@command("roadmap done", help="Tick a milestone", params=[MILESTONE], examples=("roadmap done python-fluency",))
async def roadmap_done(ctx: Context, milestone: str) -> Reply:
    rm = ctx.roadmap()
    stage, m = _find(rm, milestone)
    fresh = await ctx.store.milestones.tick(ctx.member.id, m.id, ctx.now)
    done = set(await ctx.store.milestones.done(ctx.member.id))
    sp = next(p for p in stage_progress(rm, done) if p.stage_id == stage.id)
    text = f"Ticked '{m.title}' ({stage.title})." if fresh else f"'{m.title}' was already ticked."
    if fresh and sp.complete:
        text += f" Stage '{stage.title}' complete!"
    return Reply(text=text, bars=[Bar(stage.title, sp.done, sp.total)], tone="success" if fresh else "info")


@command("roadmap undo", help="Untick a milestone", params=[MILESTONE])
async def roadmap_undo(ctx: Context, milestone: str) -> Reply:
    _, m = _find(ctx.roadmap(), milestone)
    removed = await ctx.store.milestones.untick(ctx.member.id, m.id)
    return Reply(text=f"Unticked '{m.title}'." if removed else f"'{m.title}' was not ticked.")
