"""What a session's members read: the pairing DM (kit, guide, roles, buttons), its edits, the feedback prompt."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta

from bot.content import ContentPack, Rubric
from bot.domain import design
from bot.domain import rubric as rubrics
from bot.domain.buttons import by_id
from bot.domain.model import Group, Member
from bot.domain.selection import open_to
from bot.domain.sessions import MockSession
from bot.ports.storage import Store
from bot.reply import Button, Field, Reply, stamp
from bot.services.mock.common import (
    KIND_LABEL,
    LEVEL_DIFFICULTY,
    ROLE_WORD,
    _members,
    _name,
    _names,
    pair_key,
    said_name,
    span,
)
from bot.services.mock.invites import booked, invite_file, meeting_link, sync_event
from bot.text import Content, Link, Rich, count, join


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


def interviewee(session: MockSession, reader_id: int) -> int | None:
    """Whose item the reader asks as interviewer: the partner in a pair, the next seat in a trio (None
    when alone, or not in the session)."""
    order = session.order
    if reader_id not in order or len(order) < 2:
        return None
    return order[(order.index(reader_id) + 1) % len(order)]


def you_ask(content: ContentPack, session: MockSession, reader_id: int) -> Content:
    """The "You ask" of a reader: the kit of the member they interview, or that they only observe."""
    asks = interviewee(session, reader_id)
    seat = session.seat(asks) if asks is not None else None
    return item_text(content, session.kind, seat.item_id) if seat else "nothing: you observe"


def meeting_field(group: Group, session: MockSession, otherwise: str | None = "agree on a call together"
                  ) -> Field | None:
    """The session's meeting link as a field (`otherwise` when the group has no links; None: no field)."""
    link = meeting_link(group, session)
    if link:
        return Field("Meeting", Rich.of(Link(link, link)), inline=False)
    return Field("Meeting", otherwise, inline=False) if otherwise else None


def proposed_field(session: MockSession, members: dict[int, Member]) -> Field | None:
    """A pending proposal of another slot, and whose it is."""
    if not session.proposed_at:
        return None
    end = session.proposed_end or session.proposed_at + (session.ends_at - session.starts_at)
    return Field("Proposed", Rich.format("{when} by {by}", when=span(session.proposed_at, end),
                                         by=_name(members, session.proposed_by or 0)))


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
        fields += [Field("You ask", you_ask(content, session, reader.id), inline=False),
                   meeting_field(group, session),
                   Field("Guide", guide_text(content, session), inline=False),
                   Field("Confirmed", confirmed_text(session, members))]
        proposed = proposed_field(session, members)
        if proposed is not None:
            fields.append(proposed)
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
