"""Typed settings, read from the environment. Secrets come only from the environment and never print."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

Platform = Literal["console", "discord", "slack"]
PLATFORMS = ("console", "discord", "slack")


@dataclass(frozen=True)
class Settings:
    platform: Platform = "console"
    db_path: str = "studybot.db"
    content_dir: str | None = None  # a content pack folder; None = the bundled pack
    log_level: str = "WARNING"
    discord_token: str | None = field(default=None, repr=False)
    discord_guild: str | None = None  # a development guild for instant command sync
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)  # set = Socket Mode
    slack_admins: tuple[str, ...] = ()
    slack_port: int = 3000
    slack_host: str = "0.0.0.0"
    # Delivered outbox messages are deleted after this many days: they hold what members said.
    outbox_retention_days: int = 14
    # False for `studybot run`: a missing database file is an error, never a new empty database.
    create_db: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = env.get(f"STUDYBOT_{name}")
            return value if value else None

        platform = (get("PLATFORM") or "console").lower()
        if platform not in PLATFORMS:
            raise ValueError(f"STUDYBOT_PLATFORM must be one of {', '.join(PLATFORMS)}, not {platform!r}")
        values = dict(
            platform=platform,
            db_path=get("DB") or "studybot.db",
            content_dir=get("CONTENT"),
            log_level=(get("LOG_LEVEL") or "WARNING").upper(),
            discord_token=get("DISCORD_TOKEN"),
            discord_guild=get("DISCORD_GUILD"),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_admins=tuple(x.strip() for x in (get("SLACK_ADMINS") or "").split(",") if x.strip()),
            slack_port=int(get("SLACK_PORT") or 3000),
            slack_host=get("SLACK_HOST") or "0.0.0.0",
            outbox_retention_days=_days("STUDYBOT_OUTBOX_RETENTION_DAYS", get("OUTBOX_RETENTION_DAYS"), 14),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def secrets(self) -> list[str]:
        return [s for s in (self.discord_token, self.slack_bot_token, self.slack_signing_secret,
                            self.slack_app_token) if s]


def _days(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be a whole number of days, not {value!r}")
    days = int(value)
    if not 1 <= days <= 3650:
        raise ValueError(f"{name} must be between 1 and 3650 days, not {days}")
    return days
