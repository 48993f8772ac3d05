-- A solve used to write six B-tree pages (the solves table, three indexes, the review card and its
-- index); now it writes three: solves clustered by member with the review card in the row, the
-- group-time index the weekly digest reads, and the member's stats row. The FSRS card is updated when
-- the review queue is read, not on every solve (FSRS was the largest cost of a solve).

CREATE TABLE solves_by_member (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    problem_id TEXT    NOT NULL,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL DEFAULT 'problem',
    difficulty TEXT    NOT NULL,
    minutes    INTEGER,
    felt       TEXT,
    solved_at  TEXT    NOT NULL,
    local_date TEXT    NOT NULL,  -- in the member's own timezone, for streaks
    repeats    INTEGER NOT NULL DEFAULT 0,
    card       TEXT,              -- the FSRS review card (coding problems only), as JSON
    due        TEXT,              -- when that card is due
    reviews    TEXT,              -- solves not yet applied to the card, 'felt@instant;...': a solve
                                  -- only records how it felt; reading the review queue applies them
    PRIMARY KEY (member_id, problem_id)
) WITHOUT ROWID;

INSERT INTO solves_by_member
SELECT s.member_id, s.problem_id, s.group_id, s.kind, s.difficulty, s.minutes, s.felt, s.solved_at, s.local_date,
       s.repeats, r.card, r.due, NULL
FROM solves s LEFT JOIN review_cards r ON r.member_id = s.member_id AND r.problem_id = s.problem_id;

DROP TABLE review_cards;
DROP TABLE solves;
ALTER TABLE solves_by_member RENAME TO solves;
CREATE INDEX solves_by_group_time ON solves (group_id, solved_at, member_id, difficulty);

-- What the leaderboard and a solve's reply need, kept up to date by each solve: the streak as it stood
-- on the member's last solve day (domain/streaks.StreakMark), and solves by difficulty in the group's
-- current week and month (keyed by the UTC instant each began at group-local midnight) and all time.
CREATE TABLE member_stats (
    group_id       INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id      INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    streak_day     TEXT,
    streak_current INTEGER NOT NULL DEFAULT 0,
    streak_best    INTEGER NOT NULL DEFAULT 0,
    streak_freezes INTEGER NOT NULL DEFAULT 0,
    streak_run     INTEGER NOT NULL DEFAULT 0,
    week_of        TEXT,
    week_easy      INTEGER NOT NULL DEFAULT 0,
    week_medium    INTEGER NOT NULL DEFAULT 0,
    week_hard      INTEGER NOT NULL DEFAULT 0,
    month_of       TEXT,
    month_easy     INTEGER NOT NULL DEFAULT 0,
    month_medium   INTEGER NOT NULL DEFAULT 0,
    month_hard     INTEGER NOT NULL DEFAULT 0,
    all_easy       INTEGER NOT NULL DEFAULT 0,
    all_medium     INTEGER NOT NULL DEFAULT 0,
    all_hard       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX member_stats_by_member ON member_stats (member_id);

-- 0 until the stats of the group's existing solves are built (at start, by services/practice.py):
-- a migration cannot compute streaks or group-local weeks.
ALTER TABLE groups ADD COLUMN stats_built INTEGER NOT NULL DEFAULT 0;
