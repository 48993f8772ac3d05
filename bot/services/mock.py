"""Weekly mock interviews: the heads-up, the pairing round, kits, reminders, feedback and no-shows.

Everything the bot sends here goes through the outbox with a key made of our ids (and of the slot's
start where a message depends on it, so a moved session gets fresh reminders and nothing else is
ever sent twice).
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.content import ContentPack
from bot.domain import availability, design, matching
from bot.domain.buttons import by_id
from bot.domain.model import LEVELS, Group, Member
from bot.domain.selection import open_to
from bot.domain.sessions import MockSession
from bot.domain.timeutil import WEEKDAYS, zone
from bot.errors import Conflict
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply, stamp
from bot.text import Rich, Said, join

log = logging.getLogger(__name__)

KIND_LABEL = {"coding": "coding", "system-design": "system design", "ml-design": "ML system design",
              "behavioral": "behavioral"}
LEAD = timedelta(hours=2)  # the earliest a session may start after pairing
WEEK = timedelta(days=7)
LEVEL_DIFFICULTY = {"beginner": "easy", "intermediate": "medium", "advanced": "hard"}
NO_SHOW_LIMIT = 3
HISTORY_ROUNDS = 4


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
    """The latest pairing instant at or before `now` (a job that fires a little late still finds its round)."""
    return next_pairing(group, next_pairing(group, now) - timedelta(days=8))


def local_span(start: datetime, end: datetime, tz: str) -> str:
    z = zone(tz)
    a, b = start.astimezone(z), end.astimezone(z)
    return f"{a:%a %d %b %H:%M}–{b:%H:%M} ({tz})"


def round_seed(group_id: int, round_key: str) -> int:
    return int(hashlib.sha256(f"mock:{group_id}:{round_key}".encode()).hexdigest()[:12], 16)


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
            return 0  # brought forward with `group pair-now`
        members = {m.id: m for m in await store.members.active(group.id)}
        for mm in await store.mock.enrolled(group.id):
            member = members.get(mm.member_id)
            if member is None or mm.skip_rounds > 0:
                continue
            windows = await store.mock.windows(member.id)
            text = Rich.format("Pairing for this week's mock interview is at {when} ({local} your time).",
                               when=stamp(when), local=f"{when.astimezone(zone(member.timezone)):%a %H:%M}")
            if not windows:
                text += " You have no availability yet: add some with `mock availability add sat 10:00-12:00`."
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
    sessions: int
    unpaired: int


async def run_round(uow: UnitOfWork, content: ContentPack, now: datetime, group_id: int) -> RoundSummary | None:
    """The scheduled round (job `mock-round:GROUP`); a second run for the same pairing does nothing."""
    async def work(store: Store):
        group = await store.groups.get(group_id)
        if group is None or group.paused:
            return None
        return await pair_round(store, content, now, group, last_pairing(group, now))
    return await uow.run(work)


async def pair_round(store: Store, content: ContentPack, now: datetime, group: Group,
                     belongs_to: datetime) -> RoundSummary | None:
    """Pair the group inside the caller's transaction. `belongs_to`: the pairing instant this round is for."""
    round_key = belongs_to.astimezone(zone(group.timezone)).date().isoformat()
    if await store.mock.round_exists(group.id, round_key):
        return None
    members = {m.id: m for m in await store.members.active(group.id)}
    origin, horizon = now + LEAD, now + WEEK
    recent_rounds = await store.mock.recent_rounds(group.id, HISTORY_ROUNDS)
    seats = await store.mock.round_seats(recent_rounds)
    outs = await store.mock.sitouts(recent_rounds)
    led_at = await store.mock.last_led(list(members))

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

    participants, skipped, no_windows = [], [], []
    for mm in await store.mock.enrolled(group.id):
        member = members.get(mm.member_id)
        if member is None:
            continue
        if mm.skip_rounds > 0:
            skipped.append((member, mm.skip_rounds))
            continue
        slots = availability.to_minutes(
            availability.intervals(await store.mock.windows(member.id), member.timezone, origin, horizon), origin)
        if not slots:
            no_windows.append(member)
            continue
        participants.append(matching.Participant(
            member.id, slots, level=LEVELS.index(member.level) if member.level in LEVELS else 0,
            kinds=frozenset(mm.kinds), avoid=frozenset(await store.mock.avoided(member.id)),
            recent=partners.get(member.id, {}), sat_out_last=member.id in last_out,
            sit_outs=out_count.get(member.id, 0), led_last=led_last.get(member.id, (0, None))[1],
        ))

    seed = round_seed(group.id, round_key)
    result = matching.match(participants, seed)
    # The seed and method are all it takes to replay this round from the same database state.
    log.info("mock round group=%s key=%s seed=%s method=%s participants=%d sessions=%d unpaired=%d",
             group.id, round_key, seed, result.method, len(participants), len(result.sessions), len(result.unpaired))
    round_id = await store.mock.add_round(group.id, round_key, now, seed, result.method)
    if round_id is None:
        return None

    rng = random.Random(seed)
    for member, left in skipped:
        await store.mock.set_skip(member.id, left - 1)
        await store.mock.add_sitout(round_id, member.id, "skipped")
    for member in no_windows:
        await store.mock.add_sitout(round_id, member.id, "no-availability")
        reply = Reply(title="Mock interviews: no pairing this week",
                      text="You have no availability in the coming week, so you were not paired. Add a window "
                           "in your own time with `mock availability add DAY HH:MM-HH:MM`.",
                      buttons=[Button("My status", "mock status")])
        await store.outbox.enqueue(f"mock:{round_id}:{member.id}:no-availability", reply, now,
                                   group_id=group.id, user_id=member.user_id)
    for member_id in result.unpaired:
        member = members[member_id]
        await store.mock.add_sitout(round_id, member_id, "unpaired")
        reply = Reply(title="Mock interviews: you sit out this week",
                      text="No one else had a free hour that matches yours this week (or the count was odd and "
                           "no slot fitted three). You go first in line next week; more availability helps: "
                           "`mock availability add DAY HH:MM-HH:MM`.",
                      buttons=[Button("My status", "mock status")])
        await store.outbox.enqueue(f"mock:{round_id}:{member_id}:sit-out", reply, now,
                                   group_id=group.id, user_id=member.user_id)

    for s in result.sessions:
        start = origin + timedelta(minutes=s.start)
        end = origin + timedelta(minutes=s.end)
        # The member who interviewed first least recently goes first (never: first of all).
        order = sorted(s.members, key=lambda m: (led_at.get(m) is not None, led_at.get(m) or now, rng.random()))
        session_id = await store.mock.add_session(round_id, group.id, s.kind, start, end)
        chosen: set[str] = set()
        for role, member_id in enumerate(order):
            item = None
            if role > 0 or len(order) == 2:
                item = await choose_item(store, content, s.kind, members[member_id], rng, chosen)
                if item:
                    chosen.add(item)
            await store.mock.add_seat(session_id, member_id, role, item)
        session = await store.mock.session(session_id)
        for seat in session.seats:
            reader = members[seat.member_id]
            await store.outbox.enqueue(f"mock:{round_id}:{reader.id}:pair",
                                       pairing_reply(content, session, reader, members), now,
                                       group_id=group.id, user_id=reader.user_id)
    return RoundSummary(round_id, seed, result.method, len(result.sessions), len(result.unpaired))


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


