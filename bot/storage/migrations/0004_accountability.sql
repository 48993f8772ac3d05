-- Accountability: check-ins, their daily digests, weekly digests, design prompts, the application tracker.
-- Rows about a member reference members(id) ON DELETE CASCADE, so forget-me removes them with the member.

-- A group without a row here has check-ins on, Mon-Fri 09:00, with the default questions.
CREATE TABLE checkin_settings (
    group_id  INTEGER PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    enabled   INTEGER NOT NULL DEFAULT 1,
    days      TEXT    NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
    time      TEXT    NOT NULL DEFAULT '09:00',
    questions TEXT    NOT NULL  -- JSON list of 1 to 3 questions, answered by the slots done, next, blockers
);

-- One row per member-local day a prompt was due (sent, or skipped because they had already answered).
CREATE TABLE checkin_prompts (
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,
    prompted_at TEXT    NOT NULL,
    nudge       INTEGER NOT NULL DEFAULT 0,  -- this day's prompt was the gentle nudge
    PRIMARY KEY (member_id, local_date)
) WITHOUT ROWID;

CREATE TABLE checkin_answers (
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,  -- member-local: answers can be edited until that day ends
    done        TEXT,
    next        TEXT,
    blockers    TEXT,
    answered_at TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    edits       INTEGER NOT NULL DEFAULT 0,  -- tells a first answer from an edit in one statement
    PRIMARY KEY (member_id, local_date)
) WITHOUT ROWID;
CREATE INDEX checkin_answers_by_group ON checkin_answers (group_id, updated_at);

CREATE TABLE checkin_pauses (
    member_id    INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    paused_until TEXT    NOT NULL  -- member-local date on which prompts start again
);

-- The daily channel digest of answers: one per group and group-local date. An answer goes into the
-- first digest posted after it was given (or edited), so none is lost whatever the members' zones.
CREATE TABLE checkin_digests (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    posted_at  TEXT    NOT NULL,
    answers    INTEGER NOT NULL,
    PRIMARY KEY (group_id, local_date)
) WITHOUT ROWID;

-- The weekly system-design prompt: one per group and week (the group-local Monday).
CREATE TABLE design_weeks (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    week_start TEXT    NOT NULL,
    prompt_id  TEXT    NOT NULL,
    chosen_at  TEXT    NOT NULL,
    PRIMARY KEY (group_id, week_start)
) WITHOUT ROWID;

CREATE TABLE weekly_digests (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    week_start TEXT    NOT NULL,  -- the group-local Monday of the week the digest covers
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (group_id, week_start)
) WITHOUT ROWID;

-- The private application tracker. Nothing here is shown to anyone but its member, except an offer
-- the member chose to announce (announced_at) and counts without names in `group stats`.
CREATE TABLE applications (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    company      TEXT    NOT NULL,
    company_key  TEXT    NOT NULL,  -- lower-cased, for matching what people type
    role         TEXT,
    stage        TEXT    NOT NULL CHECK (stage IN ('applied', 'referral', 'recruiter-screen', 'phone-screen',
                                                   'onsite', 'offer', 'rejected', 'withdrawn')),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    announced_at TEXT,
    UNIQUE (member_id, company_key)
);
