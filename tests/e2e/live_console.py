"""`studybot` as a subprocess that stays up: lines are sent one at a time and the test waits for what the
console prints, so it can look at the database (or take it away) while the bot still runs."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

START = "2026-03-02T07:00:00+00:00"  # a Monday


def studybot(*args: str, stdin: str = "", timeout: int = 60) -> subprocess.CompletedProcess:
    """One run of the `studybot` command to its end."""
    return subprocess.run([sys.executable, "-m", "launcher.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=_env())


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}


class LiveConsole:
    def __init__(self, db: Path, *extra: str, command: str = "console", env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "launcher.cli", command, "--db", str(db), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**_env(), **(env or {})},
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._new.put(line.rstrip("\n"))

    def send(self, *lines: str) -> None:
        for line in lines:
            self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def say(self, line: str, until: str, timeout: float = 60) -> str:
        """Send one line and wait for `until` to appear in what follows it; returns that output."""
        start = len(self.lines)
        self.send(line)
        self.wait_for(until, timeout, since=start)
        return "\n".join(self.lines[start:])

    def wait_for(self, text: str, timeout: float = 60, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines[since:]):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and self._new.empty():
                raise AssertionError(f"never printed {text!r}; got:\n" + "\n".join(self.lines[-40:]))
            try:
                self.lines.append(self._new.get(timeout=min(left, 0.5)))
            except queue.Empty:
                pass

    def ready(self) -> None:
        """Wait until the console has opened its database and answers (it echoes piped lines)."""
        self.say("help", "> help")

    def close(self, timeout: float = 60) -> tuple[int, str]:
        """End the input; returns (exit status, standard error)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        rc = self.proc.wait(timeout=timeout)
        return rc, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
