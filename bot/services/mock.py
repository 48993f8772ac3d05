"""Weekly mock interviews: the heads-up, the pairing round, kits, booking (meeting link, calendar invite,
platform event), reminders, feedback, no-show reports and their disputes, and ending sessions.

Everything the bot sends here goes through the outbox with a key made of our ids (and of the slot's
start, or the invite's SEQUENCE, where a message depends on it, so a moved session gets fresh reminders
and nothing else is ever sent twice). docs/mock-interviews.md has the lifecycle and every key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bot.content import ContentPack, Rubric
from bot.domain import availability, booking, design, matching
from bot.domain import rubric as rubrics
from bot.domain.buttons import by_id
from bot.domain.model import LEVELS, Group, Member
from bot.domain.selection import open_to
from bot.domain.sessions import MockSession
from bot.domain.timeutil import WEEKDAYS, zone
from bot.errors import Conflict
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Attachment, Button, CalendarEvent, Field, Reply, stamp
from bot.text import Content, Link, Rich, Said, count, join

log = logging.getLogger(__name__)

KIND_LABEL = {"coding": "coding", "system-design": "system design", "ml-design": "ML system design",
              "behavioral": "behavioral"}
LEAD = timedelta(hours=2)  # the earliest a session may start after pairing
WEEK = timedelta(days=7)
LEVEL_DIFFICULTY = {"beginner": "easy", "intermediate": "medium", "advanced": "hard"}
NO_SHOW_LIMIT = 3
HISTORY_ROUNDS = 4
DISPUTE_WINDOW = timedelta(hours=48)  # a no-show report counts only if not disputed within this
LEFT_OVER = ("unpaired", "no-shared-window", "odd-count")  # sat out though they wanted a session
SUGGESTIONS = 3  # popular weekly hours offered to a member who sat out for want of a shared window
SIT_OUT_WHY: dict[str, Content] = {
    "no-shared-window": "nobody free to be paired with you had a free hour that matches yours this week",
    "odd-count": "the count was odd and no slot fitted three",
    "unpaired": "no one else had a free hour that matches yours this week",
    "no-availability": "you have no availability in the coming week",
    "skipped": Rich.format("you asked to skip it (`mock skip`)"),
    "snoozed": Rich.format("you snoozed pairing (`mock snooze`)"),
}
ROLE_WORD = {"interviewer": "the candidate you interviewed", "observer": "the candidate you observed"}


# -- time -------------------------------------------------------------------------------------------
def _pairing_on(group: Group, day) -> datetime:
    return datetime.combine(day, group.pairing_time, tzinfo=zone(group.timezone))


def next_pairing(group: Group, now: datetime) -> datetime:
    """The first pairing instant strictly after `now`, in the group's timezone (DST-correct)."""
    local = now.astimezone(zone(group.timezone))
    target = WEEKDAYS.index(group.pairing_day)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        if day.weekday() == target and _pairing_on(group, day) > now:
            return _pairing_on(group, day)
    raise AssertionError("a weekday recurs within eight days")


def last_pairing(group: Group, now: datetime) -> datetime:
    """The latest pairing instant at or before `now`: where the current pairing week began (a job that
    fires a little late still finds its round)."""
    return next_pairing(group, next_pairing(group, now) - timedelta(days=8))


def span(start: datetime, end: datetime) -> Rich:
    """A slot as stamps: each platform shows both ends in the reader's own time."""
    same_day = end - start < timedelta(hours=12)
    return Rich.format("{start} – {end}", start=stamp(start), end=stamp(end, "t" if same_day else "f"))


def round_seed(group_id: int, round_key: str) -> int:
    return int(hashlib.sha256(f"mock:{group_id}:{round_key}".encode()).hexdigest()[:12], 16)


# -- names --------------------------------------------------------------------------------------------
def said_name(member: Member) -> Said:
    return Said(member.name, by=member.user_id)


def _name(members: dict[int, Member], member_id: int, fallback: str = "a former member") -> Content:
    return said_name(members[member_id]) if member_id in members else fallback


def _names(ids: Iterable[int], members: dict[int, Member]) -> Rich:
    return join(" and ", (_name(members, i) for i in ids))


async def _members(store: Store, group_id: int) -> dict[int, Member]:
    return {m.id: m for m in await store.members.active(group_id)}


# -- booking: the meeting link, the invite, the platform event ---------------------------------------
async def booked(store: Store, session: MockSession) -> MockSession:
    """The session with its meeting room (a session made before rooms existed gets one now)."""
    if session.room is None:
        await store.mock.set_room(session.id, booking.new_room())
        session = await store.mock.session(session.id) or session
    return session


def meeting_link(group: Group, session: MockSession) -> str | None:
    """The session's meeting link, from the group's base URL (None: the group has no links)."""
    if not session.room:
        return None
    try:
        return booking.meeting_url(group.meeting_url, session.room)
    except ValueError:  # a base stored before it was checked; no link rather than a broken one
        return None


def _summary(group: Group, session: MockSession) -> str:
    return f"Mock interview: {KIND_LABEL.get(session.kind, session.kind)} ({group.name})"


def invite_file(group: Group, session: MockSession, now: datetime, *, cancelled: bool = False) -> Attachment:
    """The session's iCalendar invite as it stands (METHOD:CANCEL when cancelled). No names: the file
    cannot be scrubbed by `forget-me` once queued, so it carries only the slot, the kind and the link."""
    link = meeting_link(group, session)
    lines = [f"studybot mock interview, session {session.id} in {group.name}.",
             "Who interviews whom, and what you ask, is in the pairing message."]
    if link:
        lines.append(f"Meeting: {link}")
    inv = booking.SessionInvite(
        uid=booking.session_uid(session.id, session.room or "legacy"), sequence=session.sequence,
        start=session.starts_at, end=session.ends_at, summary=_summary(group, session),
        description="\n".join(lines), location=link, cancelled=cancelled, stamp=now)
    return Attachment(f"mock-{session.id}.ics", booking.invite(inv), "text/calendar",
                      "Calendar invite (cancellation)" if cancelled else "Calendar invite")


