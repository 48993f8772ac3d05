"""Daily-practice benchmark: command latency on a big database, the daily fan-out, and commit ceilings.

    python bench/bench_daily.py            # 200 groups x 500 members x 180 days (several minutes to build)
    python bench/bench_daily.py --quick    # 20 x 100 x 60, for a smoke run

Prints figures; asserts nothing. Ratios are against ceilings measured in the same run on the same disk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import open_app  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content import load_pack  # noqa: E402
from bot.domain.model import Caller  # noqa: E402
from bot.services.daily import post_daily  # noqa: E402
from bot.storage.db import open_database  # noqa: E402

START = datetime(2026, 1, 5, 8, tzinfo=UTC)
PLATFORM = "bench"
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "America/Los_Angeles", "Asia/Tokyo"]


def build(path: str, groups: int, members: int, days: int, seed: int = 7) -> None:
    asyncio.run(_migrate(path))
    rng = random.Random(seed)
    pack = load_pack()
    problems = list(pack.problems.values())
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    iso = lambda d: d.isoformat(timespec="microseconds")  # noqa: E731
    with Progress() as progress:
        task = progress.add_task("building database", total=groups)
        user_id = 0
        for g in range(1, groups + 1):
            tz = ZONES[g % len(ZONES)]
            con.execute("INSERT INTO channels (id, name) VALUES (?, ?)", (g, f"c{g}"))
            con.execute("INSERT INTO links VALUES (?, 'channel', ?, ?)", (PLATFORM, f"c{g}", g))
            con.execute(
                "INSERT INTO groups (id, channel_id, name, timezone, created_at, ml_days) VALUES (?,?,?,?,?, '')",
                (g, g, f"#c{g}", tz, iso(START)),
            )
            users, mems, solves, posts = [], [], [], []
            for _ in range(members):
                user_id += 1
                users.append((user_id, f"u{user_id}", iso(START)))
                mems.append((user_id, g, user_id, f"u{user_id}", tz, iso(START)))
                order = rng.sample(problems, k=min(len(problems), days))
                for d in range(days):
                    if rng.random() < 0.5 and order:
                        p = order.pop()
                        at = START + timedelta(days=d, hours=rng.randint(0, 12))
                        solves.append((user_id, g, p.id, p.difficulty, 20, "ok", iso(at), (at.date()).isoformat()))
            for d in range(days):
                p = problems[(g * 31 + d) % len(problems)]
                posts.append((g, (START.date() + timedelta(days=d)).isoformat(), p.id, p.difficulty, p.pattern,
                               iso(START + timedelta(days=d))))
            con.executemany("INSERT INTO users (id, name, created_at) VALUES (?,?,?)", users)
            con.executemany("INSERT INTO links VALUES ('bench', 'user', ?, ?)", [(f"u{u[0]}", u[0]) for u in users])
            con.executemany(
                "INSERT INTO members (id, group_id, user_id, name, timezone, joined_at) VALUES (?,?,?,?,?,?)", mems
            )
            con.executemany(
                "INSERT INTO solves (member_id, group_id, problem_id, difficulty, minutes, felt, solved_at, local_date) "
                "VALUES (?,?,?,?,?,?,?,?)", solves,
            )
            con.executemany(
                "INSERT INTO daily_posts (group_id, local_date, item_id, kind, difficulty, pattern, posted_at) "
                "VALUES (?,?,?,'problem',?,?,?)", posts,
            )
            con.commit()
            progress.advance(task)
    con.execute("ANALYZE")
    con.commit()
    con.close()


async def _migrate(path: str) -> None:
    async with open_database(path):
        pass


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def measure(path: str, groups: int, members: int, days: int, samples: int) -> dict:
    rng = random.Random(11)
    clock = SimulatedClock(START + timedelta(days=days, hours=2))
    results: dict = {}
    # Opening the app builds the member stats of the solves `build` wrote behind its back, as it does
    # for a database from before they were kept (timed: it is the upgrade's one-off cost).
    t0 = time.perf_counter()
    async with open_app(Settings(db_path=path), clock) as app:
        results["stats"] = time.perf_counter() - t0
        pack = app.content

        def caller() -> Caller:
            g = rng.randint(1, groups)
            u = (g - 1) * members + rng.randint(1, members)
            return Caller(platform=PLATFORM, user=f"u{u}", channel=f"c{g}", name=f"u{u}")

        # Today's posts, so `problem today` has something to show (the fan-out, timed).
        t0 = time.perf_counter()
        for g in range(1, groups + 1):
            await post_daily(app.db, pack, clock.now(), g)
        results["fan-out"] = time.perf_counter() - t0

        ids = list(pack.problems)
        for name, text in [("problem today", lambda: "problem today"),
                           ("problem solved", lambda: f"problem solved {rng.choice(ids)} minutes 20 felt ok"),
                           ("leaderboard week", lambda: "leaderboard week"), ("me", lambda: "me")]:
            lat = []
            for _ in range(samples):
                c, t = caller(), text()
                s = time.perf_counter()
                reply = await app.handle_text(c, t)
                lat.append(time.perf_counter() - s)
                if reply.error and "already" not in reply.text:
                    raise SystemExit(f"{name}: {reply.text}")
            results[name] = lat

        # Throughput with many members at once, as a server sees it: 50 members solving back to back.
        queue = [(caller(), f"problem solved {rng.choice(ids)} minutes 20 felt ok") for _ in range(samples * 2)]
        pending = list(reversed(queue))

        async def member() -> None:
            while pending:
                c, t = pending.pop()
                reply = await app.handle_text(c, t)
                if reply.error and "already" not in reply.text:
                    raise SystemExit(f"problem solved: {reply.text}")

        t0 = time.perf_counter()
        await asyncio.gather(*(member() for _ in range(50)))
        results["solved at once"] = len(queue) / (time.perf_counter() - t0)
    return results


def plain_ceiling(path: str, seconds: float = 2.0) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE IF NOT EXISTS ceiling (x INTEGER)")
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        con.execute("BEGIN")
        con.execute("INSERT INTO ceiling VALUES (?)", (n,))
        con.execute("COMMIT")
        n += 1
    con.close()
    return n / seconds


async def aiosqlite_ceiling(path: str, seconds: float = 2.0) -> float:
    async with aiosqlite.connect(path, isolation_level=None) as con:
        await con.execute("PRAGMA journal_mode=WAL")
        await con.execute("PRAGMA synchronous=NORMAL")
        await con.execute("CREATE TABLE IF NOT EXISTS ceiling (x INTEGER)")
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            await con.execute("BEGIN")
            await con.execute("INSERT INTO ceiling VALUES (?)", (n,))
            await con.execute("COMMIT")
            n += 1
    return n / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=200)
    ap.add_argument("--members", type=int, default=500)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir", default=None, help="where to build the database (default: a temporary folder)")
    args = ap.parse_args()
    if args.quick:
        args.groups, args.members, args.days, args.samples = 20, 100, 60, 300
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "bench.db")
        t0 = time.perf_counter()
        build(path, args.groups, args.members, args.days)
        built = time.perf_counter() - t0
        solves = sqlite3.connect(path).execute("SELECT COUNT(*) FROM solves").fetchone()[0]
        res = asyncio.run(measure(path, args.groups, args.members, args.days, args.samples))
        plain = plain_ceiling(os.path.join(tmp, "ceiling-plain.db"))
        aio = asyncio.run(aiosqlite_ceiling(os.path.join(tmp, "ceiling-aio.db")))
        size = os.path.getsize(path) / 2**20
    print(f"\nstudybot daily-practice benchmark — {date.today()} — {os.cpu_count()} cores")
    print(f"database: {args.groups} groups x {args.members} members x {args.days} days = {solves:,} solves, "
          f"{size:,.0f} MiB, built in {built:.1f} s")
    print(f"{'command':<18}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'per s':>10}")
    for name in ("problem today", "problem solved", "leaderboard week", "me"):
        lat = res[name]
        print(f"{name:<18}{pct(lat, .5):>10.2f}{pct(lat, .99):>10.2f}{max(lat) * 1000:>10.2f}"
              f"{len(lat) / sum(lat):>10.0f}")
    solved_rate = len(res["problem solved"]) / sum(res["problem solved"])
    print(f"daily fan-out: {args.groups} groups into the outbox in {res['fan-out'] * 1000:.0f} ms "
          f"({res['fan-out'] / args.groups * 1000:.2f} ms a group)")
    print(f"single-row commit ceiling: sqlite3 {plain:,.0f}/s, aiosqlite {aio:,.0f}/s")
    at_once = res["solved at once"]
    print(f"`problem solved` throughput, one member after another: {solved_rate:,.0f}/s = {solved_rate / aio:.0%} "
          f"of the aiosqlite ceiling ({solved_rate / plain:.1%} of plain sqlite3)")
    print(f"`problem solved` throughput, 50 members at once: {at_once:,.0f}/s = {at_once / aio:.0%} "
          f"of the aiosqlite ceiling ({at_once / plain:.1%} of plain sqlite3)")
    print(f"member stats built for the {args.groups} groups at first start in {res['stats']:.1f} s")
    print(f"mean of p50s: {statistics.mean(pct(res[n], .5) for n in ('problem today', 'me')):.2f} ms")


if __name__ == "__main__":
    main()
