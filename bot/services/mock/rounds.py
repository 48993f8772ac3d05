"""The weekly heads-up and the pairing round: who is paired with whom, who sat out and why."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.content import ContentPack
from bot.domain import availability, booking, matching
from bot.domain.model import LEVELS, Group, Member
from bot.domain.sessions import MockSession
from bot.domain.timeutil import zone
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply, stamp
from bot.services.mock.common import (
    HISTORY_ROUNDS,
    LEAD,
    SIT_OUT_WHY,
    SUGGESTIONS,
    WEEK,
    _members,
    last_pairing,
    next_pairing,
    pair_key,
    round_seed,
)
from bot.services.mock.invites import booked, invite_file, sync_event
from bot.services.mock.kits import choose_item, pairing_reply, refresh_pairing
from bot.text import Rich, count, join

log = logging.getLogger(__name__)


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
