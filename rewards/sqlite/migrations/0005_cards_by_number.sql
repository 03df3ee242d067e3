-- Cards are looked up by number, a receipt at a time: kept in number order
-- (WITHOUT ROWID), a look-up reads one tree instead of an index and then
-- the table.
CREATE TABLE cards_new (
	number      TEXT PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts(id),
	issued_at   INTEGER NOT NULL,
	handed_at   INTEGER,
	active_from INTEGER,
	blocked_at  INTEGER,
	replaced_by TEXT REFERENCES cards(number),
	holder      TEXT REFERENCES cards(number),
	pooled      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO cards_new (number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled)
	SELECT number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled FROM cards;
DROP TABLE cards;
ALTER TABLE cards_new RENAME TO cards;
CREATE INDEX cards_account ON cards(account_id);
CREATE INDEX cards_holder ON cards(holder) WHERE holder IS NOT NULL;
CREATE INDEX cards_replaced_by ON cards(replaced_by) WHERE replaced_by IS NOT NULL;
