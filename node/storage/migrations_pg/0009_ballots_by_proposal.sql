-- Schema (PostgreSQL) 9: a proposal's ballots in arrival order straight from an index, for the count
-- (every ballot, oldest first) and the paged ballots collection (newest first, keyset on id).
-- Without it each page sorted every ballot of the proposal in a temporary b-tree.
CREATE INDEX ballots_proposal ON ballots (proposal_id, id);
