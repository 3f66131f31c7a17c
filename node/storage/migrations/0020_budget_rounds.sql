-- Schema 20: budget rounds. A round is a proposal (kind 'budget_round'; its running and final
-- BudgetResult live in tallies); its buckets and its members' allocations live here, each with
-- the signed document it was built from.

-- Buckets the pool accepted: number n is the bucket {round}/buckets/{n}, given in the order
-- they were accepted under the pool's lock. source_uri is the member's draft: one bucket each.
CREATE TABLE budget_buckets (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT UNIQUE,
    proposer_uri TEXT NOT NULL,
    bucket_json TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (proposal_id, number)
);
CREATE INDEX budget_buckets_proposer ON budget_buckets (proposal_id, proposer_uri);

-- Every accepted allocation, as its member signed it. Of one member's allocations the one with
-- the greatest (sequence, published, id) counts; one per (member, sequence) when numbered.
CREATE TABLE budget_allocations (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    voter_uri TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    allocation_json TEXT NOT NULL,
    document TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (proposal_id, uri)
);
CREATE UNIQUE INDEX budget_allocations_voter_sequence
    ON budget_allocations (proposal_id, voter_uri, sequence) WHERE sequence > 0;
CREATE INDEX budget_allocations_voter ON budget_allocations (proposal_id, voter_uri);

-- Other nodes' rounds: their buckets and results are kept verified like their tallies, and the
-- allocations a recount reads like ballots. SQLite cannot change a CHECK in place: the table
-- is rebuilt with the same columns, rows and indexes.
CREATE TABLE remote_documents_17 (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('Proposal', 'Electorate', 'Tally', 'LedgerEntry', 'Ballot',
                                       'Bucket', 'Allocation', 'BudgetResult')),
    pool_uri TEXT NOT NULL,
    proposal_uri TEXT,
    document TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
INSERT INTO remote_documents_17 (id, uri, type, pool_uri, proposal_uri, document, verified_by,
                                 verified_at, received_at)
    SELECT id, uri, type, pool_uri, proposal_uri, document, verified_by, verified_at, received_at
    FROM remote_documents;
DROP TABLE remote_documents;
ALTER TABLE remote_documents_17 RENAME TO remote_documents;
CREATE INDEX remote_documents_proposal ON remote_documents (proposal_uri, type);
CREATE INDEX remote_documents_pool ON remote_documents (pool_uri, type);