def _event(group: Group, session: MockSession, cancelled: bool) -> CalendarEvent:
    return CalendarEvent(
        name=f"Mock interview: {KIND_LABEL.get(session.kind, session.kind)} (session {session.id})",
        start=session.starts_at, end=session.ends_at,
        location=meeting_link(group, session) or "Online: the link is in the pairing message",
        description="A mock interview of this study group, paired by studybot.", cancelled=cancelled)


def _event_key(session_id: int) -> str:
    return f"mock:{session_id}:event"


async def sync_event(store: Store, group: Group, session: MockSession, now: datetime, *,
                     cancelled: bool = False) -> None:
    """The session as a platform scheduled event in the group's channel (Discord), when the group turned
    events on: created once, then edited (moved, cancelled) through edits of that first message."""
    if not group.discord_events:
        return
    first = _event_key(session.id)
    reply = Reply(event=_event(group, session, cancelled))
    if await store.outbox.get(first) is None:
        if not cancelled:
            await store.outbox.enqueue(first, reply, now, group_id=group.id, channel_id=group.channel_id)
        return
    await store.outbox.enqueue(f"{first}:{session.sequence}{':cancel' if cancelled else ''}", reply, now,
                               group_id=group.id, channel_id=group.channel_id, edit_of=first)


# -- the heads-up -------------------------------------------------------------------------------------
async def heads_up(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int) -> int:
    async def work(store: Store):
        sent = 0
        group = await store.groups.get(group_id)
        if group is None or group.paused:
            return 0
        when = next_pairing(group, now)
        key = when.astimezone(zone(group.timezone)).date().isoformat()
        if await store.mock.round_exists(group.id, key):
            return 0
        members = await _members(store, group.id)
        booked_already = await store.mock.busy(group.id, when)  # paired mid-week into the coming week
        for mm in await store.mock.enrolled(group.id):
            member = members.get(mm.member_id)
            if member is None or mm.skip_rounds > 0 or member.id in booked_already:
                continue
            windows = await store.mock.windows(member.id)
            text = Rich.format("Pairing for this week's mock interview is at {when} ({rel}).",
                               when=stamp(when), rel=stamp(when, "R"))
            if not windows:
                text += Rich.format(" You have no availability yet: add some with "
                                    "`mock availability add sat 10:00-12:00`.")
            reply = Reply(title="Mock interviews: pairing tomorrow", text=text,
                          buttons=[Button("Skip this round", "mock skip"), Button("My status", "mock status")])
            sent += await store.outbox.enqueue(f"mock:{group.id}:{key}:heads-up:{member.id}", reply, now,
                                               group_id=group.id, user_id=member.user_id)
        return sent
    return await uow.run(work)


# -- the round ----------------------------------------------------------------------------------------
@dataclass
class RoundSummary:
    round_id: int
    seed: int
    method: str
    sessions: list[MockSession] = field(default_factory=list)
    sat_out: list[tuple[int, str]] = field(default_factory=list)  # (member id, reason)
    booked: list[int] = field(default_factory=list)  # already had this week's session: left out
    cancelled: list[MockSession] = field(default_factory=list)  # `group pair-now again`

    @property
    def paired(self) -> int:
        return sum(len(s.seats) for s in self.sessions)


async def run_round(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int) -> RoundSummary | None:
    """The scheduled round (job `mock-round:GROUP`); a second run for the same pairing does nothing."""
    async def work(store: Store):
        group = await store.groups.get(group_id)
        if group is None or group.paused:
            return None
        return await pair_round(store, content, now, group, last_pairing(group, now))
    return await uow.run(work)


