-- The personal data an enrolment typed at the kiosk travel with its event
-- as they were typed: kept with the event in its outbox row (JSON of
-- rewards.Details), not read again from the person record, which a later
-- registration may have changed, so that the event uploaded again is the
-- same event. NULL: the event typed none, or the server has applied it.
ALTER TABLE outbox ADD COLUMN personal TEXT;
