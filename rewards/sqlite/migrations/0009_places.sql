-- The records of cooperatives and stores: the names that posters, vouchers
-- and history show instead of ids. Rewards must name recorded places;
-- receipts may come from a store that is not recorded (check lists it).
CREATE TABLE coops (
	id   TEXT PRIMARY KEY,
	body TEXT NOT NULL                       -- the cooperative as JSON
);

CREATE TABLE stores (
	id   TEXT PRIMARY KEY,
	coop TEXT NOT NULL,
	body TEXT NOT NULL                       -- the store as JSON
);
