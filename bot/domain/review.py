"""Spaced review with FSRS: how a solve felt is its rating; the card says when to look again."""

from __future__ import annotations

import hashlib
from datetime import datetime

from fsrs import Card, Rating, Scheduler

FELT = ("easy", "ok", "hard")
_RATING = {"easy": Rating.Easy, "ok": Rating.Good, "hard": Rating.Hard}
# Coding problems are not flashcards: no same-day learning steps, and no fuzz so a review is repeatable.
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _card_id(member_id: int, problem_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{member_id}:{problem_id}".encode()).digest()[:6], "big")


def event(felt: str | None, when: datetime) -> str:
    """How one solve is recorded until the card is brought up to date (see `fold`)."""
    return f"{felt or 'ok'}@{when.isoformat()}"


def fold(card_json: str | None, member_id: int, problem_id: str, events: str) -> Card:
    """The card after the solves recorded since it was last brought up to date, in order.

    `events` is 'felt@instant;felt@instant...' as the solves table keeps it."""
    card = Card.from_json(card_json) if card_json else None
    for recorded in events.split(";"):
        felt, _, when = recorded.partition("@")
        at = datetime.fromisoformat(when)
        if card is None:
            card = Card(card_id=_card_id(member_id, problem_id), due=at)
        card, _ = _SCHEDULER.review_card(card, _RATING.get(felt, Rating.Good), review_datetime=at)
    assert card is not None
    return card