async def pair_round(store: Store, content: ContentPack, now: datetime, group: Group, belongs_to: datetime,
                     *, extra: bool = False) -> RoundSummary | None:
    """Pair the group inside the caller's transaction. `belongs_to`: the pairing instant that began the
    week this round is for. Members who already have a session that week (held, or still to come) are
    left out: one session per member per week.

    The scheduled round (`extra` False) runs once per pairing instant. `group pair-now` runs an extra
    round of the current week (`extra`): it pairs whoever has no session yet and leaves the next
    scheduled round alone."""
    day_key = belongs_to.astimezone(zone(group.timezone)).date().isoformat()
    round_key = day_key
    if await store.mock.round_exists(group.id, day_key):
        if not extra:
            return None
        n = 2
        while await store.mock.round_exists(group.id, f"{day_key}+{n}"):
            n += 1
        round_key = f"{day_key}+{n}"
    main = not extra  # only the weekly round uses up a `mock skip`; an extra round leaves it for that one
    members = await _members(store, group.id)
    origin, horizon = now + LEAD, now + WEEK
    recent_rounds = await store.mock.recent_rounds(group.id, HISTORY_ROUNDS)
    seats = await store.mock.round_seats(recent_rounds)
    outs = await store.mock.sitouts(recent_rounds)
    led_at = await store.mock.last_led(list(members))
    busy = await store.mock.busy(group.id, belongs_to)

    partners: dict[int, dict[int, int]] = {}
    led_last: dict[int, tuple[int, bool]] = {}
    by_session: dict[int, list[tuple[int, int, int]]] = {}
    for round_id, session_id, member_id, role in seats:
        by_session.setdefault(session_id, []).append((round_id, member_id, role))
    for seated in by_session.values():
        ago = recent_rounds.index(seated[0][0]) + 1
        for _, a, role in seated:
            if a not in led_last or led_last[a][0] > ago:
                led_last[a] = (ago, role == 0)
            for _, b, _ in seated:
                if a != b:
                    partners.setdefault(a, {}).setdefault(b, ago)
                    partners[a][b] = min(partners[a][b], ago)
    last_out = {m for r, m in outs if recent_rounds and r == recent_rounds[0]}
    out_count: dict[int, int] = {}
    for _, m in outs:
        out_count[m] = out_count.get(m, 0) + 1

    participants, skipped, no_windows, booked_ids = [], [], [], []
    slots_of: dict[int, list[availability.Interval]] = {}
    for mm in await store.mock.enrolled(group.id):
        member = members.get(mm.member_id)
        if member is None:
            continue
        if member.id in busy:
            booked_ids.append(member.id)
            continue
        if mm.skip_rounds > 0:
            skipped.append((member, mm.skip_rounds))
            continue
        free = availability.intervals(await store.mock.windows(member.id), member.timezone, origin, horizon)
        slots = availability.to_minutes(free, origin)
        if not slots:
            no_windows.append(member)
            continue
        slots_of[member.id] = free
        participants.append(matching.Participant(
            member.id, slots, level=LEVELS.index(member.level) if member.level in LEVELS else 0,
            kinds=frozenset(mm.kinds), avoid=frozenset(await store.mock.avoided(member.id)),
            recent=partners.get(member.id, {}), sat_out_last=member.id in last_out,
            sit_outs=out_count.get(member.id, 0), led_last=led_last.get(member.id, (0, None))[1],
        ))

    seed = round_seed(group.id, round_key)
    result = matching.match(participants, seed)
    # The seed and method are all it takes to replay this round from the same database state.
    log.info("mock round group=%s key=%s seed=%s method=%s participants=%d sessions=%d unpaired=%d booked=%d",
             group.id, round_key, seed, result.method, len(participants), len(result.sessions),
             len(result.unpaired), len(booked_ids))
    round_id = await store.mock.add_round(group.id, round_key, now, seed, result.method)
    if round_id is None:
        return None
    summary = RoundSummary(round_id, seed, result.method, booked=booked_ids)

    rng = random.Random(seed)
    for member, left in skipped:
        reason = "snoozed" if left > 1 else "skipped"
        if main:  # an extra mid-week round does not use up a skip meant for the week's own round
            await store.mock.set_skip(member.id, left - 1)
        await store.mock.add_sitout(round_id, member.id, reason)
        summary.sat_out.append((member.id, reason))
        await _tell_sat_out(store, group, round_id, member, reason, now, more=left - 1 if main else left)
    everyone = list(slots_of.values())
    for member in no_windows:
        await store.mock.add_sitout(round_id, member.id, "no-availability")
        summary.sat_out.append((member.id, "no-availability"))
        hints = availability.popular_hours(everyone, member.timezone, origin, horizon, SUGGESTIONS)
        await _tell_sat_out(store, group, round_id, member, "no-availability", now, hints=hints)
    reasons = matching.sit_out_reasons(participants, result.unpaired)
    for member_id in result.unpaired:
        member, reason = members[member_id], reasons[member_id]
        await store.mock.add_sitout(round_id, member_id, reason)
        summary.sat_out.append((member_id, reason))
        hints = []
        if reason == "no-shared-window":
            others = [s for i, s in slots_of.items() if i != member_id]
            hints = availability.popular_hours(others, member.timezone, origin, horizon, SUGGESTIONS)
        await _tell_sat_out(store, group, round_id, member, reason, now, hints=hints)

    for s in result.sessions:
        start = origin + timedelta(minutes=s.start)
        end = origin + timedelta(minutes=s.end)
        # The member who interviewed first least recently goes first (never: first of all).
        order = sorted(s.members, key=lambda m: (led_at.get(m) is not None, led_at.get(m) or now, rng.random()))
        session = await create_session(store, content, group, round_id, s.kind, start, end,
                                       [members[m] for m in order], rng, now, members)
        summary.sessions.append(session)
    return summary


async def create_session(store: Store, content: ContentPack, group: Group, round_id: int, kind: str,
                         start: datetime, end: datetime, order: list[Member], rng: random.Random, now: datetime,
                         members: dict[int, Member]) -> MockSession:
    """A session with its room, seats in role order (each asked an item new to them), and its pairing
    DMs (with the invite) and platform event queued."""
    session_id = await store.mock.add_session(round_id, group.id, kind, start, end, booking.new_room())
    chosen: set[str] = set()
    for role, member in enumerate(order):
        # Everyone is interviewed once (a pair: two halves; a trio: three turns), so everyone has an item.
        item = await choose_item(store, content, kind, member, rng, chosen)
        if item:
            chosen.add(item)
        await store.mock.add_seat(session_id, member.id, role, item)
    session = await store.mock.session(session_id)
    assert session is not None
    for seat in session.seats:
        reader = members[seat.member_id]
        reply = pairing_reply(content, group, session, reader, members)
        reply.files = [invite_file(group, session, now)]
        await store.outbox.enqueue(pair_key(session.id, reader.id), reply, now, group_id=group.id,
                                   user_id=reader.user_id)
    await sync_event(store, group, session, now)
    return session


async def _tell_sat_out(store: Store, group: Group, round_id: int, member: Member, reason: str, now: datetime,
                        *, hints: list[availability.Suggestion] | None = None, more: int = 0) -> None:
    """Why this member sits out this round, and, when it is availability, the hours others keep free."""
    why = SIT_OUT_WHY.get(reason, "no slot fitted")
    buttons = [Button("My status", "mock status")]
    fields = []
    if reason in ("skipped", "snoozed"):
        text = Rich.format("You sit out this round: {why}.", why=why)
        if more > 0:
            text += Rich.format(" You sit out {n} after this one.", n=count(more, "more round"))
        else:
            text += " You are paired again next round."
    elif reason == "odd-count":
        text = Rich.format("You sit out this round: {why}. You go first in line next week.", why=why)
    else:
        text = Rich.format("You sit out this round: {why}. You go first in line next week.", why=why)
        text += Rich.format(" Add a weekly window in your own time with `mock availability add DAY HH:MM-HH:MM`.")
    if hints:
        lines = [Rich.format("{day} {start}–{end} (this week: {at}; {n} free)",
                             day=h.window.day.capitalize(), start=f"{h.window.start:%H:%M}",
                             end=f"{h.window.end:%H:%M}", at=stamp(h.start),
                             n=count(h.free, "other member")) for h in hints]
        fields.append(Field("Hours most others keep free (your time)", join("\n", lines), inline=False))
        buttons = [Button(f"Add {h.window.label()}", f"mock availability add {h.window.label()}")
                   for h in hints] + buttons
    title = ("Mock interviews: no pairing this week" if reason == "no-availability"
             else "Mock interviews: you sit out this week")
    key = {"no-availability": "no-availability", "skipped": "skipped", "snoozed": "skipped"}.get(reason, "sit-out")
    await store.outbox.enqueue(f"mock:{round_id}:{member.id}:{key}",
                               Reply(title=title, text=text, fields=fields, buttons=buttons), now,
                               group_id=group.id, user_id=member.user_id)


