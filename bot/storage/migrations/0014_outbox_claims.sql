-- The outbox for many deliverers (processes). Messages queue per destination, a channel or a person
-- (for DMs), and go out in id order; a deliverer claims a whole destination with a lease before it
-- sends its oldest message, so no two deliverers send one message, or two messages of one destination
-- at once, and a deliverer that dies is replaced once its lease lapses.

-- Which queue a message is in: 'channel:ID' or 'user:ID' (our ids; outbox's CHECK makes exactly one
-- of channel_id and user_id set). Written by enqueue; filled in here for the rows already queued.
ALTER TABLE outbox ADD COLUMN destination TEXT;
UPDATE outbox SET destination = CASE WHEN channel_id IS NOT NULL THEN 'channel:' || channel_id
                                     ELSE 'user:' || user_id END;
-- A destination's pending messages in id order: its oldest (the head) and the next after a settle are
-- one index probe each, however long the queue or the outbox (delivered rows are not in it).
CREATE INDEX outbox_pending ON outbox (destination, id) WHERE status = 'pending';

-- One row per destination that has pending messages. `ready_at` is when the queue may next be claimed:
-- its head's not_before (a retry's time after a transient failure) while nobody holds it, the end of
-- the lease while a deliverer does (`claimed_by`, renewed with each message settled). So the due query
-- is one range of one index: a queue held by another deliverer, or not yet due, is never even read,
-- and the cost of a claim does not grow with the backlog or with the number of deliverers.
CREATE TABLE outbox_queues (
    destination TEXT PRIMARY KEY,
    ready_at    TEXT NOT NULL,
    claimed_by  TEXT
) WITHOUT ROWID;
CREATE INDEX outbox_queues_ready ON outbox_queues (ready_at);
-- The claims one deliverer holds, to give back at once (a start after a crash, a halt that ended).
CREATE INDEX outbox_queues_claimed ON outbox_queues (claimed_by) WHERE claimed_by IS NOT NULL;
INSERT INTO outbox_queues (destination, ready_at)
    SELECT o.destination, o.not_before FROM outbox o
    WHERE o.status = 'pending'
      AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = 'pending' AND p.destination = o.destination);

-- The DM channel a platform opened for a person (Discord's POST /users/@me/channels), kept so that a
-- restart costs no request per person. It is a platform id, like those in `links`, but of a channel we
-- never map back to ours; it goes with the person (ON DELETE CASCADE: `forget-me`), so a user id used
-- again can never inherit someone else's DMs.
CREATE TABLE dm_channels (
    platform    TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_ref TEXT    NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
CREATE INDEX dm_channels_by_user ON dm_channels (user_id);
