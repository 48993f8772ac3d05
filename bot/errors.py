"""Errors a command can end with. Each becomes a one-line reply, never a traceback."""


class StudybotError(Exception):
    """Base: the message is shown to the person as it is."""


class UsageError(StudybotError):
    """The input did not fit the command; the reply adds the usage line."""

    def __init__(self, message: str, usage: str | None = None):
        super().__init__(message)
        self.usage = usage


class NotAllowed(StudybotError):
    """The caller may not do this (organiser-only, or not a member)."""


class NotFound(StudybotError):
    """The thing named does not exist here."""


class Conflict(StudybotError):
    """The request clashes with the current state (already joined, ...)."""
