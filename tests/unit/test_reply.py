from datetime import UTC, datetime

from bot.reply import Bar, Button, Field, Image, Reply, stamp
from bot.text import Rich, Said, Stamp, Styled


def test_reply_survives_a_json_round_trip():
    reply = Reply(text="hi", title="T", fields=[Field("a", "b")], bars=[Bar("x", 2, 5)],
                  buttons=[Button("Solved", "problem solved", "success")], image=Image("c.png", b"\x89PNG"),
                  private=True, tone="hard", footer="f")
    back = Reply.from_json(reply.to_json())
    assert back == reply


def test_bars_clamp_and_draw():
    assert Bar("x", 3, 10).text() == "███░░░░░░░"
    assert Bar("x", 12, 10).fraction() == 1.0 and Bar("x", 1, 0).fraction() == 0.0


def test_rich_text_keeps_its_parts_through_the_outbox():
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    text = Rich.format("**Mock** with {name} starts {when}", name=Said("{t:1:f} ann", by=7), when=stamp(when, "R"))
    reply = Reply(text=text, fields=[Field(Rich.of(Said("x", by=7)), text)])
    back = Reply.from_json(reply.to_json())
    assert back == reply and back.authors() == {7}
    assert Stamp(int(when.timestamp()), "R") in text.parts
    assert text.parts[0] == Styled("Mock", "bold")  # markup in the core's template, not in the values
    # what a member typed is never a marker: it stays one text part
    assert Said("{t:1:f} ann", by=7) in text.parts
    assert back.scrub(7).authors() == set() and "ann" not in back.scrub(7).plain_text()




def test_an_error_may_be_rich_and_stays_one_line_with_its_code_and_the_members_words_plain():
    from bot.errors import NotFound
    from bot.reply import error_reply
    from bot.text import Rich, Said, Styled

    exc = NotFound(Rich.format("No '{typed}' here.\nTry `help`.", typed=Said("x\n`y`", by=3)))
    reply = error_reply(exc.content)
    assert str(exc) == "No 'x\n`y`' here.\nTry help."
    assert reply.text.parts == ("No '", Said("x `y`", by=3), "' here. Try ", Styled("help", "code"), ".")
    assert reply.error and reply.private
