-- Button commands too long for a platform's button id (Discord's custom_id holds 100 characters) travel
-- as a short key; the command is kept here, in the same transaction as the reply or outbox message that
-- shows the button, so a click finds it after any restart. A row belongs to the user the button was
-- made for (NULL for a channel post) and goes with them, as their messages do.
CREATE TABLE button_commands (
    key        TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    command    TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
-- One row per command and user; COALESCE because a UNIQUE index treats NULLs as all different.
CREATE UNIQUE INDEX button_commands_key ON button_commands (key, COALESCE(user_id, 0));
CREATE INDEX button_commands_by_user ON button_commands (user_id);