async def repair_week(store: Store, content: ContentPack, now: datetime, group: Group) -> list[MockSession]:
    """`group pair-now again`: cancel this week's sessions that have not started, telling everyone in
    them (with the cancelled invite); the round that follows pairs them afresh. Sessions held or under
    way stay."""
    since = last_pairing(group, now)
    members = await _members(store, group.id)
    cancelled = []
    for session in await store.mock.group_sessions(group.id, since):
        if session.status != "scheduled" or session.starts_at <= now:
            continue
        if not await store.mock.cancel(session.id):
            continue
        session = await booked(store, await store.mock.session(session.id) or session)
        cancelled.append(session)
        for seat in session.seats:
            reader = members.get(seat.member_id)
            if reader is None:
                continue
            reply = Reply(title="Mock interview cancelled: pairing again",
                          text=Rich.format("An organiser is pairing this week again, so your session of {at} is "
                                           "cancelled. Your new pairing follows in a moment.",
                                           at=stamp(session.starts_at)),
                          files=[invite_file(group, session, now, cancelled=True)],
                          buttons=[Button("My status", "mock status")])
            await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:repaired", reply, now,
                                       group_id=group.id, user_id=reader.user_id)
        await refresh_pairing(store, content, group, session, members, now)
        await sync_event(store, group, session, now, cancelled=True)
    return cancelled


async def choose_item(store: Store, content: ContentPack, kind: str, member: Member, rng: random.Random,
                      taken: set[str]) -> str | None:
    """What this member is asked when interviewed: new to them, and at their level (coding and design)."""
    seen = await store.mock.items_seen(member.id) | taken
    if kind == "coding":
        solved = await store.practice.solved_ids(member.id)
        fresh = [p for p in content.problems.values()
                 if p.id not in solved and p.id not in seen and open_to(p, member.level)]
        level = LEVEL_DIFFICULTY.get(member.level, "medium")
        pool = [p.id for p in fresh if p.difficulty == level] or [p.id for p in fresh]
    elif kind == "behavioral":
        pool = [q.id for q in content.behavioral.values() if q.id not in seen]
    else:
        want = "ml" if kind == "ml-design" else "classic"
        unseen = [(p.id, p.difficulty) for p in content.design_prompts.values()
                  if p.kind == want and p.id not in seen]
        pool = design.nearest(unseen, design.LEVEL_DIFFICULTIES.get(member.level, {"medium"}))
    return rng.choice(sorted(pool)) if pool else None


# -- rendering ----------------------------------------------------------------------------------------
def item_text(content: ContentPack, kind: str, item_id: str | None) -> str:
    if item_id is None:
        return "nothing left in the bank that is new to them: pick a problem together"
    if kind == "coding" and item_id in content.problems:
        p = content.problems[item_id]
        free = f" (Premium; free: {p.free_alternative.url})" if p.free_alternative else ""
        # Every tier, in order, so the interviewer can give the gentlest hint that unblocks.
        hints = "\n".join(f"{i}. {label}: {text}" for i, (label, text) in enumerate(p.tiers, 1))
        return f"{p.title} ({p.difficulty}, {p.pattern_label}) {p.url}{free}\nIf stuck, hint one at a time:\n{hints}"
    if item_id in content.design_prompts:
        d = content.design_prompts[item_id]
        return f"{d.title} ({d.difficulty}): {d.brief}\nListen for:\n" + "\n".join(f"• {k}" for k in d.key_points)
    if item_id in content.behavioral:
        q = content.behavioral[item_id]
        return (q.question + ("\nListen for: " + "; ".join(q.listen_for) if q.listen_for else "")
                + ("\nRed flags: " + "; ".join(q.red_flags) if q.red_flags else ""))
    return item_id


def rubric_of(content: ContentPack, kind: str) -> Rubric | None:
    """The rubric of the session's kind alone (a design session never borrows the coding one)."""
    return content.rubric_for(kind)


def turn_lengths(session: MockSession) -> tuple[int, ...]:
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    return rubrics.turns(minutes, max(1, len(session.seats)))


def guide_text(content: ContentPack, session: MockSession) -> str:
    """The timer phases of one turn of this session's kind, fitted to the turn's length."""
    rubric = rubric_of(content, session.kind)
    turns = turn_lengths(session)
    label = f"each turn: {count(turns[0], 'minute')}" if len(set(turns)) == 1 else \
        f"each turn: about {count(turns[0], 'minute')}"
    if rubric is None or not rubric.guide:
        return f"interview, then feedback: {label}"
    phases = rubrics.phases_for(rubric, turns[0])
    return " · ".join(f"{g.phase} {g.minutes} min" for g in phases) + f" ({label})"


def _changes(session: MockSession) -> list[datetime]:
    """The instants a turn ends and the next begins."""
    at, out = session.starts_at, []
    for minutes in turn_lengths(session)[:-1]:
        at += timedelta(minutes=minutes)
        out.append(at)
    return out


