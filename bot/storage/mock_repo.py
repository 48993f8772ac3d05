"""Mock interviews over SQLite: participation, availability, avoid lists, rounds, sessions, feedback."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.availability import Window
from bot.domain.events import ScheduleChanged
from bot.domain.sessions import MockMember, MockSession, NoShowReport, Seat
from bot.domain.timeutil import WEEKDAYS, parse_hhmm
from bot.storage.db import Database


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_SESSION_COLS = ("id, round_id, group_id, kind, starts_at, ends_at, status, proposed_at, proposed_by, room, sequence, "
                 "proposed_end")
_S_COLS = ", ".join("s." + c.strip() for c in _SESSION_COLS.split(","))


class SqliteMock:
    def __init__(self, db: Database):
        self.db = db

    # -- participation ---------------------------------------------------------------------------
    async def get(self, member_id: int) -> MockMember | None:
        row = await self.db.one(
            "SELECT member_id, status, kinds, skip_rounds, no_shows FROM mock_members WHERE member_id=?", (member_id,)
        )
        return _mock_member(row) if row else None

    async def join(self, member_id: int, now: datetime) -> None:
        """Opt in, or back in: a paused member starts again with a clean no-show count."""
        await self.db.write(
            "INSERT INTO mock_members (member_id, joined_at) VALUES (?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "status='active', no_shows=0, skip_rounds=0, joined_at=excluded.joined_at",
            (member_id, _iso(now)),
        )

    async def set_status(self, member_id: int, status: str) -> None:
        await self.db.write("UPDATE mock_members SET status=? WHERE member_id=?", (status, member_id))

    async def set_kinds(self, member_id: int, kinds: tuple[str, ...]) -> None:
        await self.db.write("UPDATE mock_members SET kinds=? WHERE member_id=?", (",".join(kinds), member_id))

    async def set_skip(self, member_id: int, rounds: int) -> None:
        await self.db.write("UPDATE mock_members SET skip_rounds=? WHERE member_id=?", (rounds, member_id))

    async def add_no_show(self, member_id: int) -> int:
        row = await self.db.one(
            "UPDATE mock_members SET no_shows=no_shows+1 WHERE member_id=? RETURNING no_shows", (member_id,)
        )
        return row[0] if row else 0

    async def enrolled(self, group_id: int) -> list[MockMember]:
        rows = await self.db.all(
            "SELECT x.member_id, x.status, x.kinds, x.skip_rounds, x.no_shows FROM mock_members x "
            "JOIN members m ON m.id = x.member_id WHERE m.group_id=? AND m.active=1 AND x.status='active' "
            "ORDER BY x.member_id", (group_id,),
        )
        return [_mock_member(r) for r in rows]

    # -- availability and avoid lists -------------------------------------------------------------
    async def windows(self, member_id: int) -> list[Window]:
        rows = await self.db.all(
            'SELECT weekday, start, "end" FROM mock_availability WHERE member_id=?', (member_id,)
        )
        return sorted((Window(r[0], parse_hhmm(r[1]), parse_hhmm(r[2])) for r in rows),
                      key=lambda w: (WEEKDAYS.index(w.day), w.start, w.end))

    async def add_window(self, member_id: int, window: Window) -> bool:
        return await self.db.execute(
            'INSERT OR IGNORE INTO mock_availability (member_id, weekday, start, "end") VALUES (?,?,?,?)',
            (member_id, window.day, window.start.strftime("%H:%M"), window.end.strftime("%H:%M")),
        ) > 0

    async def set_windows(self, member_id: int, windows: list[Window]) -> None:
        """Replace all of a member's weekly windows (an add that merged, a remove that cut)."""
        await self.db.write("DELETE FROM mock_availability WHERE member_id=?", (member_id,))
        for w in windows:
            await self.add_window(member_id, w)

    async def clear_windows(self, member_id: int) -> int:
        return await self.db.execute("DELETE FROM mock_availability WHERE member_id=?", (member_id,))

    async def avoid(self, member_id: int, other_id: int) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO mock_avoid (member_id, other_id) VALUES (?, ?)", (member_id, other_id)
        ) > 0

    async def unavoid(self, member_id: int, other_id: int) -> bool:
        return await self.db.execute(
            "DELETE FROM mock_avoid WHERE member_id=? AND other_id=?", (member_id, other_id)
        ) > 0

    async def avoided(self, member_id: int) -> set[int]:
        rows = await self.db.all("SELECT other_id FROM mock_avoid WHERE member_id=?", (member_id,))
        return {r[0] for r in rows}

    # -- rounds -----------------------------------------------------------------------------------
    async def round_exists(self, group_id: int, round_key: str) -> bool:
        return bool(await self.db.scalar(
            "SELECT 1 FROM mock_rounds WHERE group_id=? AND round_key=?", (group_id, round_key)
        ))

    async def add_round(self, group_id: int, round_key: str, round_at: datetime, seed: int, method: str) -> int | None:
        row = await self.db.one(
            "INSERT INTO mock_rounds (group_id, round_key, round_at, seed, method) VALUES (?,?,?,?,?) "
            "ON CONFLICT (group_id, round_key) DO NOTHING RETURNING id",
            (group_id, round_key, _iso(round_at), seed, method),
        )
        return row[0] if row else None

    async def add_session(self, round_id: int, group_id: int, kind: str, starts_at: datetime,
                          ends_at: datetime, room: str | None = None) -> int:
        session_id = await self.db.insert(
            "INSERT INTO mock_sessions (round_id, group_id, kind, starts_at, ends_at, room) VALUES (?,?,?,?,?,?)",
            (round_id, group_id, kind, _iso(starts_at), _iso(ends_at), room),
        )
        self.db.record(ScheduleChanged("session", session_id))
        return session_id

    async def add_seat(self, session_id: int, member_id: int, role: int, item_id: str | None) -> None:
        await self.db.write(
            "INSERT INTO mock_seats (session_id, member_id, role, item_id) VALUES (?,?,?,?)",
            (session_id, member_id, role, item_id),
        )

    async def add_sitout(self, round_id: int, member_id: int, reason: str) -> None:
        await self.db.write(
            "INSERT OR IGNORE INTO mock_sitouts (round_id, member_id, reason) VALUES (?,?,?)",
            (round_id, member_id, reason),
        )

    async def recent_rounds(self, group_id: int, limit: int = 4) -> list[int]:
        rows = await self.db.all(
            "SELECT id FROM mock_rounds WHERE group_id=? ORDER BY round_at DESC, id DESC LIMIT ?", (group_id, limit)
        )
        return [r[0] for r in rows]

    async def round_seats(self, round_ids: list[int]) -> list[tuple[int, int, int, int]]:
        """(round id, session id, member id, role) for the given rounds."""
        if not round_ids:
            return []
        marks = ",".join("?" * len(round_ids))
        rows = await self.db.all(
            f"SELECT s.round_id, s.id, t.member_id, t.role FROM mock_sessions s JOIN mock_seats t "
            f"ON t.session_id = s.id WHERE s.round_id IN ({marks}) AND s.status <> 'cancelled'", round_ids,
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def sitouts(self, round_ids: list[int]) -> list[tuple[int, int]]:
        if not round_ids:
            return []
        marks = ",".join("?" * len(round_ids))
        rows = await self.db.all(
            f"SELECT round_id, member_id FROM mock_sitouts WHERE round_id IN ({marks}) "
            f"AND reason IN ({_LEFT_OVER})",
            round_ids,
        )
        return [(r[0], r[1]) for r in rows]

    async def last_led(self, member_ids: list[int]) -> dict[int, datetime]:
        """When each member last interviewed first (the one who did so least recently goes first)."""
        if not member_ids:
            return {}
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.all(
            f"SELECT t.member_id, MAX(s.starts_at) FROM mock_seats t JOIN mock_sessions s ON s.id = t.session_id "
            f"WHERE t.role = 0 AND s.status <> 'cancelled' AND t.member_id IN ({marks}) GROUP BY t.member_id",
            member_ids,
        )
        return {r[0]: _dt(r[1]) for r in rows}

    async def items_seen(self, member_id: int) -> set[str]:
        rows = await self.db.all("SELECT item_id FROM mock_seats WHERE member_id=? AND item_id IS NOT NULL",
                                 (member_id,))
        return {r[0] for r in rows}

    # -- sessions ---------------------------------------------------------------------------------
    async def session(self, session_id: int) -> MockSession | None:
        row = await self.db.one(f"SELECT {_SESSION_COLS} FROM mock_sessions WHERE id=?", (session_id,))
        if row is None:
            return None
        return (await self._with_seats([row]))[0]

    async def sessions_of_round(self, round_id: int) -> list[MockSession]:
        rows = await self.db.all(f"SELECT {_SESSION_COLS} FROM mock_sessions WHERE round_id=? ORDER BY id",
                                 (round_id,))
        return await self._with_seats(rows)

    async def latest_session(self, member_id: int) -> MockSession | None:
        row = await self.db.one(
            f"SELECT {_S_COLS} FROM mock_sessions s "
            "JOIN mock_seats t ON t.session_id = s.id WHERE t.member_id=? ORDER BY s.round_id DESC, s.id DESC LIMIT 1",
            (member_id,),
        )
        return (await self._with_seats([row]))[0] if row else None

    async def sessions_with(self, member_id: int, other_id: int) -> list[MockSession]:
        rows = await self.db.all(
            f"SELECT {_S_COLS} FROM mock_sessions s "
            "JOIN mock_seats a ON a.session_id = s.id AND a.member_id=? "
            "JOIN mock_seats b ON b.session_id = s.id AND b.member_id=? ORDER BY s.starts_at DESC",
            (member_id, other_id),
        )
        return await self._with_seats(rows)

    async def times(self, session_id: int) -> tuple[datetime, datetime] | None:
        """(starts at, ends at) of a session still scheduled, else None: what its reminders and its
        feedback prompt are planned from."""
        row = await self.db.one("SELECT starts_at, ends_at FROM mock_sessions WHERE id=? AND status='scheduled'",
                                (session_id,))
        return None if row is None else (_dt(row[0]), _dt(row[1]))

    async def upcoming_ids_after(self, since: datetime, after: int, limit: int) -> list[int]:
        """Ids greater than `after` of the sessions still scheduled that end at or after `since`, ascending,
        at most `limit` (a page of the schedule's planning of every session)."""
        rows = await self.db.all(
            "SELECT id FROM mock_sessions WHERE id>? AND status='scheduled' AND ends_at >= ? ORDER BY id LIMIT ?",
            (after, _iso(since), limit),
        )
        return [r[0] for r in rows]

    async def round_at(self, round_id: int) -> datetime | None:
        return _dt(await self.db.scalar("SELECT round_at FROM mock_rounds WHERE id=?", (round_id,)))

    async def set_status_of(self, session_id: int, status: str) -> None:
        await self.db.write("UPDATE mock_sessions SET status=? WHERE id=?", (status, session_id))
        self.db.record(ScheduleChanged("session", session_id))

    async def confirm(self, session_id: int, member_id: int, now: datetime) -> bool:
        return await self.db.execute(
            "UPDATE mock_seats SET confirmed_at=? WHERE session_id=? AND member_id=? AND confirmed_at IS NULL",
            (_iso(now), session_id, member_id),
        ) > 0

    async def propose(self, session_id: int, member_id: int, at: datetime | None,
                      end: datetime | None = None) -> None:
        """A pending proposal of a new slot (None: withdrawn); `end` defaults to the slot's length."""
        await self.db.write(
            "UPDATE mock_sessions SET proposed_at=?, proposed_by=?, proposed_end=? WHERE id=?",
            (_iso(at) if at else None, member_id if at else None, _iso(end) if at and end else None, session_id),
        )

    async def move(self, session_id: int, starts_at: datetime, ends_at: datetime) -> None:
        await self.db.write(
            "UPDATE mock_sessions SET starts_at=?, ends_at=?, proposed_at=NULL, proposed_by=NULL, proposed_end=NULL, "
            "sequence=sequence+1 WHERE id=?",
            (_iso(starts_at), _iso(ends_at), session_id),
        )
        await self.db.write("UPDATE mock_seats SET confirmed_at=NULL WHERE session_id=?", (session_id,))
        self.db.record(ScheduleChanged("session", session_id))

    async def cancel(self, session_id: int) -> bool:
        """Cancel a session still scheduled (its invite's SEQUENCE goes up); False when it was not."""
        changed = await self.db.execute(
            "UPDATE mock_sessions SET status='cancelled', sequence=sequence+1, proposed_at=NULL, proposed_by=NULL, "
            "proposed_end=NULL WHERE id=? AND status='scheduled'", (session_id,),
        ) > 0
        if changed:
            self.db.record(ScheduleChanged("session", session_id))
        return changed

    async def bump(self, session_id: int) -> int:
        """One more on the invite's SEQUENCE (who takes part changed); returns the new value."""
        row = await self.db.one("UPDATE mock_sessions SET sequence=sequence+1 WHERE id=? RETURNING sequence",
                                (session_id,))
        return row[0] if row else 0

    async def set_room(self, session_id: int, room: str) -> None:
        """Give a session its meeting-room token (sessions made before rooms existed get one when next sent)."""
        await self.db.write("UPDATE mock_sessions SET room=? WHERE id=? AND room IS NULL", (room, session_id))

    async def remove_seat(self, session_id: int, member_id: int) -> bool:
        return await self.db.execute("DELETE FROM mock_seats WHERE session_id=? AND member_id=?",
                                     (session_id, member_id)) > 0

    async def set_seat(self, session_id: int, member_id: int, role: int, item_id: str | None) -> None:
        """A seat's role and item after the seats changed (a trio that lost a member)."""
        await self.db.write("UPDATE mock_seats SET role=?, item_id=? WHERE session_id=? AND member_id=?",
                            (role, item_id, session_id, member_id))

    async def sessions_of(self, member_id: int, since: datetime) -> list[MockSession]:
        """The member's sessions that are not cancelled and end at or after `since`, earliest first."""
        rows = await self.db.all(
            f"SELECT {_S_COLS} FROM mock_sessions s JOIN mock_seats t ON t.session_id = s.id "
            "WHERE t.member_id=? AND s.status <> 'cancelled' AND s.ends_at >= ? ORDER BY s.starts_at, s.id",
            (member_id, _iso(since)),
        )
        return await self._with_seats(rows)

    async def cancelled_of(self, member_id: int, since: datetime) -> list[MockSession]:
        """The member's cancelled sessions that were to start at or after `since`, earliest first."""
        rows = await self.db.all(
            f"SELECT {_S_COLS} FROM mock_sessions s JOIN mock_seats t ON t.session_id = s.id "
            "WHERE t.member_id=? AND s.status = 'cancelled' AND s.starts_at >= ? ORDER BY s.starts_at, s.id",
            (member_id, _iso(since)),
        )
        return await self._with_seats(rows)

    async def group_sessions(self, group_id: int, since: datetime) -> list[MockSession]:
        """The group's sessions, not cancelled, that start at or after `since`, earliest first."""
        rows = await self.db.all(
            f"SELECT {_SESSION_COLS} FROM mock_sessions WHERE group_id=? AND starts_at >= ? AND status <> 'cancelled' "
            "ORDER BY starts_at, id", (group_id, _iso(since)),
        )
        return await self._with_seats(rows)

    async def busy(self, group_id: int, since: datetime) -> set[int]:
        """Members of the group with a session, not cancelled, that starts at or after `since`: they have
        this week's session already (held, or still to come)."""
        rows = await self.db.all(
            "SELECT DISTINCT t.member_id FROM mock_sessions s JOIN mock_seats t ON t.session_id = s.id "
            "WHERE s.group_id=? AND s.starts_at >= ? AND s.status <> 'cancelled'", (group_id, _iso(since)),
        )
        return {r[0] for r in rows}

    async def sitouts_of_round(self, round_id: int) -> list[tuple[int, str]]:
        """(member id, reason) of everyone who sat out a round, by member id."""
        rows = await self.db.all("SELECT member_id, reason FROM mock_sitouts WHERE round_id=? ORDER BY member_id",
                                 (round_id,))
        return [(r[0], r[1]) for r in rows]

    async def attend(self, session_id: int, member_id: int, now: datetime) -> bool:
        """The member's own word, after the slot, that they took part; False when already given."""
        return await self.db.execute(
            "UPDATE mock_seats SET attended_at=? WHERE session_id=? AND member_id=? AND attended_at IS NULL",
            (_iso(now), session_id, member_id),
        ) > 0

    # -- no-show reports ----------------------------------------------------------------------------
    async def reports(self, session_id: int) -> list[NoShowReport]:
        rows = await self.db.all(
            "SELECT session_id, from_member, to_member, created_at, report, settled_at FROM mock_feedback "
            "WHERE session_id=? AND no_show=1 ORDER BY created_at, from_member, to_member", (session_id,),
        )
        return [NoShowReport(r[0], r[1], r[2], _dt(r[3]), r[4], _dt(r[5])) for r in rows]

    async def first_open_report(self, session_id: int) -> datetime | None:
        """When the oldest open no-show report of a session was made (its dispute window runs from then)."""
        return _dt(await self.db.scalar(
            "SELECT MIN(created_at) FROM mock_feedback WHERE session_id=? AND report='open'", (session_id,)))

    async def report_session_ids_after(self, after: int, limit: int) -> list[int]:
        """Ids greater than `after` of sessions with an open no-show report, ascending, at most `limit`."""
        rows = await self.db.all(
            "SELECT DISTINCT session_id FROM mock_feedback WHERE report='open' AND session_id>? "
            "ORDER BY session_id LIMIT ?", (after, limit),
        )
        return [r[0] for r in rows]

    async def settle_report(self, session_id: int, by: int, about: int, state: str, now: datetime) -> bool:
        """An open report becomes 'counted' or 'disputed'; False when it was not open."""
        changed = await self.db.execute(
            "UPDATE mock_feedback SET report=?, settled_at=? WHERE session_id=? AND from_member=? AND to_member=? "
            "AND report='open'", (state, _iso(now), session_id, by, about),
        ) > 0
        if changed:
            self.db.record(ScheduleChanged("session", session_id))
        return changed

    async def dispute(self, session_id: int, about: int, now: datetime) -> int:
        """The reported member disputes every open report about them in a session; returns how many."""
        changed = await self.db.execute(
            "UPDATE mock_feedback SET report='disputed', settled_at=? WHERE session_id=? AND to_member=? "
            "AND report='open'", (_iso(now), session_id, about),
        )
        if changed:
            self.db.record(ScheduleChanged("session", session_id))
        return changed

    async def disputed(self, group_id: int, since: datetime) -> list[NoShowReport]:
        """The group's disputed no-show reports settled at or after `since`, newest first (for organisers)."""
        rows = await self.db.all(
            "SELECT f.session_id, f.from_member, f.to_member, f.created_at, f.report, f.settled_at "
            "FROM mock_feedback f JOIN mock_sessions s ON s.id = f.session_id "
            "WHERE s.group_id=? AND f.report='disputed' AND f.settled_at >= ? ORDER BY f.settled_at DESC, f.session_id",
            (group_id, _iso(since)),
        )
        return [NoShowReport(r[0], r[1], r[2], _dt(r[3]), r[4], _dt(r[5])) for r in rows]

    async def round_figures(self, group_id: int, since: datetime, until: datetime) -> tuple[int, int, int, int, int]:
        """(members paired and members who sat out, in the rounds run in [since, until); sessions held (rated,
        or attended by someone's word), sessions missed and no-show reports counted, of the sessions whose
        slot fell in it). A round's
        sessions come in the days after it, so a week's digest reports the last round's outcome."""
        window = (group_id, _iso(since), _iso(until))
        paired = await self.db.scalar(
            "SELECT COUNT(DISTINCT t.member_id) FROM mock_rounds r JOIN mock_sessions s ON s.round_id = r.id "
            "JOIN mock_seats t ON t.session_id = s.id "
            "WHERE r.group_id=? AND r.round_at >= ? AND r.round_at < ? AND s.status <> 'cancelled'", window)
        sat_out = await self.db.scalar(
            "SELECT COUNT(DISTINCT x.member_id) FROM mock_rounds r JOIN mock_sitouts x ON x.round_id = r.id "
            "WHERE r.group_id=? AND r.round_at >= ? AND r.round_at < ?", window)
        # Held: rated, or someone said after the slot that they took part (`mock confirm`), and not missed.
        row = await self.db.one(
            "SELECT COALESCE(SUM(s.status='done' OR (s.status='scheduled' AND EXISTS (SELECT 1 FROM mock_seats a "
            "WHERE a.session_id = s.id AND a.attended_at IS NOT NULL))), 0), COALESCE(SUM(s.status='missed'), 0) "
            "FROM mock_sessions s WHERE s.group_id=? AND s.starts_at >= ? AND s.starts_at < ?", window)
        counted = await self.db.scalar(
            "SELECT COUNT(*) FROM mock_sessions s JOIN mock_feedback f ON f.session_id = s.id "
            "WHERE s.group_id=? AND s.starts_at >= ? AND s.starts_at < ? AND f.report='counted'", window)
        return int(paired or 0), int(sat_out or 0), int(row[0]), int(row[1]), int(counted or 0)

    # -- feedback ---------------------------------------------------------------------------------
    async def give_feedback(self, session_id: int, from_member: int, to_member: int, ratings: tuple[int, ...] | None,
                            notes: str | None, now: datetime, verdict: str | None = None) -> bool:
        """Record (or correct) feedback; True when it is the first report for this session and partner.
        Ratings None is a no-show report: it stays 'open' (disputable) until settled; a later rating
        replaces an open report, never a settled one's outcome."""
        fresh = not await self.db.scalar(
            "SELECT 1 FROM mock_feedback WHERE session_id=? AND from_member=? AND to_member=?",
            (session_id, from_member, to_member),
        )
        await self.db.write(
            "INSERT INTO mock_feedback (session_id, from_member, to_member, ratings, no_show, notes, created_at, "
            "verdict, report) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (session_id, from_member, to_member) DO UPDATE SET "
            "ratings=excluded.ratings, no_show=excluded.no_show, notes=excluded.notes, verdict=excluded.verdict, "
            "report=CASE WHEN mock_feedback.report IN ('counted', 'disputed') THEN mock_feedback.report "
            "ELSE excluded.report END, "
            "created_at=CASE WHEN mock_feedback.no_show = 0 AND excluded.no_show = 1 THEN excluded.created_at "
            "ELSE mock_feedback.created_at END",
            (session_id, from_member, to_member, ",".join(map(str, ratings)) if ratings else None,
             int(ratings is None), notes, _iso(now), verdict, "open" if ratings is None else None),
        )
        if ratings is None:
            self.db.record(ScheduleChanged("session", session_id))  # its dispute window is planned
        return fresh

    async def feedback_for(self, member_id: int) -> list[tuple[datetime, tuple[int, ...]]]:
        """(session start, ratings) of every rated session of this member, oldest first."""
        rows = await self.db.all(
            "SELECT s.starts_at, f.ratings FROM mock_feedback f JOIN mock_sessions s ON s.id = f.session_id "
            "WHERE f.to_member=? AND f.ratings IS NOT NULL ORDER BY s.starts_at", (member_id,),
        )
        return [(_dt(r[0]), tuple(int(x) for x in r[1].split(","))) for r in rows]

    async def history_counts(self, member_id: int) -> tuple[int, int, datetime | None]:
        """(sessions held, sessions missed, when the last one started) for a member."""
        row = await self.db.one(
            "SELECT SUM(s.status='done'), SUM(s.status='missed'), MAX(CASE WHEN s.status='done' THEN s.starts_at END) "
            "FROM mock_sessions s JOIN mock_seats t ON t.session_id = s.id WHERE t.member_id=?", (member_id,),
        )
        return int(row[0] or 0), int(row[1] or 0), _dt(row[2])

    async def _with_seats(self, rows) -> list[MockSession]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        seat_rows = await self.db.all(
            f"SELECT session_id, member_id, role, item_id, confirmed_at, attended_at FROM mock_seats "
            f"WHERE session_id IN ({marks}) "
            "ORDER BY role, member_id", ids,
        )
        seats: dict[int, list[Seat]] = {}
        for r in seat_rows:
            seats.setdefault(r[0], []).append(Seat(r[0], r[1], r[2], r[3], _dt(r[4]), _dt(r[5])))
        return [MockSession(r[0], r[1], r[2], r[3], _dt(r[4]), _dt(r[5]), r[6], _dt(r[7]), r[8], seats.get(r[0], []),
                            r[9], r[10], _dt(r[11]))
                for r in rows]


# The reasons a member who wanted a session was left over (the matcher's; 'unpaired' before issue 15).
_LEFT_OVER = "'unpaired', 'no-shared-window', 'odd-count'"


def _mock_member(row) -> MockMember:
    return MockMember(row[0], row[1], tuple(k for k in row[2].split(",") if k), row[3], row[4])
