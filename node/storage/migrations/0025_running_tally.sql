-- Schema 23: a clock signs each open proposal's running Tally, never a reader (docs/PROTOCOL.md,
-- "Running tallies"). ballot_row is the row id of the last ballot the stored Tally counted: a
-- proposal with a ballot row after it is due. signed_at (Unix seconds) spaces the signatures of
-- one proposal by the tally_interval, whichever process signs. published_row is ballot_row of
-- the last Tally published as an Update: a Tally stored and not yet published is published by
-- the next round, also after a crash.
ALTER TABLE tallies ADD COLUMN ballot_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN signed_at REAL NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN published_row INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tallies_running ON tallies (proposal_id) WHERE final = 0;
