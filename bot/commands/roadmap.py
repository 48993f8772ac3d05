"""roadmap [STAGE], roadmap done, roadmap undo"""

from __future__ import annotations

import difflib

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.content import Roadmap
from bot.domain.progress import current_stage, expected_stage, find_stage, stage_progress
from bot.errors import NotFound, UsageError
from bot.reply import Bar, Button, Reply
from bot.text import Rich, count

MILESTONE = Param("milestone", "milestone", "A milestone id, as `roadmap` lists them", required=True, max_length=64,
                  metavar="MILESTONE")


def _find(roadmap: Roadmap, milestone: str):
    found = roadmap.milestone(milestone.lower())
    if found is None:
        near = difflib.get_close_matches(milestone.lower(), roadmap.milestone_ids(), n=1, cutoff=0.5)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        raise NotFound(Rich.format("There is no milestone '{milestone}' on the {roadmap} roadmap.{hint} "
                                   "Type `roadmap` to see them.", milestone=milestone, roadmap=roadmap.name,
                                   hint=hint))
    return found


def _milestone_lines(stage, done: set[str]) -> list[str]:
    return [f"    [{'x' if m.id in done else ' '}] {m.id} — {m.description} ({m.resource.name}: {m.resource.url})"
            for m in stage.milestones]


def _stage_index(rm: Roadmap, typed: str) -> int:
    found = find_stage(rm, typed)
    names = ", ".join(f"{i + 1} {s.id}" for i, s in enumerate(rm.stages))
    if isinstance(found, list):
        raise UsageError(f"'{typed[:40]}' could be stage " + " or ".join(str(i + 1) for i in found)
                         + f": type more of the name, or its number. Stages: {names}.")
    if found is None:
        near = difflib.get_close_matches(typed.lower(), ["done", "undo"], n=1, cutoff=0.6)
        hint = Rich.format(" Did you mean `roadmap {near} MILESTONE`?", near=near[0]) if near else ""
        raise NotFound(Rich.format("The {roadmap} roadmap has no stage '{typed}'.{hint} Stages: {names}.",
                                   roadmap=rm.name, typed=typed[:40], hint=hint, names=names))
    return found


@command("roadmap", private=True, help="The group roadmap with your progress per stage; `roadmap STAGE` shows one stage",
         params=[Param("stage", "word", "A stage's number or name, to see its milestones", max_length=64,
                       metavar="STAGE")],
         examples=("roadmap", "roadmap 3", "roadmap system-design"))
async def roadmap(ctx: Context, stage: str | None = None) -> Reply:
    member, rm = ctx.member, ctx.roadmap()
    done = set(await ctx.store.milestones.done(member.id))
    progress = stage_progress(rm, done)
    here = current_stage(rm, done)
    if stage is not None:
        return _one_stage(rm, _stage_index(rm, stage), here, done, progress)
    pace = expected_stage(rm, ctx.group.created_at or ctx.now, ctx.now, ctx.group.pace_weeks)
    lines = []
    for i, st in enumerate(rm.stages):
        marker = "▶" if i == here else ("✓" if progress[i].complete else "·")
        lines.append(f"{marker} {i + 1}. {st.title}")
        if i == here:
            lines += _milestone_lines(st, done)
    next_todo = next((m.id for m in rm.stages[here].milestones if m.id not in done), None)
    buttons = [Button(f"Done: {next_todo}", f"roadmap done {next_todo}", "success")] if next_todo else []
    if here + 1 < len(rm.stages):
        buttons.append(Button(f"Look ahead: stage {here + 2}", f"roadmap {here + 2}"))
    return Reply(
        title=f"{rm.title} roadmap — {member.name}",
        text="\n".join(lines),
        bars=[Bar(f"{i + 1}. {p.title}", p.done, p.total) for i, p in enumerate(progress)],
        footer=Rich.format("The group's pace ({weeks} a stage) puts you at stage {stage} now. `roadmap STAGE` "
                           "shows any stage's milestones; `roadmap done MILESTONE` ticks any of them.",
                           weeks=count(ctx.group.pace_weeks, "week"), stage=pace + 1),
        buttons=buttons,
    )


def _one_stage(rm: Roadmap, index: int, here: int, done: set[str], progress) -> Reply:
    st, sp = rm.stages[index], progress[index]
    where = "your stage now" if index == here else ("ahead of you" if index > here else "behind you")
    todo = [m.id for m in st.milestones if m.id not in done]
    buttons = [Button(f"Done: {todo[0]}", f"roadmap done {todo[0]}", "success")] if todo else []
    if index > 0:
        buttons.append(Button(f"Stage {index}", f"roadmap {index}"))
    if index + 1 < len(rm.stages):
        buttons.append(Button(f"Stage {index + 2}", f"roadmap {index + 2}"))
    return Reply(
        title=f"{rm.title} roadmap — stage {index + 1} of {len(rm.stages)}: {st.title}",
        text="\n".join([f"{st.summary} ({where})", *_milestone_lines(st, done)]),
        bars=[Bar(st.title, sp.done, sp.total)],
        footer=Rich.format("Tick any of them with `roadmap done MILESTONE`, untick with `roadmap undo MILESTONE`."),
        buttons=buttons,
    )


@command("roadmap done", private=True, moves_roles=True, help="Tick a milestone (of any stage)", params=[MILESTONE], examples=("roadmap done python-fluency",))
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


@command("roadmap undo", private=True, moves_roles=True, help="Untick a milestone", params=[MILESTONE])
async def roadmap_undo(ctx: Context, milestone: str) -> Reply:
    _, m = _find(ctx.roadmap(), milestone)
    removed = await ctx.store.milestones.untick(ctx.member.id, m.id)
    return Reply(text=f"Unticked '{m.title}'." if removed else f"'{m.title}' was not ticked.")
