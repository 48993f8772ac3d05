"""The schedule as the app wires it: the due kinds over the due-time index, re-planned by the events a
unit records. What a change, a fire and a start cost is counted in statements and in rows of the index,
and compared between a small world and one four times larger: the work must not grow with the number of
groups. Simulated clock throughout, except for the background catch-up, which moves a clock by hand."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta

from adapters.console.adapter import ConsoleAdapter
from bot.bootstrap import open_app
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.scheduling.planner import Fire
from tests.conftest import START, ConsoleBot, running_bot
from tests.units import HandClock

MEMBERS = 4  # per group, in both worlds: only the number of groups differs
KINDS = {"daily", "design", "digest", "checkin-digest", "mock-heads-up", "mock-round", "checkin",
         "mock-remind-24h", "mock-remind-1h", "mock-feedback", "outbox-prune", "job-runs-prune",
         "mock-no-show"}


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """Every statement the app sends to its database while the block runs (the Database's own query
    methods, wrapped on this one instance)."""
    seen: list[str] = []
    names = ("one", "all", "write", "execute", "insert", "executemany")  # `scalar` goes through `one`
    originals = {name: getattr(db, name) for name in names}

    def counting(method):
        async def call(sql, *args):
            seen.append(sql)
            return await method(sql, *args)
        return call

    for name, method in originals.items():
        setattr(db, name, counting(method))
    try:
        yield seen
    finally:
        for name in names:
            delattr(db, name)  # back to the class's methods


def on_index(sql: list[str]) -> list[str]:
    """The statements that read or write the due-time index and the claims."""
    return [s for s in sql if " due " in f"{s} " or "job_runs" in s or "due_kinds" in s]


async def index(app) -> dict[tuple[str, int], datetime]:
    rows = await app.db.all("SELECT kind, subject, due_at FROM due")
    return {(r[0], r[1]): datetime.fromisoformat(r[2]) for r in rows}


def moved(before: dict, after: dict) -> set[tuple[str, int]]:
    return {ref for ref in before.keys() | after.keys() if before.get(ref) != after.get(ref)}


async def build(bot: ConsoleBot, groups: int) -> None:
    """`groups` groups in Paris, each in its own channel with MEMBERS members; group 1 posts at 06:17,
    an instant nothing else shares, the others at 09:00."""
    for g in range(1, groups + 1):
        post = "06:17" if g == 1 else "09:00"
        lines = [f":channel g{g}", f"group setup timezone Europe/Paris post-time {post}"]
        lines += [f"@m{g}x{m} join" for m in range(MEMBERS)]
        await bot.script("\n".join(lines))
    await bot.say(":channel g2")


@asynccontextmanager
async def world(tmp_path, groups: int):
    async with running_bot(str(tmp_path / f"w{groups}.db")) as bot:
        await build(bot, groups)
        yield bot


async def test_every_kind_is_planned_once_per_subject_and_no_member_has_a_job_of_its_own(tmp_path):
    async with world(tmp_path, 3) as bot:
        planned = await index(bot.app)
        assert set(bot.app.timer.planner.kinds) == KINDS
        per_kind = {k: sum(1 for kind, _ in planned if kind == k) for k in KINDS}
        # Six kinds per group, one prompt per member, the two clean-ups; no session yet.
        assert per_kind == {**dict.fromkeys(KINDS, 0), "daily": 3, "design": 3, "digest": 3, "checkin-digest": 3,
                            "mock-heads-up": 3, "mock-round": 3, "checkin": 3 * MEMBERS, "outbox-prune": 1,
                            "job-runs-prune": 1}
        # 09:00 Paris is 08:00 UTC; group 1's 06:17 has passed today, so its first post is tomorrow.
        assert planned[("daily", 2)] == datetime(2026, 3, 2, 8, tzinfo=UTC)
        assert planned[("daily", 1)] == datetime(2026, 3, 3, 5, 17, tzinfo=UTC)


async def _replan_costs(tmp_path, groups: int) -> dict[str, tuple[int, int, set]]:
    """For each rescheduling command in group 2 (or a member of it): the statements it cost, how many of
    them touched the index, and which rows of the index moved."""
    out = {}
    async with world(tmp_path, groups) as bot:
        for name, line in [
            ("post-time", "group setup post-time 10:00"),
            ("timezone", "@m2x1 profile timezone Asia/Tokyo"),
            ("join", "@newcomer join"),
            ("checkins", "group checkins time 07:15"),
            ("pause", "group pause"),
            ("resume", "group resume"),
        ]:
            before = await index(bot.app)
            with statements(bot.app.db) as sql:
                await bot.say(line)
            out[name] = (len(sql), len(on_index(sql)), moved(before, await index(bot.app)))
        with statements(bot.app.db) as sql:  # the re-plan a group's change causes, alone
            await bot.app.timer.changed([("group", 2)])
        out["group re-plan"] = (len(sql), len(on_index(sql)), set())
    return out


async def test_a_rescheduling_command_replans_only_what_it_touched(tmp_path):
    small = await _replan_costs(tmp_path, 2)
    large = await _replan_costs(tmp_path, 8)
    def shape(costs):  # member ids differ between the worlds; what moved, by kind, must not
        return {name: (n, on, sorted(kind for kind, _ in rows)) for name, (n, on, rows) in costs.items()}

    assert shape(large) == shape(small)  # the same statements and the same rows, whatever the number of groups
    members = {ref for ref in small["pause"][2] if ref[0] == "checkin"}
    assert len(members) == MEMBERS + 1  # the newcomer too
    assert small["post-time"][2] == {("daily", 2), ("design", 2)}
    for one_member in ("timezone", "join"):  # that member's prompt, and nothing else
        assert [kind for kind, _ in small[one_member][2]] == ["checkin"]
    assert small["checkins"][2] == {("checkin-digest", 2)} | members
    group_kinds = {(k, 2) for k in ("daily", "design", "digest", "checkin-digest", "mock-heads-up", "mock-round")}
    assert small["pause"][2] == small["resume"][2] == group_kinds | members
    # A group's change re-plans its six kinds: a read of each (the digest of answers also reads the
    # check-in settings) and one upsert each, which writes nothing when the instant did not move.
    assert small["group re-plan"][:2] == (13, 6)


async def _fire_cost(tmp_path, groups: int) -> tuple[list[str], set, int]:
    async with world(tmp_path, groups) as bot:
        await bot.say(":until 2026-03-03T05:00+00:00")
        before = await index(bot.app)
        with statements(bot.app.db) as sql:
            await bot.say(":advance 30m")  # group 1's 06:17 Paris (05:17 UTC), and nothing else
        posts = await bot.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE key = 'daily:1:2026-03-03'")
        return sql, moved(before, await index(bot.app)), posts


async def test_a_fire_replans_only_its_subject_and_costs_the_same_in_a_larger_world(tmp_path):
    small, rows, posts = await _fire_cost(tmp_path, 2)
    large, large_rows, _ = await _fire_cost(tmp_path, 8)
    assert posts == 1
    assert rows == large_rows == {("daily", 1)}
    assert large == small
    # The index's part: the earliest instant; the batch due then; the claim and the next instant; the
    # run marked finished; the earliest instant again (past the span).
    assert len(on_index(small)) == 6


async def test_a_restart_plans_nothing_again_and_costs_the_same_in_a_larger_world(tmp_path):
    async def start_cost(groups: int) -> list[str]:
        path = str(tmp_path / f"r{groups}.db")
        async with running_bot(path) as bot:
            await build(bot, groups)
        async with open_app(Settings(db_path=path), SimulatedClock(START + timedelta(minutes=30))) as app:
            with statements(app.db) as sql:
                await app.start()
            return sql

    small, large = await start_cost(2), await start_cost(8)
    assert large == small
    # Every kind was planned for all its subjects already: not one subject is planned again.
    assert not [s for s in small if s.startswith("INSERT INTO due (kind, subject, due_at) VALUES")]
    # Hand back unfinished claims (2), look at how far each kind is planned (1 each), take what is due.
    assert len(small) == 2 + len(KINDS) + 1


async def test_with_the_real_clock_the_catch_up_runs_in_the_background_and_a_change_wakes_the_timer(tmp_path):
    path = str(tmp_path / "real.db")
    async with running_bot(path) as bot:  # 07:00 UTC: a group whose 09:00 Paris post is due at 08:00
        await bot.script("group setup timezone Europe/Paris\njoin")
    clock = HandClock(datetime(2026, 3, 2, 10, tzinfo=UTC))  # back at 11:00 Paris: three hours late
    async with open_app(Settings(db_path=path), clock) as app:
        gate, entered = asyncio.Event(), asyncio.Event()
        daily = app.timer.planner.kinds["daily"]

        async def held(fire: Fire) -> None:
            entered.set()
            await gate.wait()  # start must return while the catch-up's run waits here
            await daily.run(fire)

        app.timer.planner.kinds["daily"] = dataclasses.replace(daily, run=held)
        await asyncio.wait_for(app.start(), timeout=10)
        await asyncio.wait_for(entered.wait(), timeout=10)
        assert await app.db.scalar("SELECT COUNT(*) FROM daily_posts") == 0
        gate.set()
        await asyncio.wait_for(app.timer.waiting.wait(), timeout=10)  # caught up, waiting for what is next
        assert await app.db.scalar("SELECT local_date FROM daily_posts") == "2026-03-02"

        # A command moves the post time to 11:30 Paris, due in half an hour: after its commit the timer
        # is woken, looks again, and waits for the new instant; at that instant the post runs (and finds
        # today's already made).
        out = io.StringIO()
        adapter = ConsoleAdapter(app, out=out, interactive=False, image_dir=None)
        app.timer.waiting.clear()
        await adapter.handle_line("group setup post-time 11:30")
        assert await app.uow.run(lambda store: store.schedule.due_at("daily", 1)) == datetime(
            2026, 3, 2, 10, 30, tzinfo=UTC)
        await asyncio.wait_for(app.timer.waiting.wait(), timeout=10)
        ran = asyncio.Event()

        async def seen(fire: Fire) -> None:
            await daily.run(fire)
            ran.set()

        app.timer.planner.kinds["daily"] = dataclasses.replace(daily, run=seen)
        clock.t = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
        app.timer.wake()
        await asyncio.wait_for(ran.wait(), timeout=10)
        assert await app.db.scalar("SELECT COUNT(*) FROM daily_posts") == 1
        assert await app.uow.run(lambda store: store.schedule.due_at("daily", 1)) == datetime(
            2026, 3, 3, 10, 30, tzinfo=UTC)


async def test_a_paused_groups_reminders_send_nothing_and_come_back_with_it_unplanned(group):
    """Pausing and resuming re-plan no session: while paused a reminder comes due and sends nothing; once
    resumed, the next one goes out."""
    bot = group
    await bot.script("""
