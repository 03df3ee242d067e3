-- Sync between the central ledger and kiosks' replicas (rewards/replica).
-- Both kinds of ledger have every table; each fills its own.

-- The central ledger's side.

-- What a kiosk uploaded and the ledger could not honour as it was made:
-- an event refused (its rights, a card blocked meanwhile, a reward out of
-- stock, a redemption over the offline cap), an offline redemption
-- applied as debt, an event dated ahead of the clock. A manager closes it
-- with a note; nothing is deleted.
CREATE TABLE conflicts (
	id          INTEGER PRIMARY KEY,
	device      TEXT NOT NULL,               -- the kiosk that uploaded it
	staff       TEXT,                        -- whose session made it; NULL: none
	event       TEXT NOT NULL,               -- the uploaded event's id
	kind        TEXT NOT NULL,
	card        TEXT NOT NULL DEFAULT '',    -- the card it concerns, when one
	at          INTEGER NOT NULL,            -- its business time, Unix ms
	outcome     TEXT NOT NULL,               -- rejected | debt | ahead
	key         TEXT NOT NULL,               -- the catalog key of what happened
	args        TEXT NOT NULL DEFAULT '{}',  -- its arguments, JSON
	body        BLOB NOT NULL,               -- the event's body as uploaded
	recorded_at INTEGER NOT NULL,            -- Unix ms
	resolved_at INTEGER,                     -- Unix ms; NULL while open
	resolved_by TEXT,                        -- the staff member or device that closed it
	note        TEXT,
	UNIQUE (event, outcome)
);
CREATE INDEX conflicts_open ON conflicts (id) WHERE resolved_at IS NULL;

-- Card numbers leased to kiosks, which issue them offline: a number here
-- is no card yet, and no other kiosk nor the ledger itself draws it.
CREATE TABLE card_leases (
	number    TEXT PRIMARY KEY,
	device    TEXT NOT NULL,
	leased_at INTEGER NOT NULL               -- Unix ms
) WITHOUT ROWID;
CREATE INDEX card_leases_device ON card_leases (device);

-- A replica's side. A ledger with a row here is a kiosk's replica: it
-- holds the central ledger's rows with their ids (below LocalIDs), its own
-- events and what they wrote (from LocalIDs on), and no log of the
-- central ledger's events.
CREATE TABLE replica (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	upstream     TEXT NOT NULL,              -- the central API's base URL
	token        TEXT NOT NULL,              -- the kiosk's device token
	device       TEXT NOT NULL DEFAULT '',   -- the kiosk's name at the server
	store        TEXT NOT NULL DEFAULT '',   -- its store ('' for a cooperative's)
	coop         TEXT NOT NULL DEFAULT '',
	cursor       TEXT NOT NULL DEFAULT '',   -- the change feed's cursor; '': not bootstrapped
	staff_digest TEXT NOT NULL DEFAULT '',   -- of the staff last pulled
	pulled_at    INTEGER,                    -- last successful pull, Unix ms
	pushed_at    INTEGER,                    -- last successful upload, Unix ms
	online       INTEGER NOT NULL DEFAULT 0, -- the last call reached the server
	conflicts    INTEGER NOT NULL DEFAULT 0, -- open conflicts, as the server last said
	last_error   TEXT NOT NULL DEFAULT ''
);

-- The replica's own events waiting for the server: answered, an event
-- leaves the outbox; its row in events stays until the server's effects of
-- it replace what the kiosk computed (or, refused, what it computed is
-- undone).
CREATE TABLE outbox (
	seq    INTEGER PRIMARY KEY,              -- the event's seq in this replica
	staff  TEXT,                             -- whose session made it
	state  TEXT NOT NULL DEFAULT 'waiting'   -- waiting | applied
);

-- Points of an account's entries a replica no longer holds (it keeps the
-- last 50 history entries): its check adds them to the entries it holds.
CREATE TABLE replica_trimmed (
	account_id INTEGER PRIMARY KEY,
	points     INTEGER NOT NULL
);

-- The card numbers the server leased to this kiosk and it has not used.
CREATE TABLE replica_numbers (
	number TEXT PRIMARY KEY
) WITHOUT ROWID;
