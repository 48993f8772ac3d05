"""Scale benchmark: 10,000 groups x 50 members (500,000 members) on one SQLite file.

    python bench/bench_scale.py                      # 10,000 x 50 (about 10 minutes on 2 cores)
    python bench/bench_scale.py --quick              # 500 x 20, for a smoke run (about 30 s)
    python bench/bench_scale.py --groups 1000 --members 50
    python bench/bench_scale.py --code /tmp/old      # the same figures for another checkout ("before")

It builds the database with plain sqlite3 (the schema from the app's own migrations, then users, links,
channels, groups, members and check-in settings in a few big transactions: every group posts at 12:00
UTC, every member is in UTC with the check-in prompt at 09:00 on weekdays), then drives the app only
through its public entry points (open_app, app.start, app.handle_text, app.advance, and app.uow.run
for the reads its checks make) on a simulated clock that starts on a Thursday at 10:00 UTC. In order:

1. first start after the build: it plans the schedule for every subject (timed apart: a one-off);
2. start-up: from open_app(...) to the first reply of `problem today` in one group, and the resident
   memory (VmRSS) once started; the rows of the due-time index ("scheduler entries");
3. rescheduling commands: `group setup post-time HH:MM` by the organiser (`me`, the console's admin)
   in random groups, each followed by one that puts 12:00 back, and `join` by new users;
4. the daily fan-out: the clock moves to 12:00, when every group posts, while a concurrent task issues
   `problem today` and `me` (about 100 a second) and records their latency; the time from the start of
   that step until every daily post is in the outbox, and until the step ends (posts delivered too);
5. the check-in burst, in a process of its own with no messenger (what is timed is the enqueueing):
   the clock moves to Friday 09:00, every member's prompt; the time until all are in the outbox;
6. the outbox per simulated day with pruning (retention one day, the prune at 03:30 UTC), on a world
   of its own of --outbox-groups groups (default 1,000, so that the run stays within ten minutes: with
   the simulated clock every message is delivered in line, and a weekday of 500,000 prompts delivered
   takes longer than the whole budget): rows, file and write-ahead-log size, and the delivered rows
   that the last prune should have removed.

Every phase is a process of its own (the build's memory is not the app's). A messenger of the
benchmark's own (platform `console`) accepts every message and counts it, so delivered rows exist.

Before it prints a figure it checks its own result and exits 1 with one line on stderr unless: the
first reply is an answer in the group; the due index holds one daily row per group and one check-in
row per active member; each `group setup post-time` moved that group's daily row to the next instant
of the time it set; each `join` made a member with a check-in planned; exactly one daily post per group
was enqueued for the day, each delivered once; one prompt per active member was enqueued for the
burst's day; every simulated day posted one daily post per group; no command failed. A missed target
is a MISS in the table, not a failure: the figure is still true.

`--code DIR` runs the same phases against the bot in DIR (e.g. a `git worktree` of an older commit).
The old core (before the unit of work, 1681f8a) has no `app.uow` and an APScheduler job per subject;
the small adapter `Core` below reads through `app.db` there, counts `app.scheduler.jobs`, and advances
with `app.scheduler.advance`; everything else is the same public API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A Thursday, after that day's check-in time: the fan-out (12:00) comes first, the burst the next
# morning (Friday 09:00); the simulated days of the outbox phase cross a weekend (no prompts).
START = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
POST_TIME = "12:00"
CHECKIN_TIME = "09:00"
PLATFORM = "console"
QUESTIONS = ["What did you get done since last time?", "What will you do next?", "Anything blocking you?"]
PROMPTS = ("checkin-prompt:", "checkin-nudge:")
COMMAND_PAUSE = 0.01  # seconds between the fan-out's concurrent commands: about 100 a second
WAL_BYTES_PER_MEMBER = 60_000  # free disk asked for: the core's WAL grew ~50 KB a member in the burst


class Failed(Exception):
    """The run's figures mean nothing: said in one line, exit 1."""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def size_mb(path: str) -> float:
    return os.path.getsize(path) / 2**20 if os.path.exists(path) else 0.0