def guide_text(content: ContentPack) -> str:
    phases = content.rubric.guide if content.rubric else ()
    if not phases:
        return "clarify 5 min · solve 30 min · test 10 min · feedback 5 min"
    return " · ".join(f"{g.phase} {g.minutes} min" for g in phases) + " (each half)"


def said_name(member: Member) -> Said:
    return Said(member.name, by=member.user_id)


def _names(ids: Iterable[int], members: dict[int, Member]) -> Rich:
    return join(" and ", (said_name(members[i]) if i in members else "a former member" for i in ids))


def plan_for(session: MockSession, reader_id: int) -> tuple[str, int | None]:
    """(what the reader does in each half, whose item the reader asks)."""
    order = [s.member_id for s in sorted(session.seats, key=lambda s: s.role)]
    me = order.index(reader_id)
    if len(order) == 2:
        other = order[1 - me]
        return ("first", other) if me == 0 else ("second", other)
    return ("trio", order[me + 1] if me < 2 else None)


def roles_text(session: MockSession, reader_id: int, members: dict[int, Member]) -> Rich:
    order = [s.member_id for s in sorted(session.seats, key=lambda s: s.role)]
    me = order.index(reader_id)
    name = {i: (said_name(members[i]) if i in members else "your partner") for i in order}
    if len(order) == 2:
        other = name[order[1 - me]]
        return (Rich.format("You interview {other} first; at half time you swap.", other=other) if me == 0
                else Rich.format("{other} interviews you first; at half time you swap.", other=other))
    a, b, c = (name[i] for i in order)
    return Rich.format([
        "First half you interview {b} ({c} observes); second half you observe {b} interviewing {c}.",
        "First half {a} interviews you ({c} observes); second half you interview {c}.",
        "First half you observe {a} interviewing {b}; second half {b} interviews you."][me], a=a, b=b, c=c)


