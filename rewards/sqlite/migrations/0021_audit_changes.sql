-- Changes made in the ledger that no event of the log records, for the
-- audit trail: what was done to a staff member (added, given a new PIN,
-- given a staff card or having it taken away; staff.go says why these are
-- no events) and a conflict resolved. subject is what it was done to: the
-- member's number, the conflict's id. after is the last event's seq as it
-- was done, so that the trail lists it after that event.
CREATE TABLE audit_changes (
	id      INTEGER PRIMARY KEY,
	after   INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	kind    TEXT NOT NULL CHECK (kind IN ('staff.add', 'staff.pin', 'staff.card', 'conflict.resolve')),
	subject TEXT NOT NULL,
	device  TEXT NOT NULL,
	staff   TEXT
);
CREATE INDEX audit_changes_at ON audit_changes(at);
