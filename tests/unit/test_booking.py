"""Booking, pure: the meeting room and link, and the iCalendar invite, every output parsed back with
`icalendar`."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from bot.domain.booking import (
    DEFAULT_MEETING_BASE,
    PRODID,
    Attendee,
    SessionInvite,
    invite,
    invite_mime,
    meeting_base,
    meeting_url,
    member_address,
    new_room,
    plain_line,
    plain_text,
    session_uid,
)

START = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ROOM = "abcdefghijklmnopqrstuvwxyz"
EVIL = 'Ann, "Bo"; O\'Neil\\\r\nEND:VEVENT\nBEGIN:VEVENT\nUID:stolen\nDTSTART:19700101T000000Z\x00\x0b\x7f'
EVENT_PROPERTIES = {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION",
                    "URL", "STATUS", "TRANSP", "ATTENDEE", "ORGANIZER"}


def session(**changes) -> SessionInvite:
    base = SessionInvite(
        uid=session_uid(17, ROOM), sequence=0, start=START, end=START + timedelta(hours=1),
        summary="Mock interview: system design with Ann and Bo",
        description="Ann interviews Bo first; at half time you swap.\nJoin: https://meet.jit.si/studybot-" + ROOM,
        location=meeting_url(DEFAULT_MEETING_BASE, ROOM),
        attendees=(Attendee("Ann", member_address(1)), Attendee("Bo", "mailto:bo@example.org")),
        stamp=NOW, organizer=Attendee("studybot", "mailto:noreply@example.org"))
    return replace(base, **changes)


def parse(data: bytes):
    cal = Calendar.from_ical(data)
    assert [c.name for c in cal.walk()] == ["VCALENDAR", "VEVENT"]
    return cal, cal.walk("VEVENT")[0]


def property_names(event) -> list[str]:
    return [name for name, _ in event.property_items(recursive=False)][1:-1]  # without BEGIN and END


# -- room and link --------------------------------------------------------------------------------------

def test_new_room_is_unguessable():
    rooms = {new_room() for _ in range(1000)}
    assert len(rooms) == 1000
    assert all(re.fullmatch(r"[a-z2-7]{26}", r) for r in rooms)  # 130 bits of base32, 128 of them random


def test_meeting_url():
    assert meeting_url(DEFAULT_MEETING_BASE, ROOM) == f"https://meet.jit.si/studybot-{ROOM}"
    assert meeting_url("https://video.example.org/rooms/", ROOM) == f"https://video.example.org/rooms/studybot-{ROOM}"
    assert meeting_url("http://127.0.0.1:8443", ROOM) == f"http://127.0.0.1:8443/studybot-{ROOM}"
    assert meeting_url(None, ROOM) is None
    assert meeting_url("none", ROOM) is None
    assert meeting_url(" NONE ", ROOM) is None
    assert meeting_url(DEFAULT_MEETING_BASE, new_room()).startswith("https://meet.jit.si/studybot-")


@pytest.mark.parametrize(("base", "reason"), [
    ("meet.jit.si", "http:// or https://"),
    ("ftp://meet.jit.si", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("https://", "http:// or https://"),
    ("https:///path", "http:// or https://"),
    ("https://meet.jit.si/?x=1", "no query or fragment"),
    ("https://meet.jit.si/#room", "no query or fragment"),
    ("https://meet.jit.si?", "no query or fragment"),
    ("https://user:secret@meet.jit.si", "no user name or password"),
    ("https://meet.jit.si:99999", "not a meeting address"),
    ("https://meet jit.si", "not a meeting address"),
    ("https://meet.jit.si/\nX-INJECT:1", "not a meeting address"),
    ("https://" + "a" * 200 + ".org", "not a meeting address"),
])
def test_bad_meeting_bases_are_refused_in_one_line(base, reason):
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        meeting_url(base, ROOM)
    assert "\n" not in str(caught.value) and "or none for no meeting link" in str(caught.value)
    with pytest.raises(ValueError):
        meeting_base(base)


def test_a_room_not_made_by_new_room_is_refused():
    for room in ("", "short", "../../etc", "ROOM-UPPERCASE", "a b c d e f g h", "x" * 65):
        with pytest.raises(ValueError, match="meeting room"):
            meeting_url(DEFAULT_MEETING_BASE, room)


# -- the invite -----------------------------------------------------------------------------------------

def test_invite_is_a_request_with_one_event():
    data = invite(session())
    cal, event = parse(data)
    assert cal["PRODID"] == PRODID and cal["VERSION"] == "2.0" and cal["METHOD"] == "REQUEST"
    assert event["UID"] == "mock-17-abcdefghijklmnopqrstuvwxyz@studybot"
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=1)
    assert event.decoded("DTSTAMP") == NOW
    assert event["SUMMARY"] == "Mock interview: system design with Ann and Bo"
    assert event["DESCRIPTION"] == session().description
    assert event["LOCATION"] == event["URL"] == f"https://meet.jit.si/studybot-{ROOM}"
    assert event["STATUS"] == "CONFIRMED"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["urn:x-studybot:member:1", "mailto:bo@example.org"]
    assert [a.params["CN"] for a in attendees] == ["Ann", "Bo"]
    assert str(event["ORGANIZER"]) == "mailto:noreply@example.org"
    text = data.decode("utf-8")
    # UTC in the Z form, CRLF line ends, lines folded at 75 octets
    assert "\r\nDTSTART:20250304T180000Z\r\n" in text and "\r\nDTEND:20250304T190000Z\r\n" in text
    assert "\r\nDTSTAMP:20250301T093000Z\r\n" in text
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert invite_mime(session()) == "text/calendar; charset=utf-8; method=REQUEST"


def test_times_in_another_zone_are_written_in_utc():
    berlin = ZoneInfo("Europe/Berlin")
    local = datetime(2025, 7, 1, 20, 0, tzinfo=berlin)  # summer time: 18:00 UTC
    data = invite(session(start=local, end=local + timedelta(minutes=45)))
    _, event = parse(data)
    assert b"DTSTART:20250701T180000Z" in data and b"DTEND:20250701T184500Z" in data
    assert event.decoded("DTSTART") == local and event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert b"TZID" not in data and b"VTIMEZONE" not in data


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence():
    first = session()
    moved = replace(first, sequence=1, start=START + timedelta(days=1), end=START + timedelta(days=1, hours=1),
                    stamp=NOW + timedelta(hours=2))
    _, a = parse(invite(first))
    _, b = parse(invite(moved))
    assert a["UID"] == b["UID"]
    assert b.decoded("SEQUENCE") == a.decoded("SEQUENCE") + 1
    assert b.decoded("DTSTART") == START + timedelta(days=1)


def test_a_cancelled_session_is_a_cancel():
    cancelled = session(sequence=2, cancelled=True)
    cal, event = parse(invite(cancelled))
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["UID"] == session().uid
    assert event.decoded("SEQUENCE") == 2
    assert invite_mime(cancelled).endswith("method=CANCEL")


def test_no_meeting_link_means_no_location():
    _, event = parse(invite(session(location=None)))
    assert "LOCATION" not in event and "URL" not in event


def test_member_names_cannot_inject_a_property_or_component():
    evil = session(summary=f"Mock interview with {EVIL}", description=f"Partner: {EVIL}\nBring a pen.",
                   attendees=(Attendee(EVIL, member_address(9)), Attendee("Bo", member_address(2))))
    data = invite(evil)
    cal, event = parse(data)
    assert cal["METHOD"] == "REQUEST"
    assert property_names(event) == property_names(parse(invite(session()))[1])
    assert set(property_names(event)) == EVENT_PROPERTIES
    assert event["UID"] == session().uid
    assert event.decoded("DTSTART") == START
    assert event["SUMMARY"] == plain_line(f"Mock interview with {EVIL}")
    assert event["DESCRIPTION"] == plain_text(f"Partner: {EVIL}\nBring a pen.")
    assert "END:VEVENT\nBEGIN:VEVENT\nUID:stolen" in event["DESCRIPTION"]  # kept, as text
    assert [a.params["CN"] for a in event["ATTENDEE"]] == [plain_line(EVIL).replace("\\", "/"), "Bo"]
    # nothing the member typed starts a line of the file
    lines = data.decode().split("\r\n")
    assert not any(line.startswith(("UID:stolen", "DTSTART:1970", "BEGIN:VEVENT\\")) for line in lines)
    assert sum(line == "BEGIN:VEVENT" for line in lines) == 1


def test_plain_text_drops_control_characters_only():
    assert plain_line("a\r\nb\tc\x00d") == "a  b\tc d"
    assert plain_text("a\r\nb\rc\nd\x00\x1b[31m") == "a\nb\nc\nd[31m"


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_name_round_trips_as_data(name, words):
    inv = session(summary=f"Mock interview with {name}", description=f"{words}\n{name}",
                  attendees=(Attendee(name, member_address(3)),))
    cal, event = parse(invite(inv))
    assert set(property_names(event)) == EVENT_PROPERTIES
    assert event["UID"] == inv.uid and event.decoded("SEQUENCE") == 0 and event.decoded("DTSTART") == START
    assert event["SUMMARY"] == plain_line(inv.summary)
    assert event["DESCRIPTION"] == plain_text(inv.description)
    attendee = event["ATTENDEE"]
    assert str(attendee) == member_address(3)
    assert attendee.params.get("CN", "") == plain_line(name).replace("\\", "/")


@pytest.mark.parametrize(("changes", "reason"), [
    ({"start": datetime(2025, 3, 4, 18, 0)}, "aware"),
    ({"stamp": datetime(2025, 3, 1, 9, 0)}, "aware"),
    ({"end": START}, "after its start"),
    ({"end": START - timedelta(minutes=1)}, "after its start"),
    ({"sequence": -1}, "counts up from 0"),
    ({"uid": ""}, "uid"),
    ({"uid": "mock-1@studybot\r\nX-EVIL:1"}, "uid"),
])
def test_a_bad_invite_is_refused(changes, reason):
    with pytest.raises(ValueError, match=reason):
        invite(session(**changes))
