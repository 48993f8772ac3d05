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


def review(card_json: str | None, member_id: int, problem_id: str, felt: str | None, when: datetime) -> Card:
    card = Card.from_json(card_json) if card_json else Card(card_id=_card_id(member_id, problem_id), due=when)
    card, _ = _SCHEDULER.review_card(card, _RATING[felt or "ok"], review_datetime=when)
    return card
