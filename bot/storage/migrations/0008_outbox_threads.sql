-- Threads through the outbox. A message may be a reply in the thread of an earlier one: `thread_of`
-- holds that message's key (the core's own id for it). Each delivered message keeps what the platform
-- returned for it in `ref` (a Discord message id, a Slack ts), written in the same statement that marks
-- it delivered, so a thread can be opened on it even after a restart. The core never reads inside `ref`.
ALTER TABLE outbox ADD COLUMN thread_of TEXT;
ALTER TABLE outbox ADD COLUMN ref TEXT;
