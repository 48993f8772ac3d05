"""The daily selection policy, as a pure function."""

from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_pack
from bot.domain.selection import Posted, Ramp, choose_daily

PACK = load_pack()
PROBLEMS = list(PACK.problems.values())
ML = list(PACK.ml_questions.values())
START = date(2026, 3, 2)  # a Monday


def play(days: int, group_key: int = 1, stage: int = 0, ml_days=()) -> list[Posted]:
    history: list[Posted] = []
    for i in range(days):
        day = START + timedelta(days=i)
        c = choose_daily(group_key=group_key, local_date=day, age_days=i, stage=stage, problems=PROBLEMS,
                         history=history, ml_questions=ML, ml_days=ml_days)
        history.append(Posted(day, c.item_id, c.kind, c.difficulty, c.pattern))
    return history


def test_the_same_inputs_give_the_same_problem():
    assert play(30) == play(30)
    assert play(30, group_key=2) != play(30, group_key=1)


def test_no_repeat_until_a_difficulty_is_exhausted():
    history = play(300)
    for difficulty in ("easy", "medium", "hard"):
        ids = [h.item_id for h in history if h.difficulty == difficulty]
        size = sum(1 for p in PROBLEMS if p.difficulty == difficulty and not p.premium)  # never posted
        first_cycle = ids[:size]
        assert len(first_cycle) == len(set(first_cycle)), difficulty


def test_difficulty_ramps_with_age():
    history = play(120)
    first_week = Counter(h.difficulty for h in history[:7])
    later = Counter(h.difficulty for h in history[60:120])
    assert first_week == Counter({"easy": 7})
    assert later["medium"] > later["easy"] and later["hard"] > 0


def test_a_group_in_coding_prep_ramps_faster():
    assert Ramp().mix(0, stage=4) == Ramp().mix(7, stage=0)


def test_patterns_rotate_least_recently_used_first():
    history = play(18 * 3)
    # over the first 18 easy-only-ish days, patterns do not repeat while others wait unused
    easy_patterns = {p.pattern for p in PROBLEMS if p.difficulty == "easy"}
    first = [h.pattern for h in history[:7]]
    assert len(set(first)) == len(first) or len(easy_patterns) < 7


def test_ml_question_on_configured_weekdays():
    history = play(14, ml_days=("sat",))
    for h in history:
        assert (h.kind == "ml") == (h.local_date.weekday() == 5)
    ml_ids = [h.item_id for h in history if h.kind == "ml"]
    assert len(ml_ids) == len(set(ml_ids))


@settings(max_examples=60, deadline=None)
@given(group_key=st.integers(1, 10_000), days=st.integers(1, 60), stage=st.integers(0, 6))
def test_always_a_known_item(group_key, days, stage):
    last = play(days, group_key=group_key, stage=stage)[-1]
    assert last.item_id in PACK.problems or last.item_id in PACK.ml_questions


def test_the_next_post_is_today_before_the_post_time_and_tomorrow_after_it_across_dst():
    from datetime import UTC, datetime, time

    from bot.domain.model import Group
    from bot.services.daily import next_post_at

    g = Group(id=1, channel_id=1, name="#s", timezone="Europe/Berlin", post_time=time(8, 30))
    assert next_post_at(g, datetime(2026, 3, 2, 7, 29, tzinfo=UTC)) == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    assert next_post_at(g, datetime(2026, 3, 2, 7, 30, tzinfo=UTC)) == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    # Saturday 28 March after the post: Sunday's 08:30 is summer time (UTC+2).
    assert next_post_at(g, datetime(2026, 3, 28, 9, tzinfo=UTC)) == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
    # A post time the spring-forward gap skips (02:30 on 29 March) comes at 03:30 summer time.
    gap = Group(id=1, channel_id=1, name="#s", timezone="Europe/Berlin", post_time=time(2, 30))
    assert next_post_at(gap, datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
