"""Review cards are brought up to date lazily: folding a member's recorded solves must give the same
card as reviewing each solve the moment it happened, with the card stored in between."""

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.review import FELT, _card_id, event, fold

EAGER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
RATING = {"easy": Rating.Easy, "ok": Rating.Good, "hard": Rating.Hard}
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from((*FELT, None)), st.integers(0, 60 * 24 * 20)), min_size=1, max_size=8),
       st.integers(1, 8))
def test_folding_recorded_solves_equals_reviewing_each_at_once(solves, split):
    times = sorted(T0 + timedelta(minutes=m) for _, m in solves)
    felts = [f for f, _ in solves]
    stored = None  # the eager way: review at each solve, store the card as JSON
    for felt, at in zip(felts, times, strict=True):
        card = Card.from_json(stored) if stored else Card(card_id=_card_id(7, "two-sum"), due=at)
        card, _ = EAGER.review_card(card, RATING[felt or "ok"], review_datetime=at)
        stored = card.to_json()
    events = [event(f, t) for f, t in zip(felts, times, strict=True)]
    cut = min(split, len(events))
    partly = fold(None, 7, "two-sum", ";".join(events[:cut])).to_json()  # a review queue read in between
    lazy = fold(partly, 7, "two-sum", ";".join(events[cut:])) if events[cut:] else Card.from_json(partly)
    assert lazy.to_json() == stored
