"""The text grammar: paths, keywords, free text, quotes and the errors people see."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.commands.dispatch import convert
from bot.commands.grammar import Token, parse, tokenize
from bot.commands.registry import Command, Param, Registry, command
from bot.errors import UsageError


async def _noop(ctx, **kw):
    return None


def _registry():
    return Registry([
        command("checkin", help="", params=[
            Param("done", "text", keyword=True), Param("next", "text", keyword=True),
            Param("blockers", "text", keyword=True)])(_noop),
        command("checkin pause", help="", params=[Param("days", "int", required=True, minimum=1)])(_noop),
        command("mock prefs", help="", params=[
            Param("kinds", "choices", choices=("coding", "system-design", "behavioral"))])(_noop),
        command("mock feedback", help="", params=[
            Param("partner", "member", required=True), Param("ratings", "word", required=True),
            Param("notes", "text")])(_noop),
        command("leaderboard", help="", params=[Param("period", "choice", choices=("week", "month", "all"))])(_noop),
    ])


def test_tokenize_keeps_apostrophes_and_reads_double_quotes():
    tokens = tokenize('checkin done "a b" didn\'t')
    assert [t.value for t in tokens] == ["checkin", "done", "a b", "didn't"]
    assert tokens[2].quoted and not tokens[3].quoted


def test_free_text_runs_to_the_next_keyword():
    p = parse(_registry(), "checkin done fixed the   parser next write tests blockers none")
    assert p.command.path == ("checkin",)
    assert p.raw == {"done": "fixed the   parser", "next": "write tests", "blockers": "none"}


def test_quoted_text_may_hold_a_keyword():
    p = parse(_registry(), 'checkin done "plan next week" next rest')
    assert p.raw == {"done": "plan next week", "next": "rest"}


def test_longest_path_wins_over_the_shorter_command():
    p = parse(_registry(), "checkin pause 3")
    assert p.command.path == ("checkin", "pause") and p.raw == {"days": "3"}


def test_positional_then_greedy_text():
    p = parse(_registry(), "mock feedback @bob 3,4,3,2 great at clarifying")
    assert p.raw == {"partner": "@bob", "ratings": "3,4,3,2", "notes": "great at clarifying"}


def test_multi_choice_flags():
    cmd = parse(_registry(), "mock prefs coding behavioral")
    assert convert(cmd.command, cmd.raw) == {"kinds": ("coding", "behavioral")}


def test_did_you_mean_for_a_subcommand():
    with pytest.raises(UsageError) as err:
        parse(build_registry(), "streak dne")
    # `streak` alone is a command that takes nothing, so the extra word is reported against it
    assert "Unexpected 'dne'" in str(err.value)


def test_unknown_command_suggests_a_near_one():
    with pytest.raises(UsageError) as err:
        parse(build_registry(), "roadmapp")
    assert "Did you mean 'roadmap'" in str(err.value)


def test_top_word_alone_lists_its_subcommands():
    with pytest.raises(UsageError) as err:
        parse(build_registry(), "group")
    assert "pause" in str(err.value) and "setup" in str(err.value)


def test_wrong_choice_suggests():
    p = parse(_registry(), "leaderboard wek")
    with pytest.raises(UsageError) as err:
        convert(p.command, p.raw)
    assert "Did you mean 'week'" in str(err.value)


def test_keyword_without_value_is_a_usage_error():
    with pytest.raises(UsageError) as err:
        parse(build_registry(), "profile timezone")
    assert "needs a value" in str(err.value) and err.value.usage.startswith("profile")


def test_too_many_words():
    with pytest.raises(UsageError):
        parse(build_registry(), "join now please")


def test_oversized_argument_is_refused():
    p = parse(build_registry(), "roadmap done " + "x" * 500)
    with pytest.raises(UsageError) as err:
        convert(p.command, p.raw)
    assert "too long" in str(err.value)


def test_int_bounds():
    p = parse(_registry(), "checkin pause 0")
    with pytest.raises(UsageError, match="at least 1"):
        convert(p.command, p.raw)


def test_every_declared_command_has_help_and_a_usage_that_parses():
    registry = build_registry()
    assert len(registry) >= 13
    for cmd in registry:
        assert isinstance(cmd, Command) and cmd.help
        assert parse(registry, cmd.name).command is cmd or cmd.params


def test_a_handler_must_accept_its_parameters():
    async def handler(ctx):
        return None

    with pytest.raises(TypeError):
        command("x", help="", params=[Param("y")])(handler)


_QUOTES = {'"': '"', "“": "”", "„": "“"}


def reference_tokenize(text: str) -> list[Token]:
    """The tokenizer as first written, a character at a time: the regular expression must agree."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = _QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            if end != -1:
                tokens.append(Token(text[i + 1 : end], i, end + 1, quoted=True))
                i = end + 1
                continue
            # An unclosed quote is taken as a letter: free text stays usable.
        start = i
        while i < n and not text[i].isspace():
            i += 1
        tokens.append(Token(text[start:i], start, i))
    return tokens


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab "“”„\'\t\n\u00a0\u2003x')), max_size=40))
def test_the_tokenizer_agrees_with_the_character_by_character_reading(text):
    assert tokenize(text) == reference_tokenize(text)
