-- The schedule as data (bot/scheduling/planner.py, timer.py). Instead of one in-memory job per group
-- and per member, each (kind, subject) has one row holding the next instant it is due, in UTC; one
-- timer sleeps until the earliest row and then takes what is due, through the index, in bounded batches.
-- `kind` names a due kind ("daily", "checkin", ...); `subject` is our id of what it is due for (a group,
-- a member, a session; 0 for a kind with one subject). Times are UTC ISO-8601 text of fixed width, so
-- text order is time order.
CREATE TABLE due (
    kind    TEXT    NOT NULL,
    subject INTEGER NOT NULL,
    due_at  TEXT    NOT NULL,
    PRIMARY KEY (kind, subject)
) WITHOUT ROWID;
-- Serves both "the earliest instant" and "what is due by now, in (due_at, kind, subject) order" without
-- reading any other row or sorting.
CREATE INDEX due_by_time ON due (due_at, kind, subject);

-- The claims: a row per (kind, subject, instant) that some timer took. The primary key is the claim
-- (INSERT ... ON CONFLICT DO NOTHING), so an instant runs once across restarts and processes. A claim
-- whose run never finished (done_at NULL: the process died) is handed back to `due` by the next start
-- (one process per SQLite file) or once older than a lease (several processes), so a crash delays a
-- run and never loses it.
CREATE TABLE job_runs (
    kind       TEXT    NOT NULL,
    subject    INTEGER NOT NULL,
    due_at     TEXT    NOT NULL,
    claimed_at TEXT    NOT NULL,
    done_at    TEXT,
    PRIMARY KEY (kind, subject, due_at)
) WITHOUT ROWID;
CREATE INDEX job_runs_by_due ON job_runs (due_at);
CREATE INDEX job_runs_unfinished ON job_runs (claimed_at) WHERE done_at IS NULL;

-- How far each due kind has been planned for all its subjects (on the first start after this migration,
-- and again whenever a kind's `version` changes in the code): a restart resumes after `seeded_after`.
CREATE TABLE due_kinds (
    kind         TEXT    PRIMARY KEY,
    version      TEXT    NOT NULL,
    seeded_after INTEGER NOT NULL,
    complete     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
