"""checkin, checkin pause, and the organiser's group checkins / group checkins off"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain import checkins as rules
from bot.errors import Conflict, UsageError
from bot.reply import Reply
from bot.services import checkins

_ANSWER = 1000


@command(
    "checkin", scope="anyone",
    help="Answer today's check-in (a form opens when no text is given)",
    params=[
        Param("done", "text", "Done since last time", keyword=True, max_length=_ANSWER, form=True, long=True),
        Param("next", "text", "What you will do next", keyword=True, max_length=_ANSWER, form=True, long=True),
        Param("blockers", "text", "Anything blocking you", keyword=True, max_length=_ANSWER, form=True, long=True),
    ],
    form_title="Check-in", form_when_empty=True, form_hook=checkins.fit_form,
    details=("Answers count for today in your timezone and can be changed until the day ends: give only the "
             "part to change. They go to the group's check-in digest. Works in the group's channel or in a DM "
             "with the bot."),
    examples=("checkin done two-sum and a mock next sliding window blockers none", "checkin blockers none"),
)
async def checkin(ctx: Context, done: str | None = None, next: str | None = None,
                  blockers: str | None = None) -> Reply:
    slots = {k: v for k, v in (("done", done), ("next", next), ("blockers", blockers)) if v is not None}
    reply = await checkins.answer(ctx, slots)
    reply.private = True
    return reply


@command(
    "checkin pause", scope="anyone", private=True,
    help="No check-in prompts for a while (holiday)",
    params=[Param("days", "int", "How many days, from today (0 ends a pause)", required=True, minimum=0,
                  maximum=90, metavar="DAYS")],
    examples=("checkin pause 7",),
)
async def checkin_pause(ctx: Context, days: int) -> Reply:
    return await checkins.pause(ctx, days)


@command(
    "group checkins", admin=True, scope="group",
    help="Check-in days, time (each member's local time) and questions; turns check-ins on",
    params=[
        Param("days", "weekdays", "Weekdays with a check-in", keyword=True, max_length=60),
        Param("time", "hhmm", "Prompt time, in each member's own timezone", keyword=True),
        Param("questions", "text", "Up to three questions separated by ';'", keyword=True, max_length=500,
              metavar="Q1; Q2; Q3"),
    ],
    details=("On by default: mon-fri 09:00 with done / next / blockers. The questions are answered with "
             "`checkin done …`, `checkin next …`, `checkin blockers …` in that order. The day's answers are "
             "posted to this channel ten hours after the check-in time, in the group's timezone."),
    examples=("group checkins days mon,wed,fri time 08:30",
              "group checkins questions What did you ship?; What is next?"),
)
async def group_checkins(ctx: Context, days: tuple[str, ...] | None = None, time: time | None = None,
                         questions: str | None = None) -> Reply:
    group = ctx.group
    repo = ctx.store.accountability.checkins
    before = await repo.settings(group.id)
    updated = replace(before, enabled=True)
    if days is not None:
        updated = replace(updated, days=days)
    if time is not None:
        updated = replace(updated, time=time)
    if questions is not None:
        try:
            updated = replace(updated, questions=rules.parse_questions(questions))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    changed = updated != before
    if changed:
        await repo.save_settings(group.id, updated)
        ctx.reschedule = True
    return checkins.settings_reply(group.name, updated, group.timezone, changed)


@command("group checkins off", admin=True, scope="group", help="Stop check-in prompts and digests")
async def group_checkins_off(ctx: Context) -> Reply:
    group = ctx.group
    repo = ctx.store.accountability.checkins
    current = await repo.settings(group.id)
    if not current.enabled:
        raise Conflict(f"Check-ins are already off in {group.name}.")
    await repo.save_settings(group.id, replace(current, enabled=False))
    ctx.reschedule = True
    return Reply(text=f"Check-ins are off in {group.name}. `group checkins` turns them back on.")