def pairing_reply(content: ContentPack, session: MockSession, reader: Member, members: dict[int, Member]) -> Reply:
    others = [s.member_id for s in session.others(reader.id)]
    _, asks = plan_for(session, reader.id)
    half = session.starts_at + (session.ends_at - session.starts_at) / 2
    you_ask = item_text(content, session.kind, session.seat(asks).item_id) if asks else "nothing: you observe"
    partner_info = join(", ", (Rich.format("{name} ({level}, {tz})", name=said_name(members[i]),
                                           level=members[i].level, tz=members[i].timezone)
                               for i in others if i in members))
    return Reply(
        title=Rich.format("Mock interview this week: {kind} with {names}",
                          kind=KIND_LABEL.get(session.kind, session.kind), names=_names(others, members)),
        text=Rich.format("When: {start} – {end}\nYour time: {span}\n{roles} Swap at {half} your time.",
                         start=stamp(session.starts_at), end=stamp(session.ends_at, "t"),
                         span=local_span(session.starts_at, session.ends_at, reader.timezone),
                         roles=roles_text(session, reader.id, members),
                         half=f"{half.astimezone(zone(reader.timezone)):%H:%M}"),
        fields=[Field("Partner", partner_info, inline=False), Field("You ask", you_ask, inline=False),
                Field("Guide", guide_text(content), inline=False)],
        buttons=[Button("Confirm", "mock confirm", "success"), Button("Propose another slot", "mock propose"),
                 Button("Can't make it", "mock cancel", "danger")],
        footer=f"Session {session.id}. Your own question stays a surprise until your partner asks it.",
    )


# -- reminders and the feedback prompt ----------------------------------------------------------------
async def remind(uow: UnitOfWork, content: ContentPack, now: datetime, session_id: int, which: str) -> int:
    async def work(store: Store):
        sent = 0
        session = await store.mock.session(session_id)
        if session is None or session.status != "scheduled" or await _paused(store, session.group_id):
            return 0
        members = {m.id: m for m in await store.members.active(session.group_id)}
        epoch = int(session.starts_at.timestamp())
        for seat in session.seats:
            reader = members.get(seat.member_id)
            if reader is None:
                continue
            others = [s.member_id for s in session.others(reader.id)]
            _, asks = plan_for(session, reader.id)
            lead = "tomorrow" if which == "24h" else "in one hour"
            reply = Reply(
                title=Rich.format("Reminder: mock interview {lead} with {names}", lead=lead,
                                  names=_names(others, members)),
                text=Rich.format("{start} — your time: {span}\n{roles}", start=stamp(session.starts_at),
                                 span=local_span(session.starts_at, session.ends_at, reader.timezone),
                                 roles=roles_text(session, reader.id, members)),
                fields=[Field("You ask", item_text(content, session.kind, session.seat(asks).item_id)
                              if asks else "nothing: you observe", inline=False)],
                buttons=[Button("Confirm", "mock confirm", "success"), Button("Can't make it", "mock cancel", "danger")],
            )
            sent += await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:remind-{which}:{epoch}", reply, now,
                                               group_id=session.group_id, user_id=reader.user_id)
        return sent
    return await uow.run(work)


