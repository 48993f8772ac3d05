"""Booking a session: its meeting link, its calendar invite (RFC 5545) and its platform event."""

from __future__ import annotations

from datetime import datetime

from bot.domain import booking
from bot.domain.model import Group
from bot.domain.sessions import MockSession
from bot.ports.storage import Store
from bot.reply import Attachment, CalendarEvent, Reply
from bot.services.mock.common import KIND_LABEL


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
    if not group.platform_events:
        return
    first = _event_key(session.id)
    reply = Reply(event=_event(group, session, cancelled))
    if await store.outbox.get(first) is None:
        if not cancelled:
            await store.outbox.enqueue(first, reply, now, group_id=group.id, channel_id=group.channel_id)
        return
    await store.outbox.enqueue(f"{first}:{session.sequence}{':cancel' if cancelled else ''}", reply, now,
                               group_id=group.id, channel_id=group.channel_id, edit_of=first)
