"""Ending sessions: leave, mock leave, mock cancel and forget-me, and the rematch offered to a partner."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.content import ContentPack
from bot.domain import availability, matching
from bot.domain.buttons import by_id
from bot.domain.model import Group, Member
from bot.domain.sessions import MockSession
from bot.ports.storage import Store
from bot.reply import Button, Field, Reply, stamp
from bot.services.mock.common import (
    LEAD,
    LEFT_OVER,
    WEEK,
    _members,
    _week_start,
    pair_key,
    round_seed,
    said_name,
    span,
)
from bot.services.mock.invites import booked, invite_file, sync_event
from bot.services.mock.kits import choose_item, pairing_reply, refresh_pairing
from bot.text import Rich

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
