"""Check-in rules over plain dates: the settings, the streak of answered check-ins, the gentle nudge.

A "prompt day" is a member-local date on which a check-in was due (a paused day is not one). An answer
counts for the member-local date it was given on, so a prompt is answered when an answer exists for
its date; answering on a day without a prompt still counts as a check-in day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.timeutil import WEEKDAYS

SLOTS = ("done", "next", "blockers")  # the answer slots; a group's questions map onto them in order
DEFAULT_QUESTIONS = ("What did you get done since last time?", "What will you do next?",
                     "Anything blocking you?")
DEFAULT_DAYS = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_TIME = time(9, 0)
NUDGE_AFTER = 3  # missed prompts in a row before the one gentle nudge
MAX_QUESTION = 150
# The channel digest of a day's answers goes out this long after the check-in time (group-local),
# which leaves members across the usual zones time to answer; later answers go into the next one.
DIGEST_DELAY = timedelta(hours=10)


@dataclass(frozen=True)
class CheckinSettings:
    enabled: bool = True
    days: tuple[str, ...] = DEFAULT_DAYS
    time: time = DEFAULT_TIME
    questions: tuple[str, ...] = DEFAULT_QUESTIONS

    def digest_time(self) -> time:
        minutes = (self.time.hour * 60 + self.time.minute + int(DIGEST_DELAY.total_seconds() // 60)) % (24 * 60)
        return time(minutes // 60, minutes % 60)

    def cron_days(self) -> str:
        return ",".join(self.days)

    def slots(self) -> tuple[tuple[str, str], ...]:
        """(slot, question) pairs for the questions this group asks."""
        return tuple(zip(SLOTS, self.questions, strict=False))


def parse_questions(text: str) -> tuple[str, ...]:
    """'Q1; Q2; Q3' -> up to three questions; raises ValueError with a message for the person."""
    questions = tuple(q.strip() for q in text.split(";") if q.strip())
    if not questions:
        raise ValueError("name at least one question, e.g. questions What did you do?; What next?")
    if len(questions) > len(SLOTS):
        raise ValueError(f"at most {len(SLOTS)} questions, separated by ';' (they are answered as "
                         f"{', '.join(SLOTS)})")
    for q in questions:
        if len(q) > MAX_QUESTION:
            raise ValueError(f"a question may have at most {MAX_QUESTION} characters")
    return questions


def is_prompt_day(settings: CheckinSettings, day: date) -> bool:
    return settings.enabled and WEEKDAYS[day.weekday()] in settings.days


def checkin_streak(prompt_days: Iterable[date], answer_days: Iterable[date], today: date) -> int:
    """Check-in days answered in a row, counting back from the latest; today does not break it yet."""
    answered = set(answer_days)
    days = sorted({d for d in prompt_days if d <= today} | {d for d in answered if d <= today}, reverse=True)
    count = 0
    for d in days:
        if d in answered:
            count += 1
        elif d == today:
            continue
        else:
            break
    return count


def missed_run(prompt_days: Iterable[date], answer_days: Iterable[date], today: date) -> list[date]:
    """The prompts before today left unanswered since the last answer, oldest first."""
    answered = set(answer_days)
    last_answer = max((d for d in answered if d < today), default=None)
    return sorted(d for d in set(prompt_days)
                  if d < today and d not in answered and (last_answer is None or d > last_answer))


def should_nudge(prompt_days: Iterable[date], answer_days: Iterable[date], today: date,
                 nudge_days: Iterable[date]) -> bool:
    """One gentle nudge per run of NUDGE_AFTER or more missed prompts; never another until they answer."""
    run = missed_run(prompt_days, answer_days, today)
    if len(run) < NUDGE_AFTER:
        return False
    return not any(d >= run[0] for d in nudge_days)


def pause_end(today: date, days: int) -> date:
    """`checkin pause N` on `today`: no prompts today and the N-1 days after; they resume on the Nth."""
    return today + timedelta(days=days)


def rate(prompted: int, answered: int) -> str:
    if prompted <= 0:
        return "no prompts yet"
    return f"{round(100 * answered / prompted)}% ({answered}/{prompted})"


@dataclass(frozen=True)
class Answer:
    member_id: int
    name: str
    local_date: date
    done: str | None
    next: str | None
    blockers: str | None
    answered_at: datetime
    updated_at: datetime
    user_id: int | None = None  # our id of the person, the author of these words (forget-me finds them)

    def slot(self, name: str) -> str | None:
        return getattr(self, name)
