"""Weekly windows as members edit them (merge on add, remove a span), shared free time, the hours most
others keep free, and who rates whom in a session."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.availability import Window, add_window, covers, intervals, popular_hours, remove_span, shared
from bot.domain.sessions import MockSession, Seat

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def w(day: str, a: str, b: str) -> Window:
    return Window(day, time.fromisoformat(a), time.fromisoformat(b))


def test_a_window_merges_with_those_it_overlaps_or_touches_on_its_day():
    have = [w("sat", "10:00", "12:00"), w("sat", "14:00", "15:00"), w("sun", "11:00", "13:00")]
    assert add_window(have, w("sat", "11:00", "14:00")) == ([w("sat", "10:00", "15:00"), w("sun", "11:00", "13:00")],
                                                           True)
    assert add_window(have, w("sat", "12:00", "13:00"))[0][0] == w("sat", "10:00", "13:00"), "touching merges"
    assert add_window(have, w("sat", "10:30", "11:30")) == (have, False), "inside one: nothing changes"
    assert add_window(have, w("mon", "10:00", "12:00"))[0][0] == w("mon", "10:00", "12:00"), "week order"


def test_removing_a_span_cuts_splits_and_drops_what_is_too_short():
    have = [w("sat", "10:00", "14:00"), w("sun", "10:00", "12:00")]
    left, touched = remove_span(have, w("sat", "11:00", "12:00"))
    assert left == [w("sat", "10:00", "11:00"), w("sat", "12:00", "14:00"), w("sun", "10:00", "12:00")]
    assert touched == [have[0]]
    left, _ = remove_span(have, w("sat", "10:30", "13:30"))
    assert left == [w("sun", "10:00", "12:00")], "30 minutes on each side: too short for a session"
    assert remove_span(have, w("mon", "10:00", "11:00")) == (have, [])


windows = st.lists(st.builds(lambda d, a, n: Window(d, time(a), time(min(a + n, 23))),
                             st.sampled_from(("sat", "sun")), st.integers(0, 20), st.integers(1, 5)), max_size=6)


@given(windows, windows)
def test_adding_keeps_the_same_free_time_in_disjoint_windows(start, more):
    have: list[Window] = []
    for x in start + more:
        have, _ = add_window(have, x)
    for day in ("sat", "sun"):
        mine = sorted((v.start, v.end) for v in have if v.day == day)
        assert all(a[1] < b[0] for a, b in zip(mine, mine[1:], strict=False)), "disjoint, not even touching"
        hours = {h for v in start + more if v.day == day for h in range(v.start.hour, v.end.hour)}
        assert hours == {h for a, b in mine for h in range(a.hour, b.hour)}


def test_shared_time_and_cover():
    a = intervals([w("sat", "10:00", "13:00")], "UTC", MONDAY, MONDAY + timedelta(days=7))
    b = intervals([w("sat", "12:00", "15:00"), w("sun", "09:00", "10:00")], "UTC", MONDAY, MONDAY + timedelta(days=7))
    sat = MONDAY + timedelta(days=5)
    assert shared(a, b) == [(sat + timedelta(hours=12), sat + timedelta(hours=13))]
    assert shared(a) == a and shared() == []
    assert covers(a, sat + timedelta(hours=10), sat + timedelta(hours=13))
    assert not covers(a, sat + timedelta(hours=12), sat + timedelta(hours=14))


def test_popular_hours_are_where_most_others_are_free_in_the_readers_own_time():
    week = (MONDAY, MONDAY + timedelta(days=7))
    others = [intervals([w("sat", "14:00", "17:00")], "Europe/London", *week),
              intervals([w("sat", "14:00", "16:00")], "Europe/London", *week),
              intervals([w("sat", "15:00", "16:00"), w("tue", "08:00", "09:00")], "Europe/London", *week)]
    got = popular_hours(others, "America/New_York", *week)
    # Saturday 7 March, before New York's DST change: 15:00-16:00 in London is 10:00-11:00 there. Among
    # the hours one other keeps free, the earliest in the week comes first (Tuesday 08:00 London).
    assert [(s.window, s.free) for s in got] == [(w("sat", "10:00", "11:00"), 3), (w("sat", "09:00", "10:00"), 2),
                                                 (w("tue", "03:00", "04:00"), 1)]
    assert got[0].start == datetime(2026, 3, 7, 15, tzinfo=UTC)
    assert popular_hours([], "UTC", *week) == []


def test_who_rates_whom_in_a_pair_and_a_trio():
    def session(n: int) -> MockSession:
        seats = [Seat(1, m, role, None, None) for role, m in enumerate((10, 20, 30)[:n])]
        return MockSession(1, 1, 1, "coding", MONDAY, MONDAY + timedelta(hours=1), "scheduled", None, None, seats)

    pair = session(2)
    assert pair.candidates_of(10) == [(20, "interviewer")] and pair.candidates_of(20) == [(10, "interviewer")]
    trio = session(3)
    # Turns: 10 interviews 20 (30 observes), 20 interviews 30 (10 observes), 30 interviews 10 (20 observes).
    assert trio.candidates_of(10) == [(20, "interviewer"), (30, "observer")]
    assert trio.candidates_of(20) == [(30, "interviewer"), (10, "observer")]
    assert trio.candidates_of(30) == [(10, "interviewer"), (20, "observer")]
    assert trio.candidates_of(99) == []
    assert not trio.confirmed and trio.order == [10, 20, 30]
