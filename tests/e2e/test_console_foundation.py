"""The console adapter end to end: `studybot console` as a subprocess, fed a script on standard input."""

import os
import subprocess
import sys

from bot.content import load_pack


def run_console(tmp_path, script: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", "console", "--db", str(tmp_path / "s.db"), "--clock", "simulated",
         "--start", "2026-03-02T08:00:00+00:00", *extra],
        input=script, capture_output=True, text=True, timeout=120, env=env,
    )


def test_an_organiser_sets_up_and_two_members_join_and_tick_milestones(tmp_path):
    rm = load_pack().roadmap("ml-engineer")
    first, second = rm.stages[0].milestones[0].id, rm.stages[0].milestones[1].id
    proc = run_console(tmp_path, f"""group setup timezone Europe/Berlin post-time 08:30 pace 3
@alice join
@bob join
@alice profile timezone America/New_York target faang level intermediate
@bob profile timezone Asia/Kolkata
@alice roadmap done {first}
@alice roadmap done {second}
@bob roadmap done {first}
@alice roadmap
@bob me
group stats
""")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "> group setup timezone Europe/Berlin post-time 08:30 pace 3" in out  # piped input is echoed
    assert "Study group #study is set up" in out and "Timezone: Europe/Berlin" in out and "Daily problem: 08:30" in out
    assert "Welcome to #study, alice!" in out and "Welcome to #study, bob!" in out
    assert "Timezone: America/New_York" in out and "Target: faang (150 problems)" in out
    assert f"1. {rm.stages[0].title}  " in out and f"2/{len(rm.stages[0].milestones)}" in out
    assert "Members: 2" in out


def test_members_cannot_run_organiser_commands_and_bad_input_gets_usage(tmp_path):
    proc = run_console(tmp_path, """group setup
@alice join
@alice group pause
@alice profile timezone Mars/Olympus
@alice roadmap done no-such-milestone
@alice roadmapp
@alice profile target
:advance 3 days
:advance 1d
""")
    assert proc.returncode == 0
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "'group pause' is for organisers of this group." in out
    assert "'Mars/Olympus' is not an IANA timezone" in out and "usage: profile [timezone TZ]" in out
    assert "There is no milestone 'no-such-milestone'" in out
    assert "Did you mean 'roadmap'?" in out
    assert "'target' needs a value" in out
    assert "is not a duration" in out


def test_a_script_file_and_exit_code(tmp_path):
    script = tmp_path / "week.txt"
    script.write_text("help\n@zed join\n")
    proc = run_console(tmp_path, "", "--script", str(script))
    assert proc.returncode == 0
    assert "roadmap done MILESTONE" in proc.stdout
    assert "This channel has no study group yet" in proc.stdout


def test_db_upgrade_command(tmp_path):
    db = tmp_path / "u.db"
    # `db upgrade` never creates a database (issue 12): `db init` does, once.
    missing = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "upgrade", "--db", str(db)],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "studybot db init" in missing.stderr and not db.exists()
    proc = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "init", "--db", str(db)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "schema version" in proc.stdout
    again = subprocess.run([sys.executable, "-m", "launcher.cli", "db", "upgrade", "--db", str(db)],
                           capture_output=True, text=True, timeout=60)
    assert "applied 0 migration(s)" in again.stdout
