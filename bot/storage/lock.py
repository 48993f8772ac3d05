"""One process per SQLite file, and a database that stays the one the bot opened.

Two processes delivering from one outbox send messages twice (each claims and sends on its own), so a
bot holds an exclusive lock on a sidecar file `PATH.lock` for as long as it runs, and a second one
refuses to start. The lock file is never deleted: a process that removed it could let two others lock
two different files of the same name.

A bot also remembers which file it opened (device and inode). If that file is removed or replaced while
it runs, its connection goes on writing into a file nobody will ever open again; it must stop instead.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

try:
    import fcntl
except ImportError:  # not a POSIX system: no advisory locks to take
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class DatabaseInUse(RuntimeError):
    """Another process holds the database's lock."""


class DatabaseGone(RuntimeError):
    """The database file was removed or replaced while the bot ran."""


def lock_path(db_path: str) -> str:
    return db_path + ".lock"


class ProcessLock:
    """An exclusive flock on PATH.lock, with the holder's pid written in it for the refusal message."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> ProcessLock:
        if self._fd is not None:
            return self
        if fcntl is None:
            log.warning("no file locks on this system: nothing stops a second process on %s", self.db_path)
            return self
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise DatabaseInUse(f"the database {self.db_path} is in use by {who} (lock {self.path}); "
                                "stop that one first, or use another --db") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> ProcessLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when the bot opened it."""

    path: str
    device: int
    inode: int

    @classmethod
    def of(cls, path: str) -> FileIdentity:
        st = os.stat(path)
        return cls(path, st.st_dev, st.st_ino)

    def problem(self) -> str | None:
        """None while the path still names the same file; otherwise what happened to it, as one line."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            what = "was removed"
        except OSError as exc:
            what = f"cannot be read ({exc.strerror})"
        else:
            if (st.st_dev, st.st_ino) == (self.device, self.inode):
                return None
            what = "was replaced by another file"
        return (f"the database file {self.path} {what} while the bot was running; stopping so that nothing "
                "more is written where it would be lost. Restore the file and start again.")
