"""Repositories for accountability: check-ins, digests, design prompts and the application tracker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from bot.domain.applications import Application, company_key
from bot.domain.checkins import DEFAULT_QUESTIONS, Answer, CheckinSettings
from bot.domain.events import ScheduleChanged
from bot.domain.model import Member
from bot.domain.streaks import StreakMark
from bot.domain.timeutil import parse_hhmm
from bot.ports.storage import MemberActivity, MockCompletion
from bot.storage.db import Database


# The same text form as bot/storage/sqlite.py (UTC ISO-8601), kept here because that module builds the
# store out of this one and importing back from it would be circular.
def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class SqliteCheckins:
    def __init__(self, db: Database):
        self.db = db

    async def settings(self, group_id: int) -> CheckinSettings:
        row = await self.db.one("SELECT enabled, days, time, questions FROM checkin_settings WHERE group_id=?",
                                (group_id,))
        return CheckinSettings() if row is None else _settings(*row)

    async def all_settings(self) -> dict[int, CheckinSettings]:
        """Settings of every group that has a row (the others use the defaults), in one hop. The schedule
        no longer reads this (it reads one member's with `prompt_target`)."""
        rows = await self.db.all("SELECT group_id, enabled, days, time, questions FROM checkin_settings")
        return {r[0]: _settings(*r[1:5]) for r in rows}

    async def save_settings(self, group_id: int, s: CheckinSettings) -> None:
        await self.db.write(
            "INSERT INTO checkin_settings (group_id, enabled, days, time, questions) VALUES (?,?,?,?,?) "
            "ON CONFLICT (group_id) DO UPDATE SET enabled=excluded.enabled, days=excluded.days, "
            "time=excluded.time, questions=excluded.questions",
            (group_id, int(s.enabled), ",".join(s.days), s.time.strftime("%H:%M"), json.dumps(list(s.questions))),
        )
        self.db.record(ScheduleChanged("checkins", group_id))

    async def record_prompt(self, member_id: int, day: date, now: datetime, nudge: bool = False) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO checkin_prompts (member_id, local_date, prompted_at, nudge) VALUES (?,?,?,?)",
            (member_id, day.isoformat(), iso(now), int(nudge)),
        ) > 0

    async def history(self, member_id: int) -> tuple[list[date], list[date], list[date]]:
        """(prompt days, answer days, nudge days) of a member, in one hop."""
        rows = await self.db.all(
            "SELECT 'p', local_date, nudge FROM checkin_prompts WHERE member_id=? "
            "UNION ALL SELECT 'a', local_date, 0 FROM checkin_answers WHERE member_id=?",
            (member_id, member_id),
        )
        prompts = [date.fromisoformat(r[1]) for r in rows if r[0] == "p"]
        answers = [date.fromisoformat(r[1]) for r in rows if r[0] == "a"]
        nudges = [date.fromisoformat(r[1]) for r in rows if r[0] == "p" and r[2]]
        return prompts, answers, nudges

    async def group_history(self, group_id: int) -> dict[int, tuple[list[date], list[date]]]:
        """member id -> (prompt days, answer days) for the group's active members."""
        rows = await self.db.all(
            "SELECT 'p', p.member_id, p.local_date FROM checkin_prompts p JOIN members m ON m.id = p.member_id "
            "WHERE m.group_id=? AND m.active=1 UNION ALL "
            "SELECT 'a', a.member_id, a.local_date FROM checkin_answers a JOIN members m ON m.id = a.member_id "
            "WHERE m.group_id=? AND m.active=1",
            (group_id, group_id),
        )
        out: dict[int, tuple[list[date], list[date]]] = {}
        for kind, member_id, day in rows:
            prompts, answers = out.setdefault(member_id, ([], []))
            (prompts if kind == "p" else answers).append(date.fromisoformat(day))
        return out

    async def answer(self, member_id: int, day: date) -> Answer | None:
        row = await self.db.one(
            "SELECT a.member_id, m.name, a.local_date, a.done, a.next, a.blockers, a.answered_at, a.updated_at, m.user_id "
            "FROM checkin_answers a JOIN members m ON m.id = a.member_id WHERE a.member_id=? AND a.local_date=?",
            (member_id, day.isoformat()),
        )
        return _answer(row) if row else None

    async def save_answer(self, member_id: int, group_id: int, day: date, slots: dict[str, str],
                          now: datetime) -> bool:
        """Add today's answer or update the slots given; True when it is the first answer of the day."""
        row = await self.db.one(
            "INSERT INTO checkin_answers (member_id, group_id, local_date, done, next, blockers, answered_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (member_id, local_date) DO UPDATE SET "
            "done=COALESCE(excluded.done, done), next=COALESCE(excluded.next, next), "
            "blockers=COALESCE(excluded.blockers, blockers), updated_at=excluded.updated_at, edits=edits+1 "
            "RETURNING edits",
            (member_id, group_id, day.isoformat(), slots.get("done"), slots.get("next"), slots.get("blockers"),
             iso(now), iso(now)),
        )
        return row[0] == 0

    async def answers_between(self, group_id: int, after: datetime | None, until: datetime) -> list[Answer]:
        """Answers given or edited in (after, until], of active members, by name."""
        rows = await self.db.all(
            "SELECT a.member_id, m.name, a.local_date, a.done, a.next, a.blockers, a.answered_at, a.updated_at, m.user_id "
            "FROM checkin_answers a JOIN members m ON m.id = a.member_id "
            "WHERE a.group_id=? AND m.active=1 AND a.updated_at > ? AND a.updated_at <= ? "
            "ORDER BY m.name COLLATE NOCASE, a.local_date",
            (group_id, iso(after) if after else "", iso(until)),
        )
        return [_answer(r) for r in rows]

    async def pause(self, member_id: int, until: date) -> None:
        await self.db.write(
            "INSERT INTO checkin_pauses (member_id, paused_until) VALUES (?,?) "
            "ON CONFLICT (member_id) DO UPDATE SET paused_until=excluded.paused_until",
            (member_id, until.isoformat()),
        )

    async def paused_until(self, member_id: int) -> date | None:
        value = await self.db.scalar("SELECT paused_until FROM checkin_pauses WHERE member_id=?", (member_id,))
        return date.fromisoformat(value) if value else None

    async def last_digest_at(self, group_id: int) -> datetime | None:
        return from_iso(await self.db.scalar("SELECT MAX(posted_at) FROM checkin_digests WHERE group_id=?",
                                             (group_id,)))

    async def record_digest(self, group_id: int, day: date, now: datetime, answers: int) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO checkin_digests (group_id, local_date, posted_at, answers) VALUES (?,?,?,?)",
            (group_id, day.isoformat(), iso(now), answers),
        ) > 0

    async def counts_between(self, group_id: int, start: date, end: date) -> dict[int, tuple[int, int]]:
        """member id -> (prompt days, of which answered) in [start, end) (member-local dates)."""
        rows = await self.db.all(
            "SELECT p.member_id, COUNT(*), COUNT(a.member_id) FROM checkin_prompts p "
            "JOIN members m ON m.id = p.member_id "
            "LEFT JOIN checkin_answers a ON a.member_id = p.member_id AND a.local_date = p.local_date "
            "WHERE m.group_id=? AND m.active=1 AND p.local_date >= ? AND p.local_date < ? GROUP BY p.member_id",
            (group_id, start.isoformat(), end.isoformat()),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    async def prompt_targets(self) -> list[tuple[int, int, str]]:
        """(member id, group id, member timezone) of every active member of a running group, in one hop.
        The schedule no longer reads this (it plans a page of members at a time, `prompt_target` each)."""
        rows = await self.db.all(
            "SELECT m.id, m.group_id, m.timezone FROM members m JOIN groups g ON g.id = m.group_id "
            "WHERE m.active=1 AND g.paused=0 ORDER BY m.id"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def prompt_target(self, member_id: int) -> tuple[str, CheckinSettings] | None:
        """(member timezone, the group's check-in settings) of an active member of a running group, else
        None: what the member's check-in prompt is planned from, in one query."""
        row = await self.db.one(
            "SELECT m.timezone, s.enabled, s.days, s.time, s.questions FROM members m "
            "JOIN groups g ON g.id = m.group_id LEFT JOIN checkin_settings s ON s.group_id = m.group_id "
            "WHERE m.id=? AND m.active=1 AND g.paused=0", (member_id,),
        )
        if row is None:
            return None
        if row[1] is None:  # the group never changed its check-ins: the defaults
            return row[0], CheckinSettings()
        return row[0], _settings(*row[1:5])

    async def groups_of_user(self, user_id: int) -> list[int]:
        """The groups a person is an active member of (to answer from a direct message)."""
        rows = await self.db.all("SELECT group_id FROM members WHERE user_id=? AND active=1 ORDER BY group_id",
                                 (user_id,))
        return [r[0] for r in rows]


def _settings(enabled, days: str, at: str, questions: str) -> CheckinSettings:
    """A `checkin_settings` row's columns (enabled, days, time, questions) as settings."""
    return CheckinSettings(enabled=bool(enabled), days=tuple(d for d in days.split(",") if d), time=parse_hhmm(at),
                           questions=tuple(json.loads(questions)) or DEFAULT_QUESTIONS)


def _answer(row) -> Answer:
    return Answer(row[0], row[1], date.fromisoformat(row[2]), row[3], row[4], row[5], from_iso(row[6]),
                  from_iso(row[7]), row[8])


_APP_COLUMNS = "id, member_id, company, role, stage, created_at, updated_at, announced_at"


def _application(row) -> Application:
    return Application(row[0], row[1], row[2], row[3], row[4], from_iso(row[5]), from_iso(row[6]), from_iso(row[7]))


class SqliteApplications:
    """A member's own applications. Every read is by member id: no query here lists another's rows."""

    def __init__(self, db: Database):
        self.db = db

    async def of_member(self, member_id: int) -> list[Application]:
        rows = await self.db.all(
            f"SELECT {_APP_COLUMNS} FROM applications WHERE member_id=? ORDER BY updated_at DESC, id DESC",
            (member_id,),
        )
        return [_application(r) for r in rows]

    async def add(self, member_id: int, company: str, role: str | None, stage: str, now: datetime) -> int | None:
        """The new application's id, or None when this member already tracks that company."""
        row = await self.db.one(
            "INSERT INTO applications (member_id, company, company_key, role, stage, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (member_id, company_key) DO NOTHING RETURNING id",
            (member_id, company, company_key(company), role, stage, iso(now), iso(now)),
        )
        return row[0] if row else None

    async def move(self, app_id: int, stage: str, now: datetime) -> None:
        await self.db.write("UPDATE applications SET stage=?, updated_at=? WHERE id=?", (stage, iso(now), app_id))

    async def remove(self, member_id: int, app_id: int) -> bool:
        """Drop one of the member's applications (by the member's id too: never another's row)."""
        return await self.db.execute("DELETE FROM applications WHERE id=? AND member_id=?", (app_id, member_id)) > 0

    async def mark_announced(self, app_id: int, now: datetime) -> bool:
        return await self.db.execute(
            "UPDATE applications SET announced_at=? WHERE id=? AND announced_at IS NULL", (iso(now), app_id)
        ) > 0

    async def stage_counts(self, group_id: int, exclude: tuple[str, ...] = ()) -> tuple[dict[str, int], int]:
        """Counts per stage over the group's active members, and how many members track anything;
        applications at an `exclude` stage are left out of both, as if they did not exist."""
        skip = f" AND a.stage NOT IN ({','.join('?' * len(exclude))})" if exclude else ""
        rows = await self.db.all(
            "SELECT a.stage, COUNT(*) FROM applications a JOIN members m ON m.id = a.member_id "
            f"WHERE m.group_id=? AND m.active=1{skip} GROUP BY a.stage", (group_id, *exclude),
        )
        people = await self.db.scalar(
            "SELECT COUNT(DISTINCT a.member_id) FROM applications a JOIN members m ON m.id = a.member_id "
            f"WHERE m.group_id=? AND m.active=1{skip}", (group_id, *exclude),
        )
        return {r[0]: r[1] for r in rows}, int(people or 0)

    async def announced_between(self, group_id: int, start: datetime, end: datetime
                                ) -> list[tuple[str, str, str | None, int]]:
        """(member name, company, role, user id) of offers announced in [start, end): only what members
        chose to share (the user id marks whose words they are)."""
        rows = await self.db.all(
            "SELECT m.name, a.company, a.role, m.user_id FROM applications a JOIN members m ON m.id = a.member_id "
            "WHERE m.group_id=? AND a.announced_at >= ? AND a.announced_at < ? ORDER BY a.announced_at",
            (group_id, iso(start), iso(end)),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


class SqliteDesign:
    def __init__(self, db: Database):
        self.db = db

    async def for_week(self, group_id: int, week: date) -> str | None:
        return await self.db.scalar("SELECT prompt_id FROM design_weeks WHERE group_id=? AND week_start=?",
                                    (group_id, week.isoformat()))

    async def history(self, group_id: int) -> list[str]:
        rows = await self.db.all("SELECT prompt_id FROM design_weeks WHERE group_id=? ORDER BY week_start",
                                 (group_id,))
        return [r[0] for r in rows]

    async def record(self, group_id: int, week: date, prompt_id: str, now: datetime) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO design_weeks (group_id, week_start, prompt_id, chosen_at) VALUES (?,?,?,?)",
            (group_id, week.isoformat(), prompt_id, iso(now)),
        ) > 0


class SqliteDigests:
    """What the weekly digest reads: solves, milestones, mock sessions, in the span of a week."""

    def __init__(self, db: Database):
        self.db = db

    async def record_weekly(self, group_id: int, week: date, now: datetime) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO weekly_digests (group_id, week_start, posted_at) VALUES (?,?,?)",
            (group_id, week.isoformat(), iso(now)),
        ) > 0

    async def solves_between(self, group_id: int, start: datetime, end: datetime) -> list[tuple[int, datetime, str]]:
        """(member id, solved at, difficulty) of coding problems solved in [start, end) by active members."""
        rows = await self.db.all(
            "SELECT s.member_id, s.solved_at, s.difficulty FROM solves s JOIN members m ON m.id = s.member_id "
            "WHERE s.group_id=? AND m.active=1 AND s.kind='problem' AND s.solved_at >= ? AND s.solved_at < ? "
            "ORDER BY s.solved_at",
            (group_id, iso(start), iso(end)),
        )
        return [(r[0], from_iso(r[1]), r[2]) for r in rows]

    async def solve_days(self, group_id: int) -> dict[int, list[date]]:
        rows = await self.db.all(
            "SELECT DISTINCT s.member_id, s.local_date FROM solves s JOIN members m ON m.id = s.member_id "
            "WHERE s.group_id=? AND m.active=1", (group_id,),
        )
        out: dict[int, list[date]] = {}
        for member_id, day in rows:
            out.setdefault(member_id, []).append(date.fromisoformat(day))
        return out

    async def milestones_between(self, group_id: int, start: datetime, end: datetime) -> list[tuple[int, str]]:
        rows = await self.db.all(
            "SELECT d.member_id, d.milestone FROM milestones_done d JOIN members m ON m.id = d.member_id "
            "WHERE m.group_id=? AND m.active=1 AND d.done_at >= ? AND d.done_at < ? ORDER BY d.done_at",
            (group_id, iso(start), iso(end)),
        )
        return [(r[0], r[1]) for r in rows]

    async def mocks_between(self, group_id: int, start: datetime, end: datetime) -> int:
        """Mock interviews held (marked done by feedback) that started in [start, end)."""
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM mock_sessions WHERE group_id=? AND status='done' AND starts_at >= ? AND starts_at < ?",
            (group_id, iso(start), iso(end)),
        ) or 0)


