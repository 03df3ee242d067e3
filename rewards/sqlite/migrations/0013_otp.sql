-- One-time codes sent by SMS to identify a customer by phone, kept in the
-- ledger so that every tochkad behind a load balancer counts the same
-- codes and tries. A code itself is never stored: only the SHA-256 of a
-- random salt, the phone and the code (rewards.OTPHash). Like devices,
-- codes are no facts of the points ledger and no event records them; a
-- row is deleted once its phone's window (15 minutes) is over.
CREATE TABLE otp_codes (
	id          INTEGER PRIMARY KEY,
	phone       TEXT NOT NULL,      -- E.164
	salt        TEXT NOT NULL,      -- hex, 16 random bytes
	hash        TEXT NOT NULL,      -- hex SHA-256 of salt, phone and code
	created_at  INTEGER NOT NULL,   -- Unix ms
	expires_at  INTEGER NOT NULL,   -- Unix ms
	tries       INTEGER NOT NULL DEFAULT 0,
	used        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX otp_codes_phone ON otp_codes (phone, created_at);
