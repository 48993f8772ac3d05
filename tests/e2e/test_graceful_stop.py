"""`studybot run` stops cleanly on SIGTERM (Docker, systemd) and SIGINT (Ctrl-C): no new command is
taken, the one in flight finishes, delivery ends, the database is checkpointed and closed, and the
process exits 0 within 5 s, leaving no heartbeat behind."""

from __future__ import annotations

import signal
import sqlite3

import pytest

from tests.e2e.live_console import LiveConsole, studybot


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_bot_cleanly_within_five_seconds(tmp_path, sig):
    db = tmp_path / "g.db"
    assert studybot("db", "init", "--db", str(db)).returncode == 0
    bot = LiveConsole(db, command="run", env={"STUDYBOT_PLATFORM": "console"})
    try:
        bot.ready()
        bot.say("group setup", "is set up")
        bot.say("join", "> join")
        bot.proc.send_signal(sig)
        rc = bot.proc.wait(timeout=5)  # the promise: gone within 5 s (TimeoutExpired fails the test)
        err = bot.proc.stderr.read()
    finally:
        bot.kill()
    assert rc == 0, err
    assert "Traceback" not in err, err
    # closed and checkpointed: the log is empty (or gone) and the file holds the group
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM groups").fetchone()[0] == 1
    # and it took its heartbeat with it: `studybot health` now says the bot is not running
    assert not db.with_name(db.name + ".heartbeat").exists()
    assert "no heartbeat" in studybot("health", "--db", str(db)).stderr
