"""Every declared command, fuzzed through both entry points: the text grammar (console, Slack) and the
typed path the Discord adapter uses (`App.handle` with raw option values). Every reply is a clear
message, never a crash; the database stays sound; a rejected command changes no row."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.domain.model import Caller
from bot.text import plain

REGISTRY = build_registry()
COMMANDS = list(REGISTRY)
NASTY = st.sampled_from([
    "'; DROP TABLE members; --", "Robert'); DELETE FROM solves; --", '"', "“", "x" * 10_000, "🙂" * 300,
    "\x00", "\n\n", "-1", "0", "3.5", "1e9", "99999999999999999999", "NULL", "None", "true", "[]", "{}",
    "Europe/Paris", "Mars/Olympus", "25:61", "09:00-08:00", "mon,funday", "@alice", "<@123>", "%s%n",
])
VALUE = st.one_of(NASTY, st.text(max_size=60), st.integers(-10**6, 10**6).map(str))


async def _rows(db) -> dict:
    tables = [r[0] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: sorted(map(tuple, await db.all(f'SELECT * FROM "{t}"'))) for t in tables if t != "runtime"}


def _check(reply, text: str) -> None:
    assert reply.text or reply.title or reply.form
    if reply.error:
        message = plain(reply.text)
        assert "\n" not in message and len(message) < 400, message
        assert "Something went wrong" not in message, f"crash on {text!r}"


@pytest.fixture
async def world(group):
    await group.say("@alice problem solved two-sum")
    return group


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_typed_options_as_an_adapter_sends_them(world, data):
    app = world.app
    cmd = data.draw(st.sampled_from(COMMANDS))
    names = [p.name for p in cmd.params] + ["not-a-parameter"]
    raw = data.draw(st.dictionaries(st.sampled_from(names), VALUE, max_size=4))
    who = data.draw(st.sampled_from(["me", "alice", "stranger"]))
    before = await _rows(app.db)
    reply = await app.handle(Caller("console", who, "study", who), cmd.path, raw)
    _check(reply, f"{cmd.name} {raw}")
    if reply.error:
        assert await _rows(app.db) == before
    assert await app.db.scalar("PRAGMA integrity_check") == "ok"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_typed_text_through_the_grammar(world, data):
    app = world.app
    cmd = data.draw(st.sampled_from(COMMANDS))
    words = [cmd.name]
    for p in cmd.params:
        if data.draw(st.booleans()):
            words += ([p.name] if p.keyword else []) + [data.draw(VALUE)]
    text = " ".join(words)
    who = data.draw(st.sampled_from(["me", "alice", "stranger"]))
    before = await _rows(app.db)
    reply = await app.handle_text(Caller("console", who, "study", who), text)
    _check(reply, text)
    if reply.error:
        assert await _rows(app.db) == before
    assert await app.db.scalar("PRAGMA integrity_check") == "ok"
