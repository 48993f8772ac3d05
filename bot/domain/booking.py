"""Booking a mock interview, as pure functions: the session's meeting room and link, and its iCalendar
invite (RFC 5545, built with the `icalendar` library).

The invite is an iTIP message (RFC 5546): METHOD:REQUEST with the session as one VEVENT, sent with the
pairing DM and again on every change with the same UID and a higher SEQUENCE, so a calendar updates the
one event it already has; METHOD:CANCEL with STATUS:CANCELLED removes it. Times are in UTC (the `Z`
form). Member names are data: the library escapes TEXT values (`,` `;` `\\` and newlines) and quotes
parameters, and control characters, which RFC 5545 does not allow in either, are removed first.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress

DEFAULT_MEETING_BASE = "https://meet.jit.si"
ROOM_PREFIX = "studybot-"
PRODID = "-//studybot//mock interviews//EN"
MAX_BASE_LENGTH = 200
_ROOM = re.compile(r"[a-z0-9][a-z0-9-]{7,63}")
# RFC 5545 CONTROL: every C0 character but HTAB, and DEL. A line break is kept in DESCRIPTION only.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


# -- the meeting room -----------------------------------------------------------------------------------

def new_room() -> str:
    """A fresh, unguessable room token: 128 random bits as 26 lowercase letters and digits (a meeting
    service that lowercases room names loses nothing)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def meeting_base(text: str | None) -> str | None:
    """The meeting base URL a group set (`group setup meeting-url URL|none`), checked: None or `none`
    means no meeting link; otherwise an http(s) URL with a host and no query, fragment or credentials,
    returned without its trailing slash. Raises ValueError with one line for the person."""
    if text is None or text.strip().lower() == "none":
        return None
    base = text.strip()
    usage = "give an http(s) address such as https://meet.jit.si, or none for no meeting link"
    if len(base) > MAX_BASE_LENGTH or any(c.isspace() or not c.isprintable() for c in base):
        raise ValueError(f"That is not a meeting address: {usage}.")
    try:
        parts = urlsplit(base)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise ValueError(f"That is not a meeting address: {usage}.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The meeting address needs http:// or https:// and a host: {usage}.")
    if "?" in base or "#" in base:
        raise ValueError(f"The meeting address takes no query or fragment (no ? or #): {usage}.")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"The meeting address takes no user name or password: {usage}.")
    return base.rstrip("/")


def meeting_url(base: str | None, room: str) -> str | None:
    """The session's meeting link: f"{base}/studybot-{room}", or None when the group has none (`base` None
    or `none`). Pass DEFAULT_MEETING_BASE for a group that never set one. Raises ValueError on a bad base
    (see `meeting_base`) or a room that `new_room` did not make."""
    checked = meeting_base(base)
    if checked is None:
        return None
    if not _ROOM.fullmatch(room):
        raise ValueError("a meeting room is 8 to 64 lowercase letters, digits and hyphens")
    return f"{checked}/{ROOM_PREFIX}{room}"


# -- the invite -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendee:
    """A person on the invite: a display name (data) and a calendar address, a URI such as
    `mailto:ann@example.org` or one of our own (`member_address`)."""

    name: str
    address: str


def member_address(member_id: int) -> str:
    """A calendar address for a member we know no e-mail address of."""
    return f"urn:x-studybot:member:{int(member_id)}"


@dataclass(frozen=True)
class SessionInvite:
    uid: str  # stable for the session's life: `session_uid`
    sequence: int  # 0 when first sent, one more on every change (time, link, cancellation)
    start: datetime  # aware; written in UTC
    end: datetime
    summary: str
    description: str
    location: str | None  # the meeting link, or None when the group has none
    attendees: tuple[Attendee, ...] = ()
    cancelled: bool = False
    stamp: datetime = field(kw_only=True)  # when this version was made: the injected clock's now
    organizer: Attendee | None = field(default=None, kw_only=True)


def session_uid(session_id: int, room: str) -> str:
    """A UID that stays the same for a session and no other installation's session shares (the room
    token is random)."""
    return f"mock-{int(session_id)}-{room}@studybot"


def _utc(when: datetime, name: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"the invite's {name} must be an aware datetime")
    return when.astimezone(UTC)


def plain_line(text: str) -> str:
    """Text for a one-line value (SUMMARY, a name): control characters and line breaks become spaces."""
    return _CONTROL.sub(" ", text).strip()


def plain_text(text: str) -> str:
    """Text for DESCRIPTION: line breaks kept (as LF), other control characters removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_CONTROL.sub("", line) for line in lines)


def _param(text: str) -> str:
    # A parameter value cannot hold a control character at all, and the library's parser reads a
    # backslash before the closing quote as an escape; a name shown in a calendar loses neither meaning.
    return plain_line(text).replace("\\", "/")


def _address(person: Attendee, role: str | None) -> vCalAddress:
    address = vCalAddress(plain_line(person.address).replace(" ", ""))
    address.params["CN"] = _param(person.name)
    if role:
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "FALSE"
    return address


def invite(inv: SessionInvite) -> bytes:
    """The session as an iCalendar object (RFC 5545), CRLF lines: VCALENDAR with PRODID, VERSION 2.0 and
    METHOD REQUEST (or CANCEL), holding one VEVENT."""
    start, end, stamp = _utc(inv.start, "start"), _utc(inv.end, "end"), _utc(inv.stamp, "stamp")
    if end <= start:
        raise ValueError("the invite's end must come after its start")
    if inv.sequence < 0:
        raise ValueError("the invite's sequence counts up from 0")
    uid = plain_line(inv.uid)
    if not uid or uid != inv.uid:
        raise ValueError("the invite's uid is one line of printable text")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if inv.cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", inv.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", plain_line(inv.summary))
    event.add("description", plain_text(inv.description))
    if inv.location:
        link = plain_line(inv.location)
        event.add("location", link)
        if link.startswith(("https://", "http://")):
            event.add("url", link)
    event.add("status", "CANCELLED" if inv.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if inv.organizer is not None:
        event.add("organizer", _address(inv.organizer, None))
    for person in inv.attendees:
        event.add("attendee", _address(person, "REQ-PARTICIPANT"))
    cal.add_component(event)
    return cal.to_ical()


def invite_mime(inv: SessionInvite) -> str:
    """The media type of the invite file, with its iTIP method (RFC 6047)."""
    return f"text/calendar; charset=utf-8; method={'CANCEL' if inv.cancelled else 'REQUEST'}"
