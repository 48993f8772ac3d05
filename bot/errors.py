"""Errors a command can end with. Each becomes a one-line reply, never a traceback."""

from __future__ import annotations

from bot.text import Content, plain


class StudybotError(Exception):
    """Base: the message is shown to the person as it is: plain text, or a `Rich` the core built (so
    that a command in it, `Rich.format("... `mock status` ...")`, shows as code)."""

    def __init__(self, message: Content = ""):
        super().__init__(message)
        self.content: Content = message

    def __str__(self) -> str:
        return plain(self.content)


class UsageError(StudybotError):
    """The input did not fit the command; the reply adds the usage line."""

    def __init__(self, message: Content, usage: str | None = None):
        super().__init__(message)
        self.usage = usage


class NotAllowed(StudybotError):
    """The caller may not do this (organiser-only, or not a member)."""


class NotFound(StudybotError):
    """The thing named does not exist here."""


class Conflict(StudybotError):
    """The request clashes with the current state (already joined, ...)."""
