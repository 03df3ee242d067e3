-- The ledger of one program. Times are Unix milliseconds (UTC); NULL means
-- "not yet" or "never" as each column says.

CREATE TABLE programs (
	version      INTEGER PRIMARY KEY,
	body         TEXT NOT NULL,              -- the program as JSON
	installed_at INTEGER NOT NULL
);

-- Every change, in the order this database applied it: the outbox a kiosk
-- uploads and the log a replay reads.
CREATE TABLE events (
	seq      INTEGER PRIMARY KEY,
	id       TEXT NOT NULL UNIQUE,           -- UUID, the idempotency key
	kind     TEXT NOT NULL,
	device   TEXT NOT NULL,
	at       INTEGER NOT NULL,               -- business time
	request  BLOB,                           -- SHA-256 of the caller's request; NULL: the body is the request
	body     BLOB NOT NULL,                  -- the command as applied (a receipt's lines live here)
	result   BLOB NOT NULL,                  -- the first result, returned to repeats
	uploaded INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
	id             INTEGER PRIMARY KEY,
	phone          TEXT UNIQUE,
	name           TEXT NOT NULL DEFAULT '',
	member_since   INTEGER,
	welcome_at     INTEGER,                  -- when the welcome bonus was granted
	debt           INTEGER NOT NULL DEFAULT 0 CHECK (debt >= 0),
	purchase_total INTEGER NOT NULL DEFAULT 0,
	sweep_at       INTEGER                   -- next lot expiry or voucher lapse
);

CREATE TABLE cards (
	number      TEXT PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts(id),
	issued_at   INTEGER NOT NULL,
	handed_at   INTEGER,
	active_from INTEGER,
	blocked_at  INTEGER,
	replaced_by TEXT REFERENCES cards(number),
	holder      TEXT REFERENCES cards(number),
	pooled      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cards_account ON cards(account_id);
CREATE INDEX cards_holder ON cards(holder) WHERE holder IS NOT NULL;
CREATE INDEX cards_replaced_by ON cards(replaced_by) WHERE replaced_by IS NOT NULL;

-- A lot's id is the seq of the event that created it: an event creates at
-- most one lot (a receipt's earnings, a registration's welcome bonus).
CREATE TABLE lots (
	id             INTEGER PRIMARY KEY REFERENCES events(seq) DEFERRABLE INITIALLY DEFERRED,
	account_id     INTEGER NOT NULL REFERENCES accounts(id),
	points         INTEGER NOT NULL CHECK (points > 0),
	remaining      INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
	available_from INTEGER NOT NULL,
	expires_at     INTEGER
);
CREATE INDEX lots_account ON lots(account_id);

CREATE TABLE entries (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	card       TEXT NOT NULL,
	event_seq  INTEGER NOT NULL REFERENCES events(seq) DEFERRABLE INITIALLY DEFERRED,
	kind       TEXT NOT NULL,
	points     INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	ref        TEXT NOT NULL DEFAULT '',
	reverses   INTEGER REFERENCES entries(id)
);
CREATE INDEX entries_card ON entries(card);

-- Which lots an entry took points from (positive) or gave back to (negative).
CREATE TABLE allocations (
	entry_id INTEGER NOT NULL REFERENCES entries(id),
	lot_id   INTEGER NOT NULL REFERENCES lots(id),
	points   INTEGER NOT NULL,
	PRIMARY KEY (entry_id, lot_id)
) WITHOUT ROWID;

-- What a return needs of a receipt beyond its event body (card, time and
-- lines): the rules it was earned under and what was paid with points. Its
-- earnings lot, if any, is the lot whose id is event_seq.
CREATE TABLE receipts (
	event_seq       INTEGER PRIMARY KEY REFERENCES events(seq) DEFERRABLE INITIALLY DEFERRED,
	program_version INTEGER NOT NULL,
	member          INTEGER NOT NULL,
	spent           INTEGER NOT NULL,
	spend_entry     INTEGER REFERENCES entries(id) DEFERRABLE INITIALLY DEFERRED
);

-- How many of each receipt line came back, written by returns only.
CREATE TABLE receipt_returns (
	event_seq INTEGER NOT NULL REFERENCES receipts(event_seq),
	line_no   INTEGER NOT NULL,
	returned  INTEGER NOT NULL,
	PRIMARY KEY (event_seq, line_no)
) WITHOUT ROWID;

CREATE TABLE rewards (
	id    TEXT PRIMARY KEY,
	coop  TEXT NOT NULL,
	store TEXT NOT NULL,
	body  TEXT NOT NULL                      -- the reward as JSON
);

CREATE TABLE vouchers (
	code        TEXT PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts(id),
	card        TEXT NOT NULL,
	reward_id   TEXT NOT NULL,
	names       TEXT NOT NULL,
	points      INTEGER NOT NULL,
	store       TEXT NOT NULL,
	status      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	valid_until INTEGER NOT NULL,
	closed_at   INTEGER,
	entry_id    INTEGER NOT NULL REFERENCES entries(id)
);
CREATE INDEX vouchers_open ON vouchers(account_id) WHERE status = 'open';
