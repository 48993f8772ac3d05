"""The deploy files (issue 14, must-have 9): the image reports its health, exposes Slack's port, keeps
HOME and matplotlib's cache off the data volume and installs the pinned versions; the build context
leaves out the environment, the repository, databases and caches; every dependency is pinned."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    out, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            out.append(current.strip())
            current = ""
    return out


def env(instructions: list[str]) -> dict[str, str]:
    found = {}
    for ins in instructions:
        if ins.startswith("ENV "):
            found.update(re.findall(r"(\w+)=(\S+)", ins))
    return found


def test_the_image_reports_health_exposes_slack_and_keeps_caches_off_the_volume():
    ins = dockerfile()
    checks = [i for i in ins if i.startswith("HEALTHCHECK ")]
    assert len(checks) == 1 and '"studybot", "health"' in checks[0], checks
    assert "EXPOSE 3000" in ins
    variables = env(ins)
    volume = variables["STUDYBOT_DB"].rsplit("/", 1)[0]
    assert volume == "/data" and 'VOLUME ["/data"]' in ins
    for name in ("HOME", "MPLCONFIGDIR", "STUDYBOT_HISTORY"):
        assert name in variables, name
        assert not variables[name].startswith(volume + "/") and variables[name] != volume, (name, variables[name])
    # the non-root user's home is that HOME
    assert any("useradd" in i and f"--home-dir {variables['HOME']}" in i for i in ins)


def test_the_image_and_ci_install_the_pinned_versions():
    installs = [i for i in dockerfile() if i.startswith("RUN ") and "pip install" in i]
    assert installs and all("-c constraints.txt" in i for i in installs), installs
    assert any(i.startswith("COPY ") and "constraints.txt" in i for i in dockerfile())
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("pip install")]
    assert ci and all("-c constraints.txt" in line for line in ci), ci


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker's build context leaves `path` out (its .dockerignore rules: patterns anchored at
    the context's root, `**` for any number of folders, a folder's pattern covering what is inside)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for raw in patterns:
        negate, pattern = raw.startswith("!"), raw.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_the_build_context_leaves_out_the_environment_databases_and_caches():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    for path in (".venv/bin/python", ".git/HEAD", "studybot.db", "studybot.db-wal", "studybot.db-shm",
                 "studybot.db.lock", "studybot.db.heartbeat", "studybot.db.history", "data/other.db",
                 "bot/__pycache__/api.cpython-311.pyc", "adapters/console/__pycache__/main.cpython-311.pyc",
                 ".pytest_cache/v/cache/nodeids", ".ruff_cache/0.6/x", ".hypothesis/examples/ab/cd",
                 "studybot.egg-info/PKG-INFO", "tests/tmp/transcript.txt", "tmp/scratch.db", "charts/digest.png",
                 "files/group.csv"):
        assert _ignored(path, patterns), f"{path} would be sent to the Docker daemon"
    for path in ("pyproject.toml", "README.md", "constraints.txt", "bot/api.py", "bot/storage/migrations/0001_core.sql",
                 "adapters/slack/manifest.yaml", "content/roadmaps/ml-engineer.yaml", "launcher/cli.py"):
        assert not _ignored(path, patterns), f"{path} is needed by the Dockerfile but left out"
    # the files the image copies are all there
    for ins in dockerfile():
        if ins.startswith("COPY "):
            for source in ins.split()[1:-1]:
                assert (ROOT / source).exists(), source


def pins() -> dict[str, str]:
    found = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version and not re.search(r"[<>=!~;\s]", version), f"not an exact pin: {line!r}"
        found[canonicalize_name(name)] = version
    return found


def test_every_dependency_is_pinned_in_the_lock_file_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    locked = pins()
    assert declared
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={locked[name]}, outside pyproject.toml's {req.specifier}")


def test_the_matcher_of_this_test_can_tell():
    assert _ignored("a/b/c.pyc", ["**/*.pyc"]) and not _ignored("a/b/c.py", ["**/*.pyc"])
    assert _ignored("x.db-wal", ["*.db*"]) and not _ignored("bot/x.db", ["*.db"])
    assert not _ignored("tests/x", ["tests", "!tests"])
    assert fnmatch.fnmatch("studybot.db", "studybot.db*")
