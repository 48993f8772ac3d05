"""Check-ins: the prompt by DM at each member's local time, answers, pauses, and the daily channel digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain import checkins as rules
from bot.domain.checkins import SLOTS, Answer, CheckinSettings
from bot.domain.timeutil import days_in_words, local_date, zone
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply, stamp
from bot.text import Content, Rich, Said, Styled, count, join

# One member's answers share one field of the digest, and Discord caps a field at 1024 characters:
# each answer is shortened there (the member's own reply shows it whole).
DIGEST_ANSWER_MAX = 300
CHECKINS_OFF = Rich.format("Check-ins are off in this group; an organiser can turn them on with `group checkins`.")
# The answers are packed into thread posts that keep within Discord's embed limits (25 fields, 6000
# characters in all) with room for its formatting.
DIGEST_POST_FIELDS = 20
DIGEST_POST_CHARS = 4000


def labels(settings: CheckinSettings) -> dict[str, str]:
    """How each slot is shown: its short name for the default questions, else the group's own question."""
    if settings.questions == rules.DEFAULT_QUESTIONS:
        return {"done": "Done", "next": "Next", "blockers": "Blockers"}
    return dict(settings.slots())


def question_lines(settings: CheckinSettings) -> Rich:
    # The questions are the organiser's words, so they are values, never template text.
    return join("\n", (Rich.format("{i}. {q} → {cmd}", i=i, q=q, cmd=Styled(f"checkin {slot} …", "code"))
                       for i, (slot, q) in enumerate(settings.slots(), 1)))


def example(settings: CheckinSettings) -> str:
    samples = {"done": "finished two-sum", "next": "sliding window", "blockers": "none"}
    return "checkin " + " ".join(f"{slot} {samples[slot]}" for slot, _ in settings.slots())


def prompt_reply(name: str, group_name: str, settings: CheckinSettings, day: date, nudge: bool, missed: int) -> Reply:
    if nudge:
        return Reply(
            title=f"A gentle nudge — check-in for {day:%a %d %b}",
            text=Rich.format("Hi {name}, we have not heard from you for the last {missed} in {group}. "
                             "No pressure: one line keeps the group in touch, and if you need a break, "
                             "`checkin pause 7` stops these prompts for a week. This is the only reminder.\n"
                             "{questions}", name=name, missed=count(missed, "check-in"), group=group_name,
                             questions=question_lines(settings)),
            buttons=[Button("Check in", "checkin", "primary"), Button("Pause a week", "checkin pause 7")],
            footer=Rich.format("Example: {example}", example=Styled(example(settings), "code")),
        )
    return Reply(
        title=f"Check-in for {day:%a %d %b}",
        text=Rich.format("Good morning {name}! Your check-in for {group}:\n{questions}", name=name,
                         group=group_name, questions=question_lines(settings)),
        buttons=[Button("Check in", "checkin", "primary"), Button("Pause a week", "checkin pause 7")],
        footer=Rich.format("One line does it: {example}. You can edit your answers until the day ends.",
                           example=Styled(example(settings), "code")),
    )


async def prompt(uow: UnitOfWork, now: datetime, member_id: int) -> str | None:
    """The job at a member's check-in time: prompt them by DM, or nudge once after missed prompts.

    Returns what it did ('prompt', 'nudge', 'answered', None) for the tests and logs. Idempotent: the
    prompt row and the outbox key are per member and member-local date.
    """
    async def work(store: Store):
        repo = store.accountability.checkins
        member = await store.members.get(member_id)
        if member is None or not member.active:
            return None
        group = await store.groups.get(member.group_id)
        if group is None or group.paused:
            return None
        settings = await repo.settings(group.id)
        today = local_date(now, member.timezone)
        if not rules.is_prompt_day(settings, today):
            return None
        until = await repo.paused_until(member.id)
        if until is not None and today < until:
            return None
        prompts, answers, nudges = await repo.history(member.id)
        if today in prompts:
            return None
        if today in answers:
            # Answered before the prompt came: the day counts, and there is nothing to ask.
            await repo.record_prompt(member.id, today, now)
            return "answered"
        nudge = rules.should_nudge(prompts, answers, today, nudges)
        missed = len(rules.missed_run(prompts, answers, today))
        await repo.record_prompt(member.id, today, now, nudge=nudge)
        kind = "nudge" if nudge else "prompt"
        await store.outbox.enqueue(
            f"checkin-{kind}:{member.id}:{today.isoformat()}",
            prompt_reply(member.name, group.name, settings, today, nudge, missed), now,
            group_id=group.id, user_id=member.user_id,
        )
        return kind
    return await uow.run(work)


