-- What a return needs of a receipt beyond its body (the program version it
-- was earned under, membership, what was paid with points and the entry
-- that paid it) moves from a table of its own onto the receipt's event, as
-- a small JSON object: a receipt then writes one row fewer.
ALTER TABLE events ADD COLUMN applied TEXT;            -- facts a later command needs; NULL: none
UPDATE events SET applied = json_object(
		'version', r.program_version,
		'member', json(CASE WHEN r.member THEN 'true' ELSE 'false' END),
		'spent', r.spent,
		'spend_entry', r.spend_entry)
	FROM receipts r WHERE r.event_seq = events.seq;

CREATE TABLE receipt_returns_new (
	event_seq INTEGER NOT NULL REFERENCES events(seq),
	line_no   INTEGER NOT NULL,
	returned  INTEGER NOT NULL,
	PRIMARY KEY (event_seq, line_no)
) WITHOUT ROWID;
INSERT INTO receipt_returns_new (event_seq, line_no, returned) SELECT event_seq, line_no, returned FROM receipt_returns;
DROP TABLE receipt_returns;
ALTER TABLE receipt_returns_new RENAME TO receipt_returns;
DROP TABLE receipts;