# -- the build: plain sqlite3 ------------------------------------------------------------------------
def build(path: str, groups: int, members: int) -> dict:
    """Groups 1..groups on channels c1..cN, members u1..u(groups*members), all in UTC."""
    from bot.storage.db import open_database

    async def migrate() -> None:
        async with open_database(path):
            pass

    t0 = time.perf_counter()
    asyncio.run(migrate())
    created = (START - timedelta(days=30)).isoformat(timespec="microseconds")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    questions = json.dumps(QUESTIONS)
    chunk = max(1, 100_000 // max(1, members))  # groups per transaction: about 100,000 members each
    for first in range(1, groups + 1, chunk):
        gs = range(first, min(groups, first + chunk - 1) + 1)
        with con:
            con.executemany("INSERT INTO channels (id, name) VALUES (?, ?)", ((g, f"c{g}") for g in gs))
            con.executemany("INSERT INTO links (platform, kind, external_id, internal_id) VALUES (?, 'channel', ?, ?)",
                            ((PLATFORM, f"c{g}", g) for g in gs))
            con.executemany(
                "INSERT INTO groups (id, channel_id, name, timezone, post_time, created_at, stats_built) "
                "VALUES (?, ?, ?, 'UTC', ?, ?, 1)", ((g, g, f"#c{g}", POST_TIME, created) for g in gs))
            con.executemany(
                "INSERT INTO checkin_settings (group_id, enabled, days, time, questions) "
                "VALUES (?, 1, 'mon,tue,wed,thu,fri', ?, ?)", ((g, CHECKIN_TIME, questions) for g in gs))
            users = range((gs[0] - 1) * members + 1, gs[-1] * members + 1)
            con.executemany("INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)",
                            ((u, f"u{u}", created) for u in users))
            con.executemany("INSERT INTO links (platform, kind, external_id, internal_id) VALUES (?, 'user', ?, ?)",
                            ((PLATFORM, f"u{u}", u) for u in users))
            con.executemany(
                "INSERT INTO members (id, group_id, user_id, name, timezone, joined_at) VALUES (?, ?, ?, ?, 'UTC', ?)",
                ((u, (u - 1) // members + 1, u, f"u{u}", created) for u in users))
    con.close()
    return {"built": time.perf_counter() - t0, "mb": size_mb(path) + size_mb(path + "-wal")}


# -- the app, behind one small adapter (the only code that knows two versions of the core) -----------
class Core:
    """What the benchmark asks of the app beyond handle_text. The current core: reads are units of work
    (`app.uow.run`), the schedule is the due index, `app.advance`. The old core (1681f8a): reads on
    `app.db`, one APScheduler job per subject in `app.scheduler.jobs`, `app.scheduler.advance`."""

    def __init__(self, app):
        self.app = app
        self.new = hasattr(app, "uow")

    async def scalar(self, sql: str, params: tuple = ()):
        if self.new:
            return await self.app.uow.run(lambda store: store.db.scalar(sql, params))
        return await self.app.db.scalar(sql, params)

    async def advance(self, delta: timedelta) -> None:
        if self.new:
            await self.app.advance(delta)
        else:
            await self.app.scheduler.advance(delta)

    async def entries(self) -> dict[str, int]:
        """Scheduler entries by kind: rows of the due index (or APScheduler jobs, old core)."""
        if self.new:
            async def read(store):
                rows = await store.db.all("SELECT kind, COUNT(*) FROM due GROUP BY kind")
                return {r[0]: r[1] for r in rows}
            return await self.app.uow.run(read)
        return dict(Counter(job_id.split(":")[0] for job_id in self.app.scheduler.jobs))

    async def daily_due(self, group_id: int) -> datetime | None:
        """When group `group_id`'s next daily post is planned."""
        if self.new:
            return await self.app.uow.run(lambda store: store.schedule.due_at("daily", group_id))
        job = self.app.scheduler.jobs.get(f"daily:{group_id}")
        return None if job is None else job.next_after(self.app.clock.now()).astimezone(UTC)

    async def checkin_planned(self, member_id: int) -> bool:
        if self.new:
            return await self.app.uow.run(lambda store: store.schedule.due_at("checkin", member_id)) is not None
        return any(j.startswith("checkin:") and j.endswith(f":{member_id}") for j in self.app.scheduler.jobs)


class Recorder:
    """The benchmark's messenger: takes every message at once and counts it (bot.ports Messenger)."""

    platform = PLATFORM

    def __init__(self):
        self.kinds: Counter[str] = Counter()
        self.watched: Counter[str] = Counter()  # deliveries per key, for the keys being watched
        self.watch: tuple[str, ...] = ()  # key prefixes whose deliveries are counted one by one

    async def deliver(self, message, channel_ref, user_ref) -> str | None:
        key = message.key
        self.kinds[key.split(":", 1)[0]] += 1
        if self.watch and key.startswith(self.watch):
            self.watched[key] += 1
        return None


def caller(user: str, group: int, admin: bool = False):
    from bot.domain.model import Caller
    return Caller(platform=PLATFORM, user=user, channel=f"c{group}", name=user, space="console",
                  platform_admin=admin)


def next_at(now: datetime, hhmm: str) -> datetime:
    """The next instant strictly after `now` at HH:MM UTC."""
    h, m = map(int, hhmm.split(":"))
    at = now.replace(hour=h, minute=m, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


async def keys_on(core: Core, prefixes: tuple[str, ...], day: date) -> int:
    """Outbox keys that start with one of `prefixes` and end with `day` (an index range on the key)."""
    total = 0
    for prefix in prefixes:
        hi = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        total += await core.scalar("SELECT COUNT(*) FROM outbox WHERE key >= ? AND key < ? AND key LIKE ?",
                                   (prefix, hi, f"%:{day.isoformat()}"))
    return total


class WalWatch:
    """The largest size the write-ahead log reached while a step ran (sampled every 0.2 s)."""

    def __init__(self, path: str):
        self.path = path + "-wal"
        self.peak = size_mb(self.path)

    async def run(self, until: asyncio.Future) -> None:
        while not until.done():
            self.peak = max(self.peak, size_mb(self.path))
            await asyncio.sleep(0.2)
        self.peak = max(self.peak, size_mb(self.path))


async def timed_step(core: Core, path: str, delta: timedelta, prefixes: tuple[str, ...], day: date, want: int,
                     poll_every: float, commands=None) -> dict:
    """Advance the clock by `delta` while a poller watches the outbox for `want` keys of `prefixes` for
    `day` (and, with `commands`, a task issues commands). Times are from the start of the step."""
    out: dict = {"reached": None}
    wal = WalWatch(path)
    t0 = time.perf_counter()
    step = asyncio.ensure_future(core.advance(delta))

    async def poll() -> None:
        while True:
            done = step.done()
            if out["reached"] is None and await keys_on(core, prefixes, day) >= want:
                out["reached"] = time.perf_counter() - t0
            if done:
                return
            await asyncio.sleep(poll_every)

    tasks = [asyncio.ensure_future(poll()), asyncio.ensure_future(wal.run(step))]
    if commands is not None:
        tasks.append(asyncio.ensure_future(commands(step)))
    try:
        await step
    finally:
        out["step"] = time.perf_counter() - t0
        await asyncio.gather(*tasks)
    out["wal peak"] = wal.peak
    return out


def settings_for(path: str, retention: int):
    from bot.config import Settings
    return Settings(db_path=path, outbox_retention_days=retention)


async def started(app, messenger) -> None:
    if messenger is not None:
        app.use_messenger(messenger)
    await app.start()


async def first_reply(app) -> None:
    reply = await app.handle_text(caller("u1", 1), "problem today")
    if reply.error or "problem" not in str(reply.title) + str(reply.text):
        raise Failed(f"start-up: `problem today` did not answer with the group's daily problem: {reply.text}")


async def first_start(path: str, retention: int) -> dict:
    """The first start on the built database: it plans the schedule for every subject."""
    from bot.bootstrap import open_app
    from bot.clock import SimulatedClock

    t0 = time.perf_counter()
    async with open_app(settings_for(path, retention), SimulatedClock(START)) as app:
        await started(app, Recorder())
        await first_reply(app)
        took = time.perf_counter() - t0
    return {"first start": took}


async def measure(path: str, groups: int, members: int, samples: int, retention: int, seed: int = 7) -> dict:
    """Start-up, scheduler entries, rescheduling commands, and the daily fan-out with commands meanwhile."""
    from bot.bootstrap import open_app
    from bot.clock import SimulatedClock

    rng = random.Random(seed)
    res: dict = {}
    clock = SimulatedClock(START)
    rec = Recorder()
    # -- start-up ------------------------------------------------------------------------------------
    t0 = time.perf_counter()
    async with open_app(settings_for(path, retention), clock) as app:
        await started(app, rec)
        await first_reply(app)
        res["startup"] = time.perf_counter() - t0
        res["rss"] = rss_mb()
        core = Core(app)
        res["new core"] = core.new

        # -- scheduler entries -------------------------------------------------------------------------
        entries = await core.entries()
        res["entries"] = entries
        active = await core.scalar("SELECT COUNT(*) FROM members WHERE active=1")
        if entries.get("daily") != groups or entries.get("checkin") != active:
            raise Failed(f"scheduler entries: {entries.get('daily')} daily entries for {groups} groups, "
                         f"{entries.get('checkin')} check-in entries for {active} active members")

        # -- rescheduling commands ---------------------------------------------------------------------
        async def command(who, text: str, want: str) -> float:
            s = time.perf_counter()
            reply = await app.handle_text(who, text)
            took = time.perf_counter() - s
            if reply.error or want not in str(reply.title) + str(reply.text):
                raise Failed(f"`{text}` by {who.user} in {who.channel}: {reply.title} {reply.text}")
            return took

        setup, joins = [], []
        for _ in range(samples // 2):
            g = rng.randint(1, groups)
            hhmm = f"{rng.choice([h for h in range(24) if h != 12]):02d}:{rng.randrange(0, 60, 5):02d}"
            for t in (hhmm, POST_TIME):  # away, then back: the fan-out needs every group at 12:00
                setup.append(await command(caller("me", g, admin=True), f"group setup post-time {t}", "updated"))
                planned = await core.daily_due(g)
                if planned != next_at(clock.now(), t):
                    raise Failed(f"`group setup post-time {t}` in group {g}: its daily post is planned for "
                                 f"{planned}, not {next_at(clock.now(), t)}")
        for i in range(samples):
            joins.append(await command(caller(f"n{i}", rng.randint(1, groups)), "join", "Welcome"))
        by_ref = ("SELECT {} FROM members m JOIN links l ON l.internal_id = m.user_id AND l.platform = ? "
                  "AND l.kind = 'user' WHERE l.external_id {}")
        joined = await core.scalar(by_ref.format("COUNT(*)", "LIKE 'n%'"), (PLATFORM,))
        if joined != samples:
            raise Failed(f"join: {samples} answered welcome, {joined} new members in the database")
        for i in rng.sample(range(samples), min(samples, 50)):
            member_id = await core.scalar(by_ref.format("m.id", "= ?"), (PLATFORM, f"n{i}"))
            if not await core.checkin_planned(member_id):
                raise Failed(f"join: new member n{i} has no check-in prompt planned")
        res["setup"], res["join"] = setup, joins

        # -- the daily fan-out (12:00) ------------------------------------------------------------------
        await core.advance(next_at(clock.now(), POST_TIME) - clock.now() - timedelta(minutes=1))
        fan_day = clock.now().date()
        rec.watch = ("daily:",)
        during: dict[str, list[float]] = {"problem today": [], "me": []}

        async def commands(step: asyncio.Future) -> None:
            n = 0
            while not step.done():
                g = rng.randint(1, groups)
                who = caller(f"u{(g - 1) * members + rng.randint(1, members)}", g)
                text = ("problem today", "me")[n % 2]
                n += 1
                s = time.perf_counter()
                reply = await app.handle_text(who, text)
                took = time.perf_counter() - s
                if reply.error:
                    raise Failed(f"`{text}` during the fan-out: {reply.text}")
                during[text].append(took)
                await asyncio.sleep(COMMAND_PAUSE)

        fan = await timed_step(core, path, timedelta(minutes=1), ("daily:",), fan_day, groups, 0.05, commands)
        posts = await keys_on(core, ("daily:",), fan_day)
        posted_groups = await core.scalar(
            "SELECT COUNT(DISTINCT group_id) FROM outbox WHERE key >= 'daily:' AND key < 'daily;' AND key LIKE ?",
            (f"%:{fan_day.isoformat()}",))
        delivered = {k: n for k, n in rec.watched.items() if k.endswith(fan_day.isoformat())}
        if posts != groups or posted_groups != groups:
            raise Failed(f"daily fan-out: {posts} daily posts in the outbox for {posted_groups} of {groups} groups")
        if len(delivered) != groups or any(n != 1 for n in delivered.values()):
            raise Failed(f"daily fan-out: {len(delivered)} daily posts delivered for {groups} groups, "
                         f"{sum(1 for n in delivered.values() if n != 1)} more than once")
        if not during["problem today"] or not during["me"]:
            raise Failed("daily fan-out: no command ran while it did")
        res["fan-out"] = {**fan, "posts": posts, "during": during}
        res["now"] = clock.now().isoformat()
    return res


async def burst(path: str, retention: int, now: str) -> dict:
    """A restart after the fan-out, then every member's check-in prompt at 09:00 the next morning, with
    no messenger: what is timed is putting the prompts in the outbox."""
    from bot.bootstrap import open_app
    from bot.clock import SimulatedClock

    clock = SimulatedClock(datetime.fromisoformat(now))
    t0 = time.perf_counter()
    async with open_app(settings_for(path, retention), clock) as app:
        await started(app, None)
        await first_reply(app)
        res = {"restart": time.perf_counter() - t0, "rss": rss_mb()}
        core = Core(app)
        active = await core.scalar("SELECT COUNT(*) FROM members WHERE active=1")
        await core.advance(next_at(clock.now(), CHECKIN_TIME) - clock.now() - timedelta(minutes=1))
        day = clock.now().date()
        step = await timed_step(core, path, timedelta(minutes=1), PROMPTS, day, active, 1.0)
        prompts = await keys_on(core, PROMPTS, day)
        distinct = await core.scalar(
            "SELECT COUNT(DISTINCT user_id) FROM outbox WHERE key >= 'checkin-' AND key < 'checkin.' AND key LIKE ?",
            (f"%:{day.isoformat()}",))
        if prompts != active or distinct != active:
            raise Failed(f"check-in burst: {prompts} prompts in the outbox, to {distinct} people, "
                         f"for {active} active members")
        res.update(step, prompts=prompts, day=f"{day:%a %d %b}")
    return res


async def days(path: str, groups: int, n_days: int, retention: int) -> dict:
    """The simulated days, one `advance(1 d)` at a time, with a messenger that takes everything."""
    from bot.bootstrap import open_app
    from bot.clock import SimulatedClock

    clock = SimulatedClock(START)
    rec = Recorder()
    per_day = []
    async with open_app(settings_for(path, retention), clock) as app:
        await started(app, rec)
        core = Core(app)
        for _ in range(n_days):
            before = sum(rec.kinds.values())
            wal = WalWatch(path)
            s = time.perf_counter()
            step = asyncio.ensure_future(core.advance(timedelta(days=1)))
            watch = asyncio.ensure_future(wal.run(step))
            await step
            await watch
            took = time.perf_counter() - s
            now = clock.now()
            posted_day = (now - timedelta(days=1)).date()  # the 12:00 post of the day just played
            posts = await keys_on(core, ("daily:",), posted_day)
            if posts != groups:
                raise Failed(f"outbox days: {posts} daily posts for {groups} groups on {posted_day}")
            last_prune = now.replace(hour=3, minute=30, second=0, microsecond=0)
            if last_prune > now:
                last_prune -= timedelta(days=1)
            cutoff = (last_prune - timedelta(days=retention)).isoformat(timespec="microseconds")
            per_day.append({
                "day": f"{posted_day:%a %d} → {now:%a %d %b}", "seconds": took, "sent": sum(rec.kinds.values()) - before,
                "rows": await core.scalar("SELECT COUNT(*) FROM outbox"),
                "pending": await core.scalar("SELECT COUNT(*) FROM outbox WHERE status='pending'"),
                # What the last prune should have deleted: delivered (or given up) before its cut-off.
                "stale": await core.scalar(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('delivered', 'undeliverable') "
                    "AND COALESCE(delivered_at, not_before) < ?", (cutoff,)),
                "db mb": size_mb(path), "wal mb": size_mb(path + "-wal"), "wal peak": wal.peak,
            })
        members = await core.scalar("SELECT COUNT(*) FROM members WHERE active=1")
    return {"days": per_day, "members": members}


# -- the phases, each a process of its own ------------------------------------------------------------
def phase_main(args) -> int:
    try:
        if args.phase == "build":
            out = build(args.db, args.groups, args.members)
        elif args.phase == "first-start":
            out = asyncio.run(first_start(args.db, args.retention))
        elif args.phase == "measure":
            out = asyncio.run(measure(args.db, args.groups, args.members, args.samples, args.retention))
        elif args.phase == "burst":
            out = asyncio.run(burst(args.db, args.retention, args.now))
        else:
            out = asyncio.run(days(args.db, args.groups, args.days, args.retention))
    except Failed as exc:
        out = {"failed": str(exc)}
    Path(args.out).write_text(json.dumps(out))
    return 1 if "failed" in out else 0


def run_phase(args, name: str, db: str, groups: int, **extra: str) -> dict:
    out = f"{db}.{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--db", db, "--out", out,
           "--groups", str(groups), "--members", str(args.members), "--samples", str(args.samples),
           "--days", str(args.days), "--retention", str(args.retention), "--code", args.code]
    for key, value in extra.items():
        cmd += [f"--{key}", value]
    done = subprocess.run(cmd, cwd=args.code)
    if not os.path.exists(out):
        raise Failed(f"the {name} phase ended with exit code {done.returncode} and no result")
    res = json.loads(Path(out).read_text())
    if "failed" in res:
        raise Failed(res["failed"])
    return res


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(args, r: dict) -> None:
    groups, members = args.groups, args.members
    res, fan, burst_, out = r["measure"], r["measure"]["fan-out"], r["burst"], r["days"]
    label = "this tree" if Path(args.code).resolve() == ROOT else args.code
    core = "unit of work, due index" if res["new core"] else "old core: an APScheduler job per subject"
    print(f"\nstudybot scale benchmark — {date.today()} — {os.cpu_count()} cores — {label} ({core})")
    print(f"database: {groups:,} groups x {members} members = {groups * members:,} members, "
          f"{r['build']['mb']:,.0f} MiB, built in {r['build']['built']:.1f} s")
    print(f"first start after the build (plans every subject): {r['first']['first start']:.1f} s to the first reply")
    rows: list[tuple[str, str, str, str]] = []

    def line(what: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, value, target, "" if ok is None else verdict(ok)))

    line("start-up to the first reply", f"{res['startup']:.2f} s", "< 2 s", res["startup"] < 2)
    line("resident memory after start", f"{res['rss']:.0f} MB", "< 300 MB", res["rss"] < 300)
    line("  restart after the fan-out: start-up, memory", f"{burst_['restart']:.2f} s, {burst_['rss']:.0f} MB")
    entries = res["entries"]
    line("scheduler entries", f"{sum(entries.values()):,}", "(old: 560,000 jobs at 10,000 x 50)")
    for name, what in (("setup", "group setup post-time"), ("join", "join (new user)")):
        lat = res[name]
        line(f"{what}: p50 / p99 / max (n={len(lat)})",
             f"{pct(lat, .5):.1f} / {pct(lat, .99):.1f} / {max(lat) * 1000:.1f} ms", "p99 < 20 ms", pct(lat, .99) < 20)
    # The poller looks every 50 ms (every second in the burst), so its time can pass the step's end.
    reached = min(fan["step"], fan["reached"] or fan["step"])
    line(f"daily fan-out: {fan['posts']:,} posts in the outbox", f"{reached:.2f} s", "< 15 s", reached < 15)
    line("  the whole 12:00 step (posts delivered too)", f"{fan['step']:.2f} s")
    lat = fan["during"]["problem today"] + fan["during"]["me"]
    line(f"  commands meanwhile: p50 / p99 / max (n={len(lat)})",
         f"{pct(lat, .5):.1f} / {pct(lat, .99):.1f} / {max(lat) * 1000:.1f} ms", "p99 < 50 ms", pct(lat, .99) < 50)
    for name in ("problem today", "me"):
        one = fan["during"][name]
        line(f"    {name}: p50 / p99 (n={len(one)})", f"{pct(one, .5):.1f} / {pct(one, .99):.1f} ms")
    reached = min(burst_["step"], burst_["reached"] or burst_["step"])
    line(f"check-in burst: {burst_['prompts']:,} prompts in the outbox", f"{reached:.1f} s",
         f"({burst_['prompts'] / reached:,.0f} a second)")
    line("write-ahead log at its largest: fan-out, burst",
         f"{fan['wal peak']:,.0f} MiB, {burst_['wal peak']:,.0f} MiB")
    last = out["days"][-1]
    line(f"outbox after {len(out['days'])} days: delivered rows the prune left", f"{last['stale']:,}", "0",
         all(d["stale"] == 0 for d in out["days"]))
    width = max(len(w) for w, *_ in rows) + 2
    print(f"{'figure':<{width}}{'measured':>24}  target")
    for what, value, target, ok in rows:
        print(f"{what:<{width}}{value:>24}  {target:<12}{ok}".rstrip())
    print("scheduler entries by kind: " + ", ".join(f"{k} {v:,}" for k, v in sorted(entries.items())))
    og = args.outbox_groups
    print(f"outbox per simulated day: {og:,} groups x {members} members = {out['members']:,} members "
          f"(a world of its own), retention {args.retention} day{'s' if args.retention != 1 else ''}, prune at 03:30 UTC")
    print(f"{'10:00 to 10:00':<21}{'step s':>8}{'sent':>10}{'rows':>10}{'pending':>9}{'db MiB':>8}"
          f"{'WAL MiB':>9}{'WAL peak':>10}{'left by prune':>15}")
    for d in out["days"]:
        print(f"{d['day']:<21}{d['seconds']:>8.1f}{d['sent']:>10,}{d['rows']:>10,}{d['pending']:>9,}"
              f"{d['db mb']:>8,.0f}{d['wal mb']:>9,.0f}{d['wal peak']:>10,.0f}{d['stale']:>15,}")
    print(f"checked: the first reply; {entries.get('daily', 0):,} daily and {entries.get('checkin', 0):,} check-in "
          "entries = groups and active members; each post-time change planned the group's next post at the time "
          f"set; {len(res['join'])} joins = {len(res['join'])} new members, each with a check-in planned; "
          f"{fan['posts']:,} daily posts enqueued and delivered once each; {burst_['prompts']:,} prompts for "
          f"{burst_['day']}, one per active member; one daily post per group each simulated day; "
          "no command failed")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--groups", type=int, default=10_000)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--samples", type=int, default=300, help="rescheduling commands of each kind")
    ap.add_argument("--outbox-groups", type=int, default=None,
                    help="groups of the outbox-per-day world (default: --groups, at most 1,000)")
    ap.add_argument("--days", type=int, default=4, help="simulated days of the outbox phase")
    ap.add_argument("--retention", type=int, default=1, help="outbox_retention_days")
    ap.add_argument("--quick", action="store_true", help="500 groups x 20 members, 100 samples, 3 days")
    ap.add_argument("--code", default=str(ROOT), help="the checkout whose bot to measure (default: this one)")
    ap.add_argument("--dir", default=None, help="where to build the databases (default: a temporary folder)")
    ap.add_argument("--phase", choices=("build", "first-start", "measure", "burst", "days"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--now", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.code = str(Path(args.code).resolve())
    sys.path.insert(0, args.code)
    if args.phase:
        return phase_main(args)
    if args.quick:
        args.groups, args.members, args.samples, args.days = 500, 20, 100, 3
    args.outbox_groups = args.outbox_groups or min(args.groups, 1000)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        free = shutil.disk_usage(tmp).free
        need = WAL_BYTES_PER_MEMBER * args.members * max(args.groups, args.outbox_groups)
        try:
            if free < need:
                raise Failed(f"{free / 2**30:.0f} GiB free in {tmp}; the run's write-ahead log may need "
                             f"{need / 2**30:.0f} GiB (pass --dir)")
            r: dict = {}
            main_db, days_db = os.path.join(tmp, "scale.db"), os.path.join(tmp, "days.db")
            r["build"] = run_phase(args, "build", main_db, args.groups)
            r["first"] = run_phase(args, "first-start", main_db, args.groups)
            r["measure"] = run_phase(args, "measure", main_db, args.groups)
            r["burst"] = run_phase(args, "burst", main_db, args.groups, now=r["measure"]["now"])
            for name in ("-wal", "-shm", ""):
                if os.path.exists(main_db + name):
                    os.remove(main_db + name)  # room on the disk for the next world
            run_phase(args, "build", days_db, args.outbox_groups)
            run_phase(args, "first-start", days_db, args.outbox_groups)
            r["days"] = run_phase(args, "days", days_db, args.outbox_groups)
        except Failed as exc:
            print(f"bench_scale FAILED: {exc}", file=sys.stderr)
            return 1
    report(args, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