def plan_for(session: MockSession, reader_id: int) -> tuple[str, int | None]:
    """(what the reader does, whose item the reader asks as interviewer)."""
    order = session.order
    me = order.index(reader_id)
    if len(order) == 2:
        other = order[1 - me]
        return ("first", other) if me == 0 else ("second", other)
    if len(order) == 1:
        return ("alone", None)
    return ("trio", order[(me + 1) % len(order)])


def roles_text(session: MockSession, reader_id: int, members: dict[int, Member]) -> Rich:
    order = session.order
    me = order.index(reader_id)
    name = {i: _name(members, i, "your partner") for i in order}
    if len(order) == 1:
        return Rich.of("Your partner is gone; this session is not going ahead.")
    if len(order) == 2:
        other = name[order[1 - me]]
        return (Rich.format("You interview {other} first; at half time you swap.", other=other) if me == 0
                else Rich.format("{other} interviews you first; at half time you swap.", other=other))
    a, b, c = (name[i] for i in order)
    return Rich.format([
        "Three turns: first you interview {b} ({c} observes); then you observe {b} interviewing {c}; "
        "last, {c} interviews you ({b} observes).",
        "Three turns: first {a} interviews you ({c} observes); then you interview {c} ({a} observes); "
        "last, you observe {c} interviewing {a}.",
        "Three turns: first you observe {a} interviewing {b}; then {b} interviews you ({a} observes); "
        "last, you interview {a} ({b} observes)."][me], a=a, b=b, c=c)


def _turns_text(session: MockSession) -> Rich:
    changes = _changes(session)
    if len(changes) == 1:
        return Rich.format("You swap at {at}.", at=stamp(changes[0], "t"))
    if len(changes) == 2:
        return Rich.format("Turns change at {a} and {b}.", a=stamp(changes[0], "t"), b=stamp(changes[1], "t"))
    return Rich.of()


def pair_key(session_id: int, member_id: int) -> str:
    return f"mock:{session_id}:{member_id}:pair"


def session_buttons(session: MockSession, reader_id: int) -> list[Button]:
    """Confirm while the reader has not (none once they did, so none once everyone did); accept a
    partner's proposal; propose another slot; can't make it. Nothing once cancelled or started."""
    if session.status != "scheduled":
        return []
    seat = session.seat(reader_id)
    out = []
    if session.proposed_at and session.proposed_by != reader_id:
        out.append(Button("Accept the proposal", f"mock confirm {session.id}", "success"))
    elif session.proposed_at and session.proposed_by == reader_id:
        pass  # their proposal is their confirmation: nothing to confirm until it is answered
    elif seat is not None and seat.confirmed_at is None:
        out.append(Button("Confirm", f"mock confirm {session.id}", "success"))
    out += [Button("Propose another slot", f"mock propose session {session.id}"),
            Button("Can't make it", f"mock cancel {session.id}", "danger")]
    return out


def confirmed_text(session: MockSession, members: dict[int, Member]) -> Content:
    if session.confirmed:
        return "everyone"
    names = [_name(members, s.member_id) for s in session.seats if s.confirmed_at]
    return join(", ", names) if names else "nobody yet"


def pairing_reply(content: ContentPack, group: Group, session: MockSession, reader: Member,
                  members: dict[int, Member]) -> Reply:
    """The pairing DM, as the session stands now (also what an edit of it shows)."""
    others = [s.member_id for s in session.others(reader.id)]
    _, asks = plan_for(session, reader.id)
    asked = session.seat(asks) if asks is not None else None
    you_ask = item_text(content, session.kind, asked.item_id) if asked else "nothing: you observe"
    partner_info = join(", ", (Rich.format("{name} ({level}, {tz})", name=said_name(members[i]),
                                           level=members[i].level, tz=members[i].timezone)
                               for i in others if i in members)) or "nobody: your partner left"
    kind = KIND_LABEL.get(session.kind, session.kind)
    cancelled = session.status == "cancelled"
    title = Rich.format("{lead}: {kind} with {names}",
                        lead="Cancelled mock interview" if cancelled else "Mock interview this week",
                        kind=kind, names=_names(others, members) or "nobody")
    text = Rich.format("When: {when}\n{roles} {turns}", when=span(session.starts_at, session.ends_at),
                       roles=roles_text(session, reader.id, members), turns=_turns_text(session))
    if cancelled:
        text = Rich.format("This session ({when}) is cancelled.", when=span(session.starts_at, session.ends_at))
    fields = [Field("Partner", partner_info, inline=False)]
    if not cancelled:
        link = meeting_link(group, session)
        fields += [Field("You ask", you_ask, inline=False),
                   Field("Meeting", Rich.of(Link(link, link)) if link else "agree on a call together",
                         inline=False),
                   Field("Guide", guide_text(content, session), inline=False),
                   Field("Confirmed", confirmed_text(session, members))]
        if session.proposed_at:
            fields.append(Field("Proposed", Rich.format("{when} by {by}", by=_name(members, session.proposed_by or 0),
                                                        when=span(session.proposed_at, session.proposed_end
                                                                  or session.proposed_at
                                                                  + (session.ends_at - session.starts_at)))))
    return Reply(title=title, text=text, fields=fields, buttons=session_buttons(session, reader.id),
                 footer=f"Session {session.id}. Your own question stays a surprise until your partner asks it.")


async def refresh_pairing(store: Store, content: ContentPack, group: Group, session: MockSession,
                          members: dict[int, Member], now: datetime) -> int:
    """Edit every seat's pairing DM to show the session as it stands (its buttons above all: no Confirm
    once confirmed, none once cancelled). A DM never delivered, or on a platform without edits, is
    left as it is; the deliverer drops edits that a later one supersedes."""
    sent = 0
    for seat in session.seats:
        reader = members.get(seat.member_id)
        if reader is None:
            continue
        first = pair_key(session.id, reader.id)
        if await store.outbox.get(first) is None:
            continue
        reply = pairing_reply(content, group, session, reader, members)
        # Keyed by what it shows: within one SEQUENCE a session only gains confirmations (a move or a
        # change of seats raises it), so the same state is never shown twice and never needs to be.
        digest = hashlib.sha256(json.dumps(reply.to_json(), sort_keys=True).encode()).hexdigest()[:16]
        sent += await store.outbox.enqueue(f"{first}:edit:{session.sequence}:{digest}", reply, now,
                                           group_id=group.id, user_id=reader.user_id, edit_of=first)
    return sent


