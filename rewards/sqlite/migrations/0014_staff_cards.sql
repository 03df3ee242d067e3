-- A staff member's staff card: a barcode the kiosk's scanner reads to name
-- the member at login instead of the number being typed (POST
-- /v1/staff/login with {"card":...}). NULL for a member without one; no
-- two members have the same (the index), and the ledger refuses one that
-- is a loyalty card's number (rewards/sqlite/staff.go).
ALTER TABLE staff ADD COLUMN card TEXT;
CREATE UNIQUE INDEX staff_card ON staff (card);
