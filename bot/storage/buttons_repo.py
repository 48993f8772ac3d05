"""Button commands kept by key (see bot/domain/buttons.py), so a short button id can name a long command."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import buttons
from bot.reply import Reply
from bot.storage.db import Database


class SqliteButtons:
    def __init__(self, db: Database):
        self.db = db

    async def keep(self, reply: Reply, user_id: int | None, now: datetime) -> None:
        """Keep the reply's long button commands. `user_id` is who the buttons were made for (None for a
        channel post): the rows go with that user (forget-me), as the message itself does."""
        for button in reply.buttons:
            if buttons.kept(button.command):
                await self.db.write(
                    "INSERT OR IGNORE INTO button_commands (key, user_id, command, created_at) VALUES (?,?,?,?)",
                    (buttons.key(button.command), user_id, button.command,
                     now.astimezone(UTC).isoformat(timespec="seconds")),
                )

    async def command(self, key: str) -> str | None:
        return await self.db.scalar("SELECT command FROM button_commands WHERE key=? LIMIT 1", (key,))