mock join
@alice mock join
@bob mock join
mock availability add sat 10:00-12:00
@alice mock availability add sat 10:00-12:00
@bob mock availability add sat 10:00-12:00
group pair-now
""")
    sid, starts, ends = await bot.app.db.one("SELECT id, starts_at, ends_at FROM mock_sessions")
    starts, ends = datetime.fromisoformat(starts), datetime.fromisoformat(ends)
    planned = await index(bot.app)
    assert (planned[("mock-remind-24h", sid)], planned[("mock-remind-1h", sid)], planned[("mock-feedback", sid)]) == (
        starts - timedelta(hours=24), starts - timedelta(hours=1), ends)

    async def reminders(which: str) -> int:
        return await bot.app.db.scalar("SELECT COUNT(*) FROM outbox WHERE key LIKE ?", (f"mock:{sid}:%:remind-{which}:%",))

    before = await index(bot.app)
    await bot.say("group pause")
    assert not {ref for ref in moved(before, await index(bot.app)) if ref[0].startswith("mock-remind")}
    await bot.app.advance(starts - timedelta(hours=2) - bot.clock.now())
    assert await reminders("24h") == 0  # came due while paused: nothing sent
    assert ("mock-remind-24h", sid) not in await index(bot.app)  # and it is not due again
    await bot.say("group resume")
    await bot.app.advance(timedelta(hours=1, minutes=30))
    seats = await bot.app.db.scalar("SELECT COUNT(*) FROM mock_seats WHERE session_id=?", (sid,))
    assert seats >= 2 and await reminders("1h") == seats
