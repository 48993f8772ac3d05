-- Edits through the outbox. A message may replace what an earlier one shows (a daily post's solve
-- counter, a pairing DM's buttons once both confirmed): `edit_of` holds that message's key. It goes to
-- the same destination, so it is delivered after the message it edits, and the platform ref kept for
-- that message (`ref`) says what to edit. An edit whose message was never delivered is dropped.
ALTER TABLE outbox ADD COLUMN edit_of TEXT;
-- "Is a newer edit of the same message waiting?", asked of each edit at its turn.
CREATE INDEX outbox_edits ON outbox (edit_of, id) WHERE edit_of IS NOT NULL;
