-- A replica holds no events of the central ledger, yet a card's history
-- names what made its lots and entries: an accrual's kind, receipt id, time
-- and store, a spend's or a redemption's store. A replica keeps those of
-- the central ledger's events that its lots and entries refer to here;
-- its own events are in events as every ledger's. The central ledger reads
-- its own events and leaves this empty.
CREATE TABLE replica_events (
	seq   INTEGER PRIMARY KEY,             -- the event's seq at the central ledger
	kind  TEXT NOT NULL DEFAULT '',        -- '': known only as an entry's (its store)
	key   TEXT NOT NULL DEFAULT '',        -- its client id: a receipt's id
	at    INTEGER NOT NULL DEFAULT 0,      -- business time, Unix ms
	store TEXT NOT NULL DEFAULT ''
);

-- An outbox row names its event, so that the server's answer finds it by
-- the event's id.
ALTER TABLE outbox ADD COLUMN event TEXT NOT NULL DEFAULT '';
