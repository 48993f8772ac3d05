-- How far each member has gone into the hints of each problem: `problem hint` shows the next tier each
-- time the same member asks about the same problem. A row about a member goes with the member
-- (ON DELETE CASCADE), so `forget-me` removes it with the rest.
CREATE TABLE hint_tiers (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    problem_id TEXT    NOT NULL,
    shown      INTEGER NOT NULL,  -- the 0-based index of the last tier shown
    shown_at   TEXT    NOT NULL,
    PRIMARY KEY (member_id, problem_id)
) WITHOUT ROWID;
