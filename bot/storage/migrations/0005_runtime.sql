-- Small facts about the running bot that must survive a restart (e.g. where a simulated clock stood).
CREATE TABLE runtime (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
