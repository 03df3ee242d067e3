-- What was done to staff members (added, given a new PIN, given a staff
-- card or having it taken away), which no event of the log records
-- (staff.go says why), for the audit trail: when, by which device and, in
-- a staff session, by which member. after is the last event's seq as it
-- was done, so that the trail lists it after that event.
CREATE TABLE staff_changes (
	id     INTEGER PRIMARY KEY,
	after  INTEGER NOT NULL,
	at     INTEGER NOT NULL,
	kind   TEXT NOT NULL CHECK (kind IN ('staff.add', 'staff.pin', 'staff.card')),
	number TEXT NOT NULL REFERENCES staff(number),
	device TEXT NOT NULL,
	staff  TEXT
);
CREATE INDEX staff_changes_at ON staff_changes(at);