async def notify_change(store: Store, content: ContentPack, group: Group, session: MockSession, now: datetime,
                        title: str, *, skip: int | None = None) -> int:
    """After a move: each seat (but `skip`) gets the new slot with the updated invite; the pairing DMs
    are edited; the platform event follows."""
    members = await _members(store, group.id)
    session = await booked(store, session)
    sent = 0
    for seat in session.seats:
        reader = members.get(seat.member_id)
        if reader is None or reader.id == skip:
            continue
        reply = Reply(title=title, text=Rich.format("New slot: {when}", when=span(session.starts_at, session.ends_at)),
                      fields=[Field("Confirmed", confirmed_text(session, members))],
                      buttons=session_buttons(session, reader.id) + [Button("My status", "mock status")],
                      files=[invite_file(group, session, now)], footer=f"Session {session.id}.")
        sent += await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:moved:{session.sequence}", reply, now,
                                           group_id=group.id, user_id=reader.user_id)
    await refresh_pairing(store, content, group, session, members, now)
    await sync_event(store, group, session, now)
    return sent


# -- ending sessions: leave, mock leave, mock cancel, forget-me ---------------------------------------
END_WORDS = {
    "left": "{name} left the group",
    "mock-leave": "{name} left mock-interview pairing",
    "cancel": "{name} can't make it",
    "forget": "your partner left the group",
}


async def end_member_sessions(store: Store, content: ContentPack, group: Group, member: Member, now: datetime,
                              reason: str) -> int:
    """`leave`, `mock leave` and `forget-me` (reason "left", "mock-leave", "forget"): every session of the
    member that has not started is cancelled (a trio goes on as a pair), the others are told at once
    with the cancelled invite, and a partner left alone is offered a member who sat out this round when
    one fits. Returns how many sessions the member was taken out of. Call it before the member's rows
    go (forget-me) or they are marked inactive (leave)."""
    ended = 0
    for session in await store.mock.sessions_of(member.id, now):
        if session.status == "scheduled" and session.starts_at > now:
            await withdraw(store, content, group, session, member, now, reason)
            ended += 1
    return ended


async def _release(store: Store, group: Group, session: MockSession, member: Member, reason: str,
                   now: datetime) -> None:
    """The one who withdraws gets the cancelled invite too, so their calendar drops the event (forget-me
    sends nothing: whatever is addressed to them is deleted with them)."""
    if reason == "forget":
        return
    reply = Reply(title="Mock interview cancelled for you",
                  text=Rich.format("You are out of session {id} ({at}); the invite attached takes it off your "
                                   "calendar.", id=session.id, at=stamp(session.starts_at)),
                  files=[invite_file(group, session, now, cancelled=True)], footer=f"Session {session.id}.")
    await store.outbox.enqueue(f"mock:{session.id}:{member.id}:withdrawn", reply, now, group_id=group.id,
                               user_id=member.user_id)


async def withdraw(store: Store, content: ContentPack, group: Group, session: MockSession, member: Member,
                   now: datetime, reason: str) -> MockSession:
    """Take `member` out of a session that has not started. A pair is cancelled; a trio goes on as a pair.
    Everyone else is told at once; a partner left alone is offered a new match."""
    members = await _members(store, group.id)
    if reason == "forget":  # what the others are shown from now on does not name them
        members.pop(member.id, None)
    else:
        members.setdefault(member.id, member)
    session = await booked(store, session)
    what = Rich.format(END_WORDS.get(reason, END_WORDS["cancel"]), name=(
        "your partner" if reason == "forget" else said_name(member)))
    rest = [s for s in session.seats if s.member_id != member.id]
    if len(rest) >= 2:  # a trio: the other two go on as a pair
        await store.mock.remove_seat(session.id, member.id)
        rng = random.Random(round_seed(group.id, f"reseat:{session.id}:{member.id}"))
        for role, seat in enumerate(sorted(rest, key=lambda s: s.role)):
            item = seat.item_id
            if item is None and seat.member_id in members:
                item = await choose_item(store, content, session.kind, members[seat.member_id], rng, set())
            await store.mock.set_seat(session.id, seat.member_id, role, item)
        await store.mock.bump(session.id)
        session = await store.mock.session(session.id) or session
        for seat in session.seats:
            reader = members.get(seat.member_id)
            if reader is None:
                continue
            reply = pairing_reply(content, group, session, reader, members)
            reply.title = Rich.format("Your mock interview goes on as a pair: {what}", what=what)
            reply.files = [invite_file(group, session, now)]
            await store.outbox.enqueue(f"{pair_key(session.id, reader.id)}:{session.sequence}", reply, now,
                                       group_id=group.id, user_id=reader.user_id)
        await sync_event(store, group, session, now)
        await _release(store, group, session, member, reason, now)
        return session
    await store.mock.cancel(session.id)
    session = await store.mock.session(session.id) or session
    await _release(store, group, session, member, reason, now)
    for seat in rest:
        partner = members.get(seat.member_id)
        if partner is None:
            continue
        offer = await rematch_candidate(store, group, session, partner, now)
        text = Rich.format("{what}, so your mock interview of {at} is cancelled.", what=_capital(what),
                           at=stamp(session.starts_at))
        buttons = [Button("My status", "mock status")]
        fields = []
        if offer is not None:
            other, (a, b) = offer
            text += " Someone who sat out this round is free at the same time as you:"
            fields.append(Field("A new partner?", Rich.format("{name}, free with you {when}", name=said_name(other),
                                                              when=span(a, b)), inline=False))
            buttons.insert(0, Button(f"Pair me with {other.name}"[:80], f"mock rematch {by_id(other.id)}", "success"))
        else:
            text += " You go first in line next round."
        reply = Reply(title="Mock interview cancelled", text=text, fields=fields, buttons=buttons,
                      files=[invite_file(group, session, now, cancelled=True)], footer=f"Session {session.id}.")
        await store.outbox.enqueue(f"mock:{session.id}:{partner.id}:cancelled", reply, now,
                                   group_id=group.id, user_id=partner.user_id)
    await refresh_pairing(store, content, group, session, members, now)
    await sync_event(store, group, session, now, cancelled=True)
    return session