# A member's latest activity: their newest solve, check-in answer, milestone or mock feedback given.
# Each part is one probe of an index that leads with the member (mock_feedback's is migration 21's).
_LAST_ACTIVE = (
    "(SELECT MAX(t) FROM ("
    "SELECT MAX(solved_at) AS t FROM solves WHERE member_id=m.id "
    "UNION ALL SELECT MAX(updated_at) FROM checkin_answers WHERE member_id=m.id "
    "UNION ALL SELECT MAX(done_at) FROM milestones_done WHERE member_id=m.id "
    "UNION ALL SELECT MAX(created_at) FROM mock_feedback WHERE from_member=m.id))"
)
_ID_CHUNK = 500  # member ids per IN (...) list


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    ids = list(ids)
    return [ids[i:i + _ID_CHUNK] for i in range(0, len(ids), _ID_CHUNK)]


def _marks(day: str | None, current: int, best: int, freezes: int, run: int) -> StreakMark | None:
    return StreakMark(date.fromisoformat(day), current, best, freezes, run) if day else None


class SqliteRoster:
    """What organisers read: members by recent activity, aggregates for `group stats`, the export's rows."""

    def __init__(self, db: Database):
        self.db = db

    async def recent(self, group_id: int, limit: int, offset: int = 0) -> list[int]:
        """Active members' ids, the most recently active first (never active: last, by name)."""
        rows = await self.db.all(
            f"SELECT m.id, {_LAST_ACTIVE} AS last FROM members m WHERE m.group_id=? AND m.active=1 "
            "ORDER BY last IS NULL, last DESC, m.name COLLATE NOCASE, m.id LIMIT ? OFFSET ?",
            (group_id, limit, offset),
        )
        return [r[0] for r in rows]

    async def activity(self, member_ids: Sequence[int], week_of: datetime) -> list[MemberActivity]:
        """The roster's figures for these members (in the order of the ids given)."""
        found: dict[int, MemberActivity] = {}
        for chunk in _chunks(member_ids):
            marks = ", ".join("?" * len(chunk))
            rows = await self.db.all(
                "SELECT m.id, m.group_id, m.user_id, m.name, m.timezone, m.target, m.level, m.active, m.joined_at, "
                f"{_LAST_ACTIVE}, st.streak_day, COALESCE(st.streak_current, 0), COALESCE(st.streak_best, 0), "
                "COALESCE(st.streak_freezes, 0), COALESCE(st.streak_run, 0), "
                "CASE WHEN st.week_of=? THEN st.week_easy+st.week_medium+st.week_hard ELSE 0 END, "
                "COALESCE(st.all_easy+st.all_medium+st.all_hard, 0) "
                "FROM members m LEFT JOIN member_stats st ON st.group_id=m.group_id AND st.member_id=m.id "
                f"WHERE m.id IN ({marks})",
                [iso(week_of), *chunk],
            )
            for r in rows:
                member = Member(id=r[0], group_id=r[1], user_id=r[2], name=r[3], timezone=r[4], target=r[5],
                                level=r[6], active=bool(r[7]), joined_at=from_iso(r[8]))
                found[r[0]] = MemberActivity(member, from_iso(r[9]), _marks(*r[10:15]), int(r[15] or 0), int(r[16]))
        return [found[i] for i in member_ids if i in found]

    async def milestones_of(self, member_ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
        out: dict[int, dict[str, datetime]] = {}
        for chunk in _chunks(member_ids):
            rows = await self.db.all(
                f"SELECT member_id, milestone, done_at FROM milestones_done WHERE member_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY member_id, done_at, milestone", chunk,
            )
            for member_id, milestone, done_at in rows:
                out.setdefault(member_id, {})[milestone] = from_iso(done_at)
        return out

    async def active_since(self, group_id: int, since: datetime) -> int:
        """Active members with any activity (solve, check-in answer, milestone, mock feedback) since `since`."""
        at = iso(since)
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM members m WHERE m.group_id=? AND m.active=1 AND ("
            "EXISTS (SELECT 1 FROM solves WHERE member_id=m.id AND solved_at >= ?) "
            "OR EXISTS (SELECT 1 FROM checkin_answers WHERE member_id=m.id AND updated_at >= ?) "
            "OR EXISTS (SELECT 1 FROM milestones_done WHERE member_id=m.id AND done_at >= ?) "
            "OR EXISTS (SELECT 1 FROM mock_feedback WHERE from_member=m.id AND created_at >= ?))",
            (group_id, at, at, at, at),
        ) or 0)

    async def mock_completion(self, group_id: int, start: datetime, end: datetime) -> MockCompletion:
        row = await self.db.one(
            "SELECT COUNT(*), COALESCE(SUM(s.status='done'), 0), "
            "COALESCE(SUM(CASE WHEN s.status='done' THEN (SELECT COUNT(*) FROM mock_seats st WHERE st.session_id=s.id) "
            "ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN s.status='done' THEN (SELECT COUNT(DISTINCT f.from_member) FROM mock_feedback f "
            "WHERE f.session_id=s.id AND f.no_show=0) ELSE 0 END), 0) "
            "FROM mock_sessions s WHERE s.group_id=? AND s.status != 'cancelled' AND s.starts_at >= ? AND s.starts_at < ?",
            (group_id, iso(start), iso(end)),
        )
        return MockCompletion(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    async def export_solves(self, member_ids: Sequence[int], limit: int) -> list[tuple]:
        """(member id, problem id, kind, difficulty, minutes, felt, solved at, member-local date, repeats)
        of these members, by member then time; at most `limit` rows."""
        out: list[tuple] = []
        for chunk in _chunks(member_ids):
            if len(out) >= limit:
                break
            rows = await self.db.all(
                "SELECT member_id, problem_id, kind, difficulty, minutes, felt, solved_at, local_date, repeats "
                f"FROM solves WHERE member_id IN ({', '.join('?' * len(chunk))}) ORDER BY member_id, solved_at, problem_id "
                "LIMIT ?", [*chunk, limit - len(out)],
            )
            out += [(*r[:6], from_iso(r[6]), date.fromisoformat(r[7]), r[8]) for r in rows]
        return out

    async def export_checkins(self, member_ids: Sequence[int], limit: int) -> list[tuple]:
        """(member id, member-local date, prompted, answered at, updated at, done, next, blockers) for every
        day these members were prompted or answered, by member then date; at most `limit` rows."""
        out: list[tuple] = []
        for chunk in _chunks(member_ids):
            if len(out) >= limit:
                break
            marks = ", ".join("?" * len(chunk))
            rows = await self.db.all(
                "SELECT k.member_id, k.local_date, EXISTS (SELECT 1 FROM checkin_prompts p WHERE p.member_id=k.member_id "
                "AND p.local_date=k.local_date), a.answered_at, a.updated_at, a.done, a.next, a.blockers FROM ("
                f"SELECT member_id, local_date FROM checkin_prompts WHERE member_id IN ({marks}) UNION "
                f"SELECT member_id, local_date FROM checkin_answers WHERE member_id IN ({marks})) k "
                "LEFT JOIN checkin_answers a ON a.member_id=k.member_id AND a.local_date=k.local_date "
                "ORDER BY k.member_id, k.local_date LIMIT ?", [*chunk, *chunk, limit - len(out)],
            )
            out += [(r[0], date.fromisoformat(r[1]), bool(r[2]), from_iso(r[3]), from_iso(r[4]), *r[5:8]) for r in rows]
        return out

    async def export_sessions(self, group_id: int, after: int, limit: int) -> list[tuple]:
        """(session id, round key, kind, starts at, ends at, status, seated member ids, feedback given,
        no-show reports) of the group's mock sessions with an id above `after`, by id."""
        rows = await self.db.all(
            "SELECT s.id, r.round_key, s.kind, s.starts_at, s.ends_at, s.status, "
            "(SELECT group_concat(member_id) FROM (SELECT member_id FROM mock_seats WHERE session_id=s.id ORDER BY role, member_id)), "
            "(SELECT COUNT(*) FROM mock_feedback f WHERE f.session_id=s.id AND f.no_show=0), "
            "(SELECT COUNT(*) FROM mock_feedback f WHERE f.session_id=s.id AND f.no_show=1) "
            "FROM mock_sessions s JOIN mock_rounds r ON r.id=s.round_id WHERE s.group_id=? AND s.id > ? ORDER BY s.id LIMIT ?",
            (group_id, after, limit),
        )
        return [(r[0], r[1], r[2], from_iso(r[3]), from_iso(r[4]), r[5],
                 tuple(int(x) for x in r[6].split(",")) if r[6] else (), r[7], r[8]) for r in rows]


class SqliteAccountability:
    def __init__(self, db: Database):
        self.checkins = SqliteCheckins(db)
        self.applications = SqliteApplications(db)
        self.design = SqliteDesign(db)
        self.digests = SqliteDigests(db)
        self.roster = SqliteRoster(db)
