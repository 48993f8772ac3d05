"""The suite's own contract: every method of every Protocol in bot/ports/storage.py has a contract test,
and the tests reach storage through the unit-of-work port alone."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import bot.ports.storage as port

HERE = Path(__file__).parent
# The fixture's name: what the UnitOfWork protocol is reached by in these tests.
ROOTS = {"UnitOfWork": "uow"}


def _suite_text() -> str:
    return "\n".join(p.read_text() for p in sorted(HERE.glob("*.py")) if p.name != Path(__file__).name)


def protocols() -> dict[str, type]:
    return {name: obj for name, obj in vars(port).items()
            if inspect.isclass(obj) and obj.__module__ == port.__name__ and getattr(obj, "_is_protocol", False)}


def methods(proto: type) -> list[str]:
    return [name for name, value in vars(proto).items() if not name.startswith("_") and inspect.isfunction(value)]


def reached_by() -> dict[str, set[str]]:
    """Protocol name -> the attribute names it is reached by from a store (`links`, `checkins`, `db`)."""
    names: dict[str, set[str]] = {name: {root} for name, root in ROOTS.items()}
    for holder in protocols().values():
        for attr, hint in typing.get_type_hints(holder).items():
            if inspect.isclass(hint) and getattr(hint, "_is_protocol", False):
                names.setdefault(hint.__name__, set()).add(attr)
    return names


def test_every_protocol_method_has_a_contract_test():
    text = _suite_text()
    paths = reached_by()
    missing = []
    for name, proto in protocols().items():
        for method in methods(proto):
            attrs = paths.get(name)
            patterns = [rf"\b{re.escape(a)}\.{re.escape(method)}\(" for a in attrs] if attrs else \
                [rf"\.{re.escape(method)}\("]
            if not any(re.search(p, text) for p in patterns):
                missing.append(f"{name}.{method}")
    assert missing == [], f"Protocol methods without a contract test in tests/contract/: {missing}"


def test_the_introspection_sees_the_repositories():
    """A guard on the guard: if the Protocols could not be found, the test above would pass on nothing."""
    found = {name: methods(proto) for name, proto in protocols().items()}
    assert {"Links", "Outbox", "Practice", "Mock", "Checkins", "UnitOfWork", "Transaction"} <= set(found)
    assert "enqueue" in found["Outbox"] and "run" in found["UnitOfWork"]
    assert {"links", "outbox", "checkins", "db"} <= set().union(*reached_by().values())
    assert sum(len(m) for m in found.values()) > 150


def test_the_suite_reaches_storage_only_through_the_unit_of_work_port():
    """Only conftest.py knows a backend; no test opens a Database or writes SQL."""
    for path in sorted(HERE.glob("*.py")):
        if path.name in ("conftest.py", Path(__file__).name):
            continue
        text = path.read_text()
        assert "bot.storage" not in text, f"{path.name} imports a backend"
        assert not re.search(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b", text), f"{path.name} has SQL"
        assert not re.search(r"\.db\.(execute|scalar|one|all|write|insert)\(", text), f"{path.name} goes around"
