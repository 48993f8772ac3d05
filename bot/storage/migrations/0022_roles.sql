-- Stage and streak roles (issue 14, Discord): whether a group gives them (off by default: no row),
-- and the roles each member was last given, so a sync is queued only when they change.
CREATE TABLE group_roles (
    group_id   INTEGER PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    enabled    INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT    NOT NULL
);

CREATE TABLE member_roles (
    member_id INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    roles     TEXT    NOT NULL,  -- a JSON list of role names, as last queued for the member
    synced_at TEXT    NOT NULL
);
CREATE INDEX member_roles_by_group ON member_roles (group_id);