async def _paused(store: Store, group_id: int) -> bool:
    """A paused group sends nothing on its own; its sessions' reminders stay planned and come back with it."""
    group = await store.groups.get(group_id)
    return group is None or group.paused


def feedback_reply(content: ContentPack, partner: str, others: list[str], partner_id: int) -> Reply:
    # Commands name the partner by our member id: a display name may hold spaces or be shared.
    ref = by_id(partner_id)
    criteria = content.rubric.criteria if content.rubric else ()
    fields = [Field(c.title, f"{c.question} 1: {c.anchors.get(1, '')} 4: {c.anchors.get(4, '')}", inline=False)
              for c in criteria]
    order = ", ".join(c.id for c in criteria)
    return Reply(
        title=f"How did {' and '.join(others)} do?",
        text=(f"Rate {partner} from 1 to 4 on {order}, with a note if you like: "
              f"`mock feedback {ref} 3,3,3,3 clear and calm`. If they did not come: "
              f"`mock feedback {ref} no-show`."),
        fields=fields,
        buttons=[Button("They did not show", f"mock feedback {ref} no-show", "danger"),
                 Button("My status", "mock status")],
    )


async def feedback_prompt(uow: UnitOfWork, content: ContentPack, now: datetime, session_id: int) -> int:
    async def work(store: Store):
        sent = 0
        session = await store.mock.session(session_id)
        if session is None or session.status != "scheduled" or await _paused(store, session.group_id):
            return 0
        members = {m.id: m for m in await store.members.active(session.group_id)}
        for seat in session.seats:
            reader = members.get(seat.member_id)
            ids = [s.member_id for s in session.others(seat.member_id) if s.member_id in members]
            others = [members[i].name for i in ids]
            if reader is None or not others:
                continue
            sent += await store.outbox.enqueue(f"mock:{session.id}:{reader.id}:feedback-prompt",
                                               feedback_reply(content, others[0], others, ids[0]), now,
                                               group_id=session.group_id, user_id=reader.user_id)
        return sent
    return await uow.run(work)


# -- for `me` -----------------------------------------------------------------------------------------
async def me_fields(store: Store, content: ContentPack, member_id: int) -> list[Field]:
    held, missed, last = await store.mock.history_counts(member_id)
    rated = await store.mock.feedback_for(member_id)
    if not (held or missed or rated):
        return []
    text = Rich.of(f"{held} held", f", {missed} missed" if missed else "",
                   Rich.format(", last {last}", last=stamp(last, "d")) if last else "")
    fields = [Field("Mock interviews", text)]
    if rated:
        averages = [sum(r) / len(r) for _, r in rated[-6:]]
        trend = " → ".join(f"{a:.1f}" for a in averages)
        names = [c.id for c in content.rubric.criteria] if content.rubric else []
        latest = rated[-1][1]
        detail = ", ".join(f"{n} {v}" for n, v in zip(names, latest, strict=False))
        fields.append(Field("Feedback trend", f"{trend} (latest: {detail})", inline=False))
    return fields


def parse_ratings(text: str, content: ContentPack) -> tuple[int, ...] | None:
    """'3,4,3,2' -> (3, 4, 3, 2); 'no-show' -> None. Raises ValueError with a message for the person."""
    if text.lower().replace("_", "-") in ("no-show", "noshow"):
        return None
    criteria = content.rubric.criteria if content.rubric else ()
    scale = content.rubric.scale if content.rubric else {"min": 1, "max": 4}
    low, high = scale.get("min", 1), scale.get("max", 4)
    parts = [p for p in text.replace(";", ",").replace("/", ",").split(",") if p.strip()]
    names = ", ".join(c.id for c in criteria)
    if len(parts) != len(criteria):
        raise ValueError(f"give {len(criteria)} ratings ({names}), like 3,4,3,2, or `no-show`")
    # ASCII digits only: int() would also read '٣' (and raise on '³', which isdigit() lets through)
    if not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise ValueError(f"ratings are whole numbers from {low} to {high}, like 3,4,3,2")
    values = tuple(int(p) for p in parts)
    if any(v < low or v > high for v in values):
        raise ValueError(f"each rating is from {low} to {high}")
    return values


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
