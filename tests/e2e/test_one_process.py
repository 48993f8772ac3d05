"""One process per SQLite file (issue 12, must-have 6), with real processes.

Before: a second process on the same file ran happily (1,000 messages became 1,763 sends); deleting the
file under a running bot lost everything silently, and the next start made an empty database."""

from __future__ import annotations

import os
import shutil

import pytest

from bot.storage.lock import DatabaseGone, DatabaseInUse
from tests.conftest import running_bot
from tests.e2e.live_console import START, LiveConsole, studybot


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_a_second_process_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "s.db"
    first = LiveConsole(db, "--clock", "simulated", "--start", START)
    try:
        first.ready()
        first.say("group setup", "is set up")
        for args in (("console", "--db", str(db)),
                     ("console", "--db", str(db), "--clock", "simulated", "--start", START),
                     ("run", "--platform", "console", "--db", str(db)),
                     ("db", "upgrade", "--db", str(db))):
            second = studybot(*args, stdin="group pause\n")
            assert second.returncode == 2, (args, second.stderr)
            line = _one_line(second.stderr)
            assert line.startswith("studybot: the database ") and "is in use by process " in line, line
            assert str(first.proc.pid) in line
            assert "paused" not in second.stdout
        # the first one never noticed, and its group was never paused
        assert "is paused" in first.say("group pause", "paused")
    finally:
        rc, err = first.close()
    assert rc == 0, err
    # once it has stopped, the next start takes the database
    again = studybot("console", "--db", str(db), stdin="group resume\n")
    assert again.returncode == 0, again.stderr
    assert "running again" in again.stdout


async def test_the_lock_holds_within_one_process_too(tmp_path):
    path = str(tmp_path / "p.db")
    async with running_bot(path):
        with pytest.raises(DatabaseInUse, match="is in use by process"):
            async with running_bot(path):
                pass
    async with running_bot(path):  # released when the first one closed
        pass


def test_run_never_creates_a_database(tmp_path):
    db = tmp_path / "missing.db"
    proc = studybot("run", "--platform", "console", "--db", str(db))
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert line == f"studybot: there is no database at {db}; create it with `studybot db init --db {db}`"
    assert not db.exists() and not (tmp_path / "missing.db-wal").exists()
    # `db init` creates it, once; `run` then opens it
    made = studybot("db", "init", "--db", str(db))
    assert made.returncode == 0 and "created, schema version" in made.stdout, made.stderr
    again = studybot("db", "init", "--db", str(db))
    assert again.returncode == 1 and "already exists and was left as it is" in _one_line(again.stderr)
    ran = studybot("run", "--platform", "console", "--db", str(db), stdin="help roadmap done\n")
    assert ran.returncode == 0, ran.stderr
    assert "roadmap done MILESTONE" in ran.stdout


def test_the_console_creates_its_database_on_first_start(tmp_path):
    db = tmp_path / "first.db"
    proc = studybot("console", "--db", str(db), stdin="group setup\n")
    assert proc.returncode == 0, proc.stderr
    assert "is set up" in proc.stdout and db.exists()


def test_a_running_bot_whose_database_is_removed_stops_with_a_clear_error(tmp_path):
    db = tmp_path / "r.db"
    bot = LiveConsole(db)  # the real clock; nothing more is typed after the removal
    try:
        bot.ready()
        bot.say("group setup", "is set up")
        os.remove(db)
        rc = bot.proc.wait(timeout=30)  # an idle bot looks at its file every couple of seconds
        err = bot.proc.stderr.read()
    finally:
        bot.kill()
    assert rc == 3, err
    line = _one_line(err)
    assert line.startswith(f"studybot: the database file {db} was removed while the bot was running"), line
    assert not db.exists()  # and it did not make a new, empty one in its place


async def test_a_database_replaced_under_a_running_bot_stops_it_at_the_next_command(tmp_path):
    path = tmp_path / "live.db"
    with pytest.raises(DatabaseGone, match="was replaced by another file"):
        async with running_bot(str(path)) as bot:
            await bot.say("group setup")
            shutil.copy(path, tmp_path / "copy.db")
            os.replace(tmp_path / "copy.db", path)  # same name, another file
            await bot.say("join")
            await bot.say("help")  # never reached: the app stopped after the command above
            raise AssertionError("the bot kept running on a replaced database")
