"""After pairing: reminders, the feedback prompt, no-show reports open for 48 hours, then settled."""

from __future__ import annotations

from datetime import datetime

from bot.content import ContentPack
from bot.domain import rubric as rubrics
from bot.domain.model import Group, Member
from bot.domain.sessions import MockSession
from bot.ports.storage import Store, UnitOfWork
from bot.reply import Button, Field, Reply, stamp
from bot.services.mock.common import (
    DISPUTE_WINDOW,
    KIND_LABEL,
    NO_SHOW_LIMIT,
    _members,
    _names,
    said_name,
    span,
)
from bot.services.mock.kits import (
    feedback_reply,
    meeting_field,
    roles_text,
    rubric_of,
    session_buttons,
    you_ask,
)
from bot.text import Rich, count


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
            lead = "tomorrow" if which == "24h" else "in one hour"
            fields = [Field("You ask", you_ask(content, session, reader.id), inline=False)]
            meeting = meeting_field(group, session, otherwise=None)
            if meeting is not None:
                fields.append(meeting)
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
