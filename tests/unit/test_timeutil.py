from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain import timeutil as t


def test_timezones_are_canonicalised_and_validated():
    assert t.parse_timezone("europe/paris") == "Europe/Paris"
    with pytest.raises(ValueError, match="IANA"):
        t.parse_timezone("Mars/Olympus")


def test_hhmm_and_ranges():
    assert t.parse_hhmm("9:05") == time(9, 5)
    assert t.parse_time_range("18:00-20:30") == (time(18), time(20, 30))
    for bad in ("24:00", "9", "18:00-17:00", "aa:bb"):
        with pytest.raises(ValueError):
            t.parse_time_range(bad) if "-" in bad else t.parse_hhmm(bad)


def test_weekdays():
    assert t.parse_weekdays("fri,mon Wednesday") == ("mon", "wed", "fri")
    with pytest.raises(ValueError):
        t.parse_weekday("funday")


@pytest.mark.parametrize("text,expected", [("30m", timedelta(minutes=30)), ("1d2h30m", timedelta(days=1, hours=2, minutes=30)),
                                            ("2w", timedelta(weeks=2)), ("45s", timedelta(seconds=45))])
def test_durations(text, expected):
    assert t.parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["", "10", "1x", "-1d", "0m", "d1"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        t.parse_duration(bad)


def test_local_midnight_across_dst():
    # Europe/Paris springs forward on 2026-03-29: midnight is still 23:00 UTC the day before.
    assert t.local_midnight(date(2026, 3, 29), "Europe/Paris") == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert t.local_midnight(date(2026, 3, 30), "Europe/Paris") == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_days_in_words():
    assert t.day_name("sun") == "Sunday" and t.day_name("Sunday", plural=True) == "Sundays"
    assert t.days_in_words(("sat",)) == "Saturdays"
    assert t.days_in_words(("thu", "mon")) == "Mondays and Thursdays"
    assert t.days_in_words(("mon", "wed", "fri")) == "Mondays, Wednesdays and Fridays"
    assert t.days_in_words(("mon", "tue", "wed", "thu", "fri")) == "Mondays to Fridays"
    assert t.days_in_words(("fri", "sat", "sun")) == "Fridays to Sundays"
    assert t.days_in_words(t.WEEKDAYS) == "every day" and t.days_in_words(()) == "no day"
    assert t.days_in_words(("mon", "tue"), plural=False) == "Monday and Tuesday"
    assert t.weekly_at("sun", time(18)) == "Sundays 18:00"
    with pytest.raises(ValueError):
        t.day_name("funday")
