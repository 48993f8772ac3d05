"""Crash soak: the crash-restart test's loop, 100 times, with the counts printed.

    python bench/crash_soak.py [--iterations 100] [--per-world 10] [--seed N]

A "world" is the console bot playing 5 groups over 10 simulated days; it is SIGKILLed a few lines
after a random delivery, restarted, killed again (--per-world times), then a last run finishes the
script. Each world is checked; the totals are printed: runs killed, daily posts expected and made,
outbox messages, and how many were lost, duplicated or left pending (all three should be 0).

After printing the counts it exits 1 with one line on stderr unless they hold: no daily post missing or
extra, no message lost, duplicated or left pending, messages did reach the platform, and at least one
run was really killed mid-way (else nothing was soaked).
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.test_crash_restart import ZONES, expected_days, run  # noqa: E402


def world(tmp_path: Path, rng: random.Random, kills_wanted: int) -> dict[str, int]:
    kills = 0
    for _ in range(kills_wanted):
        kills += run(tmp_path, kill_after=(rng.randint(1, 5), rng.randint(0, 3))) == -signal.SIGKILL
    run(tmp_path, kill_after=None)
    db = sqlite3.connect(tmp_path / "c.db")
    end = datetime.fromisoformat(db.execute("SELECT value FROM runtime WHERE key='simulated_now'").fetchone()[0])
    expected = made = wrong = 0
    for g, tz in enumerate(ZONES, start=1):
        gid = db.execute("SELECT g.id FROM groups g JOIN links l ON l.internal_id = g.channel_id "
                         "WHERE l.kind='channel' AND l.external_id=?", (f"g{g}",)).fetchone()[0]
        posted = [date.fromisoformat(r[0]) for r in
                  db.execute("SELECT local_date FROM daily_posts WHERE group_id=? ORDER BY local_date", (gid,))]
        want = expected_days(tz, end)
        expected += len(want)
        made += len(posted)
        wrong += posted != want
    keys = [ln.split("\t")[0] for ln in (tmp_path / "deliveries.tsv").read_text().splitlines()]
    rows = dict(db.execute("SELECT key, status FROM outbox"))
    db.close()
    return {"runs": kills_wanted + 1, "killed": kills, "expected": expected, "made": made, "wrong groups": wrong,
            "messages": len(rows), "reached": len(set(keys)), "lost": len(set(rows) - set(keys)),
            "duplicated": len(keys) - len(set(keys)), "pending": sum(v != "delivered" for v in rows.values())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--per-world", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    began = time.perf_counter()
    totals: dict[str, int] = {}
    for _ in range(max(1, args.iterations // args.per_world)):
        with tempfile.TemporaryDirectory() as tmp:
            for k, v in world(Path(tmp), rng, args.per_world).items():
                totals[k] = totals.get(k, 0) + v
    print(f"crash soak: {totals['runs']} runs in {time.perf_counter() - began:.0f} s, "
          f"{totals['killed']} killed by SIGKILL mid-way")
    print(f"daily posts: expected {totals['expected']}, made {totals['made']}, "
          f"groups with a missing or extra day: {totals['wrong groups']}")
    print(f"outbox messages: {totals['messages']}; reached the platform {totals['reached']}; lost {totals['lost']}; "
          f"duplicated {totals['duplicated']}; still pending {totals['pending']}")
    problems = [f"{totals[k]} {k}" for k in ("wrong groups", "lost", "duplicated", "pending") if totals[k]]
    if totals["made"] != totals["expected"]:
        problems.append(f"{totals['made']} daily posts made of {totals['expected']} expected")
    if totals["reached"] == 0 or totals["messages"] == 0:
        problems.append("no message reached the platform")
    if totals["killed"] == 0:
        problems.append("no run was killed mid-way")
    if problems:
        print(f"crash_soak FAILED: {'; '.join(problems)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
