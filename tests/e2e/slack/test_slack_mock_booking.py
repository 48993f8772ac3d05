"""Issue 15 §3 and §7 on Slack through the real flow: the real bolt app against the fake Slack, and only
`/study` commands. Two members in two timezones mark overlapping free hours and join pairing; the
organiser's `group pair-now` pairs them; each pairing DM arrives with the session's calendar invite
uploaded into the DM (files_upload_v2, parsed back with `icalendar`); once both confirmed, chat.update
takes the Confirm button off the earlier pairing DMs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from icalendar import Calendar
from slack_fake import ADA, BOB, CAROL
from slack_harness import buttons_of, response, text_of

from tests.units import units

ZONES = {BOB: "Europe/London", CAROL: "America/New_York"}
# Saturday 7 Mar 2026, both still on winter time: the same hours in UTC, 14:00-18:00.
WINDOWS = {BOB: "14:00-18:00", CAROL: "09:00-13:00"}
SLACK_DATE = re.compile(r"<!date\^(\d+)\^")


def dm_of(user: str) -> str:
    return "D" + user[1:]


def said(bot, answer) -> str:
    return text_of(response(bot.fake, answer))


def labels(message: dict) -> list[str]:
    return [b["text"]["text"] for b in buttons_of(message)]


def stamps(text: str) -> list[datetime]:
    return [datetime.fromtimestamp(int(epoch), UTC) for epoch in SLACK_DATE.findall(text)]


def pairing_dm(fake, user: str) -> dict:
    (message,) = [m for m in fake.messages.get(dm_of(user), []) if "Mock interview this week" in text_of(m)]
    return message


async def the_session(bot):
    (group,) = await units(bot.app).groups.all()
    (session,) = await units(bot.app).mock.group_sessions(group.id, datetime(2026, 1, 1, tzinfo=UTC))
    return session


async def set_up_and_pair(bot) -> None:
    text = said(bot, await bot.slash("group setup timezone UTC", user=ADA))
    assert "UTC" in text, text
    for user in (BOB, CAROL):
        assert "Welcome" in said(bot, await bot.slash("join", user=user))
        assert "Updated your timezone" in said(bot, await bot.slash(f"profile timezone {ZONES[user]}", user=user))
        assert "you're in" in said(bot, await bot.slash("mock join", user=user))
        text = said(bot, await bot.slash(f"mock availability add sat {WINDOWS[user]}", user=user))
        assert f"Added sat {WINDOWS[user]} in your timezone" in text, text
    await bot.app.deliver_now()
    text = said(bot, await bot.slash("group pair-now", user=ADA))
    assert "Paired:" in text and "bob" in text.lower() and "carol" in text.lower(), text
    await bot.app.deliver_now()


async def test_the_pairing_dm_comes_with_the_invite_and_confirming_updates_it_in_place(sbot):
    fake, app = sbot.fake, sbot.app
    await set_up_and_pair(sbot)
    session = await the_session(sbot)
    pairing = {u: pairing_dm(fake, u) for u in (BOB, CAROL)}

    uploads = fake.recorded("files.completeUploadExternal")
    uids = set()
    for user in (BOB, CAROL):
        message = pairing[user]
        assert "Confirm" in labels(message), labels(message)
        (shared,) = fake.shared[dm_of(user)]
        kept = fake.files[shared]
        assert kept["filename"] == f"mock-{session.id}.ics" and kept["channel"] == dm_of(user)
        cal = Calendar.from_ical(kept["data"])
        (event,) = cal.walk("VEVENT")
        assert str(cal["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == session.sequence == 0
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert start.utcoffset().total_seconds() == 0, "in UTC"
        assert (start, end) == (session.starts_at, session.ends_at), "the slot as stored"
        assert stamps(text_of(message))[:2] == [start, end], "and as the DM shows it"
        assert str(event["LOCATION"]).startswith("https://meet.jit.si/studybot-")
        assert str(event["LOCATION"]) in text_of(message)
        uids.add(str(event["UID"]))
    assert len(uids) == 1 and len(uploads) == 2, "one upload per DM, one UID for the session"
    assert sorted(c.params["channel_id"] for c in uploads) == sorted(dm_of(u) for u in (BOB, CAROL))
    assert not fake.recorded("chat.update")

    text = said(sbot, await sbot.slash("mock confirm", user=BOB))
    assert "Confirmed session" in text, text
    await app.deliver_now()
    before = len(fake.messages[dm_of(BOB)])
    assert "Confirm" not in labels(pairing_dm(fake, BOB)), "updated in place once Bob confirmed"
    assert "Confirm" in labels(pairing_dm(fake, CAROL)), "Carol has still to"

    text = said(sbot, await sbot.slash("mock confirm", user=CAROL))
    assert "everyone" in text or "Confirmed session" in text, text
    await app.deliver_now()
    updates = fake.recorded("chat.update")
    for user in (BOB, CAROL):
        mine = [c for c in updates if c.params["channel"] == dm_of(user)]
        assert mine and {c.params["ts"] for c in mine} == {pairing[user]["ts"]}, "the pairing DM, by its ts"
        now_shows = pairing_dm(fake, user)
        assert now_shows["ts"] == pairing[user]["ts"] and now_shows["edits"] >= 1
        assert "Confirm" not in labels(now_shows) and "Can't make it" in labels(now_shows)
        assert "everyone" in text_of(now_shows), text_of(now_shows)
    assert "Confirm" not in labels(fake.messages[dm_of(BOB)][-1]), "the later message carries none either"
    assert len(fake.messages[dm_of(BOB)]) == before + 1, "Carol's confirmation: one new DM, edits in place"
    assert len(fake.shared[dm_of(BOB)]) == 1, "a confirmation changes no invite: no new file"
