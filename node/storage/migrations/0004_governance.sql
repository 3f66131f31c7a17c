-- Schema 4: proposals, electorates, ballots, tallies and the ledger of pools.
-- (Owned by the pools-over-the-network work, issue 5; replace this placeholder there.)
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY
);
