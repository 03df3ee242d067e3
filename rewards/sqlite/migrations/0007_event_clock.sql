-- The ledger host's clock when an event was recorded, where its business
-- time was ahead of it (within [ledger] max_clock_skew): time then recorded
-- nothing later than the clock, and a replay must stop where it stopped.
-- NULL: the event was not dated ahead of the clock.
ALTER TABLE events ADD COLUMN clock INTEGER;
