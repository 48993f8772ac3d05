"""Crash safety: the console bot is SIGKILLed at random moments while it posts and delivers, restarted,
and killed again; in the end every group has exactly one daily post per local day and every outbox
message reached the platform once.

The platform here is the console's deliveries file, which records each idempotency key durably before
showing the message and accepts a repeated key silently, as Discord does with a message nonce.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONES = ["Europe/Paris", "Europe/Helsinki", "Asia/Dubai", "Asia/Kolkata", "Asia/Tokyo"]
START = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # before 09:00 local in every zone above
DAYS = 10


def script() -> str:
    lines = []
    for g, tz in enumerate(ZONES, start=1):
        lines += [f":channel g{g}", f"@org{g} group setup timezone {tz} post-time 09:00 ml-days none"]
        lines += [f"@m{g}x{i} join" for i in range(6)]
    step = START
    while step < START + timedelta(days=DAYS):
        step += timedelta(hours=1)
        lines.append(f":until {step.isoformat()}")
    return "\n".join(lines) + "\n"


def run(tmp_path, kill_after: tuple[int, int] | None) -> int:
    """Run the script; with kill_after=(k, extra), SIGKILL a few lines after the k-th delivery shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(tmp_path / "c.db"), "--clock", "simulated",
         "--start", START.isoformat(), "--deliveries", str(tmp_path / "deliveries.tsv")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    proc.stdin.write(script())
    proc.stdin.close()
    deliveries, countdown = 0, None
    for line in proc.stdout:
        if kill_after is None:
            continue
        if line.startswith(">> "):
            deliveries += 1
            if deliveries == kill_after[0]:
                countdown = kill_after[1]
        if countdown is not None:
            if countdown <= 0:
                proc.send_signal(signal.SIGKILL)
                break
            countdown -= 1
    proc.stdout.close()
    rc = proc.wait(timeout=120)
    err = proc.stderr.read()
    proc.stderr.close()
    assert "Traceback" not in err, err[-3000:]
    return rc


def expected_days(tz: str, end: datetime) -> list[date]:
    days, d = [], START.astimezone(ZoneInfo(tz)).date()
    while True:
        post = datetime(d.year, d.month, d.day, 9, tzinfo=ZoneInfo(tz))
        if post > end:
            return days
        if post > START:
            days.append(d)
        d += timedelta(days=1)


def test_sigkill_during_fan_out_and_delivery(tmp_path):
    rng = random.Random(20261126)
    kills = 0
    for _ in range(10):
        rc = run(tmp_path, kill_after=(rng.randint(1, 5), rng.randint(0, 3)))
        kills += rc == -signal.SIGKILL
    assert run(tmp_path, kill_after=None) == 0  # the last run finishes the script
    assert kills >= 8  # most runs really were killed mid-way

    db = sqlite3.connect(tmp_path / "c.db")
    end = datetime.fromisoformat(db.execute("SELECT value FROM runtime WHERE key='simulated_now'").fetchone()[0])
    assert end == START + timedelta(days=DAYS)
    for g, tz in enumerate(ZONES, start=1):
        gid = db.execute("SELECT g.id FROM groups g JOIN links l ON l.internal_id = g.channel_id "
                         "WHERE l.kind='channel' AND l.external_id=?", (f"g{g}",)).fetchone()[0]
        posted = [date.fromisoformat(r[0]) for r in
                  db.execute("SELECT local_date FROM daily_posts WHERE group_id=? ORDER BY local_date", (gid,))]
        assert posted == expected_days(tz, end), tz

    keys = [line.split("\t")[0] for line in (tmp_path / "deliveries.tsv").read_text().splitlines()]
    assert len(keys) == len(set(keys))  # nothing reached the platform twice
    rows = dict(db.execute("SELECT key, status FROM outbox"))
    assert set(rows.values()) == {"delivered"}  # nothing left behind
    assert set(keys) == set(rows)  # nothing lost
    assert sum(k.startswith("daily:") for k in keys) == sum(len(expected_days(tz, end)) for tz in ZONES)
