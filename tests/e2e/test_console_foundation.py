"""The console adapter end to end: `studybot console` as a subprocess, fed a script on standard input."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content import load_pack
from tests.e2e.console_script import play


def run_console(tmp_path, script: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(tmp_path / "s.db"), "--clock", "simulated",
         "--start", "2026-03-02T08:00:00+00:00", *extra],
        input=script, capture_output=True, text=True, timeout=120, env=env,
    )


def test_an_organiser_sets_up_and_two_members_join_and_tick_milestones(tmp_path):
    rm = load_pack().roadmap("ml-engineer")
    first, second = rm.stages[0].milestones[0].id, rm.stages[0].milestones[1].id
    proc = run_console(tmp_path, f"""group setup timezone Europe/Berlin post-time 08:30 pace 3
@alice join
@bob join
@alice profile timezone America/New_York target faang level intermediate
@bob profile timezone Asia/Kolkata
@alice roadmap done {first}
@alice roadmap done {second}
@bob roadmap done {first}
@alice roadmap
@bob me
group stats
""")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "> group setup timezone Europe/Berlin post-time 08:30 pace 3" in out  # piped input is echoed
    assert "Study group #study is set up" in out and "Timezone: Europe/Berlin" in out and "Daily problem: 08:30" in out
    assert "Welcome to #study, alice!" in out and "Welcome to #study, bob!" in out
    assert "Timezone: America/New_York" in out and "Target: faang (150 problems)" in out
    assert f"1. {rm.stages[0].title}  " in out and f"2/{len(rm.stages[0].milestones)}" in out
    assert "Members: 2" in out


def test_members_cannot_run_organiser_commands_and_bad_input_gets_usage(tmp_path):
    proc = run_console(tmp_path, """group setup
