-- The devices that call the central API with a bearer token: tills,
-- kiosks, managers' and operators' machines. A token is stored only as
-- its SHA-256; the token itself is shown once, when the device is added.
-- Devices are the server's credentials, not facts of the points ledger:
-- no event records them (rewards/sqlite/devices.go says why), so that no
-- token or hash travels with the log to kiosks. A device belongs to
-- exactly one store or one cooperative.
CREATE TABLE devices (
	name           TEXT PRIMARY KEY,
	role           TEXT NOT NULL,
	store          TEXT,                     -- a store's device
	coop           TEXT,                     -- a cooperative's device
	token_sha256   TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the token
	created_at     INTEGER NOT NULL,         -- Unix ms
	revoked_at     INTEGER,                  -- Unix ms; NULL while the token is accepted
	add_request    TEXT UNIQUE,              -- the --request-id it was added with
	CHECK ((store IS NULL) <> (coop IS NULL))
);
