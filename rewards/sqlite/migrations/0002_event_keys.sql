-- Idempotency by the caller's own id. The event UUID is derived from (kind,
-- client id), so it is as unique as they are, but it is random: an index on
-- it puts every new event on a different page. Tills number their receipts
-- in order, so an index on the client id writes where the last one wrote.
-- The UUID of an event with a client id follows from it and is not stored;
-- events without a client id are keyed by their (random) UUID.
CREATE TABLE events_new (
	seq      INTEGER PRIMARY KEY,
	id       TEXT,                           -- UUID of an event without a client id (random, or as it came); NULL: rewards.EventID(kind, key)
	kind     TEXT NOT NULL,
	key      TEXT NOT NULL,                  -- the client's id, or the UUID
	device   TEXT NOT NULL,
	at       INTEGER NOT NULL,               -- business time
	request  BLOB,                           -- SHA-256 of the caller's request; NULL: the body is the request
	body     BLOB NOT NULL,                  -- the command as applied (a receipt's lines live here)
	result   BLOB NOT NULL DEFAULT x'',      -- the first result, returned to repeats; empty: rebuilt from body and applied (receipts)
	uploaded INTEGER NOT NULL DEFAULT 0,
	UNIQUE (kind, key)
);
INSERT INTO events_new (seq, id, kind, key, device, at, request, body, result, uploaded)
	SELECT seq, id, kind, coalesce(nullif(json_extract(CAST(body AS TEXT), '$.id'), ''), id), device, at, request, body, result, uploaded
	FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
