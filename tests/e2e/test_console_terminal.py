"""`studybot console` at a real terminal (issue 14, must-have 8): the real process on a pseudo-terminal,
typed at key by key. The up arrow brings back the line before (readline), the history outlives the
session, Ctrl-C and Ctrl-D end it with one line and no traceback, and `studybot --version` answers.

Nothing here sleeps: the test waits for what the terminal shows, with a deadline (select on the pty)."""

from __future__ import annotations

import errno
import os
import pty
import select
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "2026-03-02T08:00:00+00:00"
UP = "\x1b[A"
PROMPT = "\n> "  # at the start of a line: what the bot prints never has it


class Tty:
    """`studybot` with a pseudo-terminal as its controlling terminal (stdin, stdout and stderr)."""

    def __init__(self, *args: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
        env.update(TERM="xterm", COLUMNS="100", LINES="40", PYTHONPATH=str(ROOT))
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the bot, with the pty as its terminal
            try:
                os.execvpe(sys.executable, [sys.executable, "-m", "launcher.cli", *args], env)
            finally:
                os._exit(127)
        self.seen = ""
        self.status: int | None = None

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def prompt(self) -> None:
        """Wait for the next prompt: readline is reading (keys typed before it are the terminal's, not
        readline's, and a Ctrl-D among them would be lost, as it would for a person)."""
        self.prompts = getattr(self, "prompts", 0) + 1
        self.wait_for(PROMPT, self.prompts)

    def _read(self, timeout: float) -> bool:
        """Read what is there within `timeout`; False once the terminal is closed (the bot ended)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError as exc:  # EIO: the other side closed
            if exc.errno != errno.EIO:
                raise
            return False
        if not data:
            return False
        self.seen += data.decode(errors="replace")
        return True

    def wait_for(self, text: str, times: int = 1, timeout: float = 60) -> str:
        """Wait until `text` has been shown `times` times in all; returns everything shown so far."""
        deadline = time.monotonic() + timeout
        while self.seen.count(text) < times:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 1.0)):
                if self.seen.count(text) >= times:
                    break
                raise AssertionError(f"never showed {text!r} ({times}x); the terminal showed:\n{self.seen[-3000:]}")
        return self.seen

    def wait_exit(self, timeout: float = 30) -> int:
        """Read the terminal to its end, then wait (with the deadline) for the exit status."""
        deadline = time.monotonic() + timeout
        while self._read(max(0.0, min(deadline - time.monotonic(), 1.0))):
            if time.monotonic() >= deadline:
                raise AssertionError(f"still running after {timeout} s:\n{self.seen[-3000:]}")
        # The terminal is closed: the process is ending. Its pidfd becomes readable once it has.
        pidfd = os.pidfd_open(self.pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(pidfd)
        if not ready:
            raise AssertionError(f"closed its terminal but did not exit:\n{self.seen[-3000:]}")
        self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.status

    def close(self) -> None:
        if self.status is None:
            try:
                if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        os.close(self.fd)


@pytest.fixture
def terminal(tmp_path):
    opened: list[Tty] = []

    def start(*extra: str) -> Tty:
        tty = Tty("console", "--db", str(tmp_path / "t.db"), "--clock", "simulated", "--start", START, *extra)
        opened.append(tty)
        tty.wait_for("Ctrl-D or Ctrl-C quits")
        tty.prompt()
        return tty

    yield start
    for tty in opened:
        tty.close()


def test_the_up_arrow_brings_back_the_line_before_and_ctrl_c_ends_cleanly(terminal, tmp_path):
    tty = terminal()
    tty.type(":now\r")
    tty.wait_for(START, 1)
    tty.prompt()
    tty.type(UP + "\r")  # the line before, edited back into the prompt and run again
    tty.wait_for(START, 2)
    tty.prompt()
    tty.type("group setup timezone America/New_York\r")
    tty.wait_for("is set up")
    tty.prompt()
    tty.type("\x03")  # Ctrl-C, through the terminal: SIGINT to the bot
    status = tty.wait_exit()
    assert status == 0, tty.seen[-3000:]
    assert "Traceback" not in tty.seen and "KeyboardInterrupt" not in tty.seen
    after = tty.seen[tty.seen.rindex("is set up"):]
    assert "Goodbye." in after, after
    # The group was set up and the session's lines are kept for the next one.
    history = tmp_path / "t.db.history"
    assert history.read_text().splitlines()[-2:] == [":now", "group setup timezone America/New_York"]
    assert history.stat().st_mode & 0o077 == 0  # the owner's only


def test_the_history_outlives_the_session_and_ctrl_d_ends_it(terminal, tmp_path):
    first = terminal()
    first.type(":now\r")
    first.wait_for(START)
    first.prompt()
    first.type("\x04")  # Ctrl-D: the end of input
    assert first.wait_exit() == 0
    assert "Goodbye." in first.seen and "Traceback" not in first.seen
    second = terminal()
    second.type(UP + "\r")  # the last line of the session before
    second.wait_for(START)
    second.prompt()
    second.type("\x04")
    assert second.wait_exit() == 0


def test_a_left_arrow_edits_the_line_instead_of_typing_an_escape(terminal):
    tty = terminal()
    tty.type(":nw" + "\x1b[D" + "o\r")  # typed ':nw', moved left once, inserted 'o': ':now'
    tty.wait_for(START)
    tty.prompt()
    assert "Unknown directive" not in tty.seen
    tty.type("\x04")
    assert tty.wait_exit() == 0


def test_version_comes_from_the_package_metadata():
    proc = subprocess.run([sys.executable, "-m", "launcher.cli", "--version"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert proc.stdout.strip() == f"studybot {declared}"
