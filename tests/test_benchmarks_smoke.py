"""Each benchmark in bench/ runs in its smallest mode, checks its own result and prints its figures;
bench_drain fails loudly (exit 1, one line, no rate) when the fake Discord drops or refuses posts.

The benchmarks run as the scripts they are (a subprocess each, on 127.0.0.1 fakes they start
themselves). Nothing here asserts on a time: only exit codes and what was printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # about 65 s for the module


def bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def failure_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def test_drain_checks_every_post_and_prints_its_rate():
    done = bench("bench_drain.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "of limit" in done.stdout and "429s:" in done.stdout
    assert "checked: each of the 50 posts stored by the fake exactly once" in done.stdout


@pytest.mark.parametrize(("fault", "said"), [("drop", "missing"), ("unknown-channels", "404")])
def test_drain_fails_loudly_when_the_fake_loses_posts(fault, said):
    done = bench("bench_drain.py", "--quick", "--inject", fault)
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    line = failure_line(done)
    assert line.startswith("bench_drain FAILED: ") and said in line, line
    assert "per s" not in done.stdout and "of limit" not in done.stdout  # no rate printed


def test_daily_quick_checks_its_solves_and_prints_ratios_to_the_ceiling():
    done = bench("bench_daily.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for figure in ("problem today", "problem solved", "leaderboard week", "me", "daily fan-out",
                   "of the commit ceiling", "the ceiling itself", "checked: "):
        assert figure in out, out
    rounds = [ln for ln in out.splitlines() if ln.strip()[:1].isdigit() and "%" in ln]
    assert len(rounds) == 5, out  # one row per ceiling/measured round


def test_load_checks_its_solves_and_prints_its_table():
    done = bench("bench_load.py", "--seconds", "1", "--users", "10", "--groups", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "think 0-200 ms" in done.stdout and "no think time" in done.stdout
    assert "checked: no command failed on our side" in done.stdout


def test_pairing_checks_each_matching_and_prints_its_table():
    done = bench("bench_pairing.py", "--sizes", "100", "--rounds", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    methods = [ln.split()[1] for ln in done.stdout.splitlines()[1:] if ln.strip()]
    assert methods == ["ours", "shuffle", "greedy", "exact"], done.stdout


def test_crash_soak_checks_its_counts():
    done = bench("crash_soak.py", "--iterations", "2", "--per-world", "2")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "lost 0; duplicated 0; still pending 0" in done.stdout


def test_scale_quick_checks_its_schedule_and_outbox_and_prints_its_table():
    done = bench("bench_scale.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for figure in ("start-up to the first reply", "resident memory after start", "scheduler entries",
                   "group setup post-time", "join (new user)", "daily fan-out: 500 posts in the outbox",
                   "commands meanwhile", "check-in burst: 10,100 prompts in the outbox",
                   "delivered rows the prune left", "outbox per simulated day", "checked: "):
        assert figure in out, out
    verdicts = [ln.split()[-1] for ln in out.splitlines() if "< " in ln and ln.split()[-1] in ("PASS", "MISS")]
    assert len(verdicts) == 6, out  # start-up, memory, two rescheduling p99s, fan-out, commands meanwhile
    days = [ln for ln in out.splitlines() if "→" in ln]
    assert len(days) == 3, out  # one row per simulated day
