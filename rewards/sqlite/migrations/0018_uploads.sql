-- What the central ledger keeps of kiosks' uploads beside 0016's
-- conflicts (rewards/sqlite/upload.go).

-- The redemptions kiosks made offline that the ledger applied, by the
-- event each was applied as: the program's [spend] offline_cap counts
-- them per kiosk, card and business day.
CREATE TABLE offline_redemptions (
	seq    INTEGER PRIMARY KEY,      -- the redemption's event
	device TEXT NOT NULL,
	card   TEXT NOT NULL,
	day    TEXT NOT NULL,            -- its business day in the program's zone, 2006-01-02
	points INTEGER NOT NULL
);
CREATE INDEX offline_redemptions_cap ON offline_redemptions (device, card, day);

-- The codes of vouchers a kiosk printed offline for redemptions the
-- ledger refused: no till claims them.
CREATE TABLE void_vouchers (
	code     TEXT PRIMARY KEY,
	conflict INTEGER NOT NULL REFERENCES conflicts (id)
) WITHOUT ROWID;

-- A refused upload's error code, so that the same event uploaded again is
-- answered as it was the first time.
ALTER TABLE conflicts ADD COLUMN code TEXT NOT NULL DEFAULT '';
