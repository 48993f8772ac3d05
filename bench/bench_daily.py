"""Daily-practice benchmark: command latency on a big database, the daily fan-out, and `problem solved`
throughput as a share of the commit ceiling.

    python bench/bench_daily.py            # 200 groups x 500 members x 180 days (several minutes to build)
    python bench/bench_daily.py --quick    # 20 x 100 x 60, for a smoke run (seconds)

The ceiling is what the commands' own database layer can commit: one unit of work that does one tiny
write (a runtime row), through the same thread hop a command takes, one after another (and 50 at once,
for the 50-members figure). It is measured interleaved with the measured runs: each round alternates
ten short slices of ceiling and of measured run (ceiling, measured, ceiling, measured, ...), and each
measured figure is printed as a ratio to the ceiling measured next to it, with the spread over the
rounds. Plain sqlite3 single-row commits (in the loop's own thread, no hop) run in the same slices,
as a CPU-bound yardstick: what a command costs beyond the ceiling's unit, its "own work", is printed
in those plain commits. The ratio to the ceiling still moves with how fast the machine hands work
between threads (a busy machine's cores wake sooner: the hop gets cheaper and the ratio drops), which
the spread shows within a run but not between runs; the own-work figure does not depend on the hop.
Latencies are also given in commits of the ceiling (a p50 of 2.0 takes as long as two of its units).

Before it prints a figure it checks its own result and exits 1 with one line on stderr unless: every
daily post was made, every `problem solved` answered as a new solve is one more solve in the database
(and every other was answered as a repeat, which counts once), and every ceiling unit's row is in the database.
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

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import open_app  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content import load_pack  # noqa: E402
from bot.domain.model import Caller  # noqa: E402

START = datetime(2026, 1, 5, 8, tzinfo=UTC)
PLATFORM = "bench"
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "America/Los_Angeles", "Asia/Tokyo"]
CEILING_KEY = "bench-ceiling:"
AT_ONCE = 50
SLICES = 10  # ceiling and measured slices alternate this many times a round
NOISY = 0.15  # a spread of the ratio over the rounds above this is called out


# -- the database layer, in one place -------------------------------------------------------------
# The only code here that reaches below the app's public entry points (open_app, app.handle_text).
async def run_unit(app, work):
    """`work(store)` as one unit of work: one transaction, the hop a command takes."""
    return await app.uow.run(work)


async def tiny_commit(app, n: int) -> None:
    """The ceiling's unit: one transaction with one tiny write, through the hop a command takes."""
    async def work(store) -> None:
        await store.runtime.set(f"{CEILING_KEY}{n}", "1")

    await run_unit(app, work)


async def post_daily_all(app, groups: int) -> int:
    """Today's daily post for groups 1..groups (the fan-out, as the scheduler runs it); how many posted."""
    from bot.services.daily import post_daily
    core = getattr(app, "uow", None) or app.db  # post_daily takes the unit of work (issue 13), else the db
    return sum([await post_daily(core, app.content, app.clock.now(), g) for g in range(1, groups + 1)])


async def _migrate(path: str) -> None:
    from bot.storage.db import open_database
    async with open_database(path):
        pass
# ---------------------------------------------------------------------------------------------------


def counts(path: str) -> dict[str, int]:
    """What the database file holds, for the self-check, read with plain sqlite3 while no app has it
    open: solves, daily posts in the outbox, the ceiling's rows."""
    con = sqlite3.connect(path)
    try:
        one = lambda sql, *args: con.execute(sql, args).fetchone()[0]  # noqa: E731
        return {"solves": one("SELECT COUNT(*) FROM solves"),
                "outbox": one("SELECT COUNT(*) FROM outbox WHERE key LIKE 'daily:%' AND edit_of IS NULL"),
                "ceiling": one("SELECT COUNT(*) FROM runtime WHERE key LIKE ?", f"{CEILING_KEY}%")}
    finally:
        con.close()


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


