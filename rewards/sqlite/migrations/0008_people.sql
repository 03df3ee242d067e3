-- Personal data (names, phone, e-mail, consents) live apart from the event
-- log, in a record per account that events refer to by its id, so that
-- forgetting a customer erases them everywhere while the points and the log
-- stay. Nothing replays this table: the log does not hold what is in it.
CREATE TABLE people (
	account_id   INTEGER PRIMARY KEY REFERENCES accounts(id),
	id           TEXT NOT NULL UNIQUE,       -- the reference the events that wrote it carry
	given_name   TEXT NOT NULL DEFAULT '',
	family_name  TEXT NOT NULL DEFAULT '',
	phone        TEXT,                       -- E.164; one household's accounts may share it
	email        TEXT NOT NULL DEFAULT '',
	consent_at   INTEGER,                    -- consent to data processing; NULL: not recorded (v0.1.0 took none)
	marketing_at INTEGER,                    -- consent to marketing; NULL: none, or withdrawn since
	marketing_withdrawn_at INTEGER           -- when a marketing consent was last withdrawn; NULL: never
);
CREATE INDEX people_phone ON people(phone) WHERE phone IS NOT NULL;

-- v0.1.0 kept a phone and a name on the account. An account that a family
-- card pooled away from has no card left and nothing leads to it: its
-- personal data are not kept. A name is split at its first space into the
-- given and the family name. A phone is copied as it was: the upgrade step
-- of this migration (migrate.go) writes it in E.164 form as the program's
-- rules for input do, or says why it could not.
INSERT INTO people (account_id, id, given_name, family_name, phone)
	SELECT a.id,
		lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
			substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
		CASE WHEN instr(trim(a.name), ' ') > 0 THEN substr(trim(a.name), 1, instr(trim(a.name), ' ') - 1) ELSE trim(a.name) END,
		CASE WHEN instr(trim(a.name), ' ') > 0 THEN trim(substr(trim(a.name), instr(trim(a.name), ' ') + 1)) ELSE '' END,
		CASE WHEN trim(a.phone) = '' THEN NULL ELSE a.phone END
	FROM accounts a
	WHERE (a.phone IS NOT NULL OR a.name <> '') AND EXISTS (SELECT 1 FROM cards c WHERE c.account_id = a.id);

-- The event bodies of card issues and registrations lose their phone and
-- name: they say instead whether a phone was registered (the welcome bonus
-- follows from it) and refer to the record of the card's own account. A
-- pooled family card's account is its holder's, whose record is not what
-- the card's events gave: they refer to none (what they gave stayed on the
-- account pooled away from, which is not kept). A retry of such a command,
-- whose request was kept as a hash of the personal data, is answered as a
-- conflict from now on.
UPDATE events SET body = CAST(json_set(CAST(body AS TEXT), '$.with_phone', json('true')) AS BLOB)
	WHERE kind IN ('card.issue', 'card.register') AND coalesce(json_extract(CAST(body AS TEXT), '$.phone'), '') <> '';
UPDATE events SET body = CAST(json_set(CAST(events.body AS TEXT), '$.person', p.id) AS BLOB)
	FROM cards c JOIN people p ON p.account_id = c.account_id
	WHERE events.kind IN ('card.issue', 'card.register') AND NOT c.pooled
		AND c.number = coalesce(json_extract(CAST(events.body AS TEXT), '$.number'), json_extract(CAST(events.body AS TEXT), '$.card'))
		AND (coalesce(json_extract(CAST(events.body AS TEXT), '$.phone'), '') <> '' OR coalesce(json_extract(CAST(events.body AS TEXT), '$.name'), '') <> '');
UPDATE events SET body = CAST(json_remove(CAST(body AS TEXT), '$.phone', '$.name') AS BLOB), request = NULL
	WHERE kind IN ('card.issue', 'card.register')
		AND (json_extract(CAST(body AS TEXT), '$.phone') IS NOT NULL OR json_extract(CAST(body AS TEXT), '$.name') IS NOT NULL);

-- The account keeps what the points need.
CREATE TABLE accounts_new (
	id             INTEGER PRIMARY KEY,
	member_since   INTEGER,
	welcome_at     INTEGER,                  -- when the welcome bonus was granted
	debt           INTEGER NOT NULL DEFAULT 0 CHECK (debt >= 0),
	purchase_total INTEGER NOT NULL DEFAULT 0,
	sweep_at       INTEGER                   -- next lot expiry or voucher lapse
);
INSERT INTO accounts_new (id, member_since, welcome_at, debt, purchase_total, sweep_at)
	SELECT id, member_since, welcome_at, debt, purchase_total, sweep_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
