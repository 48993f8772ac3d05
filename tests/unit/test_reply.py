from datetime import UTC, datetime

from bot.reply import Bar, Button, Field, Image, Reply, render_stamps, stamp


def test_reply_survives_a_json_round_trip():
    reply = Reply(text="hi", title="T", fields=[Field("a", "b")], bars=[Bar("x", 2, 5)],
                  buttons=[Button("Solved", "problem solved", "success")], image=Image("c.png", b"\x89PNG"),
                  private=True, tone="hard", footer="f")
    back = Reply.from_json(reply.to_json())
    assert back == reply


def test_bars_clamp_and_draw():
    assert Bar("x", 3, 10).text() == "███░░░░░░░"
    assert Bar("x", 12, 10).fraction() == 1.0 and Bar("x", 1, 0).fraction() == 0.0


def test_time_markers_are_rendered_per_platform():
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    text = f"starts {stamp(when, 'R')}"
    assert render_stamps(text, lambda epoch, style: f"<t:{epoch}:{style}>") == f"starts <t:{int(when.timestamp())}:R>"
