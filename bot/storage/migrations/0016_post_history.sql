-- What selection reads of a group's past daily posts, kept small: how often each item was posted and
-- when each pattern was last used. The daily fire reads these (one row per item and pattern) instead
-- of every post the group ever had.

CREATE TABLE post_counts (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL,
    item_id  TEXT    NOT NULL,
    times    INTEGER NOT NULL,
    PRIMARY KEY (group_id, kind, item_id)
) WITHOUT ROWID;

CREATE TABLE pattern_last (
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    pattern   TEXT    NOT NULL,
    last_date TEXT    NOT NULL,
    PRIMARY KEY (group_id, pattern)
) WITHOUT ROWID;

INSERT INTO post_counts (group_id, kind, item_id, times)
    SELECT group_id, kind, item_id, COUNT(*) FROM daily_posts GROUP BY group_id, kind, item_id;

INSERT INTO pattern_last (group_id, pattern, last_date)
    SELECT group_id, pattern, MAX(local_date) FROM daily_posts WHERE kind = 'problem' GROUP BY group_id, pattern;
