-- The core: people, channels, groups, members, roadmap progress and the outbox.
-- Platform ids live only in `links`; every other table speaks our own integer ids.

CREATE TABLE links (
    platform    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('user', 'channel', 'space')),
    external_id TEXT    NOT NULL,
    internal_id INTEGER NOT NULL,
    PRIMARY KEY (platform, kind, external_id)
) WITHOUT ROWID;
CREATE INDEX links_by_internal ON links (kind, internal_id, platform);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE channels (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    space_id INTEGER
);

CREATE TABLE groups (
    id           INTEGER PRIMARY KEY,
    channel_id   INTEGER NOT NULL UNIQUE REFERENCES channels (id),
    space_id     INTEGER,
    name         TEXT    NOT NULL,
    timezone     TEXT    NOT NULL DEFAULT 'UTC',
    post_time    TEXT    NOT NULL DEFAULT '09:00',
    pairing_day  TEXT    NOT NULL DEFAULT 'sun',
    pairing_time TEXT    NOT NULL DEFAULT '18:00',
    roadmap      TEXT    NOT NULL DEFAULT 'ml-engineer',
    pace_weeks   INTEGER NOT NULL DEFAULT 2,
    paused       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE organisers (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

CREATE TABLE members (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name      TEXT    NOT NULL,
    timezone  TEXT    NOT NULL DEFAULT 'UTC',
    target    TEXT    NOT NULL DEFAULT 'general' CHECK (target IN ('general', 'faang')),
    level     TEXT    NOT NULL DEFAULT 'beginner' CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    active    INTEGER NOT NULL DEFAULT 1,
    joined_at TEXT    NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);
CREATE INDEX members_by_name ON members (group_id, name COLLATE NOCASE);

CREATE TABLE milestones_done (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    milestone TEXT    NOT NULL,
    done_at   TEXT    NOT NULL,
    PRIMARY KEY (member_id, milestone)
) WITHOUT ROWID;

-- Everything the bot sends on its own is written here first, in the same transaction as the change
-- that caused it, then delivered with retries. `key` makes enqueueing idempotent.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE,
    group_id     INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    channel_id   INTEGER,
    user_id      INTEGER,
    payload      TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    not_before   TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'undeliverable')),
    last_error   TEXT,
    delivered_at TEXT,
    CHECK ((channel_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX outbox_due ON outbox (status, not_before, id);
CREATE INDEX outbox_by_user ON outbox (user_id);
