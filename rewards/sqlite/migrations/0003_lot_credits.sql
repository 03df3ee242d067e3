-- An accrual is written once, as its lot: the lot carries the card its
-- entry carried; its kind, reference and time are its event's (a lot's id
-- is its event's seq); entries hold every other movement. An account's
-- balance from its entries is then the sum of its lots' points and of its
-- entries.
--
-- Pooling moves a family card's lots into the holder's account, so it now
-- moves the card's entries with them: every entry belongs to the account its
-- card belongs to.
ALTER TABLE lots ADD COLUMN card TEXT NOT NULL DEFAULT '';
UPDATE lots SET card = e.card
	FROM entries e WHERE e.event_seq = lots.id AND e.kind IN ('earn', 'welcome');
DELETE FROM entries WHERE kind IN ('earn', 'welcome');
UPDATE entries SET account_id = c.account_id FROM cards c WHERE c.number = entries.card AND entries.account_id <> c.account_id;

-- A lot also carries the amount of the purchase that earned it, so that a
-- receipt changes no account row: an account's purchase total is its own
-- purchase_total (purchases that earned nothing, and totals carried over by
-- pooling) plus the amounts of its lots. Earlier lots are already counted in
-- purchase_total, so they carry 0.
ALTER TABLE lots ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
