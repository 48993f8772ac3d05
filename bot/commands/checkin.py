"""checkin, checkin pause, and the organiser's group checkins / group checkins off"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from bot.commands.context import Context
from bot.commands.registry import Param, command
from bot.domain import checkins as rules
from bot.domain.checkins import CheckinSettings
from bot.domain.timeutil import days_in_words, local_date
from bot.errors import Conflict, UsageError
from bot.reply import Field, Form, Reply
from bot.services import checkins
from bot.text import Content, Rich, Said, Styled, count

_ANSWER = 1000


@command(
    "checkin", scope="anyone", private=True,
    help="Answer today's check-in (a form opens when no text is given)",
    params=[
        Param("done", "text", "Done since last time", keyword=True, max_length=_ANSWER, form=True, long=True),
        Param("next", "text", "What you will do next", keyword=True, max_length=_ANSWER, form=True, long=True),
        Param("blockers", "text", "Anything blocking you", keyword=True, max_length=_ANSWER, form=True, long=True),
    ],
    form_title="Check-in", form_when_empty=True, form_hook=lambda ctx, form: _fit_form(ctx, form),
    details=("Answers count for today in your timezone and can be changed until the day ends: give only the "
             "part to change. They go to the group's check-in digest. Works in the group's channel or in a DM "
             "with the bot."),
    examples=("checkin done two-sum and a mock next sliding window blockers none", "checkin blockers none"),
)
async def checkin(ctx: Context, done: str | None = None, next: str | None = None,
                  blockers: str | None = None) -> Reply:
    slots = {k: v for k, v in (("done", done), ("next", next), ("blockers", blockers)) if v is not None}
    reply = await _answer(ctx, slots)
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
    return await _pause(ctx, days)


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
    return checkins.settings_reply(group.name, updated, group.timezone, changed, ctx.now)


@command("group checkins off", admin=True, scope="group", help="Stop check-in prompts and digests")
async def group_checkins_off(ctx: Context) -> Reply:
    group = ctx.group
    repo = ctx.store.accountability.checkins
    current = await repo.settings(group.id)
    if not current.enabled:
        raise Conflict(f"Check-ins are already off in {group.name}.")
    await repo.save_settings(group.id, replace(current, enabled=False))
    return Reply(text=Rich.format("Check-ins are off in {group}. `group checkins` turns them back on.", group=group.name))


# -- the steps behind the commands above ------------------------------------------------------------
async def _fit_form(ctx: Context, form: Form) -> Form:
    """The check-in form (Discord/Slack modal) asks the group's own questions: one field per question the
    group asks, labelled with it. Run by the dispatcher before the form opens, in the command's unit of work."""
    await ctx.own_group()
    settings = await ctx.store.accountability.checkins.settings(ctx.group.id)
    if not settings.enabled:
        raise Conflict(checkins.CHECKINS_OFF)
    asked = dict(settings.slots())
    return replace(form, fields=tuple(replace(f, label=asked[f.param]) for f in form.fields if f.param in asked))


async def _answer(ctx: Context, slots: dict[str, str]) -> Reply:
    await ctx.own_group()
    group, member = ctx.group, ctx.member
    repo = ctx.store.accountability.checkins
    settings = await repo.settings(group.id)
    if not settings.enabled:
        raise Conflict(checkins.CHECKINS_OFF)
    asked = [slot for slot, _ in settings.slots()]
    extra = [slot for slot in slots if slot not in asked]
    if extra:
        raise UsageError(f"This group asks {count(len(asked), 'question')}, answered with "
                         f"{', '.join(asked)}; there is no '{extra[0]}' to answer.")
    today = local_date(ctx.now, member.timezone)
    if not slots:
        return await _status(ctx, settings, today)
    first = await repo.save_answer(member.id, group.id, today, slots, ctx.now)
    prompts, answers, _ = await repo.history(member.id)
    run = rules.checkin_streak(prompts, answers, today)
    saved = await repo.answer(member.id, today)
    lab = checkins.labels(settings)
    return Reply(
        title=f"{'Checked in' if first else 'Check-in updated'} for {today:%a %d %b}",
        text=Rich.format("It goes to {group}'s check-in digest {when}.", group=group.name,
                         when=checkins.digest_when(ctx.now, group.timezone, settings)),
        fields=[Field(lab[slot], Rich.of(Said(saved.slot(slot), by=member.user_id)) if saved.slot(slot) else "—", inline=False)
                for slot in asked]
        + [Field("Check-in streak", count(run, "day"))],
        footer=Rich.format("Change an answer today with the same command, e.g. `checkin blockers none`."),
        tone="success",
    )


async def _status(ctx: Context, settings: CheckinSettings, today: date) -> Reply:
    """`checkin` with nothing to answer (a console with no form): today's answers and how to give them."""
    member = ctx.member
    repo = ctx.store.accountability.checkins
    saved = await repo.answer(member.id, today)
    prompts, answers, _ = await repo.history(member.id)
    until = await repo.paused_until(member.id)
    fields = [Field("Check-in streak", count(rules.checkin_streak(prompts, answers, today), "day")),
              Field("Schedule", f"{days_in_words(settings.days)} at {settings.time:%H:%M}, your time "
                                f"({member.timezone})")]
    if until is not None and today < until:
        fields.append(Field("Paused until", f"{until:%a %d %b}, your time"))
    text: Content
    if saved is not None:
        lab = checkins.labels(settings)
        fields[:0] = [Field(lab[slot], Rich.of(Said(saved.slot(slot), by=member.user_id)) if saved.slot(slot) else "—",
                            inline=False) for slot, _ in settings.slots()]
        text = f"Your check-in for {today:%a %d %b} (edit it until the day ends):"
    else:
        text = Rich.format("You have not checked in today.\n{questions}", questions=checkins.question_lines(settings))
    return Reply(title="Your check-in", text=text, fields=fields,
                 footer=Rich.format("Example: {example}", example=Styled(checkins.example(settings), "code")))


async def _pause(ctx: Context, days: int) -> Reply:
    await ctx.own_group()
    member = ctx.member
    today = local_date(ctx.now, member.timezone)
    until = rules.pause_end(today, days)
    await ctx.store.accountability.checkins.pause(member.id, until)
    if days == 0:
        return Reply(text="Check-in prompts are back on from your next check-in time.", tone="success")
    return Reply(
        text=Rich.format("No check-in prompts until {until} (your time). Enjoy the break; paused days do not "
                         "count as missed. `checkin pause 0` ends it sooner.", until=f"{until:%a %d %b}"),
        tone="success",
    )
