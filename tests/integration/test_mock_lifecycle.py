"""The mock-interview lifecycle of issue 15, driven through the console adapter in-process: one session per
member per week, ending sessions properly, confirmation, honest no-shows, shared free time, booking
(meeting link, calendar invite, platform event) and matching that explains itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from icalendar import Calendar

from bot.services import mock as svc

TRIO_AVOIDED = """
profile level intermediate
@alice profile level intermediate
@bob profile level advanced
mock join
@alice mock join
@bob mock join
mock prefs coding
@alice mock prefs coding
@bob mock prefs coding
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
@bob mock availability add sat 10:00-12:00
@bob mock avoid me
"""  # bob avoids me and is a level above: me and alice are paired, bob sits out (no trio with me), free when
# alice is


async def _outbox(bot, like: str) -> list[tuple[str, dict, str | None]]:
    rows = await bot.app.db.all("SELECT key, payload, edit_of FROM outbox WHERE key LIKE ? ORDER BY id", (like,))
    return [(r[0], json.loads(r[1]), r[2]) for r in rows]


def _ics(payload: dict) -> Calendar:
    import base64

    (f,) = payload["files"]
    assert f["filename"].endswith(".ics") and f["mime"] == "text/calendar"
    return Calendar.from_ical(base64.b64decode(f["data"]))


async def _member_id(bot, name: str) -> int:
    return await bot.app.db.scalar("SELECT id FROM members WHERE name=?", (name,))


async def _session(bot, session_id: int) -> tuple[str, str, str, int]:
    row = await bot.app.db.one("SELECT starts_at, ends_at, status, sequence FROM mock_sessions WHERE id=?",
                               (session_id,))
    return row[0], row[1], row[2], row[3]


# -- availability ---------------------------------------------------------------------------------------
async def test_windows_merge_when_they_overlap_or_touch_and_can_be_removed_in_part(group):
    out = await group.script("""
mock availability add sat 10:00-12:00
mock availability add sat 11:00-13:00
mock availability add sat 13:00-14:00
""")
    assert out.rstrip().endswith("Availability: sat 10:00-14:00 (Europe/Paris)"), out
    assert "already have" in await group.say("mock availability add sat 10:30-11:30")
    out = await group.say("mock availability remove sat 11:00-12:00")
    assert "Availability: sat 10:00-11:00, sat 12:00-14:00 (Europe/Paris)" in out
    out = await group.say("mock availability remove sat 10:00-10:30")  # what is left is under an hour: gone
    assert "Availability: sat 12:00-14:00 (Europe/Paris)" in out
    assert "no window on sun" in await group.say("mock availability remove sun 10:00-11:00")
    assert await group.app.db.scalar("SELECT COUNT(*) FROM mock_availability") == 1


# -- one session per member per week --------------------------------------------------------------------
async def test_pair_now_again_cancels_the_weeks_sessions_tells_everyone_and_pairs_afresh(group):
    await group.script(TRIO_AVOIDED)
    first = await group.say("group pair-now")
    assert first.count("Mock interview this week") == 2 and "Sat out: bob (odd count)" in first
    out = await group.say("group pair-now again")
    assert "Cancelled first: 1 session, and everyone in them told." in out
    assert out.count("Mock interview cancelled: pairing again") == 2
    assert ">> @me\nMock interview cancelled: pairing again" in out
    assert ">> @alice\nMock interview cancelled: pairing again" in out
    assert await group.app.db.scalar("SELECT COUNT(*) FROM mock_sessions WHERE status='scheduled'") == 1
    # bob sat out last time, so he is paired now (with alice: he avoids me).
    assert re.search(r"Paired: (alice and bob|bob and alice) \(coding", out), out
    cancels = [_ics(p) for _, p, _ in await _outbox(group, "mock:1:%:repaired")]
    assert len(cancels) == 2 and all(c["METHOD"] == "CANCEL" for c in cancels)


# -- leaving ends things properly -----------------------------------------------------------------------
async def test_mock_leave_cancels_tells_the_partner_and_offers_who_sat_out(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")
    out = await group.say("mock leave")
    assert "You left mock-interview pairing" in out and "1 session cancelled" in out
    assert ">> @alice\nMock interview cancelled\nme left mock-interview pairing, so your mock interview" in out
    assert "Someone who sat out this round is free at the same time as you" in out
    bob = await _member_id(group, "bob")
    assert f"[Pair me with bob: mock rematch member:{bob}]" in out
    assert await group.app.db.scalar("SELECT status FROM mock_sessions WHERE id=1") == "cancelled"
    # The partner's earlier pairing DM is edited: cancelled, no buttons.
    edits = await _outbox(group, "mock:1:%:pair:edit:%")
    assert edits and all(e == k.split(":edit:")[0] for k, _, e in edits)
    assert all(not p["buttons"] and "Cancelled" in json.dumps(p["title"]) for _, p, _ in edits)
    out = await group.say(f"@alice mock rematch member:{bob}")
    assert "Paired with bob" in out and ">> @bob\nMock interview this week: coding with alice" in out
    assert "already have a session" in await group.say(f"@alice mock rematch member:{bob}")


async def test_forget_me_path_tells_the_partner_without_naming_who_left(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")

    async def end(store):
        grp = await store.groups.get(1)
        me = await store.members.get(await _member_id(group, "me"))
        return await svc.end_member_sessions(store, group.app.content, grp, me, group.clock.now(), "forget")

    assert await group.app.uow.run(end) == 1
    out = await group.say("forget-me confirm")
    (_, cancelled, _), = await _outbox(group, "mock:1:%:cancelled")
    text = json.dumps(cancelled)
    assert "Your partner left the group" in text and '"me"' not in text
    assert "Done" in out


async def test_cancel_in_a_trio_goes_on_as_a_pair(group):
    await group.script(TRIO_AVOIDED.replace("@bob mock avoid me\n", ""))
    out = await group.say("group pair-now")
    assert out.count("Three turns") == 3
    out = await group.say("@bob mock cancel")
    assert "Cancelled your place in session 1" in out and "the others are told" in out
    assert out.count("Your mock interview goes on as a pair") == 2
    assert await group.app.db.scalar("SELECT COUNT(*) FROM mock_seats WHERE session_id=1") == 2
    assert await _session(group, 1) == (*(await _session(group, 1))[:2], "scheduled", 1)


# -- confirmation that reads right ----------------------------------------------------------------------
async def test_both_confirmed_means_no_confirm_button_and_the_pairing_dms_are_edited(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")
    await group.say("mock confirm")
    out = await group.say("@alice mock confirm")
    assert "everyone has, so it is on" in out and "Confirmed session 1" in out
    edits = await _outbox(group, "mock:1:%:pair:edit:%")
    latest = {e: p for _, p, e in edits}  # the newest edit of each pairing DM
    assert set(latest) == {f"mock:1:{await _member_id(group, n)}:pair" for n in ("me", "alice")}
    for payload in latest.values():
        assert [b["label"] for b in payload["buttons"]] == ["Propose another slot", "Can't make it"]
    status = await group.say("mock status")
    assert "Session 1: coding with alice" in status and "confirmed by everyone" in status
    assert "[Confirm:" not in status
    reminders = await group.say(":advance 5d")
    assert reminders.count("Reminder: mock interview tomorrow") == 2 and "[Confirm:" not in reminders


async def test_propose_with_no_time_lists_every_shared_hour_and_a_session_number_chooses(group):
    await group.script("""
