-- Daily practice: the daily post per group and local date, solves, and spaced-review cards.

ALTER TABLE groups ADD COLUMN ml_days TEXT NOT NULL DEFAULT 'sat';

CREATE TABLE daily_posts (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('problem', 'ml')),
    difficulty TEXT    NOT NULL,
    pattern    TEXT    NOT NULL,
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (group_id, local_date)
) WITHOUT ROWID;

CREATE TABLE solves (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    problem_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL DEFAULT 'problem',
    difficulty TEXT    NOT NULL,
    minutes    INTEGER,
    felt       TEXT,
    solved_at  TEXT    NOT NULL,
    local_date TEXT    NOT NULL,  -- in the member's own timezone, for streaks
    repeats    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (member_id, problem_id)
);
CREATE INDEX solves_by_group_time ON solves (group_id, solved_at);
CREATE INDEX solves_by_member_date ON solves (member_id, local_date);

CREATE TABLE review_cards (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    problem_id TEXT    NOT NULL,
    card       TEXT    NOT NULL,
    due        TEXT    NOT NULL,
    PRIMARY KEY (member_id, problem_id)
) WITHOUT ROWID;
CREATE INDEX review_due ON review_cards (member_id, due);
