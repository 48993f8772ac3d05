"""Arbitrary text into the dispatcher: always a reply, never a traceback, and a rejection changes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.domain.model import Caller
from bot.text import plain

WORDS = sorted({w for c in build_registry() for w in c.path} | {p.name for c in build_registry() for p in c.params})
nasty = st.sampled_from([
    "'; DROP TABLE members; --", '"', "“unclosed", "\x00", "🙂" * 50, "x" * 10_000, "Robert'); --",
    "-1", "99999999999999999999", "Europe/Paris", "09:00", "mon,tue", "@alice", "\n", "%s%s", "NULL",
])
line = st.lists(st.one_of(st.sampled_from(WORDS), nasty, st.text(max_size=40)), max_size=8).map(" ".join)


async def _snapshot(db) -> dict:
    tables = [r[0] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: [tuple(r) for r in await db.all(f'SELECT * FROM "{t}" ORDER BY 1')] for t in tables}


@pytest.fixture
async def fuzz_bot(group):
    return group


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=line, who=st.sampled_from(["me", "alice", "nobody"]))
async def test_any_text_gets_a_clear_reply(fuzz_bot, text, who):
    app = fuzz_bot.app
    before = await _snapshot(app.db)
    caller = Caller(platform="console", user=who, channel="study", name=who)
    reply = await app.handle_text(caller, text)
    assert reply.text or reply.title
    if reply.error:
        message = plain(reply.text)
        assert "\n" not in message and "Traceback" not in message and len(message) < 400
        assert "Something went wrong" not in message, f"crash on {text!r}"
        assert await _snapshot(app.db) == before
    assert (await app.db.scalar("PRAGMA integrity_check")) == "ok"
