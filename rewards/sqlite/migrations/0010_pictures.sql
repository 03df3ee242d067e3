-- The reward board's pictures, kept by content: a reward's picture is the
-- hex SHA-256 of the bytes stored here, so that a picture shown by several
-- rewards is stored once and prints on any machine that holds the ledger.
-- Pictures are blobs fetched by hash, not events: no event makes a row.
-- A v0.1.0 ledger named picture files by path instead; the upgrade imports
-- them once after this migration (migrate.go, importPictures).
CREATE TABLE pictures (
	hash       TEXT PRIMARY KEY,             -- hex SHA-256 of bytes
	bytes      BLOB NOT NULL,
	media_type TEXT NOT NULL,                -- image/jpeg or image/png
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL
);
