"""Logging set up once for the process, with every secret redacted from what reaches the log."""

from __future__ import annotations

import logging
import sys

from bot.config import Settings


class RedactingFormatter(logging.Formatter):
    """Tokens never reach a log line, whatever a library prints: the whole formatted record is
    searched, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", settings.secrets()))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
