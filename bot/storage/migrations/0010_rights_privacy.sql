-- Rights checked at each command, and a member's words findable in the outbox.

-- Organisers are now only explicit grants (`group organisers add`); everyone else is an organiser because
-- the platform says so at the moment of the command. Every row written before this migration came from
-- `group setup`, which made whoever ran it an organiser for ever (even after losing Manage Server), so
-- none of them is kept: platform admins keep their rights through the platform.
DROP TABLE organisers;
CREATE TABLE organisers (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    granted_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX organisers_by_user ON organisers (user_id);

-- Whose words (names, answers, notes, companies) each outbox message carries, from Reply.authors() at
-- enqueue: `forget-me` rewrites exactly those rows, pending or delivered, without reading every payload.
CREATE TABLE outbox_authors (
    user_id   INTEGER NOT NULL,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, outbox_id)
) WITHOUT ROWID;
-- The cascade from a pruned outbox row looks its authors up by message.
CREATE INDEX outbox_authors_by_message ON outbox_authors (outbox_id);
