-- The personal data an enrolment typed at the kiosk travel with its event
-- as they were typed: kept with the event in its outbox row (JSON of
-- rewards.Details), not read again from the person record, which a later
-- registration may have changed, so that the event uploaded again is the
-- same event. NULL: the event typed none, or the server has applied it.
ALTER TABLE outbox ADD COLUMN personal TEXT;

-- A replica's lot that its own waiting entries take points from: what the
-- lot held before they took them, as the server last gave it. Taken again
-- after the server's rows are written, a lot may hold less than the
-- kiosk's entries took (the server spent it meanwhile: the lot is held at
-- nothing); what it held is kept here, so that giving the points back
-- gives back what was taken, not more.
CREATE TABLE replica_lots (
	lot_id    INTEGER PRIMARY KEY,
	remaining INTEGER NOT NULL
);

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
