"""The `studybot` command: console, run, health, db init, db upgrade, and `--version`.

It lives outside `bot/` because it is where the core meets the adapters: it picks one by name.

A database belongs to one process at a time (a lock on PATH.lock), and `studybot run` never creates
one: a missing file is created by `studybot db init` or by the console's first start, so a bot whose
file was lost says so instead of starting afresh on an empty database. `studybot run` writes a
heartbeat beside the database, which `studybot health` reads (launcher/health.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine
from dataclasses import replace
from datetime import timedelta
from importlib import metadata
from typing import Any

from bot.bootstrap import open_app, saved_simulated_time
from bot.config import PLATFORMS, Settings
from bot.logs import configure_logging
from bot.storage.db import DatabaseMissing
from bot.storage.lock import DatabaseGone, DatabaseInUse, ProcessLock
from launcher import health
from launcher.serve import serve

# The exit status of a bot that stopped because its database file was removed or replaced.
EXIT_DATABASE_GONE = 3


def version() -> str:
    """The installed package's version (its metadata, from pyproject.toml)."""
    try:
        return metadata.version("studybot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _minutes(text: str) -> timedelta:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of minutes, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"a positive number of minutes, not {text!r}")
    return timedelta(minutes=value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="A study-group bot for ML-engineering interview prep")
    parser.add_argument("--version", action="version", version=f"studybot {version()}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    con = sub.add_parser("console", help="run the bot in this terminal")
    con.add_argument("--db", help="database file (default: $STUDYBOT_DB or studybot.db)")
    con.add_argument("--user", default="me", help="who you are (default: me)")
    con.add_argument("--script", help="read commands from this file instead of standard input")
    con.add_argument("--clock", choices=("real", "simulated"), default="real")
    con.add_argument("--start", help="the simulated clock's first instant (ISO 8601; default: now)")
    con.add_argument("--content", help="a content pack folder (default: the bundled one)")
    con.add_argument("--deliveries", help="also record every delivery, by idempotency key, in this file; a key "
                     "already recorded is not delivered again (as a platform that deduplicates would)")
    con.add_argument("--history", help="the file of typed lines, for the up arrow (default: $STUDYBOT_HISTORY, "
                     "or beside the database as PATH.history)")
    run = sub.add_parser("run", help="run the bot on a platform (settings from STUDYBOT_* variables)")
    run.add_argument("--platform", choices=PLATFORMS, help="default: $STUDYBOT_PLATFORM or console")
    run.add_argument("--db")
    check = sub.add_parser("health", help="exit 0 if the running bot on this database is healthy, else 1 with "
                           "the reason (the Docker HEALTHCHECK)")
    check.add_argument("--db")
    check.add_argument("--max-age", type=_minutes, default=health.MAX_AGE, metavar="MINUTES",
                       help="the oldest acceptable heartbeat (default: %(default)s)")
    check.add_argument("--max-wait", type=_minutes, default=health.MAX_WAIT, metavar="MINUTES",
                       help="the longest a message may wait in the outbox (default: %(default)s)")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_cmd", required=True)
    init = db_sub.add_parser("init", help="create a new database (never over an existing file)")
    init.add_argument("--db")
    up = db_sub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("--db")
    return parser


async def _db_init(settings: Settings) -> int:
    from bot.storage.db import open_database

    path = settings.db_path
    with ProcessLock(path):
        async with open_database(path, create=True) as db:
            version = await db.schema_version()
    print(f"database {path}: created, schema version {version}")
    return 0


async def _db_upgrade(settings: Settings) -> int:
    from rich.progress import Progress

    from bot.storage.db import Database, pending_migrations

    with ProcessLock(settings.db_path):  # never migrate under a running bot
        db = await Database.open(settings.db_path, create=False)
        try:
            await db.schema_version()  # creates the version table in a database that has none
            done = {row[0] for row in await db.all("SELECT version FROM schema_version")}
            pending = pending_migrations(done)
            with Progress(transient=False) as progress:
                task = progress.add_task("migrating", total=max(1, len(pending)))
                applied = await db.migrate(progress=lambda m: progress.advance(task))
            print(f"database {settings.db_path}: applied {len(applied)} migration(s); "
                  f"schema version {await db.schema_version()}")
        finally:
            await db.close()
    return 0


async def _stop_if_database_gone(work: Coroutine[Any, Any, int]) -> int:
    try:
        return await work
    except DatabaseGone as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # The app has closed the database; what is left may be a thread blocked reading the terminal,
        # which no clean shutdown can interrupt. Leave now, with the message said.
        os._exit(EXIT_DATABASE_GONE)


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run a bot (or a database command) to its end; a database that is locked, missing or gone is
    one line on standard error, not a traceback."""
    try:
        return asyncio.run(_stop_if_database_gone(work))
    except (DatabaseInUse, DatabaseMissing) as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(db_path=getattr(args, "db", None), content_dir=getattr(args, "content", None))
    except ValueError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if args.cmd == "health":
        healthy, why = asyncio.run(health.check(settings, max_age=args.max_age, max_wait=args.max_wait))
        print(f"studybot: {'healthy' if healthy else 'unhealthy'}: {why}", file=sys.stdout if healthy else sys.stderr)
        return 0 if healthy else 1
    if args.cmd == "db":
        if args.db_cmd == "init" and os.path.exists(settings.db_path):
            print(f"studybot: {settings.db_path} already exists and was left as it is; "
                  f"`studybot db upgrade --db {settings.db_path}` applies new migrations to it", file=sys.stderr)
            return 1
        return _run(_db_init(settings) if args.db_cmd == "init" else _db_upgrade(settings))
    if args.cmd == "console":
        from adapters.console.main import parse_start, run_console

        try:
            start = parse_start(args.start) if args.start else None
        except ValueError:
            print(f"studybot: --start must be an ISO date-time, not {args.start!r}", file=sys.stderr)
            return 2
        history = args.history or os.environ.get("STUDYBOT_HISTORY") or None
        return _run(serve(lambda stop: run_console(
            settings, open_core=open_app, saved_time=saved_simulated_time, user=args.user, script=args.script,
            clock_kind=args.clock, start=start, deliveries=args.deliveries, stop=stop, history=history)))
    # `run` opens an existing database only (the open itself refuses to create one, too).
    settings = replace(settings, create_db=False)
    if settings.db_path != ":memory:" and not os.path.exists(settings.db_path):
        print(f"studybot: {DatabaseMissing(settings.db_path)}", file=sys.stderr)
        return 2
    platform = args.platform or settings.platform
    beating = health.with_heartbeat(open_app)  # a deployment: `studybot health` reads its heartbeat
    if platform == "console":
        from adapters.console.main import run_console

        return _run(serve(lambda stop: run_console(
            settings, open_core=beating, saved_time=saved_simulated_time, user="me", script=None,
            clock_kind="real", start=None, stop=stop, history=os.environ.get("STUDYBOT_HISTORY") or None)))
    if platform == "discord":
        from adapters.discord.main import run_discord

        return _run(serve(lambda stop: run_discord(settings, open_core=beating, stop=stop)))
    from adapters.slack.main import run_slack

    return _run(serve(lambda stop: run_slack(settings, open_core=beating, stop=stop)))


if __name__ == "__main__":
    sys.exit(main())
