"""After `forget-me`, a byte scan of the database file and its write-ahead log finds nothing of the
member: not the check-in answers, not the companies (announced or private), not the display name.

Played through `studybot console` as a subprocess that stays up, so the files are scanned while the bot
still has them open, as an attacker with a copy of the volume would see them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.e2e.live_console import START, LiveConsole

NAME = "zephyrine"
SECRETS = (NAME, "unique-checkin-q7x", "unique-blocker-k3v", "Quuxcorp-Zed", "Secretco-Xtwo", "Wizard-of-Q")


def found_in(db: Path) -> dict[str, list[str]]:
    """For each secret, the files (database, -wal) that hold it in any letter case, as UTF-8 bytes."""
    hits: dict[str, list[str]] = {}
    for path in (db, db.with_name(db.name + "-wal")):
        if not path.exists():
            continue
        data = path.read_bytes().lower()
        for secret in SECRETS:
            if secret.lower().encode() in data:
                hits.setdefault(secret, []).append(path.name)
    return hits


def test_forget_me_leaves_no_byte_of_the_member_in_the_database_or_its_wal(tmp_path):
    db = tmp_path / "p.db"
    bot = LiveConsole(db, "--clock", "simulated", "--start", START)
    try:
        bot.ready()
        bot.send("group setup timezone Europe/Paris", "join", f"@{NAME} join", "@bob join",
                 f"@{NAME} checkin done unique-checkin-q7x blockers unique-blocker-k3v",
                 "@bob checkin done bob-was-here",
                 f"@{NAME} apply add Quuxcorp-Zed role Wizard-of-Q",
                 f"@{NAME} apply move quuxcorp-zed offer announce",
                 f"@{NAME} apply add Secretco-Xtwo",
                 f"@{NAME} mock join")
        # to 19:00 Paris: the day's check-in digest, with both answers, is posted and delivered
        out = bot.say(":advance 12h", "bob-was-here")
        assert "unique-blocker-k3v" in out
        bot.say("group stats", "> group stats")
        assert set(found_in(db)) == set(SECRETS), "the scan finds the words while they are stored"
        # Copy them from the log into the database file itself (as the bot's checkpointer does about once
        # a second), so what forget-me must clean is in both: free space in the file's pages, and the log.
        with closing(sqlite3.connect(db)) as con:
            busy, _, _ = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and all(db.name in files for files in found_in(db).values()), found_in(db)

        assert "cannot be undone" in bot.say(f"@{NAME} forget-me", "forget-me confirm")
        assert set(found_in(db)) == set(SECRETS), "asking changes nothing"
        bot.say(f"@{NAME} forget-me confirm", "everything studybot stored about you in this group is deleted")
        assert found_in(db) == {}
        # the bot goes on as before, and the scan stays clean
        bot.say(":advance 1d", "> :advance 1d")
        bot.say("@bob checkin done bob-again", "Checked in")
        assert found_in(db) == {}
        assert (db.read_bytes() + db.with_name("p.db-wal").read_bytes()).count(b"bob-was-here") >= 1
    finally:
        rc, err = bot.close()
    assert rc == 0, err
    assert found_in(db) == {}