def _capital(text: Rich) -> Rich:
    parts = list(text.parts)
    if parts and isinstance(parts[0], str) and parts[0]:
        parts[0] = parts[0][0].upper() + parts[0][1:]
    return Rich(tuple(parts))


async def rematch_candidate(store: Store, group: Group, session: MockSession, partner: Member, now: datetime,
                            only: int | None = None) -> tuple[Member, tuple[datetime, datetime]] | None:
    """A member who sat out the session's round (for want of a partner), is still free this week, may be
    paired with `partner` and shares an hour with them: the one with the longest shared window, then
    the earliest; None when nobody fits. `only`: consider that member alone."""
    round_at = await store.mock.round_at(session.round_id) or session.starts_at
    week_start = await _week_start(store, group, session)
    start, until = now + LEAD, round_at + WEEK
    busy = await store.mock.busy(group.id, week_start)
    if partner.id in busy:
        return None
    members = await _members(store, group.id)
    mine = availability.intervals(await store.mock.windows(partner.id), partner.timezone, start, until)
    avoid = await store.mock.avoided(partner.id)
    best = None
    for member_id, reason in await store.mock.sitouts_of_round(session.round_id):
        if reason not in LEFT_OVER + ("no-availability",) or member_id in busy or member_id in avoid:
            continue
        if only is not None and member_id != only:
            continue
        other = members.get(member_id)
        mm = await store.mock.get(member_id)
        if other is None or mm is None or mm.status != "active" or partner.id in await store.mock.avoided(member_id):
            continue
        theirs = availability.intervals(await store.mock.windows(member_id), other.timezone, start, until)
        for a, b in availability.shared(mine, theirs):
            if b - a >= timedelta(minutes=matching.MIN_MINUTES):
                end = min(b, a + timedelta(minutes=matching.SESSION_MINUTES))
                key = (-(end - a), a, member_id)
                if best is None or key < best[0]:
                    best = (key, other, (a, end))
    return None if best is None else (best[1], best[2])


async def _week_start(store: Store, group: Group, session: MockSession) -> datetime:
    round_at = await store.mock.round_at(session.round_id) or session.starts_at
    return last_pairing(group, round_at)


# -- reminders and the feedback prompt ----------------------------------------------------------------
async def remind(uow: UnitOfWork, content: ContentPack, now: datetime, session_id: int, which: str) -> int:
    async def work(store: Store):
        sent = 0
        session = await store.mock.session(session_id)
        if session is None or session.status != "scheduled" or await _paused(store, session.group_id):
            return 0
        group = await store.groups.get(session.group_id)
        members = await _members(store, session.group_id)
        epoch = int(session.starts_at.timestamp())
        for seat in session.seats:
            reader = members.get(seat.member_id)
            if reader is None or group is None:
                continue
            others = [s.member_id for s in session.others(reader.id)]
            _, asks = plan_for(session, reader.id)
            asked = session.seat(asks) if asks is not None else None
            lead = "tomorrow" if which == "24h" else "in one hour"
            link = meeting_link(group, session)
            fields = [Field("You ask", item_text(content, session.kind, asked.item_id) if asked
                            else "nothing: you observe", inline=False)]
            if link:
                fields.append(Field("Meeting", Rich.of(Link(link, link)), inline=False))
            reply = Reply(
                title=Rich.format("Reminder: mock interview {lead} with {names}", lead=lead,
                                  names=_names(others, members)),
                text=Rich.format("{when} ({rel})\n{roles}", when=span(session.starts_at, session.ends_at),
                                 rel=stamp(session.starts_at, "R"), roles=roles_text(session, reader.id, members)),
                fields=fields,
                buttons=[b for b in session_buttons(session, reader.id) if not b.command.startswith("mock propose")],
                footer=f"Session {session.id}.",
            )
            sent += await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:remind-{which}:{epoch}", reply, now,
                                               group_id=session.group_id, user_id=reader.user_id)
        return sent
    return await uow.run(work)


async def _paused(store: Store, group_id: int) -> bool:
    """A paused group sends nothing on its own; its sessions' reminders stay planned and come back with it."""
    group = await store.groups.get(group_id)
    return group is None or group.paused


def feedback_reply(content: ContentPack, session: MockSession, reader: Member, members: dict[int, Member]) -> Reply | None:
    """The prompt after the slot: the kind's own rubric, one block per candidate the reader watched, each
    naming the reader's role; the overall verdict; the no-show button per candidate."""
    rubric = rubric_of(content, session.kind)
    watched = [(i, role) for i, role in session.candidates_of(reader.id) if i in members]
    if not watched:
        return None
    fields = []
    buttons = []
    for candidate, role in watched:
        name = said_name(members[candidate])
        ref = by_id(candidate)  # commands name members by our id: a display name may hold spaces or be shared
        if rubric is not None:
            lines = [Rich.format("{text} 1: {low} 4: {high}", text=p.text, low=p.anchor(1), high=p.anchor(4))
                     for p in rubrics.ratings_for(rubric, role)]
            verdicts = ", ".join(v.id for v in rubric.verdicts)
            lines.append(Rich.format("Then your overall verdict: {v}. Type `mock feedback {ref} {ex} clear and calm`.",
                                     v=verdicts, ref=ref, ex=rubrics.example(rubric)))
            fields.append(Field(Rich.format("Rate {name}, {role}", name=name, role=ROLE_WORD[role]),
                                join("\n", lines), inline=False))
        label = "They did not show" if len(watched) == 1 else f"{members[candidate].name} did not show"[:80]
        buttons.append(Button(label, f"mock feedback {ref} no-show", "danger"))
    buttons.append(Button("I took part", f"mock confirm {session.id}", "success"))
    kind = KIND_LABEL.get(session.kind, session.kind)
    return Reply(
        title=Rich.format("How did {names} do?", names=_names([c for c, _ in watched], members)),
        text=Rich.format("Your {kind} mock interview ({when}) is over. Rate each candidate on the {kind} rubric, "
                         "from 1 to 4, then give your verdict.", kind=kind,
                         when=span(session.starts_at, session.ends_at)),
        fields=fields, buttons=buttons[:5], footer=f"Session {session.id}.")


