-- Schema 7: what this node knows of other nodes' pools. Every pool-signed document received
-- from (or fetched for) a remote pool is kept only after its FEP-8b32 proof verified with a key
-- of its author's assertionMethod; verified_by is that key's id. A ballot of a remote proposal
-- (one a local member sent, or one fetched from the pool's public ballots collection) is kept
-- the same way, verified against its voter's key (or the pool's, for an attested ballot).

CREATE TABLE remote_documents (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('Proposal', 'Electorate', 'Tally', 'LedgerEntry', 'Ballot')),
    pool_uri TEXT NOT NULL,
    proposal_uri TEXT,
    document TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX remote_documents_proposal ON remote_documents (proposal_uri, type);
CREATE INDEX remote_documents_pool ON remote_documents (pool_uri, type);

-- Our own recount of a remote proposal's final Tally from the signed proposal, electorate and
-- ballots: 'matches', 'mismatch' (differences_json names each differing field, both values)
-- or 'incomplete' (an input could not be had; differences_json says which).
CREATE TABLE remote_recounts (
    proposal_uri TEXT PRIMARY KEY,
    tally_uri TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('matches', 'mismatch', 'incomplete')),
    recount_json TEXT,
    differences_json TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
