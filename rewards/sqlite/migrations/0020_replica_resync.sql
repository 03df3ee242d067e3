-- The cards of a replica's events the server refused, whose accounts the
-- replica asks for whole (GET /v1/sync/accounts): kept in the transaction
-- that records the refusal, so that a sync cut before it asks asks after.
CREATE TABLE replica_resync (
	card TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Whether the last page a replica pulled said more pages wait: rows come
-- as they stand at the server, so that the replica's entries add up to
-- its lots once it has caught up, not between.
ALTER TABLE replica ADD COLUMN behind INTEGER NOT NULL DEFAULT 0;