async def feedback_prompt(uow: UnitOfWork, content: ContentPack, now: datetime, session_id: int) -> int:
    async def work(store: Store):
        sent = 0
        session = await store.mock.session(session_id)
        if session is None or session.status != "scheduled" or await _paused(store, session.group_id):
            return 0
        members = await _members(store, session.group_id)
        for seat in session.seats:
            reader = members.get(seat.member_id)
            reply = feedback_reply(content, session, reader, members) if reader else None
            if reader is None or reply is None:
                continue
            sent += await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:feedback-prompt", reply, now,
                                               group_id=session.group_id, user_id=reader.user_id)
        return sent
    return await uow.run(work)


# -- no-show reports: open for 48 hours, then counted unless the member took part or disputed --------
async def report_no_show(store: Store, group: Group, session: MockSession, by: Member, about: Member,
                         now: datetime) -> str:
    """Record a report; returns "open" (the member is told and may dispute it) or "disputed" (they had
    already said they took part: it counts for no one)."""
    fresh = await store.mock.give_feedback(session.id, by.id, about.id, None, None, now)
    seat = session.seat(about.id)
    if seat is not None and seat.attended_at is not None:
        await store.mock.settle_report(session.id, by.id, about.id, "disputed", now)
        return "disputed"
    if fresh:
        until = now + DISPUTE_WINDOW
        reply = Reply(title="A partner reported that you did not come",
                      text=Rich.format("{name} reported that you missed your mock interview of {at}. If you took "
                                       "part, say so with `mock dispute {sid}` before {until} ({rel}): a disputed "
                                       "report counts for no one. If not, it counts as a missed session then.",
                                       name=said_name(by), at=stamp(session.starts_at), sid=session.id,
                                       until=stamp(until), rel=stamp(until, "R")),
                      buttons=[Button("I was there", f"mock dispute {session.id}", "danger")],
                      footer=f"Session {session.id}.")
        await store.outbox.enqueue(f"mock:{session.id}:{about.id}:reported-by:{by.id}", reply, now,
                                   group_id=group.id, user_id=about.user_id)
    return "open"


def report_deadline(opened: datetime | None) -> datetime | None:
    return None if opened is None else opened + DISPUTE_WINDOW


async def settle_reports(uow: UnitOfWork, now: datetime, session_id: int) -> int:
    """The job at the end of a report's dispute window: each open report now past it counts, unless the
    reported member took part by their own word (then it is disputed). Returns how many counted."""
    async def work(store: Store) -> int:
        session = await store.mock.session(session_id)
        if session is None:
            return 0
        counted = 0
        for report in await store.mock.reports(session_id):
            if report.state != "open" or report.created_at + DISPUTE_WINDOW > now:
                continue
            seat = session.seat(report.about)
            if seat is not None and seat.attended_at is not None:
                await store.mock.settle_report(session_id, report.by, report.about, "disputed", now)
                continue
            if not await store.mock.settle_report(session_id, report.by, report.about, "counted", now):
                continue
            counted += 1
            if session.status == "scheduled":
                await store.mock.set_status_of(session_id, "missed")
            missed = await store.mock.add_no_show(report.about)
            member = await store.members.get(report.about)
            if missed >= NO_SHOW_LIMIT:
                await store.mock.set_status(report.about, "paused")
                if member is not None:
                    reply = Reply(title="Mock interviews paused",
                                  text=Rich.format("{n} were counted against you, so you are not paired for now. "
                                                   "When you can commit again, type `mock join` to come back.",
                                                   n=count(missed, "missed session")),
                                  buttons=[Button("Come back", "mock join")])
                    await store.outbox.enqueue(f"mock:paused:{report.about}:{session_id}", reply, now,
                                               group_id=session.group_id, user_id=member.user_id)
        return counted
    return await uow.run(work)


# -- for `me`, the digest and organisers ----------------------------------------------------------------
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


def parse_feedback(content: ContentPack, kind: str, text: str) -> tuple[tuple[int, ...], str, str] | None:
    """'3,4,3,2 hire clear and calm' -> ((3, 4, 3, 2), 'hire', 'clear and calm') on the kind's rubric;
    'no-show' -> None. Raises ValueError with a line for the person."""
    if text.strip().lower().replace("_", "-") in ("no-show", "noshow"):
        return None
    rubric = rubric_of(content, kind)
    if rubric is None:
        raise ValueError(f"this group's content has no rubric for {KIND_LABEL.get(kind, kind)} interviews")
    scores, verdict, notes = rubrics.parse_feedback(rubric, text)
    return scores, verdict.value, notes


def session_window_end(session: MockSession, round_at: datetime | None) -> datetime:
    return (round_at or session.starts_at) + WEEK


def next_local(day: str, at: time, tz: str, after: datetime) -> datetime:
    """The first `day` at wall-clock `at` in `tz` after an instant."""
    z = zone(tz)
    local = after.astimezone(z)
    for ahead in range(8):
        d = local.date() + timedelta(days=ahead)
        if WEEKDAYS[d.weekday()] == day:
            when = datetime.combine(d, at, tzinfo=z)
            if when > after:
                return when
    raise Conflict("no such time in the coming week")