@alice join
@alice group pause
@alice profile timezone Mars/Olympus
@alice roadmap done no-such-milestone
@alice roadmapp
@alice profile target
:advance 3 days
:advance 1d
""")
    assert proc.returncode == 0
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "'group pause' is for organisers of this group." in out
    assert "'Mars/Olympus' is not an IANA timezone" in out and "usage: profile [timezone TZ]" in out
    assert "There is no milestone 'no-such-milestone'" in out
    assert "Did you mean 'roadmap'?" in out
    assert "'target' needs a value" in out
    assert "is not a duration" in out


def test_a_script_file_and_exit_code(tmp_path):
    script = tmp_path / "week.txt"
    script.write_text("help all\n@zed join\n")
    proc = run_console(tmp_path, "", "--script", str(script))
    assert proc.returncode == 0
    assert "roadmap done MILESTONE" in proc.stdout
    assert "This channel has no study group yet" in proc.stdout


def test_db_upgrade_command(tmp_path):
    db = tmp_path / "u.db"
    # `db upgrade` never creates a database (issue 12): `db init` does, once.
    missing = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "upgrade", "--db", str(db)],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "studybot db init" in missing.stderr and not db.exists()
    proc = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "init", "--db", str(db)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "schema version" in proc.stdout
    again = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "upgrade", "--db", str(db)],
                           capture_output=True, text=True, timeout=60)
    assert "applied 0 migration(s)" in again.stdout


# -- every time in the reader's own zone (issue 14, must-have 1) ----------------------------------------
STAMP = re.compile(r"(?:(\w{3} \d\d \w{3} \d{4}) )?(\d\d:\d\d) UTC((?:[+-]\d\d:\d\d)?)")
RELATIVE = re.compile(r"\b(in \d+ (?:minute|hour|day)s?|\d+ (?:minute|hour|day)s? ago|in a few seconds)\b")


def readers(transcript: str) -> list[tuple[str, str]]:
    """(who reads it, text) for each reply and delivery of a piped transcript: a reply is read by whoever
    typed the line (`@NAME ...`, else the console's user `me`), a DM by its recipient, a channel post by
    the console's user."""
    out: list[tuple[str, list[str]]] = []
    for line in transcript.splitlines():
        if line.startswith(">> @"):
            out.append((line[4:].split()[0], []))
        elif line.startswith(">> #"):
            out.append(("me", []))
        elif line.startswith("> "):
            typed = line[2:]
            out.append((typed.split()[0][1:] if typed.startswith("@") else "me", []))
        elif out:
            out[-1][1].append(line)
    return [(who, "\n".join(lines)) for who, lines in out]


def offsets_read(transcript: str, who: str, zone: str) -> list[str]:
    """Every time shown to `who`, checked against `zone` at that instant; returns their offsets."""
    seen = []
    for reader, text in readers(transcript):
        if reader != who:
            continue
        for day, clock, offset in STAMP.findall(text):
            assert offset, f"{who} was shown a UTC time: {clock} UTC in\n{text}"
            seen.append(offset)
            if day:  # a full stamp: its offset is the zone's own at that instant
                shown = datetime.strptime(f"{day} {clock} {offset}", "%a %d %b %Y %H:%M %z")
                assert shown.astimezone(ZoneInfo(zone)).utcoffset() == shown.utcoffset(), (who, day, clock, offset)
    return seen


def test_each_reader_sees_times_in_their_own_zone_across_the_dst_change(tmp_path):
    # Monday 2 March 07:00 UTC. New York moves from -05:00 to -04:00 on Sunday 8 March (07:00 UTC);
    # Berlin stays at +01:00 until 29 March; Kolkata is +05:30 all along.
    script = """group setup timezone Europe/Berlin post-time 08:30
join
profile timezone Europe/Berlin
@alice join
@alice profile timezone America/New_York
@alice mock join
@alice mock availability add sun 10:00-14:00
@alice problem today
@ravi join
@ravi profile timezone Asia/Kolkata
@ravi mock join
@ravi mock availability add sun 20:00-23:59
@ravi problem today
problem today
:advance 7d
@alice problem today
@alice mock status
:advance 7d
@alice problem today
@ravi problem today
problem today
"""
    out = play(tmp_path / "tz.db", script, "2026-03-02T07:00:00+00:00")
    alice = offsets_read(out, "alice", "America/New_York")
    assert "-05:00" in alice and "-04:00" in alice, alice  # both sides of the change, each where it holds
    assert set(alice) == {"-05:00", "-04:00"}
    assert set(offsets_read(out, "ravi", "Asia/Kolkata")) == {"+05:30"}
    assert set(offsets_read(out, "me", "Europe/Berlin")) == {"+01:00"}  # my replies and the channel's posts
    # Relative stamps count from the simulated clock: 07:00 UTC, half an hour before the 08:30 Berlin post.
    first = next(text for who, text in readers(out) if who == "alice" and RELATIVE.search(text))
    assert "in 30 minutes" in first, first


def test_stamps_render_in_the_readers_zone_with_its_offset():
    from adapters.console.render import Reader, local_text, relative
    from bot.text import Stamp

    now = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    new_york = Reader.of("America/New_York", now)
    at = Stamp.at(now + timedelta(hours=1), "f")
    assert local_text(at, new_york) == "Mon 02 Mar 2026 10:30 UTC-05:00"
    assert local_text(Stamp.at(datetime(2026, 3, 9, 14, 30, tzinfo=UTC)), new_york) == "Mon 09 Mar 2026 10:30 UTC-04:00"
    assert local_text(Stamp.at(now, "t"), Reader.of("Asia/Kolkata")) == "20:00 UTC+05:30"
    assert local_text(Stamp.at(now, "d"), Reader.of("Asia/Kolkata")) == "Mon 02 Mar 2026"
    assert local_text(Stamp.at(now, "D"), Reader.of("Pacific/Auckland")) == "Tuesday 03 March 2026"
    assert local_text(Stamp.at(now, "F"), Reader.of(None)) == "Monday 02 March 2026 14:30 UTC"
    assert local_text(Stamp.at(now, "R"), Reader.of("Mars/Olympus")) == "Mon 02 Mar 2026 14:30 UTC"  # no clock
    assert local_text(Stamp.at(now + timedelta(hours=1), "R"), new_york) == "in 1 hour"
    assert local_text(Stamp.at(now - timedelta(days=2), "R"), new_york) == "2 days ago"
    assert [relative(now + timedelta(seconds=s), now) for s in (10, -100, 5400, 23 * 3600, 40 * 86400)] == [
        "in a few seconds", "2 minutes ago", "in 2 hours", "in 1 day", "in 1 month"]


# -- what the outbox may ask of a platform (edits, events, roles, files) ------------------------------
async def test_the_console_shows_edits_and_saves_files_and_says_what_only_discord_does(tmp_path):
    from bot.reply import Attachment, CalendarEvent, Reply, RoleSync
    from tests.conftest import running_bot

    async with running_bot(str(tmp_path / "e.db")) as bot:
        await bot.script("group setup\njoin\n@alice join")
        app = bot.app

        async def where(store):
            channel_id = await store.links.internal("console", "channel", "study")
            group = await store.groups.by_channel(channel_id)
            return group.id, channel_id, await store.links.internal("console", "user", "alice")

        group_id, channel_id, alice = await app.uow.run(where)
        now = app.clock.now()

        async def queue(store, *messages):
            for key, reply, extra in messages:
                await store.outbox.enqueue(key, reply, now, group_id=group_id, **extra)

        async def send(*messages) -> str:
            start = len(bot.out.getvalue())
            await app.uow.run(lambda store: queue(store, *messages))  # delivered after the commit
            await app.deliver_now()
            return bot.out.getvalue()[start:]

        to_channel = {"channel_id": channel_id}
        shown = await send(("t:post", Reply(text="Solved by 0 members"), to_channel))
        assert shown == ">> #study\nSolved by 0 members\n"
        # Two edits queued together: the newer one shows, once, as an edit of the post.
        shown = await send(("t:post:1", Reply(text="Solved by 1 member"), {**to_channel, "edit_of": "t:post"}),
                           ("t:post:2", Reply(text="Solved by 2 members"), {**to_channel, "edit_of": "t:post"}))
        assert shown == ">> #study (edited)\nSolved by 2 members\n"
        got = await app.uow.run(lambda store: store.outbox.get("t:post:2"))
        assert (got.status, got.ref) == ("delivered", "t:post")  # an edit returns the ref of what it edits

        # A scheduled event and a role change are Discord's: one line each, and no ref.
        start = datetime(2026, 3, 8, 17, 0, tzinfo=UTC)
        event = CalendarEvent("Mock interview: alice and bob", start, start + timedelta(hours=1), "voice")
        shown = await send(("t:event", Reply(event=event), to_channel),
                           ("t:roles", Reply(roles=RoleSync(("Stage 2", "7-day streak"), ("Stage 1", "Stage 2",
                                                                                             "7-day streak"))),
                            {"user_id": alice}))
        assert shown.splitlines() == [
            ">> #study (event: Mock interview: alice and bob, Sun 08 Mar 2026 17:00 UTC)",
            ">> @alice (roles: Stage 2, 7-day streak)"]
        assert (await app.uow.run(lambda store: store.outbox.get("t:event"))).ref is None

        # Files go to files/ beside the database, under their own plain name, and the path is printed.
        data = b"name,solves\nalice,3\n"
        shown = await send(("t:file", Reply(text="The export", files=[Attachment("../group.csv", data, "text/csv")]),
                            {"user_id": alice}))
        saved = tmp_path / "files" / "group.csv"
        assert saved.read_bytes() == data
        assert f"(saved {saved}, {len(data)} bytes)" in shown and shown.startswith(">> @alice\nThe export\n")
        # ... and so does a reply to a command.
        before = len(bot.out.getvalue())
        bot.adapter.show(Reply(text="Here it is", files=[Attachment("export.csv", b"x\n", "text/csv")]))
        assert (tmp_path / "files" / "export.csv").read_bytes() == b"x\n"
        assert f"(saved {tmp_path / 'files' / 'export.csv'}, 2 bytes)" in bot.out.getvalue()[before:]
