"""`group export`: the group's progress as CSV files, for an organiser's spreadsheet.

Five files, one per table, each with a header row (Python's csv module, UTF-8, comma-separated):

- `members.csv`: member_id, name, timezone, target, level, joined_utc, last_active_utc, streak_days,
  best_streak_days, stage, stage_title, solves_this_week, solves_total
- `solves.csv`: member_id, name, problem_id, kind, difficulty, minutes, felt, solved_utc, local_date, repeats
- `milestones.csv`: member_id, name, stage, milestone_id, milestone, done_utc
- `checkins.csv`: member_id, name, local_date, prompted, answered, answered_utc, updated_utc, done, next,
  blockers (every day a member was prompted or answered)
- `mock_sessions.csv`: session_id, round, kind, starts_utc, ends_utc, status, member_ids, names,
  feedback_given, no_show_reports

Active members only, joined by member_id; instants are UTC (ISO 8601, "Z"), member-local dates as they
count for streaks. Never applications (a member's tracker is theirs alone), never feedback ratings or
notes (they are between partners). Check-in answers are in: the group's digest already shows them.

Cells a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) get a
leading ' so they stay text. Memory is bounded: rows are read a page at a time and the files stop at
EXPORT_MAX_BYTES in all (or EXPORT_MAX_ROWS rows a table); a cut file says so in the reply.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.content import Roadmap
from bot.domain.model import Group
from bot.domain.progress import current_stage
from bot.domain.scoring import period_start
from bot.domain.streaks import carry
from bot.domain.timeutil import local_date
from bot.ports.storage import Store
from bot.reply import Attachment

EXPORT_MAX_BYTES = 8_000_000  # under Discord's 10 MB a file, with room; Slack and the console take more
EXPORT_MAX_ROWS = 100_000  # a table
PAGE = 1000  # rows read at a time
MEMBER_PAGE = 200  # members whose rows are read at a time
CSV_MIME = "text/csv"
_RISKY = ("=", "+", "-", "@", "\t", "\r")

TABLES: dict[str, tuple[str, ...]] = {
    "members": ("member_id", "name", "timezone", "target", "level", "joined_utc", "last_active_utc", "streak_days",
                "best_streak_days", "stage", "stage_title", "solves_this_week", "solves_total"),
    "solves": ("member_id", "name", "problem_id", "kind", "difficulty", "minutes", "felt", "solved_utc",
               "local_date", "repeats"),
    "milestones": ("member_id", "name", "stage", "milestone_id", "milestone", "done_utc"),
    "checkins": ("member_id", "name", "local_date", "prompted", "answered", "answered_utc", "updated_utc", "done",
                 "next", "blockers"),
    "mock_sessions": ("session_id", "round", "kind", "starts_utc", "ends_utc", "status", "member_ids", "names",
                      "feedback_given", "no_show_reports"),
}


def cell(value: object) -> object:
    """A value as a CSV cell: instants as UTC ISO 8601, booleans as 1/0, None as empty, and text a
    spreadsheet would run as a formula prefixed with ' (numbers are written as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


class _Table:
    """One CSV file being written, within the export's shared byte budget."""

    def __init__(self, name: str, budget: _Budget):
        self.name = name
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.budget = budget
        self.rows = 0
        self.cut = False
        self.writer.writerow(TABLES[name])
        budget.used += self.buffer.tell()

    @property
    def full(self) -> bool:
        return self.cut or self.rows >= EXPORT_MAX_ROWS

    def add(self, row: Sequence[object]) -> bool:
        """Write a row; False (and the table marked cut) once the budget is spent."""
        if self.full:
            self.cut = True
            return False
        before = self.buffer.tell()
        self.writer.writerow([cell(v) for v in row])
        size = self.buffer.tell() - before
        if self.budget.used + size > EXPORT_MAX_BYTES:
            self.buffer.seek(before)
            self.buffer.truncate()
            self.cut = True
            return False
        self.budget.used += size
        self.rows += 1
        return True

    def attachment(self, prefix: str) -> Attachment:
        note = f"{self.rows} rows" + (" (cut at the export's size limit)" if self.cut else "")
        return Attachment(f"{prefix}-{self.name}.csv", self.buffer.getvalue().encode("utf-8"), CSV_MIME,
                          f"{self.name}: {note}")


@dataclass
class _Budget:
    used: int = 0


@dataclass
class Export:
    files: list[Attachment]
    rows: dict[str, int]
    cut: list[str] = field(default_factory=list)  # tables that stop short of everything


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "group"


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


async def export_group(store: Store, roadmap: Roadmap, group: Group, now: datetime) -> Export:
    """The group's members, solves, milestones, check-ins and mock sessions as CSV attachments."""
    budget = _Budget()
    tables = {name: _Table(name, budget) for name in TABLES}
    roster = store.accountability.roster
    members = await store.members.active(group.id)
    names = {m.id: m.name for m in members}
    ids = [m.id for m in members]
    week_of = period_start("week", now, group.timezone)
    stage_of_milestone = {m.id: (i + 1, m.title) for i, s in enumerate(roadmap.stages) for m in s.milestones}
    for chunk in _chunks(ids, MEMBER_PAGE):
        done = await roster.milestones_of(chunk)
        for row in await roster.activity(chunk, week_of):
            m = row.member
            stage = current_stage(roadmap, set(done.get(m.id, {})))
            streak = carry(row.mark, local_date(now, m.timezone))
            tables["members"].add((m.id, m.name, m.timezone, m.target, m.level, m.joined_at, row.last_active,
                                   streak.current, streak.best, stage + 1,
                                   roadmap.stages[stage].title, row.week_solves, row.all_solves))
        for member_id in chunk:
            for milestone, at in done.get(member_id, {}).items():
                stage_no, title = stage_of_milestone.get(milestone, ("", milestone))
                tables["milestones"].add((member_id, names[member_id], stage_no, milestone, title, at))
        if not tables["solves"].full:
            for r in await roster.export_solves(chunk, EXPORT_MAX_ROWS - tables["solves"].rows):
                if not tables["solves"].add((r[0], names.get(r[0], ""), *r[1:])):
                    break
        if not tables["checkins"].full:
            for r in await roster.export_checkins(chunk, EXPORT_MAX_ROWS - tables["checkins"].rows):
                member_id, day, prompted, answered_at, updated_at, *answers = r
                if not tables["checkins"].add((member_id, names.get(member_id, ""), day, prompted,
                                               answered_at is not None, answered_at, updated_at, *answers)):
                    break
    after = 0
    sessions = tables["mock_sessions"]
    while not sessions.full:
        page = await roster.export_sessions(group.id, after, PAGE)
        for sid, round_key, kind, starts, ends, status, seated, given, no_shows in page:
            shown = "; ".join(names.get(i, "(left)") for i in seated)
            if not sessions.add((sid, round_key, kind, starts, ends, status, ";".join(map(str, seated)), shown,
                                 given, no_shows)):
                break
        if len(page) < PAGE:
            break
        after = page[-1][0]
    prefix = f"{_slug(group.name)}-{local_date(now, group.timezone).isoformat()}"
    return Export(files=[t.attachment(prefix) for t in tables.values()],
                  rows={name: t.rows for name, t in tables.items()},
                  cut=[name for name, t in tables.items() if t.cut])