def _clip(text: str, limit: int = DIGEST_ANSWER_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def digest_replies(group_name: str, day: date, settings: CheckinSettings, answers: list[Answer],
                   after: datetime | None, streaks: dict[int, int]) -> tuple[Reply, list[Reply]]:
    """The day's digest: a short header for the channel, and the answers for its thread.

    The answers are one field per member, packed into as few posts as keep within every platform's
    limits (Discord: 25 fields and 6000 characters an embed), so a big group's answers are all posted.
    """
    lab = labels(settings)
    fields = []
    for a in answers:
        edited = after is not None and a.answered_at <= after
        # The name and the answers are the member's words: Said parts, so forget-me can remove them here.
        head = Rich.format("{name}{edited} · streak {streak}", name=Said(a.name, by=a.user_id),
                           edited=" (updated)" if edited else "", streak=streaks.get(a.member_id, 0))
        if a.local_date != day:
            head += f" · {a.local_date:%a %d %b}"
        body = join("\n", (Rich.format("{label}: {answer}", label=lab[slot], answer=Said(_clip(a.slot(slot)), by=a.user_id))
                           for slot in SLOTS if slot in lab and a.slot(slot)))
        fields.append(Field(head, body or "—", inline=False))
    people = len({a.member_id for a in answers})
    header = Reply(
        title=f"Check-ins — {day:%a %d %b}",
        text=f"{count(people, 'member')} checked in for {group_name}.",
        footer=Rich.format("Answer yours with `checkin`; edits made today appear in the next digest."),
    )
    posts: list[Reply] = []
    size = 0
    for f in fields:
        length = len(f.name) + len(f.value)
        if not posts or len(posts[-1].fields) == DIGEST_POST_FIELDS or size + length > DIGEST_POST_CHARS:
            posts.append(Reply())
            size = 0
        posts[-1].fields.append(f)
        size += length
    return header, posts


async def post_day_digest(uow: UnitOfWork, now: datetime, group_id: int) -> bool:
    """The group's daily digest of answers given (or edited) since the last one; nothing when none came.

    It is a header post in the channel (key `checkin-digest:GROUP:DATE`) and the answers as replies in
    its thread (`…:1`, `…:2`, …), all queued in one transaction; each adapter shows the thread its way.
    """
    async def work(store: Store):
        repo = store.accountability.checkins
        group = await store.groups.get(group_id)
        if group is None or group.paused:
            return False
        settings = await repo.settings(group.id)
        if not settings.enabled:
            return False
        day = local_date(now, group.timezone)
        key = f"checkin-digest:{group.id}:{day.isoformat()}"
        if await store.outbox.get(key) is not None:
            return False
        after = await repo.last_digest_at(group.id)
        answers = await repo.answers_between(group.id, after, now)
        if not answers:
            return False
        history = await repo.group_history(group.id)
        members = {m.id: m for m in await store.members.active(group.id)}
        streaks = {
            mid: rules.checkin_streak(p, a, local_date(now, members[mid].timezone))
            for mid, (p, a) in history.items() if mid in members
        }
        await repo.record_digest(group.id, day, now, len(answers))
        header, posts = digest_replies(group.name, day, settings, answers, after, streaks)
        await store.outbox.enqueue(key, header, now, group_id=group.id, channel_id=group.channel_id)
        for i, post in enumerate(posts, 1):
            await store.outbox.enqueue(f"{key}:{i}", post, now, group_id=group.id, channel_id=group.channel_id,
                                       thread_of=key)
        return True
    return await uow.run(work)


def settings_reply(group_name: str, s: CheckinSettings, tz: str, changed: bool, now: datetime | None = None) -> Reply:
    """The check-in settings: days and prompt time on each member's own clock (that is the point of
    them), the digest on the group's clock, labelled, and its next run as a stamp in the reader's time."""
    state = "on" if s.enabled else "off"
    digest: Content = f"daily at {s.digest_time():%H:%M}, group time ({tz})"
    if s.enabled and now is not None:
        digest = Rich.format("{daily}; next {at}", daily=digest, at=stamp(next_digest_at(now, tz, s), "f"))
    return Reply(
        title=f"Check-ins for {group_name} are {state}" + (" (updated)" if changed else ""),
        text="Each member is asked by DM at this time in their own timezone." if s.enabled else "",
        fields=[Field("Days", days_in_words(s.days)), Field("Time", f"{s.time:%H:%M}, each member's own time"),
                Field("Digest", digest),
                Field("Questions", "\n".join(f"{slot}: {q}" for slot, q in s.slots()), inline=False)],
        tone="success" if s.enabled else "info",
    )


def next_digest_at(now: datetime, tz: str, settings: CheckinSettings) -> datetime:
    """The next digest's instant (UTC): today's at the group's digest time, or tomorrow's once it has
    passed (an answer after today's digest waits for tomorrow's)."""
    at = settings.digest_time()
    local = now.astimezone(zone(tz))
    day = local.date()
    if (local.hour, local.minute) >= (at.hour, at.minute):
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def digest_when(now: datetime, tz: str, settings: CheckinSettings) -> Rich:
    """When the next digest goes out, as a stamp each reader sees in their own time."""
    return Rich.format("at {at}", at=stamp(next_digest_at(now, tz, settings), "f"))
