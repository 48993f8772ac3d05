"""Running `studybot console` as a subprocess over a script, the way a person pipes one in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def play(db: Path, script: str, start: str, *extra: str, timeout: int = 300) -> str:
    """Pipe `script` into the console on the simulated clock; return the transcript (stdout).

    Fails the calling test on a non-zero exit or any traceback, and keeps the transcript next to the
    database for a person to read.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(db), "--clock", "simulated", "--start", start,
         *extra],
        input=script, capture_output=True, text=True, timeout=timeout, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    db.with_name("transcript.txt").write_text(proc.stdout)
    return proc.stdout
