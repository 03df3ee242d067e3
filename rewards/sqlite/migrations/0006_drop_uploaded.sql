-- Nothing ever read or set events.uploaded: a kiosk's outbox is a sync
-- concern, and sync keeps its own state.
ALTER TABLE events DROP COLUMN uploaded;
