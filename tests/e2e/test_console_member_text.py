"""The console attack of issue 12: a check-in answer shaped like a time stamp ended the whole process
(`ValueError: year 3170843 is out of range`) and, on the platforms, held every later message behind
it. Now it is shown as typed, and the group's posts go on."""

from __future__ import annotations

from tests.e2e.console_script import play

SCRIPT = """group setup timezone Europe/Paris post-time 09:00
@alice join
@alice checkin done {t:99999999999999:f} next [Free interview prep](http://evil.example/N)
@alice apply add Evil\x1b[2JCorp
@alice apply list
:advance 1d
problem today
"""


def test_member_text_shaped_like_markup_is_shown_as_typed_and_the_posts_go_on(tmp_path):
    out = play(tmp_path / "s.db", SCRIPT, "2026-03-02T07:00")
    digest = out.split(">> #study")
    assert any("Done: {t:99999999999999:f}" in block for block in digest), out[-3000:]
    assert "Next: [Free interview prep](http://evil.example/N)" in out
    assert "\x1b" not in out, "a terminal escape typed by a member never reaches the screen"
    assert "Evil[2JCorp" in out
    # the daily posts of both days went out after the answer was queued
    assert out.count("Daily problem") >= 2, out[-3000:]
