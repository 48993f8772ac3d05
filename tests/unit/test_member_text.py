"""Member text is data: whatever a member types, every renderer shows it as text and nothing more.

Hypothesis feeds arbitrary text (and the attacks that were found by hand) into every place a reply
can carry member words, renders the reply for Discord, Slack and the terminal, and checks that
rendering never raises and that no member text ever becomes a time stamp, a mention or a link.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from adapters.console import render as console_render
from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.reply import Bar, Button, Field, Reply, stamp
from bot.text import Rich, Said, Stamp, visible

WHEN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ATTACKS = [
    "{t:99999999999999:f}", "<t:1700000000:R>", "@everyone", "@here", "<@123456789012345678>", "<@&42>",
    "<#123>", "[Free interview prep](http://evil.example/N)", "# Heading", "> quote", "- item", "1. item",
    "```code```", "`x`", "**bold**", "__u__", "~~s~~", "||spoiler||", "-# subtext", "<!channel>", "<!here>",
    "<!date^1700000000^{date}|x>", "<http://evil.example|click>", "<@U0123ABCD>", "#C0123ABCDE",
    "*bold* _it_ ~st~", "&lt;b&gt;", "\x1b[31mred\x1b[0m", "[bold]rich[/bold]", "a\u202egnp.exe", "zero\u200bwidth",
    "line\nbreak", "\\<t:1:f>", "\\\\@everyone",
]
member_text = st.one_of(st.sampled_from(ATTACKS), st.text(max_size=80),
                        st.lists(st.sampled_from(ATTACKS + ["x", " ", "\n", "\\", "<", "@", "["]),
                                 max_size=8).map("".join))


def reply_with(words: str) -> Reply:
    said = Said(words, by=7)
    text = Rich.format("{name} answered: {words} at {when}", name=said, words=said, when=stamp(WHEN))
    return Reply(title=Rich.format("Check-in — {name}", name=said), text=text,
                 fields=[Field(said, Rich.of(said)), Field("Plain", words)], bars=[Bar(words, 1, 2)],
                 buttons=[Button("Go", "problem today")], footer=Rich.of(said))


# -- Discord ------------------------------------------------------------------------------------------
_DISCORD_ANYWHERE = set("\\*_~|`[]<@")


def discord_unescaped(text: str) -> list[str]:
    """The markdown characters of `text` that Discord would read as markdown (not backslash-escaped)."""
    found, i, line_start = [], 0, True
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and not text[i + 1].isalnum() and not text[i + 1].isspace():
            i, line_start = i + 2, False
            continue
        if c in _DISCORD_ANYWHERE:
            found.append(c)
        elif line_start and c in "#>-+":
            found.append(c)
        elif line_start and c.isdigit():
            m = re.match(r"\d+\.", text[i:])
            if m:
                found.append(m.group())
        if c == "\n":
            line_start = True
        elif not c.isspace():
            line_start = False
        i += 1
    return found


def discord_unescape(text: str) -> str:
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text)


@settings(max_examples=300, deadline=None)
@given(member_text)
@example("[Free interview prep](http://evil.example/N)")
@example("{t:99999999999999:f}")
def test_discord_shows_member_text_as_text(words: str):
    embed = discord_render.render(reply_with(words)).embed.to_dict()
    escaped = discord_render.escape(visible(words))
    assert discord_unescaped(escaped) == []
    assert discord_unescape(escaped) == visible(words)
    # The stamp and the bar's bold label and code span, which the core put there, are all the markup
    # Discord can find in the description.
    description = embed.get("description", "")
    assert description.count("<t:") - description.count("\\<t:") == 1
    assert sorted(discord_unescaped(description)) == sorted("<****``")
    for f in embed.get("fields", []):
        assert discord_unescaped(f["name"]) == [] and discord_unescaped(f["value"]) == []
    assert discord_unescaped(embed.get("title", "")) == []
    sent = discord_render.render(reply_with(words)).send_kwargs()
    assert sent["allowed_mentions"].to_dict() == {"parse": []}


# -- Slack --------------------------------------------------------------------------------------------
def mrkdwn_texts(blocks: list[dict]) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


_SLACK_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|[^<>]*>")


@settings(max_examples=300, deadline=None)
@given(member_text)
@example("<!channel> *bold* <http://evil.example|click> #C0123ABCDE")
def test_slack_shows_member_text_as_text(words: str):
    message = slack_render.message(reply_with(words))
    objects = mrkdwn_texts(message.blocks)
    assert objects and all(o.get("verbatim") is True for o in objects)
    stamps = 0
    for o in objects:
        text, n = _SLACK_DATE.subn("", o["text"])
        stamps += n
        text = re.sub(r"`[█░]+`", "", re.sub(r"^\*[^*\n]*\*\n", "", text))  # the core's bars and field names
        # No <...> form (mention, link, channel, special) and no formatting character is left from
        # member text.
        assert "<" not in text and ">" not in text
        assert not set(text) & set("*_~`")
    assert stamps == 1
    assert "<" not in message.text and ">" not in message.text


# -- the terminal -------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(member_text)
@example("\x1b[2J\x1b[31m[bold red]fake bot line[/]")
def test_the_console_shows_member_text_as_text(words: str):
    reply = reply_with(words)
    plain = console_render.plain(reply)
    assert "\x1b" not in plain and visible(words) in plain
    out = io.StringIO()
    Console(file=out, width=200, color_system=None, force_terminal=False).print(console_render.rich(reply))
    shown = out.getvalue()
    assert "\x1b" not in shown
    for word in visible(words).split():  # rich [markup] in member text is shown, not applied
        assert word in shown


def test_a_stamp_beyond_the_calendar_renders_everywhere():
    reply = Reply(title=Rich.of(Stamp(10**14)), text=Rich.of("at ", Stamp(10**14, "d")), footer=Rich.of(Stamp(-10**14)))
    assert "<t:100000000000000:d>" in discord_render.render(reply).embed.description
    assert "(an unknown time)" in slack_render.message(reply).text
    assert "(an unknown time)" in console_render.plain(reply)


def test_invisible_and_direction_characters_never_reach_other_readers():
    assert visible("ev\u202eil\u200b na\u2066me\ufeff") == "evil name"
    assert visible("a\x1b[31mb\x07") == "a[31mb"
    assert visible("two\nlines\tand tab") == "two\nlines\tand tab"


def test_a_code_span_in_a_template_may_hold_values_and_stays_one_code_part():
    from bot.text import Rich, Said, Styled
    rich = Rich.format("Type `mock feedback {ref} {ex}` or `help`.", ref="member:4", ex="3,4 hire")
    assert rich.parts == ("Type ", Styled("mock feedback member:4 3,4 hire", "code"), " or ",
                          Styled("help", "code"), ".")
    # with a member's words in it, the span is plain text (theirs stays a Said part) and `help` still code
    said = Rich.format("Type `mock feedback {ref} {ex}` or `help`.", ref=Said("Mary", by=4), ex="3,4 hire")
    assert said.parts == ("Type mock feedback ", Said("Mary", by=4), " ", "3,4 hire", " or ",
                          Styled("help", "code"), ".")


def test_a_members_words_in_a_code_span_stay_theirs_so_forget_me_finds_them():
    from bot.text import Rich, Said, authors, scrub
    rich = Rich.format("Type `mock feedback {who} 3,4` now.", who=Said("Mary Ann", by=5))
    assert authors(rich) == {5}
    assert "Mary Ann" not in scrub(rich, 5).plain()
