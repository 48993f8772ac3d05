"""`studybot health` (issue 14, must-have 9): the database is there and migrated, the running bot's
heartbeat is fresh, its scheduler serves, and no message has waited in the outbox too long."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.api import Health
from bot.bootstrap import open_app
from bot.clock import RealClock
from bot.config import Settings
from bot.ports import DeliveryError
from launcher.health import Heartbeat, check, heartbeat_path, verdict, write_heartbeat
from tests.conftest import running_bot
from tests.e2e.live_console import LiveConsole, studybot

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def beat(written: timedelta = timedelta(0), running: bool = True, waited: timedelta | None = None) -> Heartbeat:
    return Heartbeat(written_at=NOW - written, pid=4242, scheduler_running=running, oldest_waiting=waited)


def test_the_verdict_names_what_is_wrong():
    assert verdict(beat(timedelta(seconds=20)), NOW) == (
        True, "heartbeat 20 seconds ago, scheduler running, outbox: nothing waiting")
    assert verdict(None, NOW) == (False, "no heartbeat: the bot is not running (or has not started yet)")
    assert verdict(beat(timedelta(minutes=4)), NOW) == (
        False, "the last heartbeat is 4 minutes old (limit 3 minutes): the bot (process 4242) is stopped or stuck")
    assert verdict(beat(timedelta(minutes=4)), NOW, max_age=timedelta(minutes=5))[0]
    assert verdict(beat(running=False), NOW) == (False, "the scheduler is not running")
    # A message's wait goes on after the heartbeat was written.
    assert verdict(beat(timedelta(minutes=1), waited=timedelta(minutes=10)), NOW) == (
        True, "heartbeat 60 seconds ago, scheduler running, outbox: the oldest message has waited 11 minutes")
    assert verdict(beat(timedelta(minutes=1), waited=timedelta(minutes=15)), NOW) == (
        False, "the oldest message in the outbox has waited 16 minutes (limit 15 minutes): delivery is stuck "
               "or the platform refuses it")
    assert verdict(beat(waited=timedelta(minutes=15)), NOW, max_wait=timedelta(minutes=20))[0]


def test_a_heartbeat_survives_its_file():
    one = beat(timedelta(seconds=5), waited=timedelta(seconds=90.5))
    assert Heartbeat.from_json(one.to_json()) == one
    assert Heartbeat.from_json(beat(running=False).to_json()) == beat(running=False)


class PlatformDown:
    """A platform that refuses every message for now (an outage): messages wait and are retried."""

    platform = "console"

    async def deliver(self, message, channel_ref, user_ref):
        raise DeliveryError("503 Service Unavailable")


async def test_messages_held_up_by_an_outage_make_the_bot_unhealthy(tmp_path):
    db = str(tmp_path / "h.db")
    settings = Settings(db_path=db)
    async with running_bot(db) as bot:  # Monday 07:00 UTC, simulated
        await bot.script("group setup\njoin")
        health = await bot.app.health()
        assert health == Health(now=bot.clock.now(), scheduler_running=True)  # nothing waits
        bot.app.use_messenger(PlatformDown())
        await bot.say(":advance 2h")  # the 09:00 daily post is queued and refused
        await bot.say(":advance 1h")
        health = await bot.app.health()
        assert health.scheduler_running and health.oldest_waiting == timedelta(hours=1), health
        assert health.waiting_since == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

        # What the heartbeat says of it, as `studybot health` reads it (beside the running bot).
        path = heartbeat_path(db)
        write_heartbeat(path, Heartbeat.of(health, NOW))
        assert await check(settings, now=NOW + timedelta(seconds=30)) == (
            False, "the oldest message in the outbox has waited 60 minutes (limit 15 minutes): delivery is stuck "
                   "or the platform refuses it")
        assert (await check(settings, now=NOW, max_wait=timedelta(hours=2)))[0]
        write_heartbeat(path, Heartbeat.of(await bot.app.health(), RealClock().now()))
        proc = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "launcher.cli", "health", "--db", db, "--max-age", "600"],
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc
        assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("studybot: unhealthy: the oldest message in the outbox has waited 60 minutes")
        assert "Traceback" not in proc.stderr


async def test_the_scheduler_counts_as_running_only_while_its_timer_serves(tmp_path):
    async with open_app(Settings(db_path=str(tmp_path / "r.db")), RealClock()) as app:
        assert not (await app.health()).scheduler_running  # opened, not started
        await app.start()
        await app.timer.waiting.wait()  # the timer's loop has run once and waits for the next instant
        assert (await app.health()).scheduler_running
        await app.stop()
        assert not (await app.health()).scheduler_running


async def test_the_database_must_be_there_and_migrated(tmp_path):
    missing = Settings(db_path=str(tmp_path / "none.db"))
    assert await check(missing) == (False, f"there is no database at {tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()
    db = tmp_path / "old.db"
    assert studybot("db", "init", "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM schema_version)")
    con.close()
    assert await check(Settings(db_path=str(db))) == (
        False, f"the database {db} lacks 1 migration (`studybot db upgrade --db {db}`)")


def _health(db) -> subprocess.CompletedProcess:
    return studybot("health", "--db", str(db))


def test_a_running_bot_is_healthy_and_a_stopped_one_is_not(tmp_path):
    db = tmp_path / "live.db"
    assert studybot("db", "init", "--db", str(db)).returncode == 0
    assert _health(db).stderr == "studybot: unhealthy: no heartbeat: the bot is not running (or has not started yet)\n"
    bot = LiveConsole(db, command="run", env={"STUDYBOT_PLATFORM": "console"})
    try:
        bot.ready()
        bot.say("group setup", "is set up")
        # The first heartbeats come quickly (the bot has just started); each check is a process of its own.
        deadline = time.monotonic() + 60
        while (proc := _health(db)).returncode != 0:
            assert time.monotonic() < deadline, proc.stderr
        assert proc.stdout.startswith("studybot: healthy: heartbeat "), proc.stdout
        assert "scheduler running, outbox: nothing waiting" in proc.stdout
        bot.proc.send_signal(signal.SIGTERM)
        assert bot.proc.wait(timeout=10) == 0
    finally:
        bot.kill()
    assert not heartbeat_path(str(db)).exists()  # a bot that stopped leaves no heartbeat behind
    after = _health(db)
    assert after.returncode == 1 and "no heartbeat" in after.stderr
