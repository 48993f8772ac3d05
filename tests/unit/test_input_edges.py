"""Input edge cases (issue 12, must-have 8), members by reference (7) and the rate limit (5), as pure code:
numbers in ASCII digits only, canonical IANA zones with a suggestion, member references, the grammar's
quoting (what a button carries), and the limiter on a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.buttons import CUSTOM_ID_MAX, LONG_PREFIX, PREFIX, CommandButton
from bot.commands import build_registry, grammar, members
from bot.commands.dispatch import RateLimit
from bot.commands.registry import Param
from bot.domain import buttons
from bot.domain import timeutil as t

REGISTRY = build_registry()
NOT_ASCII_DIGITS = ["¹", "²", "٣", "۳", "३", "３", "⑤", "Ⅻ", "½", "1²", "٠٩", "𝟗"]


@pytest.mark.parametrize("typed", NOT_ASCII_DIGITS)
def test_a_number_is_written_with_ascii_digits(typed):
    param = Param("minutes", "int", minimum=1, maximum=1440)
    with pytest.raises(ValueError, match="digits 0-9"):
        param.convert(typed)


@pytest.mark.parametrize("typed", ["1_000", "0x1f", "1e3", " 4 2", "+-3"])
def test_other_spellings_python_would_read_are_refused(typed):
    with pytest.raises(ValueError, match="whole number"):
        Param("days", "int").convert(typed)


def test_plain_numbers_still_work():
    param = Param("days", "int", minimum=0, maximum=90)
    assert param.convert("0") == 0 and param.convert(" 14 ") == 14 and param.convert("+3") == 3
    with pytest.raises(ValueError, match="at most 90"):
        param.convert("91")


@pytest.mark.parametrize("typed", ["¹", "٣", "two-sum²"])
def test_a_problem_number_in_other_digits_is_a_usage_error(typed):
    with pytest.raises(ValueError, match="digits 0-9"):
        Param("problem", "problem").convert(typed)


@pytest.mark.parametrize("typed", ["٠٩:٠٠", "０９:００", "9:٠٥"])
def test_times_of_day_use_ascii_digits(typed):
    with pytest.raises(ValueError):
        t.parse_hhmm(typed)


@pytest.mark.parametrize("typed", ["٣d", "३h", "1d٢h"])
def test_durations_use_ascii_digits(typed):
    with pytest.raises(ValueError):
        t.parse_duration(typed)


def test_a_huge_duration_is_a_clear_error():
    with pytest.raises(ValueError, match="longer than"):
        t.parse_duration("99999999999999w")


@pytest.mark.parametrize("typed,meant", [
    ("EST", "America/New_York"), ("est", "America/New_York"), ("PST", "America/Los_Angeles"),
    ("US/Eastern", "America/New_York"), ("US/Pacific", "America/Los_Angeles"), ("EST5EDT", "America/New_York"),
    ("Asia/Calcutta", "Asia/Kolkata"), ("Europe/Kiev", "Europe/Kyiv"), ("GB", "Europe/London"),
    ("Etc/UTC", "UTC"), ("GMT", "UTC"), ("Zulu", "UTC"), ("CET", "Europe/Paris"), ("Europe/Pari", "Europe/Paris"),
    ("paris", "Europe/Paris"), ("new york", "America/New_York"),
])
def test_a_name_that_is_not_a_canonical_zone_gets_did_you_mean(typed, meant):
    with pytest.raises(ValueError, match=f"did you mean {meant}\\?"):
        t.parse_timezone(typed)


@pytest.mark.parametrize("typed", ["localtime", "Factory", "posixrules", "Etc/GMT+5", "Mars/Olympus", "UTC+2"])
def test_names_that_are_not_places_are_refused(typed):
    with pytest.raises(ValueError, match="IANA"):
        t.parse_timezone(typed)


def test_canonical_zones_are_accepted_in_their_canonical_spelling():
    assert t.parse_timezone("europe/paris") == "Europe/Paris"
    assert t.parse_timezone("utc") == "UTC"
    assert t.parse_timezone("America/Argentina/Buenos_Aires") == "America/Argentina/Buenos_Aires"
    zones = t.all_timezones()
    assert "UTC" in zones and "Europe/Oslo" in zones and "Asia/Kolkata" in zones
    assert not {"localtime", "Factory", "US/Eastern", "EST", "Etc/UTC", "GMT"} & set(zones)
    for zone in zones:  # every zone offered can be loaded
        t.zone(zone)


def test_every_suggestion_is_itself_accepted():
    for typed in ["EST", "US/Eastern", "Asia/Calcutta", "GMT", "Europe/Kiev", "CET", "AEST", "America/Buenos_Aires"]:
        meant = t.suggest_timezone(typed)
        assert meant is not None and t.parse_timezone(meant) == meant, typed


@pytest.mark.parametrize("typed,ref", [
    ("<@123456789012345678>", members.MemberRef(user="123456789012345678")),
    ("<@!42>", members.MemberRef(user="42")),
    ("<@U0000BOB1|bob>", members.MemberRef(user="U0000BOB1", label="bob")),
    ("<@U0000BOB1|Mary Ann>", members.MemberRef(user="U0000BOB1", label="Mary Ann")),
    ("member:12", members.MemberRef(member_id=12)),
    ("@alice", members.MemberRef(name="alice")),
    ("Mary  Ann", members.MemberRef(name="Mary Ann")),
    ("<@not an id>", members.MemberRef(name="<@not an id>")),
    ("member:١٢", members.MemberRef(name="member:١٢")),
])
def test_member_references(typed, ref):
    assert Param("member", "member").convert(typed) == ref


def test_a_member_parameter_is_a_reference_and_free_text_shows_a_mention_as_its_name():
    assert Param("notes", "text").convert("paired with <@U0000BOB1|bob> today") == "paired with @bob today"
    with pytest.raises(ValueError):
        Param("member", "member").convert("@")


def test_mentions_with_spaces_in_the_label_are_one_token():
    parsed = grammar.parse(REGISTRY, "mock feedback <@U0000MARY|Mary Ann> no-show")
    assert parsed.raw == {"partner": "<@U0000MARY|Mary Ann>", "ratings": "no-show"}


VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1,
                 max_size=40).filter(lambda v: v.strip() == v and v.strip())


@given(company=VALUES, notes=VALUES)
def test_unparse_parses_back_to_the_same_values(company, notes):
    # A "which one?" button re-runs the command with one value changed: the line must mean the same.
    for path, raw in [(("apply", "move"), {"company": company, "stage": "offer", "announce": "announce"}),
                      (("mock", "feedback"), {"partner": "member:3", "ratings": "no-show", "notes": notes}),
                      (("checkin",), {"done": company, "next": notes})]:
        cmd = REGISTRY.get(path)
        line = grammar.unparse(cmd, raw)
        if line is None:  # only when a value holds every kind of closing quote
            assert all(q in "".join(raw.values()) for q in ('"', "”", "“"))
            continue
        assert grammar.parse(REGISTRY, line).raw == raw, line


def test_quote_picks_quotes_the_value_does_not_hold():
    assert grammar.quote("Acme") == "Acme"
    assert grammar.quote("Jane Street") == '"Jane Street"'
    assert grammar.quote('Say "hi" Co') == "“Say \"hi\" Co”"
    assert grammar.quote('"”“') is None


def test_a_command_too_long_for_a_custom_id_is_one_the_core_keeps():
    # The Discord adapter sends only the key of any command that does not fit; the core must keep those.
    assert buttons.KEEP_OVER + len(PREFIX) <= CUSTOM_ID_MAX
    fits = "x" * (CUSTOM_ID_MAX - len(PREFIX))
    assert CommandButton.custom_id_for(fits) == PREFIX + fits
    long = "apply move " + "y" * 120 + " offer announce"
    assert buttons.kept(long)
    custom_id = CommandButton.custom_id_for(long)
    assert custom_id == LONG_PREFIX + buttons.key(long) and len(custom_id) <= CUSTOM_ID_MAX


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_rate_limit_counts_per_person_and_platform_on_the_clock_given():
    limit = RateLimit(count=3, per=timedelta(seconds=10))
    me, other = ("discord", "1"), ("discord", "2")
    assert [limit.admit(me, T0) for _ in range(3)] == [None, None, None]
    wait = limit.admit(me, T0 + timedelta(seconds=2))
    assert wait == timedelta(seconds=8), "until the oldest of the three leaves the window"
    assert limit.admit(other, T0) is None and limit.admit(("slack", "1"), T0) is None
    assert limit.tell(me, T0) is True and limit.tell(me, T0 + timedelta(seconds=9)) is False
    assert limit.admit(me, T0 + timedelta(seconds=10)) is None, "cooled down"
    assert limit.tell(me, T0 + timedelta(seconds=10)) is True, "a new episode gets a new polite reply"


def test_rate_limit_forgets_quiet_people():
    limit = RateLimit(count=2, per=timedelta(seconds=10))
    for i in range(3000):
        limit.admit(("slack", str(i)), T0 + timedelta(seconds=i))
    assert limit.tracked < 1100
