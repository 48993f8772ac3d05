-- Mock interviews people can trust and book (issue 15): a meeting link and calendar invites per
-- session, attendance after the slot, honest no-show reports, and the overall verdict of a rating.

-- The group's meeting base URL ('' = no link) and whether its sessions become Discord scheduled events.
ALTER TABLE groups ADD COLUMN meeting_url TEXT NOT NULL DEFAULT 'https://meet.jit.si';
ALTER TABLE groups ADD COLUMN discord_events INTEGER NOT NULL DEFAULT 0;

-- room: the session's meeting-room token (its link is the group's base URL + the room). sequence: the
-- iCalendar SEQUENCE of its invite, one more on every change (a move, a cancel). proposed_end: the
-- end of a pending proposal (a shorter shared window shortens the session).
ALTER TABLE mock_sessions ADD COLUMN room TEXT;
ALTER TABLE mock_sessions ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mock_sessions ADD COLUMN proposed_end TEXT;

-- A member's own word, after the slot, that they took part (a rating given, or `mock confirm`).
ALTER TABLE mock_seats ADD COLUMN attended_at TEXT;

-- verdict: strong-hire, hire, lean-no or no (NULL: none given). report: for a no-show report only,
-- 'open' while the reported member may still dispute it (48 hours), then 'counted' or 'disputed'.
ALTER TABLE mock_feedback ADD COLUMN verdict TEXT;
ALTER TABLE mock_feedback ADD COLUMN report TEXT CHECK (report IN ('open', 'counted', 'disputed'));
ALTER TABLE mock_feedback ADD COLUMN settled_at TEXT;
-- Reports made before this migration were counted at once.
UPDATE mock_feedback SET report = 'counted', settled_at = created_at WHERE no_show = 1;
CREATE INDEX mock_feedback_open ON mock_feedback (session_id) WHERE report = 'open';

-- "Who already has a session this week": the seats of a group's sessions by start.
CREATE INDEX mock_sessions_by_group ON mock_sessions (group_id, starts_at);
