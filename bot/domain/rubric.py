"""Mock-interview rubrics as pure rules: the turns of a slot, the guide's timer phases fitted to one turn,
the questions a rater answers in their role, and reading a rater's `3,4,3,2 hire`.

A session's slot is split into turns, one per member being interviewed (a 60-minute pair: two halves of
30; a 45-minute pair: 23 and 22; a 90-minute trio: three thirds of 30). Each turn runs the guide of the
session's kind once, its phases scaled by `phases_for` so they add up to the turn exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from bot.content import VERDICT_IDS, Criterion, GuidePhase, Rubric


class Verdict(StrEnum):
    """The overall verdict after the criteria, best first; the value is the id a rater types."""

    STRONG_HIRE = "strong-hire"
    HIRE = "hire"
    LEAN_NO = "lean-no"
    NO = "no"


VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
assert tuple(v.value for v in VERDICTS) == VERDICT_IDS  # one list of verdicts, in the schema and here

# Who rates the candidate of a turn: the member interviewing them and, in a trio, the one observing.
ROLES = ("interviewer", "observer")
MAX_RATINGS_TEXT = 300


# -- time -----------------------------------------------------------------------------------------------

def turns(slot_minutes: int, people: int) -> tuple[int, ...]:
    """The slot split into one turn per member, in whole minutes adding up to the slot; the first turns
    take the odd minutes (45 for a pair -> 23, 22; 90 for a trio -> 30, 30, 30)."""
    if people < 1:
        raise ValueError("a session has at least one member")
    if slot_minutes < people:
        raise ValueError(f"a {slot_minutes}-minute slot cannot give {people} members a turn each")
    base, extra = divmod(slot_minutes, people)
    return tuple(base + (1 if i < extra else 0) for i in range(people))


def phases_for(rubric: Rubric, half_minutes: int) -> tuple[GuidePhase, ...]:
    """The rubric's guide for one turn of `half_minutes`: the same phases in the same order, each at least
    a minute, their minutes proportional to the guide's and adding up to `half_minutes` exactly.

    Largest remainder: each phase gets the whole part of its share (at least 1), and the minutes left go to
    the phases with the largest fractional parts, earliest first on a tie. A guide written for the turn's
    length comes back unchanged. A rubric without a guide gives (). Raises ValueError when the turn is
    shorter than one minute per phase.
    """
    guide = rubric.guide
    if not guide:
        return ()
    if half_minutes < len(guide):
        raise ValueError(f"a {half_minutes}-minute turn is too short for the {len(guide)} phases of the guide")
    total = sum(p.minutes for p in guide)
    share = [Fraction(p.minutes * half_minutes, total) for p in guide]
    minutes = [max(1, int(s)) for s in share]
    while sum(minutes) < half_minutes:
        i = max(range(len(guide)), key=lambda k: (share[k] - minutes[k], -k))
        minutes[i] += 1
    while sum(minutes) > half_minutes:  # only when phases were raised to their one minute
        i = max((k for k in range(len(guide)) if minutes[k] > 1), key=lambda k: (minutes[k] - share[k], -k))
        minutes[i] -= 1
    return tuple(p.model_copy(update={"minutes": m}) for p, m in zip(guide, minutes, strict=True))


# -- rating ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RatingPrompt:
    """One criterion to rate, for a rater in a role; `text` names the role."""

    role: str  # the rater's role: "interviewer" or "observer"
    criterion_id: str
    title: str
    question: str
    anchors: tuple[tuple[int, str], ...]  # (1, "..."), ..., (4, "...")

    @property
    def text(self) -> str:
        whom = "the candidate" if self.role == "interviewer" else "the candidate of this turn"
        return f"{self.title} (you rate {whom} as the {self.role}): {self.question}"

    def anchor(self, level: int) -> str:
        return dict(self.anchors)[level]


def _prompt(criterion: Criterion, role: str) -> RatingPrompt:
    return RatingPrompt(role=role, criterion_id=criterion.id, title=criterion.title, question=criterion.question,
                        anchors=tuple(sorted(criterion.anchors.items())))


def ratings_for(rubric: Rubric, role: str) -> tuple[RatingPrompt, ...]:
    """What a rater in `role` rates, one prompt per criterion of the rubric, in the rubric's order.

    Both roles rate the candidate of the turn: the interviewer the member they interviewed, and in a trio
    the observer the same member (never the interviewer). Raises ValueError for another role.
    """
    if role not in ROLES:
        raise ValueError(f"the role is one of {', '.join(ROLES)}, not {role!r}")
    return tuple(_prompt(c, role) for c in rubric.criteria)


def example(rubric: Rubric) -> str:
    """A well-formed ratings line for the rubric, like `3,4,3,2 hire`."""
    return ",".join(str((3, 4, 3, 2)[i % 4]) for i in range(len(rubric.criteria))) + " hire"


def usage(rubric: Rubric) -> str:
    n = len(rubric.criteria)
    return (f"give {n} ratings from 1 to 4 ({', '.join(c.id for c in rubric.criteria)}), then a verdict "
            f"({', '.join(VERDICT_IDS)}), like {example(rubric)}")


_TOKEN = re.compile(r"[^\s,;/]+")
_LETTER = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"[0-9]+")  # not \d, which also reads other scripts' digits
_VERDICT_WORDS = {v.value.replace("-", ""): v for v in VERDICTS}


def _verdict_at(words: Sequence[str], i: int) -> tuple[Verdict, int] | None:
    """The verdict starting at word i and how many words it takes: `hire`, `strong-hire`, `strong hire`."""
    def norm(w: str) -> str:
        return w.lower().replace("-", "").replace("_", "")
    if i + 1 < len(words) and norm(words[i] + words[i + 1]) in _VERDICT_WORDS and norm(words[i]) in ("strong", "lean"):
        return _VERDICT_WORDS[norm(words[i] + words[i + 1])], 2
    if norm(words[i]) in _VERDICT_WORDS:
        return _VERDICT_WORDS[norm(words[i])], 1
    return None


def parse_feedback(rubric: Rubric, text: str) -> tuple[tuple[int, ...], Verdict, str]:
    """`3,4,3,2 hire clear and calm` -> ((3, 4, 3, 2), Verdict.HIRE, "clear and calm").

    The ratings (separated by commas, spaces, semicolons or slashes), then the verdict (`strong-hire`,
    `strong hire`, `Lean no`...), then free notes, kept exactly as typed. Raises ValueError with one
    line for the person on any mistake.
    """
    if len(text) > MAX_RATINGS_TEXT:
        raise ValueError(f"That is too long: {usage(rubric)}.")
    tokens = list(_TOKEN.finditer(text))
    words = [t.group() for t in tokens]
    if not words:
        raise ValueError(f"Rate each criterion and give a verdict: {usage(rubric)}.")
    first_word = next((i for i, w in enumerate(words) if _LETTER.search(w)), len(words))
    score_words = words[:first_word]
    found = _verdict_at(words, first_word) if first_word < len(words) else None
    if found is None:
        later = any(_verdict_at(words, i) for i in range(first_word + 1, len(words)))
        if later or not score_words:
            raise ValueError(f"Ratings are whole numbers written with the digits 0-9: {usage(rubric)}.")
        if first_word == len(words):
            raise ValueError(f"Add your overall verdict after the ratings: {usage(rubric)}.")
        raise ValueError(f"The verdict is one of {', '.join(VERDICT_IDS)}: {usage(rubric)}.")
    verdict, width = found
    if not all(_DIGITS.fullmatch(w) for w in score_words):
        raise ValueError(f"Ratings are whole numbers written with the digits 0-9: {usage(rubric)}.")
    if len(score_words) != len(rubric.criteria):
        raise ValueError(f"That is {len(score_words)} rating{'' if len(score_words) == 1 else 's'} for "
                         f"{len(rubric.criteria)} criteria: {usage(rubric)}.")
    scores = tuple(int(w) for w in score_words)
    if any(not 1 <= s <= 4 for s in scores):
        raise ValueError(f"Each rating is from 1 to 4: {usage(rubric)}.")
    end = first_word + width
    notes = text[tokens[end].start():].strip() if end < len(tokens) else ""
    return scores, verdict, notes


def parse_ratings(rubric: Rubric, text: str) -> tuple[tuple[int, ...], Verdict]:
    """`3,4,3,2 hire` -> ((3, 4, 3, 2), Verdict.HIRE): one rating per criterion, digits 0-9 only, each
    1 to 4, then the verdict and nothing else. Raises ValueError with one line for the person."""
    scores, verdict, notes = parse_feedback(rubric, text)
    if notes:
        raise ValueError(f"Nothing goes after the verdict here: {usage(rubric)}.")
    return scores, verdict
