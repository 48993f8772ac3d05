from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.scoring import period_start, rank, target_split
from bot.domain.streaks import carry, extend, mark_of, streak

D0 = date(2026, 3, 1)


def days(*offsets):
    return [D0 + timedelta(days=o) for o in offsets]


def test_consecutive_days_make_a_streak_and_today_does_not_break_it():
    s = streak(days(0, 1, 2), D0 + timedelta(days=3))
    assert (s.current, s.best, s.solved_today) == (3, 3, False)


def test_a_gap_without_freezes_resets():
    assert streak(days(0, 1, 3), D0 + timedelta(days=3)).current == 1


def test_a_seven_day_run_earns_a_freeze_spent_on_a_missed_day():
    s = streak(days(*range(7), 8), D0 + timedelta(days=8))
    assert s.current == 8 and s.freezes == 0 and s.frozen_days == (D0 + timedelta(days=7),)


def test_at_most_two_freezes_are_held():
    s = streak(days(*range(28)), D0 + timedelta(days=27))
    assert s.freezes == 2 and s.current == 28


def test_two_freezes_cover_two_missed_days_then_it_breaks():
    s = streak(days(*range(14), 17), D0 + timedelta(days=17))
    assert s.current == 1 and s.best == 14


def test_periods_end_at_group_local_midnight():
    now = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)  # Thursday 00:30 in Paris, Wednesday in UTC
    assert period_start("week", now, "Europe/Paris") == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert period_start("month", now, "Asia/Tokyo") == datetime(2026, 2, 28, 15, tzinfo=UTC)
    assert period_start("all", now, "UTC") is None


def test_ranking_weights_difficulty():
    table = rank([(1, "ann", {"easy": 5}), (2, "bo", {"hard": 1}), (3, "cy", {"medium": 2, "easy": 1}),
                  (4, "dee", {"easy": 0})])
    assert [(s.name, s.points, s.solves) for s in table] == [("cy", 7, 3), ("bo", 7, 1), ("ann", 5, 5)]


def test_target_split_adds_up():
    assert target_split(50) == {"easy": 15, "medium": 28, "hard": 7}
    assert sum(target_split(150).values()) == 150


def reference_streak(solve_days, today):
    """The rule stated day by day, as a person would apply it: the fast version must agree."""
    days = set(solve_days)
    if not days:
        return (0, 0, 0, ())
    current = best = freezes = run = 0
    frozen = []
    d = min(days)
    while d <= today:
        if d in days:
            current += 1
            run += 1
            if run % 7 == 0:
                freezes = min(2, freezes + 1)
        elif d != today:
            run = 0
            if current > 0 and freezes > 0:
                freezes -= 1
                frozen.append(d)
            else:
                current = 0
        best = max(best, current)
        d += timedelta(days=1)
    return (current, best, freezes, tuple(frozen))


@settings(max_examples=400, deadline=None)
@given(offsets=st.sets(st.integers(0, 60), max_size=50), today=st.integers(0, 70))
def test_fast_streak_agrees_with_the_day_by_day_rule(offsets, today):
    solve = [D0 + timedelta(days=o) for o in offsets if o <= today]
    s = streak(solve, D0 + timedelta(days=today))
    assert (s.current, s.best, s.freezes, s.frozen_days) == reference_streak(solve, D0 + timedelta(days=today))


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 80), max_size=60), st.integers(0, 90))
def test_a_stored_mark_carried_to_today_agrees_with_the_whole_history(offsets, today_offset):
    solve_days = [D0 + timedelta(days=o) for o in offsets]
    today = D0 + timedelta(days=today_offset)
    past = [d for d in solve_days if d <= today]
    full = streak(past, today)
    carried = carry(mark_of(past), today)
    assert (carried.current, carried.best, carried.freezes, carried.solved_today) == \
        (full.current, full.best, full.freezes, full.solved_today)


def test_a_solve_before_the_mark_asks_for_the_whole_history():
    mark = mark_of(days(0, 1, 2))
    assert extend(mark, D0 + timedelta(days=1)) is None
    assert extend(mark, D0 + timedelta(days=2)) is mark
    assert extend(mark, D0 + timedelta(days=3)).current == 4