class PlainCommits:
    """The CPU-bound yardstick: single-row commits on plain sqlite3 in this thread (no hop), on a file of
    its own beside the app's database (same disk, WAL, synchronous=NORMAL as the app)."""

    def __init__(self, path: str):
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        self.n = 0

    def run(self, seconds: float) -> tuple[int, float]:
        t = time.perf_counter()
        stop_at, done = t + seconds, 0
        while time.perf_counter() < stop_at:
            self.con.execute("BEGIN")
            self.con.execute("INSERT INTO t VALUES (?)", (self.n,))
            self.con.execute("COMMIT")
            self.n += 1
            done += 1
        return done, time.perf_counter() - t

    def close(self) -> None:
        self.con.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


class Failed(Exception):
    """The run's figures mean nothing: said in one line, exit 1."""


async def measure(path: str, groups: int, members: int, days: int, samples: int, rounds: int,
                  seconds: float) -> dict:
    rng = random.Random(11)
    clock = SimulatedClock(START + timedelta(days=days, hours=2))
    per_round = max(1, samples // rounds)
    res: dict = {"rounds": [], "solved ok": 0, "solved already": 0, "ceiling units": 0, "commands": 0}
    # Opening the app builds the member stats of the solves `build` wrote behind its back, as it does
    # for a database from before they were kept (timed: it is the upgrade's one-off cost).
    before = counts(path)
    t0 = time.perf_counter()
    async with open_app(Settings(db_path=path), clock) as app:
        res["stats"] = time.perf_counter() - t0
        ids = list(app.content.problems)

        def caller() -> Caller:
            g = rng.randint(1, groups)
            u = (g - 1) * members + rng.randint(1, members)
            return Caller(platform=PLATFORM, user=f"u{u}", channel=f"c{g}", name=f"u{u}")

        async def command(name: str, c: Caller, text: str) -> float:
            res["commands"] += 1
            if res["commands"] % 2000 == 0:  # keeps every member well under the 20-commands-in-10-s limit
                clock.advance(timedelta(seconds=10))
            s = time.perf_counter()
            reply = await app.handle_text(c, text)
            elapsed = time.perf_counter() - s
            if reply.error:
                raise Failed(f"{name}: {reply.text}")
            if name == "problem solved":  # a new solve, or a repeat that counts once (and adds no solve)
                said = str(reply.text)
                if "had already solved" in said:
                    res["solved already"] += 1
                elif f"{c.name} solved '" in said:
                    res["solved ok"] += 1
                else:
                    raise Failed(f"{name}: an answer that is neither a solve nor a repeat: {said[:80]}")
            elif not str(reply.text) and not reply.fields:
                raise Failed(f"{name}: an empty answer")
            return elapsed

        async def timed(one, width: int, seconds: float) -> tuple[int, float]:
            """`width` callers running `one()` back to back for `seconds` (at most 100,000 in all):
            how many ran, and the time they took."""
            stop_at, done = time.perf_counter() + seconds, 0

            async def caller_loop() -> None:
                nonlocal done
                while time.perf_counter() < stop_at and done < 100_000:
                    done += 1
                    await one()

            t = time.perf_counter()
            await asyncio.gather(*(caller_loop() for _ in range(width)))
            return done, time.perf_counter() - t

        plain = PlainCommits(os.path.join(os.path.dirname(path), "plain-commits.db"))

        async def paired(measured, width: int) -> tuple[float, float, float]:
            """The ceiling, a measured run (`width` callers each) and plain sqlite3 commits, alternating
            in SLICES short slices over `seconds` each: ceiling/s, measured/s, plain commits/s."""
            n, wall = [0, 0, 0], [0.0, 0.0, 0.0]
            for _ in range(SLICES):
                for i, one in ((0, ceiling_unit), (1, measured)):
                    done, took = await timed(one, width, seconds / SLICES)
                    n[i] += done
                    wall[i] += took
                done, took = plain.run(seconds / SLICES)
                n[2] += done
                wall[2] += took
            return n[0] / wall[0], n[1] / wall[1], n[2] / wall[2]

        async def ceiling_unit() -> None:
            res["ceiling units"] += 1
            await tiny_commit(app, res["ceiling units"])

        async def solve() -> None:
            await command("problem solved", caller(), texts["problem solved"]())

        # Today's posts, so `problem today` has something to show (the fan-out, timed).
        t0 = time.perf_counter()
        posted = await post_daily_all(app, groups)
        res["fan-out"] = time.perf_counter() - t0
        if posted != groups:
            raise Failed(f"daily fan-out: {posted} of {groups} groups got today's post")

        texts = {"problem today": lambda: "problem today",
                 "problem solved": lambda: f"problem solved {rng.choice(ids)} minutes 20 felt ok",
                 "leaderboard week": lambda: "leaderboard week", "me": lambda: "me"}
        latencies: dict[str, list[float]] = {name: [] for name in texts}
        await paired(solve, 1)  # warm-up: caches, the first checkpoints; not reported
        for _ in range(rounds):
            # Each measured run interleaved with a ceiling of the same length and shape.
            seq_ceiling, seq, plain1 = await paired(solve, 1)
            wide_ceiling, wide, plain50 = await paired(solve, AT_ONCE)
            res["rounds"].append((seq_ceiling, seq, plain1, wide_ceiling, wide, plain50))
            # Latencies, one member after another (reported in ms, and in commits of the ceiling).
            for name, text in texts.items():
                latencies[name] += [await command(name, caller(), text()) for _ in range(per_round)]
        res["latencies"] = latencies
        plain.close()
    after = counts(path)
    # The self-check, before any figure is printed.
    added = after["solves"] - before["solves"]
    if added != res["solved ok"]:
        raise Failed(f"`problem solved` answered {res['solved ok']} new solves, but the database holds "
                     f"{added} more solves")
    if res["solved ok"] == 0:
        raise Failed("no `problem solved` recorded a new solve")
    if after["outbox"] - before["outbox"] != groups:
        raise Failed(f"daily fan-out: {after['outbox'] - before['outbox']} daily posts in the outbox for {groups} groups")
    if after["ceiling"] - before["ceiling"] != res["ceiling units"]:
        raise Failed(f"ceiling: {res['ceiling units']} units committed, {after['ceiling'] - before['ceiling']} rows stored")
    return res


def spread(values: list[float], fmt: str = ".0%") -> str:
    mid = statistics.median(values)
    return f"{min(values):{fmt}}-{max(values):{fmt}}, ±{(max(values) - min(values)) / 2 / mid:.0%} of the median"


def own_work(ceiling: float, measured: float, plain: float) -> float:
    """What a measured unit costs beyond the ceiling's unit (its round trip and one tiny commit), in
    plain sqlite3 commits measured beside it: (1/measured - 1/ceiling) x plain."""
    return (1 / measured - 1 / ceiling) * plain


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=200)
    ap.add_argument("--members", type=int, default=500)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--samples", type=int, default=2000, help="samples of each command, over all rounds")
    ap.add_argument("--rounds", type=int, default=7, help="ceiling/measured rounds")
    ap.add_argument("--seconds", type=float, default=1.0, help="length of each ceiling and each measured run")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir", default=None, help="where to build the database (default: a temporary folder)")
    args = ap.parse_args()
    if args.quick:
        args.groups, args.members, args.days, args.samples, args.rounds, args.seconds = 20, 100, 60, 600, 5, 0.3
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "bench.db")
        t0 = time.perf_counter()
        build(path, args.groups, args.members, args.days)
        built = time.perf_counter() - t0
        con = sqlite3.connect(path)
        solves = con.execute("SELECT COUNT(*) FROM solves").fetchone()[0]
        con.close()
        try:
            res = asyncio.run(measure(path, args.groups, args.members, args.days, args.samples, args.rounds,
                                       args.seconds))
        except Failed as exc:
            print(f"bench_daily FAILED: {exc}", file=sys.stderr)
            return 1
        size = os.path.getsize(path) / 2**20
    rounds = res["rounds"]
    seq_ceilings = [r[0] for r in rounds]
    commit = statistics.median(seq_ceilings)  # commits a second, for the "in commits" column
    print(f"\nstudybot daily-practice benchmark — {date.today()} — {os.cpu_count()} cores")
    print(f"database: {args.groups} groups x {args.members} members x {args.days} days = {solves:,} solves, "
          f"{size:,.0f} MiB, built in {built:.1f} s")
    print(f"{'command':<18}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'per s':>10}{'p50 in commits':>16}")
    for name in ("problem today", "problem solved", "leaderboard week", "me"):
        lat = res["latencies"][name]
        print(f"{name:<18}{pct(lat, .5):>10.2f}{pct(lat, .99):>10.2f}{max(lat) * 1000:>10.2f}"
              f"{len(lat) / sum(lat):>10.0f}{pct(lat, .5) / 1000 * commit:>16.2f}")
    print(f"daily fan-out: {args.groups} groups into the outbox in {res['fan-out'] * 1000:.0f} ms "
          f"({res['fan-out'] / args.groups * 1000:.2f} ms a group = {res['fan-out'] / args.groups * commit:.1f} commits)")
    print("commit ceiling: one unit of work with one tiny write through the commands' database layer, "
          f"interleaved with each run in {SLICES} slices")
    print(f"{'':>5}{'one member after another':>38}{f'{AT_ONCE} members at once':>38}")
    print(f"{'round':>5}{'ceiling/s':>11}{'solved/s':>10}{'ratio':>7}{'own work':>10}"
          f"{'ceiling/s':>11}{'solved/s':>10}{'ratio':>7}{'own work':>10}")
    for i, (c1, s1, p1, c50, s50, p50) in enumerate(rounds, start=1):
        print(f"{i:>5}{c1:>11,.0f}{s1:>10,.0f}{s1 / c1:>7.0%}{own_work(c1, s1, p1):>10.1f}"
              f"{c50:>11,.0f}{s50:>10,.0f}{s50 / c50:>7.0%}{own_work(c50, s50, p50):>10.1f}")
    for label, at, ceiling in (("one member after another", 0, "the commit ceiling"),
                               (f"{AT_ONCE} members at once", 3, f"the ceiling with {AT_ONCE} at once")):
        ratios = [r[at + 1] / r[at] for r in rounds]
        work = [own_work(*r[at:at + 3]) for r in rounds]
        print(f"`problem solved`, {label}: {statistics.median(ratios):.0%} of {ceiling} "
              f"(median of {len(rounds)} rounds; {spread(ratios)}); beyond the ceiling's unit it does "
              f"{statistics.median(work):.1f} plain sqlite3 commits of its own work ({spread(work, '.1f')})")
        if (max(ratios) - min(ratios)) / 2 / statistics.median(ratios) > NOISY:
            print(f"  note: the ratio moved more than ±{NOISY:.0%} between rounds: the machine changed pace during "
                  "the run (other work on it); the own-work figure is the steadier one")
    lo, hi = min(seq_ceilings), max(seq_ceilings)
    print(f"the ceiling itself: {lo:,.0f}-{hi:,.0f} commits/s over the rounds (±{(hi - lo) / 2 / commit:.0%})")
    print(f"checked: {res['solved ok']:,} solves recorded = {res['solved ok']:,} more solves in the database "
          f"(and {res['solved already']:,} repeats that count once); {args.groups} daily posts; "
          f"{res['ceiling units']:,} ceiling rows")
    print(f"member stats built for the {args.groups} groups at first start in {res['stats']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
