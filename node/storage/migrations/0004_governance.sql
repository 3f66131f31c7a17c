-- Schema 4: proposals, electorates, ballots, tallies and the ledger of local pools.
-- Every row keeps the signed document it was built from (or published as), so anything the
-- node serves can be re-verified from the stored bytes; *_json columns hold the governance
-- core's to_dict() form. Times are ISO 8601 UTC strings ending in Z (they sort as text).

-- Memberships gain the Join that asked for them (answered by Accept/Reject) and the time of
-- the last change.
ALTER TABLE memberships ADD COLUMN join_activity TEXT;
ALTER TABLE memberships ADD COLUMN updated_at TEXT;

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT UNIQUE,
    author_uri TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closes_at TEXT NOT NULL,
    outcome TEXT,
    proposal_json TEXT NOT NULL,
    document TEXT NOT NULL,
    electorate_document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX proposals_pool ON proposals (pool_id, id);
CREATE INDEX proposals_due ON proposals (state, closes_at);

-- Accepted ballots. attested_by is the pool when the voter's server sent only an
-- HTTP-signed poll reply; otherwise the voter's own proof is in the document.
CREATE TABLE ballots (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    voter_uri TEXT NOT NULL,
    cast_at TEXT NOT NULL,
    ballot_json TEXT NOT NULL,
    document TEXT NOT NULL,
    attested_by TEXT,
    received_at TEXT NOT NULL,
    UNIQUE (proposal_id, uri)
);
CREATE INDEX ballots_voter ON ballots (proposal_id, voter_uri);

-- The latest pool-signed Tally of each proposal (final once the proposal closed).
CREATE TABLE tallies (
    proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    final INTEGER NOT NULL DEFAULT 0,
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Each pool's hash-chained ledger, one pool-signed LedgerEntry document per row.
-- source_uri is the treasurer's request (or the proposal) it was booked for: one booking each.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    source_uri TEXT UNIQUE,
    kind TEXT NOT NULL,
    entry_json TEXT NOT NULL,
    document TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (pool_id, sequence)
);