mock join
@alice mock join
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
mock availability add thu 15:00-16:00
@alice mock availability add thu 15:00-17:00
mock availability add fri 09:00-09:45
@alice mock availability add fri 09:00-10:00
""")
    await group.say("group pair-now")
    out = await group.say("mock propose")
    # Thursday's shared hour is listed though it is shorter than the session; Friday's 45 minutes are not.
    assert "Free hours you share this week: 2 windows" in out, out
    assert "• Thu 05 Mar 2026 15:00" in out and "Fri 06 Mar" not in out
    assert "[Thu 15:00: mock propose thu 15:00 session 1]" in out
    out = await group.say("mock propose thu 15:00 session 1")
    assert "Thu 05 Mar 2026 15:00" in out and "outside" not in out
    assert "No session" not in out and "is not one of yours" in await group.say("mock confirm 99")


# -- honest no-shows ------------------------------------------------------------------------------------
async def test_a_disputed_no_show_counts_for_no_one_and_organisers_see_it(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")
    await group.say(":advance 6d")  # past Saturday's slot
    out = await group.say("mock feedback alice no-show")
    assert "They can dispute it for 48 hours" in out
    assert ">> @alice\nA partner reported that you did not come" in out and "[I was there: mock dispute 1]" in out
    out = await group.say("@alice mock dispute")
    assert "Disputed: the no-show report about session 1" in out
    assert ">> @me\nalice says they took part in session 1" in out
    await group.say(":advance 3d")  # the 48 hours pass: nothing counts
    assert await group.app.db.scalar("SELECT no_shows FROM mock_members m JOIN members x ON x.id=m.member_id "
                                     "WHERE x.name='alice'") == 0
    status = await group.say("mock status")  # me is the console's own user: an organiser
    assert "Disputed no-show reports (organisers): Session 1: me reported alice absent; disputed" in status
    assert "Disputed no-show" not in await group.say("@alice mock status")


async def test_a_report_about_someone_who_said_they_took_part_is_disputed_at_once(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")
    await group.say(":advance 6d")
    assert "Noted: you took part in session 1" in await group.say("@alice mock confirm")
    out = await group.say("mock feedback alice no-show")
    assert "had already said they took part" in out and "counts for no one" in out
    await group.say(":advance 3d")
    assert await group.app.db.scalar("SELECT report FROM mock_feedback") == "disputed"


# -- the rubric of the session's kind -------------------------------------------------------------------
async def test_a_system_design_prompt_rates_its_own_criteria_and_names_the_role(group):
    await group.script(TRIO_AVOIDED.replace("coding", "system-design").replace("@bob mock avoid me\n", ""))
    await group.say("group pair-now")
    out = await group.say(":advance 6d")
    prompts = [b for b in out.split(">> @")[1:] if "How did " in b]
    assert len(prompts) == 3
    for body in prompts:
        assert "Coding" not in body and "Testing" not in body and "correct, readable code" not in body
        for title in ("Requirements", "High-level design", "Deep dive and trade-offs", "Scale and bottlenecks"):
            assert title in body, (title, body)
        # A trio: each reader rates the one they interviewed and the one they observed, by role.
        assert "the candidate you interviewed" in body and "the candidate you observed" in body
        assert "strong-hire, hire, lean-no, no" in body
    assert "4 ratings for 5 criteria" in await group.say("mock feedback alice 3,3,3,3 hire")


# -- matching that explains itself ------------------------------------------------------------------------
async def test_who_sat_out_learns_why_and_the_hours_others_keep_free(group):
    await group.script("""
