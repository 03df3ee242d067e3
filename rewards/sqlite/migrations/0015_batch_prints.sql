-- The cards of batches (rewards.BatchCardID: card i of batch B is issued
-- with the client id "B/i", not handed over) and the print job that
-- printed each first, so that a batch whose printing failed after its cards
-- were issued leaves them findable (tochkactl card list --unprinted), not
-- on a terminal's scrollback only. A card is put here by the command that
-- issues it. A print is no fact of the points ledger (it changes no balance
-- and no card): no event records it, and check's replay leaves the job
-- columns alone, as it does devices.
CREATE TABLE batch_cards (
	number     TEXT PRIMARY KEY REFERENCES cards(number),
	batch      TEXT NOT NULL,
	idx        INTEGER NOT NULL,            -- the card's place in its batch, from 0
	job        TEXT,                        -- the print job that printed it first: a CUPS job id, a file's path; NULL: none yet; '': issued before prints were recorded
	printed_at INTEGER,                     -- Unix ms
	UNIQUE (batch, idx)
) WITHOUT ROWID;
CREATE INDEX batch_cards_unprinted ON batch_cards (batch, idx) WHERE job IS NULL;

-- The batches issued before: whether their cards were printed is not
-- known, and listing them all as unprinted would bury a batch that is.
-- They are recorded as printed by no known job ('').
INSERT INTO batch_cards (number, batch, idx, job)
	SELECT c.number,
		substr(e.key, 1, length(rtrim(e.key, '0123456789')) - 1),
		CAST(substr(e.key, length(rtrim(e.key, '0123456789')) + 1) AS INTEGER),
		''
	FROM events e JOIN cards c ON c.number = json_extract(CAST(e.body AS TEXT), '$.number')
	WHERE e.kind = 'card.issue'
		AND json_extract(CAST(e.body AS TEXT), '$.handed') = 0
		AND rtrim(e.key, '0123456789') LIKE '_%/'
		AND length(e.key) - length(rtrim(e.key, '0123456789')) BETWEEN 1 AND 9
		AND (substr(e.key, length(rtrim(e.key, '0123456789')) + 1, 1) <> '0'
			OR length(e.key) = length(rtrim(e.key, '0123456789')) + 1);
