-- Mock interviews: who takes part, when they are free (weekday + wall-clock times, read in the
-- member's own timezone at matching time, so summer time never moves them), rounds, sessions, seats
-- and feedback. Every member-owned row cascades from members, so forget-me removes it.

CREATE TABLE mock_members (
    member_id   INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'paused')),
    kinds       TEXT    NOT NULL DEFAULT '',
    skip_rounds INTEGER NOT NULL DEFAULT 0,
    no_shows    INTEGER NOT NULL DEFAULT 0,
    joined_at   TEXT    NOT NULL
);

CREATE TABLE mock_availability (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    weekday   TEXT    NOT NULL CHECK (weekday IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    start     TEXT    NOT NULL,
    "end"     TEXT    NOT NULL,
    PRIMARY KEY (member_id, weekday, start, "end")
) WITHOUT ROWID;

CREATE TABLE mock_avoid (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    other_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, other_id)
) WITHOUT ROWID;

CREATE TABLE mock_rounds (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    round_key  TEXT    NOT NULL,  -- the group-local date of the pairing this round belongs to
    round_at   TEXT    NOT NULL,
    seed       INTEGER NOT NULL,
    method     TEXT    NOT NULL,
    UNIQUE (group_id, round_key)
);

CREATE TABLE mock_sessions (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES mock_rounds (id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'scheduled'
               CHECK (status IN ('scheduled', 'done', 'missed', 'cancelled')),
    proposed_at TEXT,
    proposed_by INTEGER REFERENCES members (id) ON DELETE SET NULL
);
CREATE INDEX mock_sessions_by_time ON mock_sessions (status, starts_at);

-- role: 0 interviews first, 1 is interviewed first, 2 observes first (a trio). item_id: what this
-- member is asked when it is their turn to be interviewed.
CREATE TABLE mock_seats (
    session_id   INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role         INTEGER NOT NULL,
    item_id      TEXT,
    confirmed_at TEXT,
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
CREATE INDEX mock_seats_by_member ON mock_seats (member_id);

CREATE TABLE mock_sitouts (
    round_id  INTEGER NOT NULL REFERENCES mock_rounds (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    reason    TEXT    NOT NULL,
    PRIMARY KEY (round_id, member_id)
) WITHOUT ROWID;

CREATE TABLE mock_feedback (
    session_id  INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
    from_member INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    to_member   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    ratings     TEXT,              -- "3,4,3,2" in rubric order; NULL for a no-show report
    no_show     INTEGER NOT NULL DEFAULT 0,
    notes       TEXT,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (session_id, from_member, to_member)
) WITHOUT ROWID;
CREATE INDEX mock_feedback_to ON mock_feedback (to_member);
