"""A `command` the bot names in a reply shows as code, never as backticks.

A plain `str` in a reply is plain text (member text is data), so backticks in it reach the reader as
backticks. Reply texts, footers, fields and error messages that name a command are `Rich.format`
templates instead, with every value a named hole. This walks the source of the command, service and
scheduling modules and fails on any string with a backtick outside the places where one is markup or
not shown at all:

- the template of a `Rich.format(...)` call (or a module constant used only as one);
- a docstring, a comment, a `help=` / `details=` string or a `Param`'s help (help.py renders those);
- a regular expression (`re.compile(...)`).

A template must be a literal (or such a constant): a value written into it (an f-string, `.format`,
`%`) would be read as markup, which is the bug this guards against.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

from bot.text import Rich, Styled

PACKAGES = ("bot.commands", "bot.services", "bot.scheduling")
HELP_KEYWORDS = {"help", "details"}
PARAM_HELP = 2  # Param(name, kind, help, ...)

# file (relative to the repository), then the start of the string: strings that must stay plain, each
# with the reason. Keep it empty unless a string truly cannot be a template.
ALLOWED: dict[tuple[str, str], str] = {}

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[Path]:
    files = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        files.append(Path(package.__file__))
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            files.append(Path(importlib.import_module(info.name).__file__))
    return sorted(set(files))


def _is_call(node: ast.AST, owner: str, attr: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr
            and isinstance(node.func.value, ast.Name) and node.func.value.id == owner)


def _is_param(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Param"


def _subtree(node: ast.AST) -> set[int]:
    return {id(n) for n in ast.walk(node)}


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    quiet: set[int] = set()  # nodes where a backtick is markup or never shown
    templates: list[ast.AST] = []
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and _text(first.value) is not None:
                quiet.add(id(first.value))
        if isinstance(node, ast.Call):
            if _is_call(node, "Rich", "format") and node.args:
                templates.append(node.args[0])
                quiet |= _subtree(node.args[0])
            if _is_call(node, "re", "compile") and node.args:
                quiet |= _subtree(node.args[0])
            if _is_param(node) and len(node.args) > PARAM_HELP:
                quiet |= _subtree(node.args[PARAM_HELP])
            for kw in node.keywords:
                if kw.arg in HELP_KEYWORDS:
                    quiet |= _subtree(kw.value)
        if isinstance(node, ast.JoinedStr):  # its pieces are judged as one string
            quiet |= {id(v) for v in node.values}
    for template in templates:
        for n in ast.walk(template):
            if isinstance(n, ast.JoinedStr) or (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod)) or (
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "format"):
                problems.append(f"{rel}:{n.lineno}: a value written into a Rich.format template; make it a hole")
    # A module constant read only where its backticks are markup (a template, a help text) is one too.
    loads: dict[str, list[bool]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.setdefault(node.id, []).append(id(node) in quiet)
    for stmt in tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and _text(stmt.value) is not None and all(loads.get(stmt.targets[0].id, [False]))):
            quiet.add(id(stmt.value))
    for node in ast.walk(tree):
        text = _text(node)
        if text is None or id(node) in quiet or "`" not in text:
            continue
        if any(rel == f and text.startswith(start) for f, start in ALLOWED):
            continue
        problems.append(f"{rel}:{node.lineno}: {text[:70]!r} shows its backticks; use Rich.format")
    return problems


def test_the_walk_covers_the_modules():
    names = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert {"bot/commands/mock.py", "bot/services/practice.py", "bot/services/mock/kits.py", "bot/scheduling/jobs.py"} <= names


def test_no_backticks_in_plain_reply_strings():
    problems = [p for path in _modules() for p in _problems(path)]
    assert not problems, "\n".join(problems)


def test_the_walk_catches_what_it_guards_against(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        '"""Docstring with `code`."""\n'
        'TEMPLATE = "Type `join`."\n'
        'PLAIN = "Type `join`."\n'
        'def f(x):\n'
        '    a = Rich.format(TEMPLATE)\n'
        '    b = PLAIN\n'
        '    c = f"Type `apply move {x} STAGE`."\n'
        '    d = Rich.format(f"Hello {x}, type `me`.")\n'
        '    e = Param("m", "word", "As `roadmap` lists them")\n'
        '    return command(help="`help` helps", details="see `me`")\n'
    )
    found = _problems(source, tmp_path)
    assert [p.split(":")[1] for p in found] == ["8", "3", "7"], found


@pytest.mark.parametrize(("template", "values", "parts"), [
    ("Use `a` then {x} and `b`.", {"x": "X"},
     ("Use ", Styled("a", "code"), " then ", "X", " and ", Styled("b", "code"), ".")),
    ("`mock feedback {ref} {ex}` `me`", {"ref": "bob", "ex": "3,4"},
     (Styled("mock feedback bob 3,4", "code"), " ", Styled("me", "code"))),
    ("{who} is not in {group} (they can type `join` first).", {"who": "**x** `y`", "group": "#study"},
     ("**x** `y`", " is not in ", "#study", " (they can type ", Styled("join", "code"), " first).")),
])
def test_code_spans_pair_left_to_right_and_values_stay_text(template, values, parts):
    assert Rich.format(template, **values).parts == parts
