"""The `studybot` command: console, run, db upgrade.

It lives outside `bot/` because it is where the core meets the adapters: it picks one by name.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import PLATFORMS, Settings
from bot.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="A study-group bot for ML-engineering interview prep")
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
    run = sub.add_parser("run", help="run the bot on a platform (settings from STUDYBOT_* variables)")
    run.add_argument("--platform", choices=PLATFORMS, help="default: $STUDYBOT_PLATFORM or console")
    run.add_argument("--db")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_cmd", required=True)
    up = db_sub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("--db")
    return parser


async def _db_upgrade(settings: Settings) -> int:
    from rich.progress import Progress

    from bot.storage.db import Database, bundled_migrations

    db = await Database.open(settings.db_path)
    try:
        pending = [m for m in bundled_migrations() if m.version > await db.schema_version()]
        with Progress(transient=False) as progress:
            task = progress.add_task("migrating", total=max(1, len(pending)))
            applied = await db.migrate(progress=lambda m: progress.advance(task))
        print(f"database {settings.db_path}: applied {len(applied)} migration(s); "
              f"schema version {await db.schema_version()}")
    finally:
        await db.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(db_path=getattr(args, "db", None), content_dir=getattr(args, "content", None))
    except ValueError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if args.cmd == "db":
        return asyncio.run(_db_upgrade(settings))
    if args.cmd == "console":
        from adapters.console.main import parse_start, run_console

        try:
            start = parse_start(args.start) if args.start else None
        except ValueError:
            print(f"studybot: --start must be an ISO date-time, not {args.start!r}", file=sys.stderr)
            return 2
        return asyncio.run(run_console(settings, user=args.user, script=args.script, clock_kind=args.clock,
                                       start=start, deliveries=args.deliveries))
    platform = args.platform or settings.platform
    if platform == "console":
        from adapters.console.main import run_console

        return asyncio.run(run_console(settings, user="me", script=None, clock_kind="real", start=None))
    if platform == "discord":
        from adapters.discord.main import run_discord

        return asyncio.run(run_discord(settings))
    from adapters.slack.main import run_slack

    return asyncio.run(run_slack(settings))


if __name__ == "__main__":
    sys.exit(main())