mock join
@alice mock join
@bob mock join
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
@bob mock availability add mon 06:00-07:00
""")
    out = await group.say("group pair-now")
    body = out.split(">> @bob\n")[1].split(">> @")[0]
    assert "nobody free to be paired with you had a free hour that matches yours" in body
    assert "Hours most others keep free (your time): Sat 10:00–11:00" in body
    assert "[Add sat 10:00-11:00: mock availability add sat 10:00-11:00]" in body
    assert "Sat out: bob (no shared free hour)" in out
    await group.say("@alice mock snooze 2")
    out = await group.say(":advance 7d")
    assert ">> @alice\nMock interviews: you sit out this week\nYou sit out this round: you snoozed pairing" in out
    assert "You sit out 1 more round after this one." in out


async def test_round_figures_for_the_digest(group):
    await group.script(TRIO_AVOIDED)
    await group.say("group pair-now")
    await group.say(":advance 6d")
    await group.say("mock feedback alice 3,3,3,3 hire")

    async def figures(store):
        return await svc.round_figures(store, 1, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))

    got = await group.app.uow.run(figures)
    assert (got.paired, got.sat_out, got.held, got.missed, got.no_shows) == (2, 1, 1, 0, 0)
    assert got.no_show_rate == 0
    assert got.fields()[0].value == "2 members paired, 1 sat out, 1 session held, no-show rate 0%"


# -- booking --------------------------------------------------------------------------------------------
async def test_the_invite_follows_the_session_and_the_group_sets_links_and_events(group):
    out = await group.say("group setup meeting-url ftp://example.org")
    assert "http" in out and "updated" not in out
    out = await group.say("group setup meeting-url https://meet.example.org/ discord-events on")
    assert "Mock meeting links: https://meet.example.org/…" in out and "Discord events for mock sessions: on" in out
    await group.script(TRIO_AVOIDED)
    out = await group.say("group pair-now")
    assert "Meeting: https://meet.example.org/studybot-" in out
    (_, first, _), = await _outbox(group, "mock:1:event")
    assert first["event"]["location"].startswith("https://meet.example.org/studybot-")
    pairs = await _outbox(group, "mock:1:%:pair")
    invites = [_ics(p) for _, p, _ in pairs]
    uids = {str(c.walk("VEVENT")[0]["UID"]) for c in invites}
    assert len(uids) == 1
    start, end, _, _ = await _session(group, 1)
    event = invites[0].walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime.fromisoformat(start) and event.decoded("DTSTART").tzinfo is not None
    assert event.decoded("DTEND") == datetime.fromisoformat(end) and int(event["SEQUENCE"]) == 0
    assert str(event["LOCATION"]).startswith("https://meet.example.org/studybot-")

    await group.say("mock propose sat 10:30")
    await group.say("@alice mock confirm")
    moved = [_ics(p) for _, p, _ in await _outbox(group, "mock:1:%:moved:1")]
    assert len(moved) == 2
    event = moved[0].walk("VEVENT")[0]
    assert str(event["UID"]) in uids and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART").astimezone(UTC).hour == 9 and event.decoded("DTSTART").minute == 30
    (_, edit, edit_of), = await _outbox(group, "mock:1:event:1")
    assert edit_of == "mock:1:event" and not edit["event"]["cancelled"]

    await group.say("@alice mock cancel")
    (_, cancelled, _), = await _outbox(group, "mock:1:%:cancelled")
    cal = _ics(cancelled)
    assert cal["METHOD"] == "CANCEL" and int(cal.walk("VEVENT")[0]["SEQUENCE"]) == 2
    assert str(cal.walk("VEVENT")[0]["UID"]) in uids
    (_, gone, edit_of), = await _outbox(group, "mock:1:event:2:cancel")
    assert edit_of == "mock:1:event" and gone["event"]["cancelled"]

    out = await group.say("group setup meeting-url none")
    assert "Mock meeting links: none" in out
