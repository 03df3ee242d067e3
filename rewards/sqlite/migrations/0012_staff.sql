-- Staff members, their PIN hashes and lock-outs, and their sessions.
-- Like devices (0011), these are the server's credentials, not facts of
-- the points ledger: no event records them, so that no PIN hash nor
-- session token travels with the log to kiosks (rewards/sqlite/staff.go).
-- Lock-outs and sessions live here, in the ledger, so that every tochkad
-- on one ledger agrees on them.
CREATE TABLE staff (
	number         TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	role           TEXT NOT NULL,
	store          TEXT,                     -- a store's staff member
	coop           TEXT,                     -- a cooperative's staff member
	pin_hash       TEXT NOT NULL,            -- argon2id, PHC form with its parameters
	failures       INTEGER NOT NULL DEFAULT 0, -- wrong PINs in a row
	locked_until   INTEGER,                  -- Unix ms; NULL when not locked
	created_at     INTEGER NOT NULL,         -- Unix ms
	add_request    TEXT UNIQUE,              -- the --request-id it was added with
	CHECK ((store IS NULL) <> (coop IS NULL))
);

-- A session's token is stored only as its SHA-256.
CREATE TABLE staff_sessions (
	token_sha256   TEXT PRIMARY KEY,
	staff          TEXT NOT NULL REFERENCES staff(number),
	device         TEXT NOT NULL,
	expires_at     INTEGER NOT NULL          -- Unix ms; each use moves it on
);

-- The staff member whose session made a change, beside its device: the
-- audit trail. NULL for a change made outside a staff session.
ALTER TABLE events ADD COLUMN staff TEXT;
