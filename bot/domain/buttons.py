"""Long button commands travel as a short key.

A button names the command it runs, as a person would type it. Some platforms give a button only a
short id (Discord's custom_id is at most 100 characters), and a command may be longer (a company name,
a note, a "which one?" choice). The core keeps every command longer than KEEP_OVER characters by its
key, in the same transaction as the reply or outbox message that shows the button; an adapter whose
button id cannot hold the command carries `key(command)` instead and asks the core for the command
when the button is pressed, after any restart.
"""

from __future__ import annotations

import hashlib

KEEP_OVER = 80  # below every platform's button-id room once its own prefix is added (Discord: 97)
KEY_LENGTH = 32  # hex digits of SHA-256: 128 bits, so two commands never share a key in practice


def key(command: str) -> str:
    return hashlib.sha256(command.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def kept(command: str) -> bool:
    """Whether the core keeps this command by key (so an adapter may send the key alone)."""
    return len(command) > KEEP_OVER


def by_id(member_id: int) -> str:
    """Our member id as a command names it: what buttons carry in place of a display name."""
    return f"member:{member_id}"
