"""Load: 50 concurrent simulated members issuing a realistic command mix against one bot process.

    python bench/bench_load.py                 # 50 users for 60 s
    python bench/bench_load.py --seconds 10    # a shorter run

Each user waits for its reply, thinks for a moment (0 to --think ms, 200 by default: a member clicking
through buttons fast) and sends the next command, all in one process with the real dispatcher, storage
and outbox (the console messenger, printing to nowhere). A second line runs the same users with no
think time at all, which measures the process's capacity.

Before it prints a figure it checks its own result, and exits 1 with one line on stderr unless: the
groups were set up and every member joined, no command failed on our side ("Something went wrong"),
and every `problem solved` answered as a new solve is one more solve in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.console.adapter import ConsoleAdapter  # noqa: E402
from bot.bootstrap import open_app  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.model import Caller  # noqa: E402


def count_solves(path: str) -> int:
    """Solves in the database file, read with plain sqlite3 once the app has closed it (the self-check
    reads the file, not the core)."""
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM solves").fetchone()[0]
    finally:
        con.close()


class Failed(Exception):
    """The run's figures mean nothing: said in one line, exit 1."""


MIX = [  # (weight, command) — what members of a real group type most
    (20, "problem today"), (15, "problem solved {problem} minutes 25 felt ok"), (10, "me"), (10, "leaderboard week"),
    (8, "streak"), (8, "roadmap"), (6, "problem hint"), (6, "problem random medium"), (5, "problem review"),
    (4, "roadmap done {milestone}"), (3, "profile timezone Europe/Paris"), (3, "help"), (2, "leaderboard all"),
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def main(users: int, seconds: float, groups: int, think: float = 0.2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
        path = os.path.join(tmp, "load.db")
        async with open_app(Settings.from_env(db_path=path), clock) as app:
            ConsoleAdapter(app, out=io.StringIO(), interactive=False)
            await app.start()
            problems = sorted(app.content.problems)
            milestones = app.content.roadmap("ml-engineer").milestone_ids()
            for g in range(groups):
                boss = Caller("console", f"org{g}", f"g{g}", f"org{g}", platform_admin=True)
                reply = await app.handle_text(boss, "group setup timezone Europe/Paris post-time 09:00")
                if reply.error:
                    raise Failed(f"group setup: {reply.text}")
            callers = [Caller("console", f"u{i}", f"g{i % groups}", f"u{i}") for i in range(users)]
            for c in callers:
                reply = await app.handle_text(c, "join")
                if reply.error:
                    raise Failed(f"join: {reply.text}")
            await app.advance(timedelta(days=1))  # today's posts exist

            rows, solved_in_all = [], 0
            for label, pause in ((f"think 0-{think * 1000:.0f} ms", think), ("no think time", 0.0)):
                latencies, elapsed, errors, solved = await _run(app, callers, problems, milestones, seconds, pause)
                if errors:
                    raise Failed(f"{label}: {sum(errors.values())} commands failed on our side: {dict(errors)}")
                if not latencies or solved == 0:
                    raise Failed(f"{label}: {len(latencies)} commands and no new solve: nothing was measured")
                rows.append((label, latencies, elapsed, errors))
                solved_in_all += solved
        stored = count_solves(path)  # the app has closed the file
        if stored != solved_in_all:
            raise Failed(f"{solved_in_all} new solves answered, but the database holds {stored}")
    print(f"\nstudybot load benchmark — {datetime.now(UTC):%Y-%m-%d} — {os.cpu_count()} cores, one process")
    print(f"{users} concurrent users in {groups} groups, {seconds:.0f} s per run")
    print(f"{'run':<18}{'commands':>10}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}")
    for label, latencies, elapsed, errors in rows:
        print(f"{label:<18}{len(latencies):>10}{len(latencies) / elapsed:>10.0f}{pct(latencies, .5):>10.2f}"
              f"{pct(latencies, .99):>10.2f}{max(latencies) * 1000:>10.2f}{sum(errors.values()):>8}")
        if errors:
            print("  errors by command:", dict(errors))
    print(f"checked: no command failed on our side; {stored:,} new solves answered = {stored:,} in the database")


async def _run(app, callers, problems, milestones, seconds: float, think: float):
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    solved = 0
    weights = [w for w, _ in MIX]
    stop_at = time.perf_counter() + seconds

    async def member(c: Caller, seed: int) -> None:
        nonlocal solved
        rng = random.Random(seed)
        while time.perf_counter() < stop_at:
            template = rng.choices([t for _, t in MIX], weights)[0]
            text = template.format(problem=rng.choice(problems), milestone=rng.choice(milestones))
            start = time.perf_counter()
            reply = await app.handle_text(c, text)
            latencies.append(time.perf_counter() - start)
            if reply.error and "Something went wrong" in str(reply.text):
                errors[text.split()[0]] += 1
            elif template.startswith("problem solved") and f"{c.name} solved '" in str(reply.text):
                solved += 1
            await asyncio.sleep(rng.random() * think)

    began = time.perf_counter()
    await asyncio.gather(*(member(c, i) for i, c in enumerate(callers)))
    return latencies, time.perf_counter() - began, errors, solved


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--groups", type=int, default=5)
    ap.add_argument("--think", type=float, default=200, help="longest think time between commands, in ms")
    args = ap.parse_args()
    try:
        asyncio.run(main(args.users, args.seconds, args.groups, args.think / 1000))
    except Failed as exc:
        print(f"bench_load FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
